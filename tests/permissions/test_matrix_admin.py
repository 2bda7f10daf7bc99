"""The permission matrix, the admin: every admin route × the 8 identities × own / other department /
not assigned where the route names a record, GET and an empty POST, each against its declared answer; list pages
also show exactly the feedback the identity may see. Declarations: tests/permissions/routes/."""

import pytest

from tests.permissions import rules
from tests.permissions.engine import run_route, url_routes
from tests.permissions.routes import load_all

load_all()
pytestmark = pytest.mark.django_db

KEYS = sorted(k for k in rules.ROUTES if k.startswith("admin"))


@pytest.fixture(scope="module")
def routes_by_key():
    return {r.key: r for r in url_routes()}


@pytest.mark.parametrize("key", KEYS)
def test_route_answers_each_identity_as_declared(world, routes_by_key, key, record_property):
    outcome = run_route(rules.ROUTES[key], routes_by_key[key], world, world.identities)
    record_property("requests", outcome.requests)
    assert not outcome.mismatches, "\n".join(outcome.mismatches)
