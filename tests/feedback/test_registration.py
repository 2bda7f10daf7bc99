"""Registration rules (DOMAIN.md step 1): drafts, completing, contact validation, timeliness, audit, void."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from core.errors import StaleError
from feedback.history import feedback_history
from feedback.models import Feedback, Status
from feedback.services import feedback_register, feedback_update_registration, feedback_void
from tests.factories import ProductModelFactory, UserFactory
from tests.files import exe_bytes, png_bytes

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return UserFactory(role=Role.CS_AGENT, name="客服小王")


@pytest.fixture
def complete_data():
    return {
        "customer_name": "张先生",
        "contact_phone": "138 1234 5678",
        "product_model": ProductModelFactory(code="KFR-35GW", name="智能空调"),
        "purchase_date": dt.date(2024, 3, 15),
        "feedback_time": dt.datetime(2024, 5, 17, 14, 30, tzinfo=SHANGHAI),
        "channel": "hotline",
        "description": "空调使用1个月后，制冷效果明显下降",
        "customer_requests": ["repair", "exchange"],
    }


def test_complete_registration_is_registered_with_normalised_phone_and_due_the_next_working_day(
    agent, complete_data
):
    registered_at = dt.datetime(2024, 5, 17, 15, 0, tzinfo=SHANGHAI)
    feedback = feedback_register(actor=agent, data=complete_data, complete=True, at=registered_at)

    assert feedback.status == Status.REGISTERED
    assert feedback.contact_phone == "13812345678"
    assert feedback.registered_at == registered_at
    # Friday 14:30 + 1 working day = Monday 2024-05-20 23:59:59 Asia/Shanghai
    assert feedback.registration_due_at.astimezone(SHANGHAI) == dt.datetime(
        2024, 5, 20, 23, 59, 59, tzinfo=SHANGHAI
    )
    assert feedback.registration_late is False


def test_registration_completed_after_its_deadline_is_late(agent, complete_data):
    late = dt.datetime(2024, 5, 21, 9, 0, tzinfo=SHANGHAI)
    feedback = feedback_register(actor=agent, data=complete_data, complete=True, at=late)
    assert feedback.registration_late is True


@pytest.mark.parametrize(
    "field",
    ["customer_name", "product_model", "purchase_date", "channel", "description", "customer_requests"],
)
def test_completing_needs_every_required_field(agent, complete_data, field):
    complete_data[field] = [] if field == "customer_requests" else None
    with pytest.raises(ValidationError) as exc:
        feedback_register(actor=agent, data=complete_data, complete=True)
    assert field in exc.value.message_dict
    assert Feedback.objects.count() == 0


def test_completing_needs_a_phone_or_an_email(agent, complete_data):
    complete_data["contact_phone"] = ""
    with pytest.raises(ValidationError) as exc:
        feedback_register(actor=agent, data=complete_data, complete=True)
    assert "contact_phone" in exc.value.message_dict

    complete_data["contact_email"] = "zhang@example.com"
    assert feedback_register(actor=agent, data=complete_data, complete=True).status == Status.REGISTERED


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0755-12345678", "0755-12345678"),
        ("(010)87654321", "010-87654321"),
        ("02112345678", "021-12345678"),
        ("0571 8765432-801", "0571-8765432-801"),
    ],
)
def test_mainland_mobiles_and_landlines_with_area_code_are_accepted(agent, complete_data, typed, stored):
    complete_data["contact_phone"] = typed
    assert feedback_register(actor=agent, data=complete_data, complete=True).contact_phone == stored


@pytest.mark.parametrize("typed", ["12345", "12812345678", "87654321", "138123456789", "电话13812345678"])
def test_bad_phone_numbers_are_refused_even_in_a_draft(agent, typed):
    with pytest.raises(ValidationError) as exc:
        feedback_register(
            actor=agent, data={"customer_name": "李女士", "contact_phone": typed}, complete=False
        )
    assert "contact_phone" in exc.value.message_dict


def test_purchase_after_the_feedback_time_is_refused(agent, complete_data):
    complete_data["purchase_date"] = dt.date(2024, 5, 18)
    with pytest.raises(ValidationError) as exc:
        feedback_register(actor=agent, data=complete_data, complete=True)
    assert "purchase_date" in exc.value.message_dict


def test_a_draft_with_missing_fields_is_saved_then_completed_later(agent, complete_data):
    draft = feedback_register(actor=agent, data={"customer_name": "张先生"}, complete=False)
    assert draft.status == Status.DRAFT and draft.registered_at is None

    completed = feedback_update_registration(
        feedback=draft,
        actor=agent,
        data=complete_data | {"feedback_time": draft.feedback_time},
        expected_version=draft.version,
        complete=True,
    )

    assert completed.status == Status.REGISTERED
    assert completed.registered_at is not None
    assert completed.product_model.code == "KFR-35GW"


def test_a_draft_cannot_be_completed_while_fields_are_missing(agent):
    draft = feedback_register(actor=agent, data={"customer_name": "张先生"}, complete=False)
    with pytest.raises(ValidationError) as exc:
        feedback_update_registration(
            feedback=draft,
            actor=agent,
            data={"channel": "email"},
            expected_version=draft.version,
            complete=True,
        )
    assert {"product_model", "description"} <= exc.value.message_dict.keys()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.channel == ""


def test_an_edit_on_an_old_version_is_refused_not_applied(agent, complete_data):
    feedback = feedback_register(actor=agent, data=complete_data, complete=True)
    opened_version = feedback.version
    feedback_update_registration(
        feedback=feedback, actor=agent, data={"customer_name": "张三"}, expected_version=opened_version
    )
    with pytest.raises(StaleError):
        feedback_update_registration(
            feedback=feedback, actor=agent, data={"customer_name": "张四"}, expected_version=opened_version
        )
    feedback.refresh_from_db()
    assert feedback.customer_name == "张三"


def test_every_change_is_a_history_line_with_who_which_field_before_and_after(agent, complete_data):
    feedback = feedback_register(actor=agent, data=complete_data, complete=True)
    supervisor = UserFactory(role=Role.CS_SUPERVISOR, name="主管刘")

    feedback_update_registration(
        feedback=feedback,
        actor=supervisor,
        data={"contact_phone": "13900001111", "channel": "email"},
        expected_version=feedback.version,
    )

    newest = feedback_history(feedback)[0]
    assert newest.who == "主管刘"
    changes = {c.label: (c.before, c.after) for c in newest.changes}
    assert changes["联系电话"] == ("13812345678", "13900001111")
    assert changes["反馈渠道"] == ("客服热线", "官方邮箱")


def test_only_the_owner_or_a_supervisor_may_edit_a_registration(agent, complete_data):
    feedback = feedback_register(actor=agent, data=complete_data, complete=True)
    for role in (Role.CS_AGENT, Role.QUALITY_ENGINEER, Role.DEPT_MEMBER, Role.MANAGEMENT):
        with pytest.raises(PermissionDenied):
            feedback_update_registration(
                feedback=feedback,
                actor=UserFactory(role=role),
                data={"customer_name": "x"},
                expected_version=feedback.version,
            )


def test_roles_without_registration_rights_cannot_register(complete_data):
    for role in (
        Role.QUALITY_ENGINEER,
        Role.DEPT_MEMBER,
        Role.DEPT_HEAD,
        Role.MANAGEMENT,
        Role.ADMINISTRATOR,
    ):
        with pytest.raises(PermissionDenied):
            feedback_register(actor=UserFactory(role=role), data=complete_data, complete=True)


def test_attachments_are_checked_by_content_not_by_name(agent, complete_data):
    photo = SimpleUploadedFile("故障照片.jpg", png_bytes(), content_type="image/jpeg")
    feedback = feedback_register(actor=agent, data=complete_data, complete=True, uploads=[photo])
    attachment = feedback.attachments.get()
    assert (attachment.kind, attachment.content_type, attachment.original_name) == (
        "image",
        "image/png",
        "故障照片.jpg",
    )
    assert "故障照片" not in attachment.file.name  # the stored path is unguessable

    disguised = SimpleUploadedFile("photo.jpg", exe_bytes(), content_type="image/jpeg")
    with pytest.raises(ValidationError):
        feedback_register(actor=agent, data=complete_data, complete=True, uploads=[disguised])
    assert Feedback.objects.count() == 1  # the refused upload saved nothing


def test_files_above_the_size_limit_are_refused(agent, complete_data, settings):
    settings.ATTACHMENT_MAX_MB = 1
    big = SimpleUploadedFile("big.png", png_bytes() + b"\x00" * (1024 * 1024 + 1), content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        feedback_register(actor=agent, data=complete_data, complete=True, uploads=[big])
    assert "1.0" in " ".join(exc.value.messages)


def test_only_an_administrator_voids_and_only_with_a_reason_and_nothing_is_deleted(agent, complete_data):
    feedback = feedback_register(actor=agent, data=complete_data, complete=True)
    with pytest.raises(PermissionDenied):
        feedback_void(feedback=feedback, actor=UserFactory(role=Role.CS_SUPERVISOR), reason="重复")
    admin = UserFactory(role=Role.ADMINISTRATOR)
    with pytest.raises(ValidationError):
        feedback_void(feedback=feedback, actor=admin, reason="  ")

    voided = feedback_void(feedback=feedback, actor=admin, reason="测试数据")

    assert voided.status == Status.VOIDED and voided.void_reason == "测试数据" and voided.voided_by == admin
    assert Feedback.objects.filter(pk=feedback.pk).exists()
    assert feedback_history(voided)[0].reason.endswith("测试数据")


def test_correcting_a_drafts_feedback_time_moves_its_registration_deadline(agent):
    # given a draft saved with Friday 2024-05-17 14:30 as the feedback time (due Monday 05-20)
    friday = dt.datetime(2024, 5, 17, 14, 30, tzinfo=SHANGHAI)
    draft = feedback_register(
        actor=agent, data={"customer_name": "张先生", "feedback_time": friday}, complete=False, at=friday
    )
    assert draft.registration_due_at.astimezone(SHANGHAI).date() == dt.date(2024, 5, 20)

    # when the agent corrects it to Tuesday 2024-05-21 09:00
    tuesday = dt.datetime(2024, 5, 21, 9, 0, tzinfo=SHANGHAI)
    feedback_update_registration(
        feedback=draft,
        actor=agent,
        data={"feedback_time": tuesday},
        expected_version=draft.version,
        at=tuesday,
    )

    # then the deadline is Wednesday's end, and the old clock is kept as cancelled, not missed
    from sla.models import ClockKind, Outcome, SlaClock

    draft.refresh_from_db()
    assert draft.registration_due_at.astimezone(SHANGHAI) == dt.datetime(
        2024, 5, 22, 23, 59, 59, tzinfo=SHANGHAI
    )
    clocks = SlaClock.objects.filter(feedback=draft, kind=ClockKind.REGISTRATION).order_by("id")
    assert [c.outcome for c in clocks] == [Outcome.CANCELLED, Outcome.RUNNING]
    assert clocks[1].due_at == draft.registration_due_at
