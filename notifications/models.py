"""Notices to people: shown in the app at once, and e-mailed by the outbox (notifications.services).

The text of a notice is rendered when it is created in every language of ``settings.LANGUAGES`` and stored per
language (``subject`` / ``body``: ``{"zh-hans": "…", "en": "…"}``): the reader sees it in the language of the page,
and a notice keeps saying what it said even when the wording of a message changes later."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


def pick_language(texts: dict | None, language: str | None = None) -> str:
    """The text for ``language`` (default: the active one), falling back to the site language, then any."""
    if not texts:
        return ""
    if isinstance(texts, str):
        return texts
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    for candidate in (language, language.split("-")[0], settings.LANGUAGE_CODE):
        if candidate in texts:
            return texts[candidate]
    return next(iter(texts.values()), "")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=48)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default=Level.NORMAL)
    subject = models.JSONField(_("subject"), default=dict)
    body = models.JSONField(_("text"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    feedback = models.ForeignKey(
        "feedback.Feedback",
        verbose_name=_("feedback"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The same event never notifies the same person twice: (recipient, dedup_key) is unique when a key is given.
    dedup_key = models.CharField(max_length=120, null=True, blank=True)

    # The e-mail: due at ``email_due_at`` (None: no e-mail, e.g. no address); a sender claims it until
    # ``email_claimed_until`` and marks it ``emailed_at`` once the mail server accepted it.
    email_due_at = models.DateTimeField(_("e-mail due"), null=True, blank=True)
    email_claimed_until = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedup_key"],
                condition=Q(dedup_key__isnull=False),
                name="notification_once_per_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(
                fields=["email_due_at"],
                condition=Q(emailed_at__isnull=True, email_due_at__isnull=False),
                name="notification_outbox",
            ),
        ]

    def __str__(self) -> str:
        return self.subject_text

    @property
    def subject_text(self) -> str:
        return pick_language(self.subject)

    @property
    def body_text(self) -> str:
        return pick_language(self.body)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def is_urgent(self) -> bool:
        return self.level == Level.URGENT


# --- group-chat robots (issue 8) ---------------------------------------------------------------------------------
class Platform(models.TextChoices):
    WECOM = "wecom", _("WeCom (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk (钉钉)")
    FEISHU = "feishu", _("Feishu (飞书)")


# The severities a routing rule may name. The values are those of the feedback's severity; they arrive on each
# notice as data (notifications does not read the feedback app).
SEVERITY_CHOICES = [("I", _("Ⅰ General")), ("II", _("Ⅱ Serious")), ("III", _("Ⅲ Urgent"))]


class Robot(models.Model):
    """A group-chat robot: a webhook of a WeCom, DingTalk or Feishu group. Its ``rules`` say which notices it
    posts; the messages go through the robot outbox (notifications.robot_outbox)."""

    name = models.CharField(_("name"), max_length=64, help_text=_("E.g. 管理层群, 研发部群."))
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    webhook_url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk (SEC…) and Feishu robots with signature verification turned on."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("group-chat robot")
        verbose_name_plural = _("group-chat robots")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"

    @property
    def current_error(self) -> str:
        """The last error, while no message has been delivered since."""
        if (
            self.last_error
            and self.last_error_at
            and (self.last_success_at is None or self.last_error_at > self.last_success_at)
        ):
            return self.last_error
        return ""

    @property
    def masked_webhook(self) -> str:
        """The address without its credential (access_token / key / hook id): shown on pages."""
        url = self.webhook_url
        cut = max(url.find("="), url.rfind("/"))
        return url[: cut + 1] + "…" + url[-4:] if cut > 0 and len(url) - cut > 8 else url


class RobotRule(models.Model):
    """Which notices a robot posts: every criterion left empty matches anything; all the given ones must match.
    E.g. severity Ⅲ alone sends every level Ⅲ notice; department 研发部 alone sends every notice about 研发部."""

    robot = models.ForeignKey(Robot, on_delete=models.CASCADE, related_name="rules")
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Notices about this department (its assignments, its people)."),
    )
    role = models.CharField(
        _("role"), max_length=32, blank=True, help_text=_("Notices addressed to people in this role.")
    )
    severity = models.CharField(_("severity"), max_length=4, choices=SEVERITY_CHOICES, blank=True)

    class Meta:
        ordering = ["robot", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        parts = [str(self.department or ""), self.role, self.get_severity_display()]
        return " · ".join(p for p in parts if p) or str(_("every notice"))

    def matches(self, *, departments: set[int], roles: set[str], severity: str) -> bool:
        return (
            (self.department_id is None or self.department_id in departments)
            and (not self.role or self.role in roles)
            and (not self.severity or self.severity == severity)
        )


class RobotMessage(models.Model):
    """One message for one robot: the outbox row. Due at ``due_at`` (None: nothing more will be tried: sent, or
    given up after the last attempt with ``last_error`` kept); a sender claims it until ``claimed_until``."""

    robot = models.ForeignKey(Robot, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=48)
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    reference = models.CharField(_("record"), max_length=32, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    dedup_key = models.CharField(max_length=160, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("robot message")
        verbose_name_plural = _("robot messages")
        constraints = [
            models.UniqueConstraint(
                fields=["robot", "dedup_key"],
                condition=Q(dedup_key__isnull=False),
                name="robot_message_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(sent_at__isnull=True, due_at__isnull=False),
                name="robot_outbox",
            ),
            models.Index(fields=["robot", "-created_at"], name="robot_message_log"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def state(self) -> str:
        if self.sent_at:
            return "sent"
        if self.due_at is None:
            return "failed"
        return "retrying" if self.attempts else "pending"
