"""The API's one exception handler: a broken rule answers 400 with field errors, a stale write 409, never 500.
Not found and forbidden answer DRF's own messages in the requested language ("未找到。"), never the English text
of a Django ``Http404`` ("No Feedback matches the given query.")."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from feedback.errors import DomainError, StaleError


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
    return drf_exception_handler(exc, context)
