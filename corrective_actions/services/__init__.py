"""纠正与预防措施: writing, submitting, reviewing and executing a CAPA form, and verifying its effect.

Every write is one function here, ``@transaction.atomic``, taking the acting user, re-reading the row under a lock
and refusing a form opened on an older version (StaleError). Rules a user can break raise DomainError with a
message that names the reason. Nothing is deleted: measures are withdrawn, reviews and effect verifications are
appended per round, and the history of the form and of each measure is kept (django-simple-history).

A round: the lead department plans measures → its head submits → the quality engineer accepts (or returns with
a comment, same round) → owners execute → when every measure that is not withdrawn is completed the form awaits
effect verification → effective closes the loop; ineffective / needs further work opens the next round.
"""

from ._common import CAPA_NUMBER_PREFIX, capa_lock, measure_lock
from .evidence import capa_attachment_add
from .execution import capa_link_feedback, effect_verification_record, measure_progress, short_term_done
from .planning import capa_create, capa_update, measure_add, measure_edit, measure_withdraw
from .review import capa_review, capa_submission_problems, capa_submit

__all__ = [
    "CAPA_NUMBER_PREFIX",
    "capa_attachment_add",
    "capa_create",
    "capa_link_feedback",
    "capa_lock",
    "capa_review",
    "capa_submission_problems",
    "capa_submit",
    "capa_update",
    "effect_verification_record",
    "measure_add",
    "measure_edit",
    "measure_lock",
    "measure_progress",
    "measure_withdraw",
    "short_term_done",
]
