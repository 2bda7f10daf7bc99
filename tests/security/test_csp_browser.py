"""Hardening: every page keeps working under the Content-Security-Policy (script-src 'self', style-src 'self', no
inline script, no inline style): a real browser opens the pages of each kind, the admin's and the API
documentation included, records every policy violation and every console error, and uses the scripts the pages
depend on (the language switch, the htmx bell, the admin's role selector, Swagger UI)."""

import pytest

from accounts.roles import Role
from tests.factories import PASSWORD
from tests.factories.capa import Loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
});
"""


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH)
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def _visit(page, errors, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert response.headers.get("content-security-policy"), url
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__violations")
    assert violations == [], f"{url}: {violations}"
    assert errors == [], f"{url}: {errors}"


def test_the_pages_of_each_role_work_under_the_policy(watched, live_server, login, users, departments):
    page, errors = watched
    loop = Loop(users, departments)
    loop.to_capa_in_progress()
    number, capa = loop.feedback.number, loop.capa.number
    base = live_server.url

    _visit(page, errors, f"{base}/login/")
    login(page, live_server, users[Role.QUALITY_ENGINEER].username, PASSWORD)
    for path in (
        "/",
        "/feedback/",
        f"/feedback/{number}/",
        f"/feedback/{number}/contact-add/",
        "/capa/",
        f"/capa/{capa}/",
        "/notifications/",
    ):
        _visit(page, errors, base + path)
    # the bell is refreshed by htmx, the language switch is a select that sends its form
    page.goto(f"{base}/feedback/")
    page.get_by_test_id("language-switch").locator("select").select_option("en")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.evaluate("window.__violations") == [] and errors == []


def test_the_registration_form_works_under_the_policy(watched, live_server, login, users):
    page, errors = watched
    login(page, live_server, users[Role.CS_AGENT].username, PASSWORD)
    _visit(page, errors, f"{live_server.url}/feedback/new/")


def test_the_admin_and_the_calendar_work_under_the_policy(watched, live_server, login, users):
    page, errors = watched
    login(page, live_server, users[Role.ADMINISTRATOR].username, PASSWORD)
    base = live_server.url
    agent = users[Role.CS_AGENT]
    for path in (
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{agent.pk}/change/",
        f"/admin/accounts/user/{agent.pk}/history/",
        "/admin/auth/group/",
        "/calendar/2026/",
    ):
        _visit(page, errors, base + path)
    page.goto(f"{base}/admin/accounts/user/{agent.pk}/change/")
    assert page.locator(".selector").first.is_visible()  # the role selector is built by the admin's script


def test_the_api_documentation_works_under_the_policy(watched, live_server, login, users):
    page, errors = watched
    login(page, live_server, users[Role.QUALITY_ENGINEER].username, PASSWORD)
    _visit(page, errors, f"{live_server.url}/api/docs/")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 4
