"""The API's one exception handler: domain errors become 400 with a message, hidden objects a 404."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from feedback.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        exc = exceptions.ValidationError({"detail": [str(exc.message)], **exc.field_errors})
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    elif isinstance(exc, PermissionDenied | Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
