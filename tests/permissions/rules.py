"""The permission matrix's vocabulary: what answer each identity gets on each route, per scenario.

Every route of the URL conf, and every operation of the API schema, is declared once, in the module of
``tests/permissions/routes/`` named after the app that owns it (one module per app: a branch adding routes adds
or extends its app's module). A route without a declaration, or a declaration for a route that is gone, fails
tests/permissions/test_matrix_complete.py.

A declaration says, for a GET and for an empty POST (the API: its own methods, with an empty JSON body), the
answer of each identity (tests/permissions/world.py: anonymous and the seven roles) in each scenario (own
department / other department / not assigned) where the route names a record, as a status code or one of:
``LOGIN`` (302 to the login page), ``ADMIN_LOGIN`` (302 to the admin's login page), ``NA`` (the scenario has no
such record: an unassigned feedback has no CAPA form).

Who sees what is stated here once, independently of the code (feedback.selectors / corrective_actions.selectors
decide it there): ``SEES_FEEDBACK`` and ``SEES_CAPA``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from accounts.roles import Role

from .world import ANONYMOUS, OTHER, OWN, UNASSIGNED

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
NA = "n/a"

Answer = int | str
Expectation = Answer | Callable[[str, str], Answer]

EVERY_FEEDBACK = {OWN, OTHER, UNASSIGNED}
# Who sees which feedback (README "Who sees what"): customer service the feedback they registered or own (the
# supervisor the whole team's), departments what is assigned to them, quality / management / administrator all.
SEES_FEEDBACK: dict[str, set[str]] = {
    ANONYMOUS: set(),
    Role.CS_AGENT: {OWN, UNASSIGNED},
    Role.CS_SUPERVISOR: EVERY_FEEDBACK,
    Role.QUALITY_ENGINEER: EVERY_FEEDBACK,
    Role.DEPT_MEMBER: {OWN},
    Role.DEPT_HEAD: {OWN},
    Role.MANAGEMENT: EVERY_FEEDBACK,
    Role.ADMINISTRATOR: EVERY_FEEDBACK,
}
# Who sees which CAPA form: the departments their own department's; quality, management, administrator all;
# customer service none.
SEES_CAPA: dict[str, set[str]] = {
    ANONYMOUS: set(),
    Role.CS_AGENT: set(),
    Role.CS_SUPERVISOR: set(),
    Role.QUALITY_ENGINEER: {OWN, OTHER},
    Role.DEPT_MEMBER: {OWN},
    Role.DEPT_HEAD: {OWN},
    Role.MANAGEMENT: {OWN, OTHER},
    Role.ADMINISTRATOR: {OWN, OTHER},
}
CUSTOMER_SERVICE = {Role.CS_AGENT, Role.CS_SUPERVISOR}
DEPARTMENTS = {Role.DEPT_MEMBER, Role.DEPT_HEAD}


@dataclass(frozen=True)
class Route:
    """A page route: its URL name (or, unnamed, its pattern), what fills its URL, and the answers."""

    key: str
    get: Expectation
    post: Expectation
    # what the URL names: "none", "feedback", "capa", "notification", "year", or a function
    # (world, who, scenario) → kwargs (None: NA in that scenario)
    obj: str | Callable = "none"
    # list pages: which scenarios' feedback numbers the page may show to each identity (checked on the GET)
    lists: Callable[[str], set[str]] | None = None
    # instead of ``obj``: (world, who, scenario) → the URL itself (routes whose pattern is a regular expression)
    url: Callable | None = None
    scenarios: tuple[str, ...] | None = None  # None: the three when ``obj`` names a record, else none


@dataclass(frozen=True)
class ApiOperation:
    """An operation of the API schema: path (as in the schema), method, answers to an empty JSON body."""

    path: str
    method: str
    answer: Expectation
    obj: str = "none"
    lists: Callable[[str], set[str]] | None = None


ROUTES: dict[str, Route] = {}
API: dict[tuple[str, str], ApiOperation] = {}


def route(
    key: str, *, get: Expectation, post: Expectation, obj="none", lists=None, url=None, scenarios=None
) -> None:
    assert key not in ROUTES, f"{key} is declared twice"
    ROUTES[key] = Route(key, get, post, obj, lists, url, scenarios)


def api(path: str, method: str, answer: Expectation, *, obj="none", lists=None) -> None:
    assert (path, method) not in API, f"{method} {path} is declared twice"
    API[(path, method)] = ApiOperation(path, method, answer, obj, lists)


def answer(expectation: Expectation, who: str, scenario: str) -> Answer:
    return expectation(who, scenario) if callable(expectation) else expectation


# --- the usual answers ------------------------------------------------------------------------------------------
def logged_in(then: Expectation, *, anonymous: Answer = LOGIN) -> Callable[[str, str], Answer]:
    """Anonymous: sent to the login page; everybody else: ``then``."""
    return lambda who, scenario: anonymous if who == ANONYMOUS else answer(then, who, scenario)


def if_sees_feedback(ok: Expectation, hidden: Answer = 404, *, anonymous: Answer = LOGIN):
    """The feedback of the scenario: ``ok`` for who may see it, ``hidden`` (404) for everybody else."""
    return logged_in(
        lambda who, s: answer(ok, who, s) if s in SEES_FEEDBACK[who] else hidden, anonymous=anonymous
    )


def if_sees_capa(ok: Expectation, hidden: Answer = 404, *, anonymous: Answer = LOGIN):
    """The CAPA form of the scenario (an unassigned feedback has none: NA)."""

    def decide(who: str, scenario: str) -> Answer:
        if scenario == UNASSIGNED:
            return NA
        if who == ANONYMOUS:
            return anonymous
        return answer(ok, who, scenario) if scenario in SEES_CAPA[who] else hidden

    return decide


def only(roles: set[str], ok: Expectation, other: Answer = 403, *, anonymous: Answer = LOGIN):
    return logged_in(lambda who, s: answer(ok, who, s) if who in roles else other, anonymous=anonymous)


def sees_feedback(who: str) -> set[str]:
    return SEES_FEEDBACK[who]


def sees_capa(who: str) -> set[str]:
    return SEES_CAPA[who]
