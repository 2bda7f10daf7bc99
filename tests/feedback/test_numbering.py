"""PF numbers (DOMAIN.md step 2): PF + year + month + serial, per Asia/Shanghai month, unique, no gaps."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connection, transaction

from accounts.roles import Role
from feedback.models import Feedback, NumberSequence
from feedback.numbering import next_number
from feedback.services import feedback_register, feedback_void
from tests.factories import ProductModelFactory, UserFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def _complete_data(model, when):
    return {
        "customer_name": "张先生",
        "contact_phone": "13812345678",
        "product_model": model,
        "purchase_date": dt.date(2024, 3, 15),
        "feedback_time": when,
        "channel": "hotline",
        "description": "空调不制冷",
        "customer_requests": ["repair"],
    }


def test_number_is_pf_year_month_and_three_digit_serial():
    at = dt.datetime(2024, 5, 10, 14, 30, tzinfo=SHANGHAI)
    with transaction.atomic():
        assert next_number("PF", at) == "PF202405001"
        assert next_number("PF", at) == "PF202405002"


def test_serial_restarts_in_a_new_shanghai_month_even_when_utc_is_still_in_the_old_one():
    may_end = dt.datetime(2024, 5, 31, 23, 59, tzinfo=SHANGHAI)
    june_start = dt.datetime(2024, 6, 1, 0, 1, tzinfo=SHANGHAI)  # 2024-05-31 16:01 UTC
    with transaction.atomic():
        assert next_number("PF", may_end) == "PF202405001"
        assert next_number("PF", june_start) == "PF202406001"
        assert next_number("PF", may_end) == "PF202405002"


def test_serial_past_999_simply_grows():
    NumberSequence.objects.create(key="PF202405", last_value=998)
    at = dt.datetime(2024, 5, 20, 9, 0, tzinfo=SHANGHAI)
    with transaction.atomic():
        assert next_number("PF", at) == "PF202405999"
        assert next_number("PF", at) == "PF2024051000"


def test_a_registration_that_fails_leaves_no_gap():
    at = dt.datetime(2024, 5, 20, 9, 0, tzinfo=SHANGHAI)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number("PF", at)
        raise RuntimeError("the save failed after the number was drawn")
    with transaction.atomic():
        assert next_number("PF", at) == "PF202405001"


def test_registration_gets_its_number_on_first_save_even_as_a_draft_and_a_voided_number_is_never_reused():
    agent = UserFactory(role=Role.CS_AGENT)
    admin = UserFactory(role=Role.ADMINISTRATOR)
    draft = feedback_register(actor=agent, data={"customer_name": "李女士"}, complete=False)
    assert draft.number.startswith("PF") and draft.number.endswith("001")

    feedback_void(feedback=draft, actor=admin, reason="重复录入")
    second = feedback_register(actor=agent, data={"customer_name": "王先生"}, complete=False)

    assert second.number.endswith("002")
    draft.refresh_from_db()
    assert draft.number.endswith("001") and draft.status == "voided"


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_registrations_get_fifty_distinct_numbers_without_a_gap():
    agent = UserFactory(role=Role.CS_AGENT)
    model = ProductModelFactory()
    now = dt.datetime.now(tz=SHANGHAI)
    barrier = threading.Barrier(50)
    numbers, errors = [], []
    lock = threading.Lock()

    def register():
        try:
            barrier.wait(timeout=30)
            feedback = feedback_register(actor=agent, data=_complete_data(model, now), complete=True)
            with lock:
                numbers.append(feedback.number)
        except Exception as exc:  # the assertion below reports it
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(set(numbers)) == 50
    prefix = f"PF{now:%Y%m}"
    assert sorted(int(n.removeprefix(prefix)) for n in numbers) == list(range(1, 51))
    assert Feedback.objects.count() == 50
