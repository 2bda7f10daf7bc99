"""feedback: the list, registration, the detail page, its files, and the quality loop's action pages.

Every page of one feedback answers 404 to whoever may not see it (not found and forbidden look the same). An
action page is shown to everyone who sees the feedback, with the reason when they may not act now; an empty POST
is a form with its errors (400), whoever sends it."""

from accounts.roles import Role

from ..rules import CUSTOMER_SERVICE, SEES_FEEDBACK, if_sees_feedback, logged_in, only, route, sees_feedback

route("feedback:list", get=logged_in(200), post=logged_in(405), lists=sees_feedback)
route("feedback:create", get=only(CUSTOMER_SERVICE, 200), post=only(CUSTOMER_SERVICE, 400))
# Read-only pages refuse any other method first (405, the same whether the feedback exists or not).
route("feedback:detail", get=if_sees_feedback(200), post=logged_in(405), obj="feedback")
route("feedback:lifecycle_panel", get=if_sees_feedback(200), post=logged_in(405), obj="feedback")
route("feedback:attachment", get=if_sees_feedback(200), post=logged_in(405), obj="feedback")


def _edits_registration(who: str, scenario: str):
    """The registration is corrected by its owner (the agent who registered it) or a supervisor; the others
    who see the feedback get 404, as if it were not there."""
    if who == Role.CS_SUPERVISOR or (who == Role.CS_AGENT and scenario in SEES_FEEDBACK[who]):
        return 200
    return 404


route(
    "feedback:edit",
    get=if_sees_feedback(_edits_registration),
    post=if_sees_feedback(lambda who, s: 400 if _edits_registration(who, s) == 200 else 404),
    obj="feedback",
)
# Voiding is the administrator's, by POST only; an empty reason is refused with a message on the detail page.
route(
    "feedback:void",
    get=logged_in(405),
    post=if_sees_feedback(lambda who, s: 302 if who == Role.ADMINISTRATOR else 404),
    obj="feedback",
)
for action in (
    "verify",
    "classify",
    "emergency_response",
    "assign",
    "capa_link",
    "pause_start",
    "pause_end",
    "contact_add",
    "callback_attempt",
    "callback_unreachable",
    "close_not_confirmed",
    "close_duplicate",
    "close_resolved",
):
    route(f"feedback:{action}", get=if_sees_feedback(200), post=if_sees_feedback(400), obj="feedback")

# The similar-feedback panel (issue 8): while registering (who registers), and on a feedback's pages (who sees it).
# Its one-click actions are POSTs; an empty one names no original (refused with a message on the detail page) and
# no CAPA form (not found).
route("feedback:similar_form", get=only(CUSTOMER_SERVICE, 200, 404), post=logged_in(405))
route("feedback:similar", get=if_sees_feedback(200), post=logged_in(405), obj="feedback")
route("feedback:similar_duplicate", get=logged_in(405), post=if_sees_feedback(302), obj="feedback")
route("feedback:similar_capa", get=logged_in(405), post=logged_in(404), obj="feedback")
