"""corrective_actions: CAPA forms. A form answers 404 to whoever may not see it; its action pages are shown to
everyone who sees it (with the reason when they may not act), an empty POST is a form with its errors (400)."""

from ..rules import CUSTOMER_SERVICE, if_sees_capa, if_sees_feedback, logged_in, route


def _writes_a_capa_for(who: str, scenario: str):
    """/capa/new/<feedback>/: a feedback that has its form already sends to it (302); an unassigned one shows
    the page with why nobody may write one yet."""
    return 200 if scenario == "unassigned" else 302


# Customer service has no CAPA forms to see: the list is not there for them.
route(
    "corrective_actions:list",
    get=logged_in(lambda who, s: 404 if who in CUSTOMER_SERVICE else 200),
    post=logged_in(lambda who, s: 404 if who in CUSTOMER_SERVICE else 200),  # a POST shows the list too
    lists=lambda who: set(),  # forms are listed by their own numbers: no feedback number appears
)
route(
    "corrective_actions:create",
    get=if_sees_feedback(_writes_a_capa_for),
    post=if_sees_feedback(_writes_a_capa_for),
    obj="feedback",
)
# (a POST to a read-only page is answered as a GET)
route("corrective_actions:detail", get=if_sees_capa(200), post=if_sees_capa(200), obj="capa")
route("corrective_actions:attachment", get=if_sees_capa(200), post=if_sees_capa(200), obj="capa")
for name in (
    "edit",
    "measure_add",
    "measure_edit",
    "measure_progress",
    "measure_withdraw",
    "submit",
    "review",
    "effect",
    "link",
):
    route(f"corrective_actions:{name}", get=if_sees_capa(200), post=if_sees_capa(400), obj="capa")
