from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.admin import HistoryAdmin, ReadOnlyAdminMixin

from . import brakes
from .models import Department, PersonalDataAccess, User
from .roles import permission_label


@admin.register(Department)
class DepartmentAdmin(HistoryAdmin):
    list_display = ("name", "code", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(ReadOnlyAdminMixin, BaseGroupAdmin):
    """The roles (Django groups), read-only: shown by their labels, with what each may do in the reader's
    language. Their permissions are set by accounts/roles.py on every migrate (an edit here would not last)."""

    list_display = ("role",)
    fields = ("role", "permission_labels")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("permissions__content_type")

    @admin.display(description=_("role"), ordering="name")
    def role(self, obj: Group) -> str:
        return str(obj)

    @admin.display(description=_("what this role may do"))
    def permission_labels(self, obj: Group):
        labels = sorted(permission_label(p) for p in obj.permissions.all())
        return format_html_join(mark_safe("<br>"), "{}", ((label,) for label in labels))


@admin.register(User)
class UserAdmin(BaseUserAdmin, HistoryAdmin):
    list_display = ("username", "name", "department", "roles", "email", "is_active")
    list_filter = ("department", "groups", "is_active")
    list_select_related = ("department",)  # nullable: the admin's automatic select_related skips it
    search_fields = ("username", "name", "email", "phone")
    # No per-user permissions: what a person may do comes from their roles only (accounts/roles.py).
    fieldsets = (
        *(
            (title, {**opts, "fields": tuple(f for f in opts["fields"] if f != "user_permissions")})
            for title, opts in BaseUserAdmin.fieldsets
        ),
        (_("Organisation"), {"fields": ("name", "department", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Organisation"), {"fields": ("name", "department", "email", "groups")}),
    )

    actions = ["unlock_accounts"]

    def get_queryset(self, request):
        locked = AccessAttempt.objects.filter(
            username=OuterRef("username"), failures_since_start__gte=settings.AXES_FAILURE_LIMIT
        )
        return super().get_queryset(request).prefetch_related("groups").annotate(locked=Exists(locked))

    def get_list_display(self, request):
        return (*super().get_list_display(request), "is_locked")

    @admin.display(description=_("locked"), boolean=True, ordering="locked")
    def is_locked(self, obj: User) -> bool:
        return obj.locked

    @admin.action(description=_("Unlock the selected accounts"), permissions=["change"])
    def unlock_accounts(self, request, queryset):
        """An account locked after repeated wrong passwords (accounts.brakes) logs in again with its password."""
        usernames = list(queryset.values_list("username", flat=True))
        for username in usernames:
            brakes.unlock(username)
        self.message_user(
            request, _("Unlocked: %(users)s.") % {"users": "、".join(usernames)}, level=messages.SUCCESS
        )

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return "、".join(sorted(str(group) for group in obj.groups.all()))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups":
            # the selector's "Choose all 角色" / "Remove all 角色" and its titles name what is chosen: roles
            field.label = _("roles")
            field.help_text = _(
                "What the person may do; each role's permissions are fixed in accounts/roles.py."
            )
            widget = getattr(field.widget, "widget", field.widget)
            if isinstance(widget, FilteredSelectMultiple):
                widget.verbose_name = _("roles")
        return field


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """PIPL: who was shown which customer's full contact details, when and where. Read-only; never deleted."""

    list_display = ("accessed_at", "user", "record", "fields", "where", "ip_address")
    list_filter = ("where", "record_kind")
    search_fields = ("record", "user__username", "user__name")
    date_hierarchy = "accessed_at"
    list_select_related = ("user",)
