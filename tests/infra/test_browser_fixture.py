"""The browser fixtures: Debian's Chromium renders the Chinese login page with real glyphs, `login` logs in, and
`screenshot` writes a PNG under test-results/."""

import pytest

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GLYPH_PROBE = """
([text, missing]) => {
  const draw = (s) => {
    const c = document.createElement("canvas");
    c.width = 200; c.height = 60;
    const g = c.getContext("2d");
    g.font = "40px sans-serif";
    g.fillText(s, 5, 45);
    return c.toDataURL();
  };
  return {text: draw(text), missing: draw(missing)};
}
"""


def test_the_login_page_is_in_chinese_and_chinese_renders_with_real_glyphs(page, live_server):
    page.goto(f"{live_server.url}/login/")

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "登录" in page.content()
    # A character no font has is drawn as a box; without CJK fonts 反馈 would be drawn as the same boxes.
    drawn = page.evaluate(GLYPH_PROBE, ["反馈", "\U000f0000\U000f0001"])
    assert drawn["text"] != drawn["missing"], "Chinese renders as boxes: install fonts-noto-cjk"


def test_login_fills_the_form_and_lands_on_the_workspace_and_screenshot_saves_a_png(
    page, live_server, login, screenshot
):
    User.objects.create_user(username="fixture-user", password="Fixture-pass-2026", name="测试用户")

    login(page, live_server, "fixture-user", "Fixture-pass-2026")

    assert "/login" not in page.url
    assert "测试用户" in page.content()  # the logged-in user's name is on the page
    assert any(c["name"] == "sessionid" for c in page.context.cookies())
    path = screenshot("after-login")
    assert path.name == "after-login.png" and path.parent.parent.name == "screenshots"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
