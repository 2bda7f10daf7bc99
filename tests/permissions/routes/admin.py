"""The Django admin. Only staff gets in (the administrator role); anybody else, anonymous or logged in, is sent
to the admin's login page. Inside, each model answers according to what the administrator role may do with it
(``ADMIN_RIGHTS``, stated here from DOMAIN.md: users, departments, catalogues, calendar, SLA settings; feedback and
CAPA forms to read; nothing is deleted, history is never reverted). A model added to the admin without an entry
here leaves its routes undeclared: test_matrix_complete.py fails."""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.roles import Role

from ..rules import ADMIN_LOGIN, route

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ADMIN_RIGHTS: dict[str, set[str]] = {
    "accounts.department": {VIEW, ADD, CHANGE},
    "accounts.user": {VIEW, ADD, CHANGE},
    "accounts.personaldataaccess": {VIEW},  # the PIPL log of who saw customers' full contact details
    "auth.group": {VIEW},  # the roles, read-only (their permissions come from accounts/roles.py)
    "catalog.productline": {VIEW, ADD, CHANGE},
    "catalog.productmodel": {VIEW, ADD, CHANGE},
    "catalog.faultphenomenon": {VIEW, ADD, CHANGE},
    "workcalendar.calendarday": {VIEW, ADD, CHANGE},
    "workcalendar.calendaryear": set(),  # years are entered on the calendar page
    "sla.slasetting": {VIEW, CHANGE},
    "sla.slaclock": set(),
    "feedback.feedback": {VIEW},
    "corrective_actions.capa": {VIEW},
    "corrective_actions.measure": set(),
    "corrective_actions.capaattachment": set(),
    "notifications.notification": set(),
    "axes.accessattempt": set(),  # accounts are unlocked from the user list (accounts.admin)
    "axes.accesslog": set(),
    "axes.accessfailurelog": set(),
}
# An empty POST to the change page of these is a valid form (nothing required): saved, back to the list.
EMPTY_CHANGE_IS_VALID: set[str] = set()


def staff(then):
    """The administrator: ``then``; everybody else: the admin's login page."""
    return lambda who, s: then if who == Role.ADMINISTRATOR else ADMIN_LOGIN


def _allowed(label: str, right: str, ok, refused=403):
    return staff(ok if right in ADMIN_RIGHTS[label] else refused)


def _object_url(model, name: str, *, version: bool = False):
    def build(world, who, scenario):
        obj = world.admin_objects[model]
        args = [obj.pk]
        if version:
            args.append(obj.history.order_by("history_id").first().history_id)
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)

    return build


def _declare_model(model, model_admin) -> None:
    label = model._meta.label_lower
    if label not in ADMIN_RIGHTS:
        return  # undeclared: the completeness test names its routes
    app, name = model._meta.app_label, model._meta.model_name
    prefix = f"admin:{app}_{name}"
    rights = ADMIN_RIGHTS[label]
    one = ("-",)
    route(f"{prefix}_changelist", get=_allowed(label, VIEW, 200), post=_allowed(label, VIEW, 200))
    route(f"{prefix}_add", get=_allowed(label, ADD, 200), post=_allowed(label, ADD, 200))
    change_post = 302 if label in EMPTY_CHANGE_IS_VALID else 200
    route(
        f"{prefix}_change",
        get=_allowed(label, VIEW, 200),
        post=staff(change_post if CHANGE in rights else 403),
        url=_object_url(model, "change"),
        scenarios=one,
    )
    route(
        f"{prefix}_delete",
        get=_allowed(label, DELETE, 200),
        post=_allowed(label, DELETE, 200),
        url=_object_url(model, "delete"),
        scenarios=one,
    )
    route(
        f"{prefix}_history",
        get=_allowed(label, VIEW, 200),
        post=_allowed(label, VIEW, 200),
        url=_object_url(model, "history"),
        scenarios=one,
    )
    # /admin/<app>/<model>/<id>/ (no name): the admin's redirect to the change page, for staff
    route(
        f"admin/{app}/{name}/<path:object_id>/",
        get=staff(302),
        post=staff(302),
        url=lambda world, who, s: f"/admin/{app}/{name}/{world.admin_objects[model].pk}/",
        scenarios=one,
    )
    if hasattr(model_admin, "history_form_view"):
        # the history form: an old version to read; posting it back (reverting) is refused for everyone
        route(
            f"{prefix}_simple_history",
            get=_allowed(label, VIEW, 200),
            post=staff(403),
            url=_object_url(model, "simple_history", version=True),
            scenarios=one,
        )


for _model, _model_admin in admin.site._registry.items():
    _declare_model(_model, _model_admin)

route(
    "admin:auth_user_password_change",
    get=staff(200),
    post=staff(200),
    url=lambda world, who, s: reverse(
        "admin:auth_user_password_change", args=[world.users[Role.CS_AGENT].pk]
    ),
    scenarios=("-",),
)
route("admin:index", get=staff(200), post=staff(200))
# the admin's login page: the form for who is not staff (an empty POST: its errors); staff is sent in
route(
    "admin:login",
    get=lambda who, s: 302 if who == Role.ADMINISTRATOR else 200,
    post=200,
)
# not staff: sent to the admin (which sends to its login page)
route("admin:logout", get=lambda who, s: 405 if who == Role.ADMINISTRATOR else 302, post=302)
route("admin:password_change", get=staff(200), post=staff(200))
route("admin:password_change_done", get=staff(200), post=staff(405))
route("admin:autocomplete", get=staff(403), post=staff(405))  # needs the field it completes
route("admin:jsi18n", get=staff(200), post=staff(405))
route(
    "admin:view_on_site",
    get=staff(302),
    post=staff(302),
    url=lambda world, who, s: reverse(
        "admin:view_on_site",
        args=[
            ContentType.objects.get_for_model(world.cases["own"].feedback).pk,
            world.cases["own"].feedback.pk,
        ],
    ),
    scenarios=("-",),
)
route(
    "admin:app_list",
    get=staff(200),
    post=staff(200),
    url=lambda world, who, s: reverse("admin:app_list", kwargs={"app_label": "feedback"}),
    scenarios=("-",),
)
route(
    "admin/(?P<url>.*)$",  # the admin's last pattern: nothing else there
    get=staff(404),
    post=staff(404),
    url=lambda world, who, s: "/admin/no-such-page/",
    scenarios=("-",),
)
