from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import HistoryAdmin

from .models import CalendarDay, CalendarYear
from .services import calendar_changed, calendar_day_clear, calendar_day_set


@admin.register(CalendarDay)
class CalendarDayAdmin(HistoryAdmin):
    """Overrides go through the services: every save or delete recomputes the running deadlines."""

    list_display = ("date", "is_working", "name", "note", "updated_by", "updated_at")
    list_filter = ("is_working",)
    search_fields = ("name", "note")
    list_select_related = ("updated_by",)  # nullable: the admin's automatic select_related skips it
    date_hierarchy = "date"
    fields = ("date", "is_working", "name", "note", "updated_by", "updated_at")
    readonly_fields = ("updated_by", "updated_at")

    def save_model(self, request, obj, form, change):
        if change and "date" in form.changed_data:
            calendar_day_clear(date=form.initial["date"], actor=request.user)
        saved = calendar_day_set(
            date=obj.date, is_working=obj.is_working, name=obj.name, note=obj.note, actor=request.user
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        calendar_day_clear(date=obj.date, actor=request.user)

    def delete_queryset(self, request, queryset):
        for day in queryset:
            calendar_day_clear(date=day.date, actor=request.user)


@admin.register(CalendarYear)
class CalendarYearAdmin(HistoryAdmin):
    """Years are entered on the calendar page (it checks the whole year); here they are listed."""

    list_display = ("year", "entered_by", "entered_at", "note", "calendar_page")
    list_select_related = ("entered_by",)
    readonly_fields = ("year", "entered_by", "entered_at")
    fields = ("year", "note", "entered_by", "entered_at")

    @admin.display(description=_("calendar page"))
    def calendar_page(self, obj):
        from django.urls import reverse

        return format_html('<a href="{}">{}</a>', reverse("workcalendar:year_of", args=[obj.year]), obj.year)

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        calendar_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        calendar_changed()
