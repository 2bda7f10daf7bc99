"""Roles are Django groups with real permissions. This file is the one list of what each role may do."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CS_AGENT = "cs_agent", _("Customer service agent")
    CS_SUPERVISOR = "cs_supervisor", _("Customer service supervisor")
    QUALITY_ENGINEER = "quality_engineer", _("Quality engineer")
    DEPT_MEMBER = "dept_member", _("Department member")
    DEPT_HEAD = "dept_head", _("Department head")
    MANAGEMENT = "management", _("Management")
    ADMINISTRATOR = "administrator", _("Administrator")


def role_label(code: str) -> str:
    """The label of a role (in the active language), or the code itself for a group that is not a role."""
    return str(Role(code).label) if code in Role.values else code


_DEFAULT_ACTIONS = {
    "view": _("View %(things)s"),
    "add": _("Add %(things)s"),
    "change": _("Change %(things)s"),
    "delete": _("Delete %(things)s"),
}


def permission_label(permission) -> str:
    """A permission in the reader's language: Django stores their names in English at creation time."""
    model = permission.content_type.model_class()
    if model is None:
        return permission.name
    custom = dict(model._meta.permissions)
    if permission.codename in custom:
        return str(custom[permission.codename])
    action = permission.codename.split("_", 1)[0]
    if action in _DEFAULT_ACTIONS:
        return str(_DEFAULT_ACTIONS[action] % {"things": model._meta.verbose_name_plural})
    return permission.name


# Who calls the customer sees their full phone number and e-mail address (every showing is logged: PIPL);
# everybody else sees them masked (138****5678). accounts/privacy.py.
_SEES_CONTACTS = "accounts.view_customer_contact"

_CS_COMMON = [
    _SEES_CONTACTS,
    "feedback.add_feedback",
    "feedback.change_feedback",
    "feedback.view_feedback",
    "feedback.contact_customer",
]
_DEPARTMENT_COMMON = [
    "feedback.view_feedback",
    "feedback.view_department_feedback",
    "corrective_actions.view_capa",
    "corrective_actions.write_capa",
    "corrective_actions.update_measure",
]
_CATALOGUES = [
    f"{app}.{action}_{model}"
    for app, model in (
        ("accounts", "user"),
        ("accounts", "department"),
        ("catalog", "productline"),
        ("catalog", "productmodel"),
        ("catalog", "faultphenomenon"),
        ("workcalendar", "calendarday"),
        ("sla", "slasetting"),
    )
    for action in ("view", "add", "change")
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CS_AGENT: [*_CS_COMMON],
    Role.CS_SUPERVISOR: [*_CS_COMMON, "feedback.view_all_feedback", "feedback.edit_any_registration"],
    Role.QUALITY_ENGINEER: [
        _SEES_CONTACTS,
        "feedback.view_feedback",
        "feedback.view_all_feedback",
        "feedback.verify_feedback",
        "feedback.close_feedback",
        "corrective_actions.view_capa",
        "corrective_actions.review_capa",
        "corrective_actions.verify_effect",
    ],
    Role.DEPT_MEMBER: [*_DEPARTMENT_COMMON],
    Role.DEPT_HEAD: [*_DEPARTMENT_COMMON, "corrective_actions.approve_capa"],
    Role.MANAGEMENT: [
        "feedback.view_feedback",
        "feedback.view_all_feedback",
        "corrective_actions.view_capa",
    ],
    Role.ADMINISTRATOR: [
        "auth.view_group",  # reads what each role may do (the roles themselves are fixed in this file)
        "accounts.view_personaldataaccess",  # who was shown customers' contact details (PIPL)
        "feedback.view_feedback",
        "feedback.view_all_feedback",
        "feedback.void_feedback",
        "corrective_actions.view_capa",
        *_CATALOGUES,
    ],
}


def sync_roles() -> None:
    """Create one group per role and give it exactly the permissions listed above (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    by_name = {}
    for perm in Permission.objects.select_related("content_type").filter(
        codename__in={p.split(".")[1] for p in wanted}
    ):
        by_name[f"{perm.content_type.app_label}.{perm.codename}"] = perm
    missing = wanted - by_name.keys()
    if missing:
        raise LookupError(f"permissions named in accounts/roles.py do not exist: {sorted(missing)}")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([by_name[p] for p in perms])
