"""The official mailbox against a real Dovecot on loopback: each new message becomes a draft with channel 官方邮箱
(the sender as contact, the text as the customer's words, attachments checked like uploads), taken once however
often the mailbox is polled; a message that cannot be used is kept for a person."""

import datetime as dt
import os
import subprocess
import sys
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from feedback.models import Channel, Feedback, Status
from intake.mailbox import TAKEN_FLAG, mail_take, mailbox_poll
from intake.models import MailMessage
from intake.tasks import poll_mailbox
from tests.files import exe_bytes, png_bytes

from .dovecot import Dovecot

pytestmark = pytest.mark.django_db


@pytest.fixture
def dovecot():
    server = Dovecot.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(settings, dovecot):
    settings.INTAKE_IMAP_HOST = "127.0.0.1"
    settings.INTAKE_IMAP_PORT = dovecot.port
    settings.INTAKE_IMAP_SSL = False
    settings.INTAKE_IMAP_USER = dovecot.user
    settings.INTAKE_IMAP_PASSWORD = dovecot.password
    return dovecot


def mail(
    *,
    sender="王先生 <wang@example.com>",
    subject="空调不制冷",
    text="您好，我家空调买了一个月就不制冷了。",
    attachments=(),
    sent=None,
    html=None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "service@example.com"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.com")
    message["Date"] = format_datetime(sent or timezone.now() - dt.timedelta(hours=1))
    if html:
        message.set_content(html, subtype="html")
    else:
        message.set_content(text)
    for name, data, maintype, subtype in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


MALFORMED = b"this is not an e-mail at all\r\njust some bytes without headers\r\n"
NO_SENDER = b"Subject: hello\r\nMessage-ID: <nosender@example.com>\r\n\r\nWho sent me?\r\n"
BAD_CHARSET = (
    b"From: li@example.com\r\nSubject: =?x-unknown?B?5Lit5paH?=\r\nMessage-ID: <charset@example.com>\r\n"
    b"Content-Type: text/plain; charset=x-unknown-charset\r\nContent-Transfer-Encoding: base64\r\n\r\n5Lit5paH\r\n"
)


@pytest.mark.django_db(transaction=True)
def test_the_worker_takes_each_message_once_however_often_it_polls(mailbox, celery_worker_factory):
    mailbox.deliver(mail(subject="空调不制冷"))
    mailbox.deliver(
        mail(sender="李女士 <li@example.com>", subject="冰箱有异响", text="冰箱晚上有很大的嗡嗡声。")
    )
    mailbox.deliver(MALFORMED)
    worker = celery_worker_factory(
        env={
            "INTAKE_IMAP_HOST": "127.0.0.1",
            "INTAKE_IMAP_PORT": str(mailbox.port),
            "INTAKE_IMAP_SSL": "false",
            "INTAKE_IMAP_USER": mailbox.user,
            "INTAKE_IMAP_PASSWORD": mailbox.password,
        }
    )

    poll_mailbox.delay()
    worker.wait_for(lambda: MailMessage.objects.count() == 3, timeout=60)
    poll_mailbox.delay()
    mailbox.deliver(mail(sender="zhao@example.com", subject="洗衣机漏水"))
    poll_mailbox.delay()
    worker.wait_for(lambda: MailMessage.objects.count() == 4, timeout=60)
    worker.wait_for(lambda: all(TAKEN_FLAG.encode() in f for f in mailbox.flags()), timeout=30)

    drafts = Feedback.objects.filter(channel=Channel.EMAIL).order_by("id")
    assert [d.contact_email for d in drafts] == ["wang@example.com", "li@example.com", "zhao@example.com"]
    assert all(d.status == Status.DRAFT for d in drafts)
    assert MailMessage.objects.filter(state=MailMessage.State.ATTENTION).count() == 1
    assert len(mailbox.flags()) == 4


def test_a_message_becomes_a_draft_with_the_sender_the_text_and_checked_attachments(mailbox, users):
    sent = timezone.now() - dt.timedelta(hours=3)
    mailbox.deliver(
        mail(
            sent=sent,
            attachments=[
                ("故障照片.png", png_bytes(), "image", "png"),
                ("驱动.exe", exe_bytes(), "application", "octet-stream"),
            ],
        )
    )

    result = mailbox_poll()

    assert (result.taken, result.attention) == (1, 0)
    feedback = Feedback.objects.get()
    assert feedback.status == Status.DRAFT and feedback.channel == Channel.EMAIL
    assert (feedback.customer_name, feedback.contact_email) == ("王先生", "wang@example.com")
    assert "我家空调买了一个月就不制冷了" in feedback.description and "空调不制冷" in feedback.description
    assert abs(feedback.feedback_time - sent) < dt.timedelta(seconds=1)
    assert str(feedback.registered_by) == "官方邮箱"
    assert [a.original_name for a in feedback.attachments.all()] == ["故障照片.png"]
    assert "驱动.exe" in feedback.history.first().history_change_reason
    row = MailMessage.objects.get()
    assert row.feedback == feedback and row.notes[0]["name"] == "驱动.exe"


def test_an_oversize_attachment_is_refused_with_the_reason_and_the_draft_kept(mailbox, settings):
    settings.ATTACHMENT_MAX_MB = 1
    mailbox.deliver(
        mail(attachments=[("现场视频.png", png_bytes() + b"\0" * (1024 * 1024 + 1), "image", "png")])
    )

    mailbox_poll()

    feedback = Feedback.objects.get()
    assert feedback.status == Status.DRAFT and not feedback.attachments.exists()
    refused = MailMessage.objects.get().notes
    assert refused[0]["name"] == "现场视频.png" and "不能超过 1.0\xa0MB" in refused[0]["reason"]


def test_an_html_only_message_gives_its_text(mailbox):
    mailbox.deliver(mail(html="<p>您好，<b>热水器</b>打不着火。</p>"))

    mailbox_poll()

    assert "您好，热水器打不着火。" in Feedback.objects.get().description


def test_a_message_taken_but_not_flagged_is_not_taken_again(mailbox):
    raw = mail()
    mailbox.deliver(raw)
    mail_take(raw)  # recorded, as by a poll that died before it could flag the message on the server

    result = mailbox_poll()

    assert (result.taken, result.already) == (0, 1)
    assert Feedback.objects.count() == 1
    assert TAKEN_FLAG.encode() in mailbox.flags()[0]
    assert mailbox_poll().already == 0  # flagged now: not even fetched again


@pytest.mark.parametrize(
    ("raw", "problem"),
    [(MALFORMED, "没有可回复的发件人地址"), (NO_SENDER, "没有可回复的发件人地址"), (BAD_CHARSET, "无法解码")],
    ids=["no-headers", "no-sender", "unknown-charset"],
)
def test_a_message_that_cannot_be_used_is_kept_for_a_person(mailbox, raw, problem):
    mailbox.deliver(raw)

    result = mailbox_poll()

    assert (result.taken, result.attention) == (1, 1)
    row = MailMessage.objects.get()
    assert row.state == MailMessage.State.ATTENTION and problem in row.problem
    assert row.raw and row.raw.read().replace(b"\r\n", b"\n").strip() == raw.replace(b"\r\n", b"\n").strip()
    assert not Feedback.objects.exists()
    assert mailbox_poll().taken == 0


def test_the_mailbox_is_off_while_no_host_is_set(settings):
    settings.INTAKE_IMAP_HOST = ""
    assert mailbox_poll().taken == 0


def test_beat_polls_the_mailbox_only_when_it_is_configured():
    code = "from config.settings import base; print('intake-mailbox-poll' in base.CELERY_BEAT_SCHEDULE)"
    env = {**os.environ, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://:memory:"}
    off = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "INTAKE_IMAP_HOST": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    on = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "INTAKE_IMAP_HOST": "imap.example.com"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert (off.stdout.strip(), on.stdout.strip()) == ("False", "True")


def test_customer_service_takes_a_draft_and_handles_a_message_from_the_inbox(client, mailbox, users):
    mailbox.deliver(mail())
    mailbox.deliver(NO_SENDER)
    mailbox_poll()
    agent = users[Role.CS_AGENT]
    client.force_login(agent)
    draft = Feedback.objects.get()

    page = client.get(reverse("intake:inbox")).content.decode()
    assert draft.number in page and "没有可回复的发件人地址" in page
    # before taking it the agent cannot see the draft; after, it is theirs to complete
    assert client.get(reverse("feedback:edit", args=[draft.number])).status_code == 404
    response = client.post(reverse("intake:draft_take", args=[draft.number]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "feedback:edit", args=[draft.number]
    )
    draft.refresh_from_db()
    assert draft.cs_owner == agent
    assert client.get(reverse("feedback:edit", args=[draft.number])).status_code == 200
    assert client.post(reverse("intake:draft_take", args=[draft.number])).status_code == 404  # taken already

    message = MailMessage.objects.get(state=MailMessage.State.ATTENTION)
    assert client.get(reverse("intake:mail_raw", args=[message.pk])).status_code == 200
    client.post(reverse("intake:mail_handled", args=[message.pk]), {"note": "已电话联系客户并手工登记"})
    message.refresh_from_db()
    assert message.state == MailMessage.State.HANDLED and message.handled_by == agent
    assert "没有可回复的发件人地址" not in client.get(reverse("intake:inbox")).content.decode()


@pytest.mark.parametrize(
    "role", [Role.QUALITY_ENGINEER, Role.DEPT_MEMBER, Role.DEPT_HEAD, Role.MANAGEMENT, Role.ADMINISTRATOR]
)
def test_only_customer_service_uses_the_inbox(client, users, role):
    message = MailMessage.objects.create(message_id="<x@y>", state=MailMessage.State.ATTENTION, problem="p")
    client.force_login(users[role])
    assert client.get(reverse("intake:inbox")).status_code == 404
    assert client.get(reverse("intake:mail_raw", args=[message.pk])).status_code == 404
    assert client.post(reverse("intake:mail_handled", args=[message.pk]), {"note": "x"}).status_code == 404
    assert client.post(reverse("intake:draft_take", args=["PF000000001"])).status_code == 404
