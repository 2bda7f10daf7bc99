"""The API (its operations are read from the published schema: tests/permissions/test_matrix_api.py). HTTP Basic
credentials; anonymous answers 401. A feedback one may not see answers 404, as on the pages."""

from ..rules import CUSTOMER_SERVICE, api, if_sees_feedback, logged_in, only, sees_feedback
from .feedback import _edits_registration

api("/api/feedback/", "get", logged_in(200, anonymous=401), lists=sees_feedback)
api("/api/feedback/", "post", only(CUSTOMER_SERVICE, 400, anonymous=401))  # an empty body: nothing typed
api("/api/feedback/{number}/", "get", if_sees_feedback(200, anonymous=401), obj="feedback")
api(
    "/api/feedback/{number}/",
    "patch",
    if_sees_feedback(lambda who, s: 400 if _edits_registration(who, s) == 200 else 404, anonymous=401),
    obj="feedback",
)
