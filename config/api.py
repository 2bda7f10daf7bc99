"""The API's one exception handler: a broken rule answers 400 with field errors, a stale write 409, never 500.

Every error body has one of two shapes, the ones the schema publishes: 400 is ``{field: [message, …]}`` (nested
errors, a list item's say, are flattened into their field's messages; ``detail`` for the request as a whole);
every other error is ``{"detail": message}``. Not found and forbidden answer DRF's own messages in the requested
language ("未找到。"), never the English text of a Django ``Http404`` ("No Feedback matches the given query.")."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError, StaleError


def _messages(value, prefix: str = "") -> list[str]:
    """Every message under ``value`` (a string, a list, or a dict of item → messages), as plain strings."""
    if isinstance(value, dict):
        return [m for key, inner in value.items() for m in _messages(inner, f"{prefix}{key}: ")]
    if isinstance(value, list | tuple):
        return [m for inner in value for m in _messages(inner, prefix)]
    return [f"{prefix}{value}"]


def _field_errors(data) -> dict[str, list[str]]:
    if isinstance(data, dict):
        return {str(field): _messages(value) for field, value in data.items()}
    return {"detail": _messages(data)}


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, StaleError):
        return Response({"detail": str(exc.message)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DomainError):
        exc = exceptions.ValidationError({"detail": [str(exc.message)], **exc.field_errors})
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
        response.data = _field_errors(response.data)
    return response
