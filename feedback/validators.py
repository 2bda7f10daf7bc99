"""Contact details as customers in mainland China give them."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(value: str) -> str:
    """Return the phone in a canonical form (mobile: 11 digits; landline: ``0755-12345678[-123]``), or raise
    ValidationError. Accepts spaces, dashes, brackets, and a +86/0086/86 prefix on mobiles."""
    raw = (value or "").strip()
    if not raw:
        return ""
    digits = re.sub(r"[\s\-()（）]", "", raw)
    if digits.startswith("+"):
        digits = digits[1:]
    if not digits.isdigit():
        raise ValidationError(_("Enter a phone number using digits only."), code="phone")
    for prefix in ("0086", "86"):
        if (
            digits.startswith(prefix)
            and len(digits) == len(prefix) + 11
            and _MOBILE.match(digits[len(prefix) :])
        ):
            digits = digits[len(prefix) :]
    if _MOBILE.match(digits):
        return digits
    if digits.startswith("0") and raw.replace(" ", "").isdigit():
        # Typed without a separator: 010 and 02x are three-digit area codes, every other one has four.
        area_len = 3 if digits.startswith(("010", "02")) else 4
        if 7 <= len(digits) - area_len <= 8:
            return f"{digits[:area_len]}-{digits[area_len:]}"
    parts = [p for p in re.split(r"[\s\-]+", re.sub(r"[()（）]", " ", raw)) if p]
    if len(parts) >= 2 and parts[0].startswith("0") and 3 <= len(parts[0]) <= 4:
        area, number, ext = parts[0], parts[1], (parts[2] if len(parts) > 2 else "")
        if area.isdigit() and number.isdigit() and 7 <= len(number) <= 8 and (not ext or ext.isdigit()):
            return f"{area}-{number}" + (f"-{ext}" if ext else "")
    raise ValidationError(
        _(
            "Enter a mainland mobile number (11 digits starting with 1, e.g. 13812345678) or a landline with "
            "its area code (e.g. 0755-12345678)."
        ),
        code="phone",
    )
