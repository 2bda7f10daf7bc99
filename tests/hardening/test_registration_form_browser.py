"""Issue 11, finding 5: on the registration form the customer-request group is required, not each box.

The red asterisk is drawn by CSS (``::after``) and is what a person sees: read it in a real browser."""

import pytest

from accounts.roles import Role
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ASTERISK = "el => getComputedStyle(el, '::after').content"


def test_the_customer_request_group_carries_one_asterisk_and_no_box_does(page, live_server, login, users):
    login(page, live_server, users[Role.CS_AGENT].username, PASSWORD)
    page.goto(f"{live_server.url}/feedback/new/")

    group = page.get_by_test_id("customer-requests")
    boxes = group.locator("label.form-check-label")
    assert boxes.count() == 6
    for i in range(boxes.count()):
        assert boxes.nth(i).evaluate(ASTERISK) in ("none", "normal"), boxes.nth(i).inner_text()
    legend = page.get_by_test_id("customer-requests-label")
    assert legend.inner_text().strip() == "客户诉求"
    assert "*" in legend.evaluate(ASTERISK)
    # the other required fields keep theirs
    assert "*" in page.locator("label[for=id_customer_name]").evaluate(ASTERISK)
    assert page.locator("label[for=id_serial_number]").evaluate(ASTERISK) in ("none", "normal")
