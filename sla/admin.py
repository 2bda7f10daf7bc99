from django.contrib import admin

from core.admin import HistoryAdmin, ReadOnlyAdminMixin

from .models import SlaClock, SlaSetting


@admin.register(SlaSetting)
class SlaSettingAdmin(HistoryAdmin):
    """One row per kind of clock (seeded with DOMAIN.md's table). A change applies to clocks started after it."""

    list_display = ("kind", "length_working_days", "length_hours", "warn_percent", "warn_hours_before")
    fields = ("kind", "length_working_days", "length_hours", "warn_percent", "warn_hours_before")
    readonly_fields = ("kind",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Clocks are written by the services only: read-only here."""

    list_display = ("feedback", "kind", "started_at", "due_at", "outcome", "provisional", "paused_at")
    list_filter = ("kind", "outcome", "provisional")
    search_fields = ("feedback__number",)
    list_select_related = ("feedback",)
    raw_id_fields = ("feedback", "measure")
