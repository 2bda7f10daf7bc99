"""A read replica for the reports. Reads made inside ``with read_replica():`` go to the database alias
``replica`` when one is configured (DATABASE_REPLICA_URL); everything else, and every write, goes to the primary.
Without a replica the block changes nothing, so a report builder can always use it::

    from config.db_router import read_replica

    with read_replica():
        rows = list(monthly_figures(period))

A replica lags the primary by its replication delay: only reads that may be slightly behind belong in the block
(a month that closed yesterday, the dashboard), never a read followed by a write."""

from __future__ import annotations

import contextlib
import threading

from django.conf import settings

REPLICA = "replica"
_state = threading.local()


@contextlib.contextmanager
def read_replica():
    previous = getattr(_state, "active", False)
    _state.active = True
    try:
        yield
    finally:
        _state.active = previous


class ReadReplicaRouter:
    def db_for_read(self, model, **hints):
        if getattr(_state, "active", False) and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # a replica is migrated by replication, never directly
