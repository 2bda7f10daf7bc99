"""Every channel in (issue 8): integrations of other platforms and their API tokens, the dealer/store Excel
import, the official mailbox. What arrives becomes an ordinary feedback through feedback.services."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models import Channel


class Integration(models.Model):
    """Another system that sends us feedback: an online customer-service platform, 12315, a dealer portal (kind
    API, with tokens), or the official mailbox (kind MAILBOX, polled). Each has its own service account: the
    feedback it brings is registered by that account, and a token reads only what its integration created."""

    class Kind(models.TextChoices):
        API = "api", _("Integration API")
        MAILBOX = "mailbox", _("Official mailbox")

    name = models.CharField(_("name"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.API)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration", editable=False
    )
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer service owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who completes what arrives. Empty: it waits in the intake inbox for an agent to take."),
    )
    rate_per_minute = models.PositiveIntegerField(
        _("requests per minute"), null=True, blank=True, help_text=_("Empty: the site's default.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="mailbox"), name="one_mailbox_integration"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rate_limit(self) -> int:
        return self.rate_per_minute or settings.INTAKE_API_RATE_PER_MINUTE


class IntegrationToken(models.Model):
    """An API token: shown once when issued, stored as its SHA-256 (tokens are 256-bit random, so a fast hash is
    enough: nothing to brute-force). ``prefix`` identifies it on the page."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(_("token"), max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """A POST made with an ``Idempotency-Key``: the first answer, returned again to a retry of the same request."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_digest = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(default=dict)
    feedback = models.ForeignKey("feedback.Feedback", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "key"], name="idempotency_key_once")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_age")]

    def __str__(self) -> str:
        return self.key


class RateWindow(models.Model):
    """Requests of one integration in one minute (a fixed window), counted by one upsert per request."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    window = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "window"], name="rate_window_once")]

    def __str__(self) -> str:
        return f"{self.integration_id} {self.window:%H:%M}: {self.count}"


def import_path(instance: "ImportBatch", filename: str) -> str:
    return f"imports/{timezone.localtime():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ImportBatch(models.Model):
    """One uploaded workbook of dealer/store feedback: checked (preview), then imported all at once."""

    class State(models.TextChoices):
        CHECKING = "checking", _("Checking")
        READY = "ready", _("Ready to import")
        IMPORTING = "importing", _("Importing")
        IMPORTED = "imported", _("Imported")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Import failed")
        CANCELLED = "cancelled", _("Cancelled")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    file = models.FileField(upload_to=import_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, db_index=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.CHECKING)
    message = models.TextField(_("message"), blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    good_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    duplicate_rows = models.PositiveIntegerField(default=0)
    include_duplicates = models.BooleanField(default=False)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # The worker running the import holds it until then (renewed with the progress): a second task for the same
    # batch (a retry, the catch-up) leaves it alone.
    claimed_until = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    imported_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Excel import")
        verbose_name_plural = _("Excel imports")
        constraints = [
            # The same file is imported once: a second batch of the same bytes cannot reach "imported".
            models.UniqueConstraint(
                fields=["sha256"], condition=Q(state="imported"), name="import_file_once"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def busy(self) -> bool:
        return self.state in (self.State.CHECKING, self.State.IMPORTING)

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(self.progress_done * 100 / self.progress_total))


class ImportRow(models.Model):
    """One data row of a batch, as checked: good, wrong (with every reason), or a likely duplicate."""

    class State(models.TextChoices):
        GOOD = "good", _("Will be imported")
        ERROR = "error", _("Has errors")
        DUPLICATE = "duplicate", _("Likely duplicate")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    summary = models.CharField(_("row"), max_length=200, blank=True)
    data = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    duplicate_of = models.JSONField(default=list)
    feedback = models.ForeignKey(
        "feedback.Feedback", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["batch", "row_number"]
        indexes = [models.Index(fields=["batch", "state", "row_number"], name="import_row_state")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


class MailMessage(models.Model):
    """A message taken from the official mailbox: once per Message-ID (or, without one, per content digest).
    Imported → a draft feedback; ATTENTION → it could not be turned into one and waits for a person, with its
    raw bytes kept."""

    class State(models.TextChoices):
        IMPORTED = "imported", _("Draft created")
        ATTENTION = "attention", _("Needs a person")
        HANDLED = "handled", _("Handled by a person")

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    uid = models.CharField(max_length=32, blank=True)
    sender = models.CharField(_("from"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("taken at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    problem = models.TextField(_("problem"), blank=True)
    notes = models.JSONField(default=list, blank=True)
    raw = models.FileField(upload_to="mailbox/%Y/%m/", max_length=255, blank=True)
    feedback = models.ForeignKey(
        "feedback.Feedback", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("mailbox message")
        verbose_name_plural = _("mailbox messages")
        indexes = [models.Index(fields=["state", "-received_at"], name="mail_state")]

    def __str__(self) -> str:
        return self.subject or self.message_id
