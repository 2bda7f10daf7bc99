"""The home page: a workspace per role — what waits for me, with its deadline badges.

A person with several roles sees the sections of each. Every section is one query (plus one query for the
deadlines of all the feedback shown), whatever the number of rows; each list shows at most ``LIMIT`` rows.

- customer service agent: my drafts, my feedback whose customer must be told the outcome, my callbacks;
- customer service supervisor: the same for the whole team, and drafts past their registration deadline;
- quality engineer: to verify; verified (to classify, grade, assign, or close as not confirmed); level Ⅲ open;
  CAPA forms to review; effect verifications due; feedback awaiting closing;
- department member / head: assigned to my department without a CAPA form; CAPA forms to write (head: to
  approve and submit); my measures; level Ⅲ of my department without emergency response;
- management: their home is 管理驾驶舱, the dashboard of reports (by its URL name: feedback does not import
  reports); a manager who also has another role keeps this page, with open feedback per status, overdue
  deadlines, level Ⅲ open, CAPA forms per status, the measure rates per department;
- administrator: links to the administration and the calendar.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from corrective_actions.models import CapaStatus
from corrective_actions.selectors import (
    capa_overview_counts,
    capas_to_review,
    capas_to_verify,
    capas_to_write,
    measure_rates_by_department,
    measures_of,
)
from feedback.models import CommunicationLog, Feedback, Severity, Status, Verification
from feedback.selectors import feedback_visible_to
from sla.models import ClockKind, Outcome, SlaClock
from sla.selectors import clocks_by_feedback

LIMIT = 30
OPEN_STATUSES = (
    Status.REGISTERED,
    Status.VERIFIED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.PENDING_CLOSE,
)


@dataclass
class Section:
    key: str
    title: object
    kind: str  # "feedback" | "capa" | "measure"
    rows: list = field(default_factory=list)
    total: int = 0
    empty: object = _("Nothing waits here.")
    more_url: str = ""
    shares_rows_of: Section | None = None  # the same rows as another section of the page: drawn once
    rows_html: str | None = None  # the rows as drawn (quality_loop.templatetags.quality_loop.home_rows)


# what a home row shows (quality_loop.templatetags.quality_loop.home_rows), and nothing more: the page built about
# a thousand model instances, most of their columns unread
HOME_FEEDBACK_FIELDS = (
    "number",
    "status",
    "severity",
    "customer_name",
    "waiting_reason",
    "feedback_time",
    "product_model__code",
    "product_model__name",
)
HOME_CAPA_FIELDS = (
    "number",
    "title",
    "status",
    "round",
    "created_at",
    "opened_for",
    "lead_department__code",
    "lead_department__name",
)


def _feedback_section(
    key, title, qs: QuerySet[Feedback], *, more_status: str = "", few: bool = False
) -> Section:
    """``few``: the rows are a few among many and are found from another table (open callbacks): sort them rather
    than walk the feedback-time index until 31 are found. The planner takes them as spread evenly over time, but
    they are the newest, so that walk read the whole table (114 ms at 100,000 feedbacks; issue 10). The order is
    the same (feedback time, then id)."""
    qs = qs.order_by(F("feedback_time") + Value(dt.timedelta(0)) if few else "feedback_time", "id")
    rows = list(
        qs.select_related(None).select_related("product_model").only(*HOME_FEEDBACK_FIELDS)[: LIMIT + 1]
    )
    more = f"{reverse('feedback:list')}?status={more_status}" if more_status else ""
    return Section(key, title, "feedback", rows[:LIMIT], total=len(rows), more_url=more)


def _capa_section(key, title, qs) -> Section:
    qs = qs.select_related(None).select_related("lead_department").only(*HOME_CAPA_FIELDS)
    rows = list(qs.order_by("created_at", "id")[: LIMIT + 1])
    return Section(key, title, "capa", rows[:LIMIT], total=len(rows))


def _attach_clocks(sections: list[Section]) -> None:
    """One query for the deadlines of every feedback (and CAPA's feedback) on the page."""
    ids = set()
    for section in sections:
        for row in section.rows:
            if section.kind == "feedback":
                ids.add(row.pk)
            elif section.kind == "capa" and row.opened_for_id:
                ids.add(row.opened_for_id)
            elif section.kind == "measure" and row.capa.opened_for_id:
                ids.add(row.capa.opened_for_id)
    clocks = clocks_by_feedback(ids)
    for section in sections:
        for row in section.rows:
            if section.kind == "feedback":
                row.running_clocks = clocks.get(row.pk, [])
            elif section.kind == "capa":
                row.running_clocks = [
                    c
                    for c in clocks.get(row.opened_for_id, [])
                    if c.kind in ("capa_form", "effect_verification")
                ]
            elif section.kind == "measure":
                row.running_clocks = [
                    c for c in clocks.get(row.capa.opened_for_id, []) if c.measure_id == row.pk
                ]


def _not_told(qs: QuerySet[Feedback]) -> QuerySet[Feedback]:
    """Verified as not confirmed, and customer service has not logged telling the customer since."""
    told = CommunicationLog.objects.filter(
        feedback=OuterRef("pk"),
        kind=CommunicationLog.Kind.OUTCOME,
        contacted_at__gte=OuterRef("verification__verified_at"),
    )
    return qs.filter(
        status=Status.VERIFIED,
        verification__verdict__in=(Verification.Verdict.NOT_REPRODUCED, Verification.Verdict.NOT_PRODUCT),
    ).filter(~Exists(told))


def _customer_service(user, visible: QuerySet[Feedback], *, team: bool) -> list[Section]:
    scope = visible if team else visible.filter(Q(cs_owner=user) | Q(registered_by=user))
    who = _("the team's") if team else _("my")
    sections = [
        _feedback_section(
            "drafts", _("Drafts to complete (%(who)s)") % {"who": who}, scope.filter(status=Status.DRAFT)
        ),
        _feedback_section(
            "tell_outcome",
            _("Tell the customer the outcome of the verification (%(who)s)") % {"who": who},
            _not_told(scope),
        ),
        _feedback_section(
            "callbacks",
            _("Satisfaction callbacks to make (%(who)s)") % {"who": who},
            scope.filter(callback__state="open"),
            few=True,
        ),
    ]
    if team:
        sections.append(
            _feedback_section(
                "late_drafts",
                _("Drafts past their registration deadline"),
                visible.filter(status=Status.DRAFT, registration_due_at__lt=timezone.now()),
            )
        )
    return sections


def _quality(user, visible: QuerySet[Feedback]) -> list[Section]:
    return [
        _feedback_section(
            "to_verify",
            _("To verify"),
            visible.filter(status=Status.REGISTERED),
            more_status=Status.REGISTERED,
        ),
        _feedback_section(
            "to_assign",
            _("Verified: classify, grade and assign (or close as not confirmed)"),
            visible.filter(status=Status.VERIFIED),
            more_status=Status.VERIFIED,
        ),
        _feedback_section(
            "urgent",
            _("Level Ⅲ open"),
            visible.filter(severity=Severity.URGENT, status__in=OPEN_STATUSES),
        ),
        _capa_section("capa_review", _("CAPA forms to review"), capas_to_review(user)),
        _capa_section("capa_verify", _("Effect verifications due"), capas_to_verify(user)),
        _feedback_section(
            "to_close",
            _("Awaiting closing"),
            visible.filter(status=Status.PENDING_CLOSE),
            more_status=Status.PENDING_CLOSE,
        ),
    ]


def _department(user, visible: QuerySet[Feedback]) -> list[Section]:
    if not user.department_id:
        return []
    mine = visible.filter(assignments__department_id=user.department_id)
    is_head = user.has_role(Role.DEPT_HEAD)
    capas = capas_to_write(user)
    sections = [
        _feedback_section(
            "assigned",
            _("Assigned to %(department)s, no CAPA form yet") % {"department": user.department},
            mine.filter(status=Status.ASSIGNED, capa__isnull=True),
        ),
        _capa_section(
            "capa_write",
            _("CAPA forms to approve and submit") if is_head else _("CAPA forms to write"),
            capas,
        ),
        Section("measures", _("My measures"), "measure"),
        _feedback_section(
            "urgent_dept",
            _("Level Ⅲ without emergency response"),
            mine.filter(
                severity=Severity.URGENT, emergency_started_at__isnull=True, status__in=OPEN_STATUSES
            ),
        ),
    ]
    measures = list(measures_of(user)[: LIMIT + 1])
    sections[2].rows, sections[2].total = measures[:LIMIT], len(measures)
    return sections


def _management_dashboard() -> dict:
    now = timezone.now()
    by_status = dict(
        Feedback.objects.filter(status__in=OPEN_STATUSES)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    overdue = dict(
        SlaClock.objects.filter(outcome=Outcome.RUNNING, due_at__lt=now, paused_at__isnull=True)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    capa_counts = capa_overview_counts()
    return {
        "open_by_status": [(Status(s).label, by_status.get(s, 0), s) for s in OPEN_STATUSES],
        "open_total": sum(by_status.values()),
        "overdue_by_kind": [(ClockKind(k).label, n) for k, n in sorted(overdue.items())],
        "overdue_total": sum(overdue.values()),
        "capa_by_status": [(label, capa_counts.get(value, 0)) for value, label in CapaStatus.choices],
        "department_rates": list(measure_rates_by_department()),
    }


def _admin_links() -> list[tuple[object, str]]:
    return [
        (label, reverse(name))
        for label, name in (
            (_("Administration"), "admin:index"),
            (_("Users"), "admin:accounts_user_changelist"),
            (_("Departments"), "admin:accounts_department_changelist"),
            (_("Product models"), "admin:catalog_productmodel_changelist"),
            (_("Fault phenomena"), "admin:catalog_faultphenomenon_changelist"),
            (_("Deadline settings"), "admin:sla_slasetting_changelist"),
            (_("Working-day calendar"), "workcalendar:year"),
            (_("Integrations"), "intake:integration_list"),
            (_("Group-chat robots"), "notifications:robot_list"),
        )
    ]


# the roles whose workspace has sections of its own: a manager with none of them lands on the dashboard
_WORKSPACE_ROLES = (
    Role.CS_AGENT,
    Role.CS_SUPERVISOR,
    Role.QUALITY_ENGINEER,
    Role.DEPT_MEMBER,
    Role.DEPT_HEAD,
    Role.ADMINISTRATOR,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.has_role(Role.MANAGEMENT) and not user.has_role(*_WORKSPACE_ROLES):
        return redirect("reports:dashboard")
    visible = feedback_visible_to(user)
    groups: list[tuple[object, list[Section]]] = []
    if user.has_role(Role.CS_SUPERVISOR):
        groups.append((_("Customer service team"), _customer_service(user, visible, team=True)))
    elif user.has_role(Role.CS_AGENT):
        groups.append((_("Customer service"), _customer_service(user, visible, team=False)))
    if user.has_role(Role.QUALITY_ENGINEER):
        groups.append((_("Quality"), _quality(user, visible)))
    if user.has_role(Role.DEPT_MEMBER, Role.DEPT_HEAD):
        groups.append((user.department or _("My department"), _department(user, visible)))
    all_sections = [s for _title, sections in groups for s in sections]
    dashboard = None
    if user.has_role(Role.MANAGEMENT):
        dashboard = _management_dashboard()
        quality_urgent = next((s for s in all_sections if s.key == "urgent"), None)
        if quality_urgent is not None:  # a quality engineer's own section has the same rows: read them once
            urgent = Section(
                "urgent_all",
                _("Level Ⅲ open"),
                "feedback",
                quality_urgent.rows,
                quality_urgent.total,
                shares_rows_of=quality_urgent,
            )
        else:
            urgent = _feedback_section(
                "urgent_all",
                _("Level Ⅲ open"),
                visible.filter(severity=Severity.URGENT, status__in=OPEN_STATUSES),
            )
        groups.append((_("Management"), [urgent]))
        all_sections.append(urgent)
    _attach_clocks(all_sections)
    context = {
        "groups": groups,
        "dashboard": dashboard,
        "admin_links": _admin_links() if user.has_role(Role.ADMINISTRATOR) or user.is_superuser else [],
        "today": timezone.localdate(),
    }
    return render(request, "feedback/workspace/home.html", context)
