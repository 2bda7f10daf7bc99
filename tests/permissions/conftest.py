import pytest
from django.db import transaction

from tests.permissions.engine import Identities
from tests.permissions.world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back at its end; each test runs in a savepoint
    of it (pytest-django's ``db``), so whatever a request changes is undone before the next test."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            identities = Identities(world)
            for who in world.users:
                identities.client(who)  # the sessions, opened in the module's transaction
            world.identities = identities
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
