"""Issue 11, finding 9: the brakes hold across web processes. There was no CACHES setting, so the login limiter
counted per process: with three gunicorn workers, 25 wrong tries and then the right one still logged in.

Here a real gunicorn with three worker processes, each login attempt on a new connection (so the attempts are
spread over the processes): after 25 wrong passwords the right one is refused, through the form and the API."""

import re

import pytest
import requests

from accounts.roles import Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _attempt(server, username: str, password: str) -> requests.Response:
    """One login through the form, as a browser does it (the page first, for its CSRF token), on new
    connections."""
    with requests.Session() as browser:
        browser.headers["Connection"] = "close"
        page = browser.get(f"{server.url}/login/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return browser.post(
            f"{server.url}/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{server.url}/login/"},
            allow_redirects=False,
            timeout=30,
        )


def test_twenty_five_wrong_passwords_over_three_processes_then_the_right_one_is_refused(web_server_factory):
    UserFactory(username="spread", role=Role.QUALITY_ENGINEER)
    server = web_server_factory(workers=3, threads=2)

    wrong = [_attempt(server, "spread", f"wrong-{i}").status_code for i in range(25)]
    right = _attempt(server, "spread", PASSWORD)
    api = requests.get(f"{server.url}/api/feedback/", auth=("spread", PASSWORD), timeout=30)

    assert 302 not in wrong
    assert right.status_code == 403, server.log()[-2000:]
    assert "该账号因多次密码错误已被锁定" in right.text
    assert api.status_code == 403
    pids = set(re.findall(r"Booting worker with pid: (\d+)", server.log()))
    assert len(pids) == 3
