"""The integration API: a platform registers feedback with its token; drafts or complete registrations, its own
channel, PF-numbered, clocks started; Idempotency-Key; a token reads only its own; rate limit; bad input."""

import datetime as dt
import re
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from feedback.models import Feedback, Status
from intake.integrations import token_revoke
from intake.models import IdempotencyKey, IntegrationToken
from sla.models import ClockKind, Outcome, SlaClock
from tests.factories import FeedbackFactory
from tests.files import exe_bytes, png_bytes

pytestmark = pytest.mark.django_db

URL = "/api/intake/feedback/"
COMPLETE = {
    "customer_name": "王先生",
    "contact_phone": "+86 138-1234-5678",
    "product_model": "KFR-35GW",
    "serial_number": "B2405-0012",
    "purchase_date": "2026-01-15",
    "description": "空调使用1个月后制冷效果明显下降",
    "customer_requests": ["repair", "exchange"],
    "channel_detail": "会话 #88231",
}


def test_a_complete_registration_arrives_with_the_integration_s_channel_number_and_clocks(
    api, online, aircon, users
):
    integration, token = online

    response = api(token).post(URL, COMPLETE)

    assert response.status_code == 201, response.json()
    body = response.json()
    feedback = Feedback.objects.get(number=body["number"])
    assert re.fullmatch(r"PF\d{6}\d{3,}", feedback.number)
    assert (body["status"], body["complete"], body["missing_fields"]) == ("registered", True, [])
    assert feedback.channel == "online_chat" and feedback.channel_detail == "会话 #88231"
    assert feedback.registered_by == integration.service_user
    assert str(feedback.registered_by) == "在线客服平台（接口）"
    assert feedback.contact_phone == "13812345678"
    assert feedback.product_model == aircon
    clocks = {c.kind: c.outcome for c in SlaClock.objects.filter(feedback=feedback)}
    assert clocks == {ClockKind.REGISTRATION: Outcome.MET, ClockKind.VERIFICATION: Outcome.RUNNING}
    assert body["url"].endswith(f"/feedback/{feedback.number}/")


def test_what_lacks_required_fields_arrives_as_a_draft_naming_them_and_waits_for_an_agent(
    api, online, aircon
):
    _integration, token = online

    response = api(token).post(
        URL, {"customer_name": "李女士", "contact_phone": "0755-12345678", "description": "冰箱不制冷"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft" and body["complete"] is False
    assert set(body["missing_fields"]) == {"product_model", "purchase_date", "customer_requests"}
    feedback = Feedback.objects.get(number=body["number"])
    assert SlaClock.objects.get(feedback=feedback).kind == ClockKind.REGISTRATION  # running since it arrived


def test_the_integration_s_default_owner_owns_what_it_brings(api, make_integration, aircon, users):
    agent = users[Role.CS_AGENT]
    _integration, token = make_integration("12315 平台", channel="third_party", default_owner=agent)

    number = api(token).post(URL, COMPLETE).json()["number"]

    feedback = Feedback.objects.get(number=number)
    assert feedback.cs_owner == agent and feedback.channel == "third_party"


def test_a_retried_post_with_the_same_idempotency_key_returns_the_first_result(api, online, aircon):
    _integration, token = online
    client = api(token)

    first = client.post(URL, COMPLETE, headers={"Idempotency-Key": "order-1"})
    again = client.post(URL, COMPLETE, headers={"Idempotency-Key": "order-1"})
    other_body = client.post(
        URL, {**COMPLETE, "customer_name": "别人"}, headers={"Idempotency-Key": "order-1"}
    )
    other_key = client.post(URL, COMPLETE, headers={"Idempotency-Key": "order-2"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 422 and "Idempotency-Key" in other_body.json()["detail"]
    assert other_key.status_code == 201 and other_key.json()["number"] != first.json()["number"]
    assert Feedback.objects.count() == 2


def test_a_failed_post_does_not_use_up_its_key(api, online, aircon):
    _integration, token = online
    client = api(token)

    bad = client.post(URL, {**COMPLETE, "contact_phone": "12"}, headers={"Idempotency-Key": "k"})
    good = client.post(URL, COMPLETE, headers={"Idempotency-Key": "k"})

    assert bad.status_code == 400 and good.status_code == 201
    assert not IdempotencyKey.objects.exclude(feedback__number=good.json()["number"]).exists()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_with_one_key_make_one_feedback(online, aircon):
    from django.test import Client

    _integration, token = online
    results, barrier = [], threading.Barrier(4)

    def post():
        barrier.wait()
        response = Client().post(
            URL,
            COMPLETE,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same"},
        )
        results.append((response.status_code, response.json()["number"]))
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {status for status, _ in results} == {201}
    assert len({number for _, number in results}) == 1
    assert Feedback.objects.count() == 1


def test_a_token_reads_only_what_its_integration_created(api, make_integration, aircon, users):
    _a, token_a = make_integration("在线客服平台")
    _b, token_b = make_integration("经销商门户", channel="dealer")
    mine = api(token_a).post(URL, COMPLETE).json()["number"]
    theirs = api(token_b).post(URL, COMPLETE).json()["number"]
    typed = FeedbackFactory(registered_by=users[Role.CS_AGENT]).number

    assert api(token_a).get(f"{URL}{mine}/").status_code == 200
    assert api(token_a).get(f"{URL}{theirs}/").status_code == 404
    assert api(token_a).get(f"{URL}{typed}/").status_code == 404
    listed = [row["number"] for row in api(token_a).get(URL).json()["results"]]
    assert listed == [mine]
    # nor through the staff API
    assert api(token_a).get(f"/api/feedback/{theirs}/").status_code in (401, 403)


@pytest.mark.parametrize("how", ["none", "wrong", "revoked", "integration off", "not bearer"])
def test_a_missing_wrong_or_revoked_token_is_refused_with_401(api, online, aircon, users, how):
    integration, token = online
    if how == "revoked":
        token_revoke(
            token=IntegrationToken.objects.get(integration=integration), actor=users[Role.ADMINISTRATOR]
        )
    if how == "integration off":
        integration.is_active = False
        integration.save()
    client = api({"none": "", "wrong": token[:-2] + "xx"}.get(how, token))
    if how == "not bearer":
        client.headers = {"Authorization": f"Token {token}"}

    response = client.post(URL, COMPLETE)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Feedback.objects.exists()


def test_bad_fields_are_each_named_in_chinese_by_default(api, online, aircon):
    _integration, token = online
    future = (timezone.now() + dt.timedelta(days=2)).isoformat()

    response = api(token).post(
        URL,
        {
            **COMPLETE,
            "contact_phone": "12345",
            "contact_email": "not-mail",
            "customer_requests": ["refund"],
            "feedback_time": future,
        },
    )

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) >= {"contact_email", "customer_requests"}
    assert "邮件地址" in errors["contact_email"][0]
    assert not Feedback.objects.exists()
    # the registration rules answer once the formats are right, also each field named
    response = api(token).post(URL, {**COMPLETE, "contact_phone": "12345", "feedback_time": future})
    errors = response.json()
    assert set(errors) == {"contact_phone", "feedback_time"}
    assert "手机号" in errors["contact_phone"][0] and "晚于当前时间" in errors["feedback_time"][0]


def test_accept_language_english_gets_english_errors(api, online, aircon):
    _integration, token = online

    errors = api(token, language="en").post(URL, {**COMPLETE, "contact_phone": "12345"}).json()

    assert errors["contact_phone"][0].startswith("Enter a mainland mobile number")


def test_an_unknown_product_model_is_refused_naming_it(api, online, aircon):
    _integration, token = online

    response = api(token).post(URL, {**COMPLETE, "product_model": "KFR-99XX"})

    assert response.status_code == 400
    assert response.json() == {"product_model": ["未知的产品型号：KFR-99XX。"]}


def test_a_wrong_type_or_oversize_file_is_refused_with_the_reason_and_the_rest_is_kept(
    api, online, aircon, settings
):
    settings.ATTACHMENT_MAX_MB = 1
    _integration, token = online
    data = {
        **COMPLETE,
        "attachments": [
            SimpleUploadedFile("照片.png", png_bytes()),
            SimpleUploadedFile("setup.exe", exe_bytes()),
            SimpleUploadedFile("大图.png", png_bytes() + b"\0" * (1024 * 1024 + 1)),
        ],
    }

    response = api(token).post(URL, data, json=False)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [a["name"] for a in body["attachments"]] == ["照片.png"]
    refused = {r["name"]: r["reason"] for r in body["refused_attachments"]}
    assert set(refused) == {"setup.exe", "大图.png"}
    assert "不是可接受的文件类型" in refused["setup.exe"]
    assert "不能超过 1.0\xa0MB" in refused["大图.png"]
    feedback = Feedback.objects.get(number=body["number"])
    assert feedback.status == Status.REGISTERED and feedback.attachments.count() == 1
    assert "setup.exe" in feedback.history.first().history_change_reason


def test_too_many_requests_answer_429_with_retry_after(api, make_integration, aircon):
    _integration, token = make_integration("12315 平台", channel="third_party", rate_per_minute=3)
    client = api(token)

    answers = [client.get(URL) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60


def test_the_token_s_last_use_is_recorded(api, online, aircon):
    integration, token = online

    api(token).get(URL)

    assert IntegrationToken.objects.get(integration=integration).last_used_at is not None


def test_the_openapi_schema_describes_the_intake_api_with_examples(client, users):
    client.force_login(users[Role.ADMINISTRATOR])
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()

    post = schema["paths"]["/api/intake/feedback/"]["post"]
    assert {"IntegrationToken": []} in post["security"]
    assert schema["components"]["securitySchemes"]["IntegrationToken"]["scheme"] == "bearer"
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post["parameters"])
    assert "完整登记" in post["requestBody"]["content"]["application/json"]["examples"]
    assert set(post["responses"]) >= {"201", "400", "401", "422", "429"}
    assert "/api/intake/feedback/{number}/" in schema["paths"]
