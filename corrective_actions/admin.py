"""CAPA forms in the admin are read-only: they change through the application's pages and services (which check
the department, keep every round and move the deadlines), and nothing is ever deleted."""

from django.contrib import admin

from core.admin import HistoryAdmin, ReadOnlyAdminMixin

from .models import Capa, CapaAttachment, CapaReview, EffectVerification, Measure


class MeasureInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Measure
    fields = ("round", "kind", "description", "owner", "planned_date", "state", "completed_date")
    readonly_fields = fields
    extra = 0


class ReviewInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CapaReview
    fields = ("round", "decision", "comment", "reviewed_by", "reviewed_at")
    readonly_fields = fields
    extra = 0


class EffectVerificationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = EffectVerification
    fields = ("round", "method", "result", "note", "verified_by", "verified_at")
    readonly_fields = fields
    extra = 0


@admin.register(Capa)
class CapaAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    list_display = ("number", "title", "lead_department", "status", "round", "created_at")
    list_filter = ("status", "lead_department", "root_cause_category")
    search_fields = ("number", "title")
    list_select_related = ("lead_department",)
    inlines = [MeasureInline, ReviewInline, EffectVerificationInline]


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    list_display = ("capa", "round", "kind", "description", "owner", "department", "planned_date", "state")
    list_filter = ("state", "kind", "department")
    search_fields = ("capa__number", "description")
    list_select_related = ("capa", "owner", "department")


@admin.register(CapaAttachment)
class CapaAttachmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("original_name", "capa", "measure", "kind", "size", "uploaded_by", "uploaded_at")
    list_select_related = ("capa", "measure", "uploaded_by")
