from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .history_admin import HistoryAdmin
from .models import Department, User


@admin.register(Department)
class DepartmentAdmin(HistoryAdmin):
    list_display = ("name", "code", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")


@admin.register(User)
class UserAdmin(BaseUserAdmin, HistoryAdmin):
    list_display = ("username", "name", "department", "email", "is_active")
    list_filter = ("department", "groups", "is_active")
    list_select_related = ("department",)  # nullable: the admin's automatic select_related skips it
    search_fields = ("username", "name", "email", "phone")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("name", "department", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Organisation"), {"fields": ("name", "department", "email", "groups")}),
    )
