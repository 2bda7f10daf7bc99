"""Feedback in the admin is read-only: records change through the application's services (which check rights,
write history and move deadlines), and nothing is ever deleted — an administrator voids on the detail page."""

from django.contrib import admin

from accounts.history_admin import HistoryAdmin

from .models import Attachment, Feedback


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
    date_hierarchy = "feedback_time"
    list_select_related = ("product_model", "cs_owner")
    inlines = [AttachmentInline]
