"""Integrations and their tokens: create, issue a token (shown once), revoke, authenticate a request, count it
against the rate limit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from feedback.models import Channel

from .models import Integration, IntegrationToken, RateWindow

TOKEN_PREFIX = "pfk"
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def can_manage_integrations(user: User) -> bool:
    """Only an administrator connects other systems."""
    return (
        user.is_authenticated and user.is_active and (user.is_superuser or user.has_role(Role.ADMINISTRATOR))
    )


def _service_user(name: str) -> User:
    """The account the integration's feedback is registered by: it cannot log in (no usable password) and may
    only register feedback (and so see what it registered)."""
    user = User(username=f"intake-{uuid.uuid4().hex[:12]}", name=name[:64], is_active=True)
    user.set_unusable_password()
    user.save()
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="feedback", codename="add_feedback")
    )
    return user


def _service_name(name: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(name)s (integration)") % {"name": name}


def _validate_owner(owner: User | None) -> None:
    if owner is not None and not (owner.is_active and owner.has_perm("feedback.add_feedback")):
        raise ValidationError({"default_owner": [_("The owner must be an active customer service user.")]})


@transaction.atomic
def integration_create(
    *,
    actor: User,
    name: str,
    channel: str,
    description: str = "",
    default_owner: User | None = None,
    rate_per_minute: int | None = None,
) -> tuple[Integration, str]:
    """A new API integration and its first token; returns (integration, the token in clear: shown once)."""
    if not can_manage_integrations(actor):
        raise PermissionDenied
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the integration a name.")]
    elif Integration.objects.filter(name=name).exists():
        errors["name"] = [_("An integration with this name exists already.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Choose the channel its feedback arrives by.")]
    if errors:
        raise ValidationError(errors)
    _validate_owner(default_owner)
    integration = Integration.objects.create(
        name=name,
        kind=Integration.Kind.API,
        channel=channel,
        description=description,
        default_owner=default_owner,
        rate_per_minute=rate_per_minute,
        service_user=_service_user(_service_name(name)),
        created_by=actor,
    )
    token = token_issue(integration=integration, actor=actor)
    return integration, token


def integration_update(*, integration: Integration, actor: User, **fields) -> Integration:
    if not can_manage_integrations(actor):
        raise PermissionDenied
    _validate_owner(fields.get("default_owner"))
    for name in ("description", "default_owner", "rate_per_minute", "is_active", "channel"):
        if name in fields:
            setattr(integration, name, fields[name])
    integration.save()
    return integration


def mailbox_integration() -> Integration:
    """The official mailbox's integration row (created on first use), channel 官方邮箱."""
    existing = (
        Integration.objects.filter(kind=Integration.Kind.MAILBOX).select_related("service_user").first()
    )
    if existing:
        return existing
    with (
        transaction.atomic(),
        translation.override(settings.LANGUAGE_CODE),
    ):  # stored names: the site's language
        name = _("Official mailbox")
        return Integration.objects.create(
            name=name,
            kind=Integration.Kind.MAILBOX,
            channel=Channel.EMAIL,
            service_user=_service_user(name),
        )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(*, integration: Integration, actor: User) -> str:
    """A new token for ``integration``; the clear text is returned once and never stored."""
    if not can_manage_integrations(actor):
        raise PermissionDenied
    if integration.kind != Integration.Kind.API:
        raise ValidationError(_("Only an API integration has tokens."))
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    IntegrationToken.objects.create(
        integration=integration, prefix=prefix, digest=_digest(token), created_by=actor
    )
    return token


def token_revoke(*, token: IntegrationToken, actor: User) -> IntegrationToken:
    if not can_manage_integrations(actor):
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def token_authenticate(raw: str, *, now: dt.datetime | None = None) -> IntegrationToken | None:
    """The live token ``raw`` is (its integration active), or None. Records when it was last used (at most one
    write a minute)."""
    if not raw or not raw.startswith(f"{TOKEN_PREFIX}_") or len(raw) > 200:
        return None
    token = (
        IntegrationToken.objects.select_related("integration__service_user", "integration__default_owner")
        .filter(digest=_digest(raw), revoked_at__isnull=True, integration__is_active=True)
        .first()
    )
    if token is None or not token.integration.service_user.is_active:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def rate_limit_wait(integration: Integration, *, now: dt.datetime | None = None) -> int | None:
    """Count one request in the current minute; None when it is allowed, else the seconds until the next
    window (for Retry-After)."""
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    qn = connection.ops.quote_name
    table = qn(RateWindow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({qn('integration_id')}, {qn('window')}, {qn('count')}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({qn('integration_id')}, {qn('window')}) DO UPDATE SET {qn('count')} = "
            f"{table}.{qn('count')} + 1 RETURNING {qn('count')}",
            [integration.pk, window],
        )
        count = cursor.fetchone()[0]
    if count <= integration.rate_limit:
        return None
    return max(1, 60 - now.second)


def intake_purge(*, now: dt.datetime | None = None) -> int:
    """Nightly: rate windows older than an hour, idempotency keys older than INTAKE_IDEMPOTENCY_HOURS."""
    from .models import IdempotencyKey

    now = now or timezone.now()
    windows, _by_model = RateWindow.objects.filter(window__lt=now - dt.timedelta(hours=1)).delete()
    keys, _by_model = IdempotencyKey.objects.filter(
        created_at__lt=now - dt.timedelta(hours=settings.INTAKE_IDEMPOTENCY_HOURS)
    ).delete()
    return windows + keys
