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
