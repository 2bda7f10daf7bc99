"""The domain error: a rule a user broke. Views show its message; the API answers 400 with it."""

from django.utils.functional import Promise


class DomainError(Exception):
    def __init__(self, message: str | Promise, *, field_errors: dict[str, list[str]] | None = None):
        super().__init__(str(message))
        self.message = message
        self.field_errors = field_errors or {}


class StaleError(DomainError):
    """The record changed since the form was opened: the change is refused, not applied over the newer state."""
