"""The permission matrix, API: every operation of the published schema × the 8 identities × own / other
department / not assigned, with an empty JSON body, against its declared answer; the list shows exactly the
feedback the identity may see."""

import pytest

from tests.permissions import rules
from tests.permissions.engine import run_api
from tests.permissions.routes import load_all

load_all()
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("operation", sorted(rules.API), ids=lambda op: f"{op[1].upper()} {op[0]}")
def test_operation_answers_each_identity_as_declared(world, operation):
    outcome = run_api(rules.API[operation], world, world.identities)
    assert not outcome.mismatches, "\n".join(outcome.mismatches)
