"""The domain error: a rule a user broke. Views show its message; the API answers 400 with it."""

from django.utils.functional import Promise


class DomainError(Exception):
    def __init__(self, message: str | Promise, *, field_errors: dict[str, list[str]] | None = None):
        super().__init__(str(message))
        self.message = message
        self.field_errors = field_errors or {}


class StaleError(DomainError):
    """The record changed since the form was opened: the change is refused, not applied over the newer state."""


def refuse_if(reason: str | Promise | None, field: str | None = None) -> None:
    """A rule's why-not (``rules.why_not_…``) enforced: its reason, when it gives one, is the DomainError (on
    ``field`` too, when named)."""
    if reason:
        raise DomainError(reason, field_errors={field: [reason]} if field else None)
