from django.contrib import admin

from core.admin import ReadOnlyAdminMixin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """For looking into delivery problems: read-only."""

    list_display = (
        "recipient",
        "kind",
        "level",
        "subject_text",
        "created_at",
        "read_at",
        "email_due_at",
        "emailed_at",
    )
    list_filter = ("kind", "level")
    search_fields = ("recipient__username", "recipient__name", "dedup_key")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient", "feedback")
    date_hierarchy = "created_at"
