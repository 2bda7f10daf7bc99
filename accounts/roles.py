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


_CS_COMMON = [
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
