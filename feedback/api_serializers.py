"""The feedback API's serializers: what goes in, what comes out, and the error bodies, so that the published
schema (/api/schema/) says exactly what the API answers. Blank text fields come out as "", choices not made yet
(a draft's channel, an unclassified feedback's category or severity) and missing relations as null."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from accounts import privacy
from catalog.models import ProductModel

from .models import Category, Channel, CustomerRequest, Feedback, Severity, Status
from .services import REGISTRATION_FIELDS

# The forms of a phone number the registration accepts, as the schema can say them: a mainland mobile (with or
# without +86) or a landline with its area code; "" for none (feedback.validators.normalize_phone accepts more).
PHONE_PATTERN = r"^((\+?(00)?86)?1[3-9]\d{9}|0\d{2,3}-\d{7,8}(-\d{1,6})?)?$"


# --- strict input fields: a JSON value of another type than the schema says is refused, not converted -----------
class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictRegexField(serializers.RegexField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class NullableChoiceField(serializers.ChoiceField):
    """A choice that may not have been made yet: "" in the database, null in the API."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value):
        return value or None


class FeedbackOutput(serializers.ModelSerializer):
    """A feedback. The customer's phone and e-mail are masked (138****5678) unless the serializer is given
    ``context={"unmask": True}``: the detail of one record, for who may see contacts (feedback/api.py logs it)."""

    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    contact_email = serializers.CharField(read_only=True, help_text=_('An e-mail address, or "" when none.'))
    product_model = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    purchase_date = serializers.DateField(read_only=True, allow_null=True)
    channel = NullableChoiceField(choices=Channel.choices)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    customer_requests = serializers.ListField(
        child=serializers.ChoiceField(choices=CustomerRequest.choices), read_only=True
    )
    registered_by = serializers.StringRelatedField()
    cs_owner = serializers.StringRelatedField()
    registered_at = serializers.DateTimeField(read_only=True, allow_null=True)
    registration_late = serializers.BooleanField(allow_null=True, read_only=True)
    category = NullableChoiceField(choices=Category.choices)
    severity = NullableChoiceField(choices=Severity.choices)

    class Meta:
        model = Feedback
        fields = [
            "number",
            "status",
            "status_display",
            "version",
            *REGISTRATION_FIELDS,
            "channel_display",
            "registered_by",
            "cs_owner",
            "created_at",
            "registered_at",
            "registration_due_at",
            "registration_late",
            "category",
            "severity",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("unmask"):
            data["contact_phone"] = privacy.mask_phone(data["contact_phone"])
            data["contact_email"] = privacy.mask_email(data["contact_email"])
        return data


class RegistrationInput(serializers.Serializer):
    customer_name = StrictCharField(max_length=100, required=False, allow_blank=True)
    contact_phone = StrictRegexField(
        PHONE_PATTERN,
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=_("Mobile (13812345678) or landline with area code (0755-12345678)."),
        error_messages={
            "invalid": _(
                "Enter a mainland mobile number (11 digits starting with 1, e.g. 13812345678) or a landline with "
                "its area code (e.g. 0755-12345678)."
            )
        },
    )
    contact_email = StrictEmailField(required=False, allow_blank=True)
    product_model = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductModel.objects.all(), required=False, allow_null=True
    )
    serial_number = StrictCharField(max_length=64, required=False, allow_blank=True)
    purchase_date = serializers.DateField(required=False, allow_null=True)
    feedback_time = serializers.DateTimeField(required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    channel_detail = StrictCharField(max_length=100, required=False, allow_blank=True)
    description = StrictCharField(required=False, allow_blank=True)
    customer_requests = serializers.ListField(
        child=serializers.ChoiceField(choices=CustomerRequest.choices), required=False
    )
    complete = StrictBooleanField(
        default=False, help_text=_("True completes the registration; false saves (or keeps) a draft.")
    )


class UpdateInput(RegistrationInput):
    version = StrictIntegerField(
        min_value=1, help_text=_("The version you read; a newer one on the server refuses.")
    )


# --- error bodies -----------------------------------------------------------------------------------------------
class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, in the requested language."))


FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "description": 'Each field with its messages, in the requested language; "detail" for the request as a whole.',
}


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorOutput, description=description)


# The error answers of the operations, documented once (config/api.py gives every one of them this shape).
BAD_REQUEST = OpenApiResponse(FIELD_ERRORS_SCHEMA, description="Invalid input.")
UNAUTHORIZED = _error("No or wrong credentials (HTTP Basic).")
FORBIDDEN = _error("Your role may not do this, or the account is locked after repeated wrong passwords.")
NOT_FOUND = _error("No such feedback, or one you may not see (they look the same); or a page past the last.")
CONFLICT = _error("The feedback changed since you read it (version): read it again.")
TOO_MANY = _error("Too many failed logins from your address: wait and try again.")
