"""The registration pages through HTTP, as each role uses them."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from feedback.models import Feedback, Status
from tests.factories import FeedbackFactory, ProductModelFactory
from tests.feedback.conftest import EXPECTED_LIST
from tests.files import exe_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def _form(model, **overrides):
    data = {
        "customer_name": "张先生",
        "contact_phone": "13812345678",
        "contact_email": "",
        "product_model": str(model.pk),
        "serial_number": "SN2405001",
        "purchase_date": "2026-03-15",
        "feedback_time": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "channel": "hotline",
        "channel_detail": "",
        "description": "空调不制冷，出风口温度18℃",
        "customer_requests": ["repair", "exchange"],
        "action": "register",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", list(EXPECTED_LIST))
def test_each_role_lists_and_opens_exactly_what_it_may_see(client, users, world, who):
    client.force_login(users[who])
    page = client.get(reverse("feedback:list")).content.decode()
    listed = {key for key, f in world.items() if f.number in page}
    assert listed == EXPECTED_LIST[who]
    for key, feedback in world.items():
        detail = client.get(reverse("feedback:detail", args=[feedback.number]))
        assert detail.status_code == (200 if key in EXPECTED_LIST[who] else 404), key


def test_a_department_member_sees_nothing_until_something_is_assigned_to_the_department(
    client, users, departments
):
    FeedbackFactory.create_batch(3)
    client.force_login(users[Role.DEPT_MEMBER])
    response = client.get(reverse("feedback:list"))
    assert "没有符合条件的反馈" in response.content.decode()


def test_anonymous_users_are_sent_to_the_login_page(client, world):
    for url in (reverse("feedback:list"), reverse("feedback:detail", args=[world["own"].number])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (Role.CS_AGENT, True),
        (Role.CS_SUPERVISOR, True),
        (Role.QUALITY_ENGINEER, False),
        (Role.DEPT_MEMBER, False),
        (Role.DEPT_HEAD, False),
        (Role.MANAGEMENT, False),
        (Role.ADMINISTRATOR, False),
    ],
)
def test_only_customer_service_opens_the_registration_form(client, users, who, allowed):
    client.force_login(users[who])
    assert client.get(reverse("feedback:create")).status_code == (200 if allowed else 403)
    response = client.post(reverse("feedback:create"), {"customer_name": "x", "action": "draft"})
    assert response.status_code == (302 if allowed else 403)
    assert Feedback.objects.count() == (1 if allowed else 0)
    assert ("新建反馈" in client.get(reverse("feedback:list")).content.decode()) is allowed


def test_an_agent_registers_with_a_photo_and_lands_on_the_detail_page_with_the_pf_number(client, users):
    model = ProductModelFactory()
    client.force_login(users[Role.CS_AGENT])
    photo = SimpleUploadedFile("现场照片.png", png_bytes(), content_type="image/png")

    response = client.post(reverse("feedback:create"), _form(model, attachments=[photo]), follow=True)

    feedback = Feedback.objects.get()
    assert feedback.status == Status.REGISTERED
    page = response.content.decode()
    assert feedback.number in page and f"PF{timezone.localtime():%Y%m}001" == feedback.number
    assert "现场照片.png" in page
    assert "已登记" in page or "待核实" in page


def test_a_form_with_errors_keeps_what_was_typed_and_names_each_bad_field_in_chinese(client, users):
    model = ProductModelFactory()
    client.force_login(users[Role.CS_AGENT])
    data = _form(model, contact_phone="12345", purchase_date="", description="客户原话：完全不制冷")

    response = client.post(reverse("feedback:create"), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "客户原话：完全不制冷" in page and 'value="张先生"' in page and 'value="SN2405001"' in page
    assert "请输入中国大陆手机号" in page  # the phone message, in Chinese
    assert "购买日期" in page and "完成登记必须填写" in page
    assert Feedback.objects.count() == 0


def test_a_wrong_file_type_is_refused_with_a_message_and_the_good_file_is_kept_for_the_next_try(
    client, users
):
    model = ProductModelFactory()
    client.force_login(users[Role.CS_AGENT])
    disguised = SimpleUploadedFile("发票.pdf", exe_bytes(), content_type="application/pdf")
    report = SimpleUploadedFile("检测报告.pdf", pdf_bytes(), content_type="application/pdf")

    response = client.post(reverse("feedback:create"), _form(model, attachments=[disguised, report]))

    assert response.status_code == 400
    page = response.content.decode()
    assert "发票.pdf" in page and "不是可接受的文件类型" in page
    assert Feedback.objects.count() == 0
    token = response.context["stashed"][0].token

    response = client.post(reverse("feedback:create"), _form(model, stashed=[token]), follow=True)

    feedback = Feedback.objects.get()
    assert [a.original_name for a in feedback.attachments.all()] == ["检测报告.pdf"]


def test_another_users_stash_token_is_ignored(client, users):
    model = ProductModelFactory()
    client.force_login(users["other_agent"])
    report = SimpleUploadedFile("报告.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(reverse("feedback:create"), _form(model, customer_name="", attachments=[report]))
    token = response.context["stashed"][0].token

    client.force_login(users[Role.CS_AGENT])
    client.post(reverse("feedback:create"), _form(model, stashed=[token]))

    assert Feedback.objects.get().attachments.count() == 0


def test_a_draft_is_saved_with_missing_fields_and_completed_later(client, users):
    model = ProductModelFactory()
    client.force_login(users[Role.CS_AGENT])
    client.post(
        reverse("feedback:create"),
        {
            "customer_name": "李女士",
            "action": "draft",
            "feedback_time": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    draft = Feedback.objects.get()
    assert draft.status == Status.DRAFT
    detail = client.get(reverse("feedback:detail", args=[draft.number])).content.decode()
    assert "草稿" in detail and "产品型号" in detail  # says what is missing

    response = client.post(
        reverse("feedback:edit", args=[draft.number]),
        _form(
            model,
            customer_name="李女士",
            version=draft.version,
            feedback_time=timezone.localtime(draft.feedback_time).strftime("%Y-%m-%dT%H:%M"),
        ),
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.REGISTERED


def test_an_edit_shows_as_a_history_line_on_the_detail_page(client, users):
    model = ProductModelFactory()
    client.force_login(users[Role.CS_AGENT])
    client.post(reverse("feedback:create"), _form(model))
    feedback = Feedback.objects.get()

    client.post(
        reverse("feedback:edit", args=[feedback.number]),
        _form(
            model,
            contact_phone="0755-88886666",
            version=feedback.version,
            action="save",
            feedback_time=timezone.localtime(feedback.feedback_time).strftime("%Y-%m-%dT%H:%M"),
        ),
    )

    page = client.get(reverse("feedback:detail", args=[feedback.number])).content.decode()
    history = page[page.index('data-testid="history"') :]
    assert "客服小王" in history and "联系电话" in history
    assert "<del>13812345678</del>" in history and "<ins>0755-88886666</ins>" in history


def test_an_edit_from_a_stale_page_is_refused(client, users):
    model = ProductModelFactory()
    client.force_login(users[Role.CS_AGENT])
    client.post(reverse("feedback:create"), _form(model))
    feedback = Feedback.objects.get()
    stale_version = feedback.version
    when = timezone.localtime(feedback.feedback_time).strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("feedback:edit", args=[feedback.number]),
        _form(model, customer_name="甲", version=stale_version, action="save", feedback_time=when),
    )

    response = client.post(
        reverse("feedback:edit", args=[feedback.number]),
        _form(model, customer_name="乙", version=stale_version, action="save", feedback_time=when),
    )

    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()
    feedback.refresh_from_db()
    assert feedback.customer_name == "甲"


def test_attachments_are_served_only_to_users_who_may_see_the_feedback(client, users):
    model = ProductModelFactory()
    client.force_login(users[Role.CS_AGENT])
    photo = SimpleUploadedFile("照片.png", png_bytes(), content_type="image/png")
    client.post(reverse("feedback:create"), _form(model, attachments=[photo]))
    feedback = Feedback.objects.get()
    url = reverse("feedback:attachment", args=[feedback.number, feedback.attachments.get().pk])

    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes()

    for who in ("other_agent", Role.DEPT_MEMBER):
        client.force_login(users[who])
        assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"number": "PF209901002"}, {"b"}),
        ({"customer": "王"}, {"a", "c"}),
        ({"phone": "139"}, {"b"}),
        ({"channel": "email"}, {"c"}),
        ({"status": "draft"}, {"d"}),
        ({"received_from": "2026-03-01", "received_to": "2026-03-31"}, {"b", "c"}),
        ({"timeliness": "late"}, {"c"}),
        ({"timeliness": "overdue"}, {"d"}),
    ],
)
def test_the_list_filters(client, users, params, expected):
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    agent = users[Role.CS_AGENT]
    march = dt.datetime(2026, 3, 10, 10, 0, tzinfo=tz)
    rows = {
        "a": FeedbackFactory(
            number="PF209901001",
            contact_phone="13800000001",  # not the factory's: its sequence may contain "139"
            registered_by=agent,
            customer_name="王先生",
            feedback_time=dt.datetime(2026, 2, 1, 10, 0, tzinfo=tz),
        ),
        "b": FeedbackFactory(
            number="PF209901002",
            registered_by=agent,
            customer_name="李女士",
            contact_phone="13912345678",
            feedback_time=march,
        ),
        "c": FeedbackFactory(
            number="PF209901003",
            contact_phone="13800000003",  # not the factory's: its sequence may contain "139"
            registered_by=agent,
            customer_name="王女士",
            channel="email",
            feedback_time=march + dt.timedelta(days=20),
            registered_at=march + dt.timedelta(days=25),
        ),
        "d": FeedbackFactory(
            number="PF209901004",
            contact_phone="13800000004",  # not the factory's: its sequence may contain "139"
            registered_by=agent,
            customer_name="赵先生",
            status=Status.DRAFT,
            registered_at=None,
            feedback_time=timezone.now() - dt.timedelta(days=5),
            registration_due_at=timezone.now() - dt.timedelta(days=4),
        ),
    }
    client.force_login(users[Role.CS_SUPERVISOR])
    page = client.get(reverse("feedback:list"), params).content.decode()
    assert {key for key, f in rows.items() if f.number in page} == expected


def test_the_list_pages_through_results(client, users):
    FeedbackFactory.create_batch(30, registered_by=users[Role.CS_AGENT])
    client.force_login(users[Role.QUALITY_ENGINEER])
    first = client.get(reverse("feedback:list")).context
    second = client.get(reverse("feedback:list"), {"page": 2}).context
    assert len(first["rows"]) == 25 and len(second["rows"]) == 5
    assert not {r["feedback"].pk for r in first["rows"]} & {r["feedback"].pk for r in second["rows"]}


def test_the_list_filter_answers_htmx_with_the_results_fragment_only(client, users):
    FeedbackFactory(registered_by=users[Role.CS_AGENT], customer_name="碎片客户")
    client.force_login(users[Role.CS_SUPERVISOR])
    response = client.get(reverse("feedback:list"), {"customer": "碎片"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "碎片客户" in page and "<html" not in page


def test_the_list_takes_a_constant_number_of_queries(client, users, django_assert_max_num_queries):
    FeedbackFactory.create_batch(25, registered_by=users[Role.CS_AGENT])
    client.force_login(users[Role.QUALITY_ENGINEER])
    with django_assert_max_num_queries(12):
        client.get(reverse("feedback:list"))


def test_an_administrator_voids_with_a_reason_others_cannot_and_the_voided_feedback_leaves_the_list(
    client, users, world
):
    url = reverse("feedback:void", args=[world["own"].number])
    client.force_login(users[Role.CS_SUPERVISOR])
    assert client.post(url, {"void_reason": "重复", "version": 1}).status_code == 404

    client.force_login(users[Role.ADMINISTRATOR])
    client.post(url, {"void_reason": "客户重复来电，已在另一单处理", "version": 1})

    world["own"].refresh_from_db()
    assert world["own"].status == Status.VOIDED
    listed = [r["feedback"].number for r in client.get(reverse("feedback:list")).context["rows"]]
    assert world["own"].number not in listed and world["others"].number in listed
    voided = client.get(reverse("feedback:list"), {"status": "voided"}).context["rows"]
    assert [r["feedback"].number for r in voided] == [world["own"].number]
    detail = client.get(reverse("feedback:detail", args=[world["own"].number])).content.decode()
    assert "客户重复来电，已在另一单处理" in detail


def test_the_admin_site_cannot_delete_a_feedback(client, users, world):
    from django.contrib.auth import get_user_model

    superuser = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(superuser)
    response = client.post(reverse("admin:feedback_feedback_delete", args=[world["own"].pk]), {"post": "yes"})
    assert response.status_code in (403, 404)
    assert Feedback.objects.filter(pk=world["own"].pk).exists()


def test_pages_are_in_chinese_by_default_and_english_on_request(client, users):
    client.force_login(users[Role.CS_AGENT])
    assert "新建反馈" in client.get(reverse("feedback:list")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/feedback/"})
    assert "New feedback" in client.get(reverse("feedback:list")).content.decode()


def test_files_kept_for_an_abandoned_form_are_purged_after_a_day(client, users, settings):
    import datetime as dt
    import os

    from django.core.files.storage import default_storage

    from feedback.attachments import stash_get, stash_purge

    client.force_login(users[Role.CS_AGENT])
    report = SimpleUploadedFile("报告.pdf", pdf_bytes(), content_type="application/pdf")
    token = (
        client.post(
            reverse("feedback:create"), _form(ProductModelFactory(), customer_name="", attachments=[report])
        )
        .context["stashed"][0]
        .token
    )
    assert stash_purge() == 0  # still fresh: the user may come back
    assert stash_get(token, user_id=users[Role.CS_AGENT].pk) is not None

    two_days_ago = (timezone.now() - dt.timedelta(days=2)).timestamp()
    for suffix in (".json", ".bin"):
        os.utime(default_storage.path(f"stash/{token}{suffix}"), (two_days_ago, two_days_ago))

    assert stash_purge() == 1
    assert stash_get(token, user_id=users[Role.CS_AGENT].pk) is None
    assert not default_storage.exists(f"stash/{token}.bin")
