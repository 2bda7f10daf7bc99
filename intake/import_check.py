"""Checking the rows of an import: each cell read as its column's type, each row checked by the registration's
own rules (feedback.services.registration_errors), and the rows that look like feedback already in the system
(same phone and product model within SIMILAR_FEEDBACK_DAYS) or like an earlier row of the same file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from catalog.models import ProductModel
from feedback.models import Feedback, Status
from feedback.services import REQUIRED_FOR_REGISTRATION, registration_errors

from .excel_columns import COLUMNS, CellError, as_channel, as_date, as_datetime, as_requests, as_text

HEADERS = {c.field: c.header for c in COLUMNS}
REQUIRED = set(REQUIRED_FOR_REGISTRATION)
TEXT_LIMITS = {
    "customer_name": 100,
    "contact_phone": 32,
    "serial_number": 64,
    "channel_detail": 100,
    "contact_email": 254,
}
DUPLICATE_QUERY_CHUNK = 2000


@dataclass
class CheckedRow:
    number: int
    data: dict  # JSON-ready registration values
    errors: list[str] = field(default_factory=list)
    duplicate_of: list[str] = field(default_factory=list)
    summary: str = ""

    @property
    def state(self) -> str:
        if self.errors:
            return "error"
        return "duplicate" if self.duplicate_of else "good"


class ModelIndex:
    """The catalogue, read once: a model number (any case) → model."""

    def __init__(self) -> None:
        self.by_code = {m.code.lower(): m for m in ProductModel.objects.all()}
        self.by_pk = {m.pk: m for m in self.by_code.values()}

    def find(self, text: str) -> ProductModel | None:
        key = text.strip().lower()
        if key in self.by_code:
            return self.by_code[key]
        last = key.split()[-1] if key.split() else ""  # "智能空调 KFR-35GW" as on the registration form
        return self.by_code.get(last)


def _reason(field_name: str, message: str) -> str:
    return f"{HEADERS.get(field_name, field_name)}: {message}"


def check_row(number: int, record: dict, models: ModelIndex, *, now: dt.datetime) -> CheckedRow:
    data: dict = {}
    errors: list[str] = []
    for name in (
        "customer_name",
        "contact_phone",
        "contact_email",
        "serial_number",
        "channel_detail",
        "description",
    ):
        text = as_text(record.get(name))
        limit = TEXT_LIMITS.get(name)
        if limit and len(text) > limit:
            errors.append(_reason(name, _("at most %(n)s characters.") % {"n": limit}))
        data[name] = text
    raw_phone = record.get("contact_phone")
    if isinstance(raw_phone, int | float) and not data["contact_phone"].startswith("1"):
        # A landline typed into a number cell has lost its leading 0 (020 12345678 → 2012345678): put it back.
        data["contact_phone"] = "0" + data["contact_phone"]
    model = None
    model_text = as_text(record.get("product_model"))
    if model_text:
        model = models.find(model_text)
        if model is None:
            errors.append(
                _reason(
                    "product_model",
                    _("unknown model “%(code)s” (not in the catalogue).") % {"code": model_text},
                )
            )
        elif not model.is_active:
            errors.append(
                _reason(
                    "product_model",
                    _("the model %(code)s is no longer in the catalogue.") % {"code": model.code},
                )
            )
    readers = {
        "purchase_date": as_date,
        "feedback_time": as_datetime,
        "channel": as_channel,
        "customer_requests": as_requests,
    }
    for name, reader in readers.items():
        try:
            data[name] = reader(record.get(name))
        except CellError as error:
            errors.append(_reason(name, str(error)))
            data[name] = None
    if data["contact_email"]:
        try:
            validate_email(data["contact_email"])
        except ValidationError:
            errors.append(_reason("contact_email", _("not a valid e-mail address.")))
    checked = dict(data, product_model=model)
    unreadable = {e.split(":")[0] for e in errors}
    for name, messages in registration_errors(checked, complete=True, now=now).items():
        if HEADERS.get(name) in unreadable or (name == "product_model" and model_text and model is None):
            continue  # already named with its reason
        if name == "contact_phone" and data["contact_phone"]:
            errors.append(
                _reason(name, _("not a valid mobile or landline number (e.g. 13812345678, 0755-12345678)."))
            )
        elif name == "contact_phone":
            errors.append(_reason(name, _("a phone or an e-mail is required.")))
        elif name in REQUIRED and checked.get(name) in (None, "", []):
            errors.append(_reason(name, _("required.")))
        else:
            errors.extend(_reason(name, m) for m in messages)
    ordered = sorted(
        errors, key=lambda e: next((i for i, c in enumerate(COLUMNS) if e.startswith(c.header + ":")), 99)
    )
    return CheckedRow(
        number=number,
        data={
            **data,
            "contact_phone": checked.get("contact_phone", data["contact_phone"]),  # normalised when valid
            "product_model": model.pk if model else None,
            "purchase_date": data["purchase_date"].isoformat() if data.get("purchase_date") else None,
            "feedback_time": data["feedback_time"].isoformat() if data.get("feedback_time") else None,
        },
        errors=ordered,
        summary=" · ".join(
            p
            for p in (data["customer_name"], model.code if model else model_text, data["contact_phone"])
            if p
        )[:200],
    )


def mark_duplicates(rows: list[CheckedRow]) -> None:
    """Rows without errors that match a feedback (same phone, same model, feedback times at most
    SIMILAR_FEEDBACK_DAYS apart) or an earlier row of the file get ``duplicate_of``."""
    window = dt.timedelta(days=settings.SIMILAR_FEEDBACK_DAYS)
    candidates = [r for r in rows if not r.errors and r.data["contact_phone"] and r.data["product_model"]]
    if not candidates:
        return
    times = [dt.datetime.fromisoformat(r.data["feedback_time"]) for r in candidates]
    earliest, latest = min(times) - window, max(times) + window
    phones = sorted({r.data["contact_phone"] for r in candidates})
    existing: dict[tuple[str, int], list[tuple[dt.datetime, str]]] = {}
    for start in range(0, len(phones), DUPLICATE_QUERY_CHUNK):
        for number, phone, model_id, when in (
            Feedback.objects.filter(
                contact_phone__in=phones[start : start + DUPLICATE_QUERY_CHUNK],
                feedback_time__gte=earliest,
                feedback_time__lte=latest,
            )
            .exclude(status=Status.VOIDED)
            .values_list("number", "contact_phone", "product_model_id", "feedback_time")
        ):
            existing.setdefault((phone, model_id), []).append((when, number))
    seen: dict[tuple[str, int], list[tuple[dt.datetime, int]]] = {}
    for row, when in zip(candidates, times, strict=True):
        key = (row.data["contact_phone"], row.data["product_model"])
        row.duplicate_of = [number for other, number in existing.get(key, []) if abs(other - when) <= window]
        row.duplicate_of += [
            _("row %(n)s") % {"n": earlier}
            for other, earlier in seen.get(key, [])
            if abs(other - when) <= window
        ]
        seen.setdefault(key, []).append((when, row.number))
