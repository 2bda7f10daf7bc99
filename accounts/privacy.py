"""Customers' contact details under PIPL (个人信息保护法): shown in full only to who calls the customer, each
showing logged; masked for everybody else.

- **Who**: the permission ``accounts.view_customer_contact`` (customer service agents and supervisors, quality
  engineers: accounts/roles.py). Department members and heads, management and the administrator see
  ``138****5678`` and ``w***@example.com``.
- **Where in full**: the pages of one record (its detail page, its registration form, the API's detail), never
  a list (lists, the list API and searches show masked numbers for everyone: minimum necessary).
- **Logged**: every time full details are shown, one row (who, when, which record, which fields, where, from
  which address): ``PersonalDataAccess``, kept like the records themselves; the administrator reads it in the
  admin."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.http import HttpRequest

SEES_CONTACTS = "accounts.view_customer_contact"


def can_see_contacts(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(SEES_CONTACTS))


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; 0755-12345678 → 0755-****5678; anything short keeps its last two digits."""
    value = (value or "").strip()
    if not value:
        return ""
    if re.fullmatch(r"1\d{10}", value):
        return f"{value[:3]}****{value[-4:]}"
    if "-" in value:
        area, rest = value.split("-", 1)
        digits = rest.replace("-", "")
        return f"{area}-****{digits[-4:]}" if len(digits) > 4 else f"{area}-****"
    return "*" * max(len(value) - 2, 0) + value[-2:]


def mask_email(value: str) -> str:
    """wang.fang@example.com → w***@example.com."""
    value = (value or "").strip()
    if "@" not in value:
        return "***" if value else ""
    name, domain = value.split("@", 1)
    return f"{name[:1]}***@{domain}"


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    from .brakes import client_ip

    return client_ip(request) or None


def log_unmasking(
    *, user, records: Iterable[str], fields: Iterable[str], where: str, request: HttpRequest | None = None
) -> int:
    """One PersonalDataAccess row per record shown in full (one query for any number of records)."""
    from .models import PersonalDataAccess

    shown = ",".join(fields)
    rows = [
        PersonalDataAccess(
            user=user, record=record, fields=shown, where=where, ip_address=_client_ip(request)
        )
        for record in records
    ]
    if not (shown and rows):
        return 0
    if len(rows) == 1:  # one record's page: a plain INSERT (bulk_create wraps even one row in BEGIN … COMMIT)
        rows[0].save(force_insert=True)
        return 1
    return len(PersonalDataAccess.objects.bulk_create(rows))
