"""Feedback in the admin is read-only: records change through the application's services (which check rights,
write history and move deadlines), and nothing is ever deleted — an administrator voids on the detail page."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.template_utils import HistoricalRecordContextHelper

from accounts.privacy import mask_email, mask_phone
from core.admin import HistoryAdmin, ReadOnlyAdminMixin

from .models import Attachment, Feedback


class MaskedContactHelper(HistoricalRecordContextHelper):
    """The admin's history list, with the customer's contact masked in each change."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        if change.field == "contact_phone":
            return mask_phone(value or "")
        if change.field == "contact_email":
            return mask_email(value or "")
        return value


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Attachment
    fields = ("original_name", "kind", "size", "purpose", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    list_display = (
        "number",
        "status",
        "customer_name",
        "product_model",
        "channel",
        "feedback_time",
        "cs_owner",
    )
    list_filter = ("status", "channel", "severity", "category")
    search_fields = ("number", "customer_name", "contact_phone")
    # The customer's contact is masked here and in the admin's history (accounts.privacy): the administrator does
    # not call customers; the pages of the application show it in full to who does, and log it.
    exclude = ("contact_phone", "contact_email")

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        at = fields.index("customer_name") + 1 if "customer_name" in fields else len(fields)
        return [*fields[:at], "masked_phone", "masked_email", *fields[at:]]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "masked_phone", "masked_email")

    @admin.display(description=_("contact phone"))
    def masked_phone(self, obj: Feedback) -> str:
        return mask_phone(obj.contact_phone) or "—"

    @admin.display(description=_("contact e-mail"))
    def masked_email(self, obj: Feedback) -> str:
        return mask_email(obj.contact_email) or "—"

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskedContactHelper(self.model, historical_record)

    date_hierarchy = "feedback_time"
    list_select_related = ("product_model", "cs_owner")
    inlines = [AttachmentInline]
