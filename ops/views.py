"""/healthz: for load balancers and monitoring, anonymous, JSON, 200 when healthy and 503 when not.

- ``/healthz/?scope=web`` (the load balancer's probe of one web replica): the database and the broker answer;
- ``/healthz/`` (monitoring): also a worker ran the heartbeat and beat sent it within HEALTH_MAX_AGE_SECONDS.

A dead worker must not take every web replica out of the load balancer: that is why the web scope leaves the
heartbeats out (they are shown, not judged)."""

from __future__ import annotations

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .heartbeats import heartbeat_ages


def _database() -> dict:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True}


def _broker() -> dict:
    from celery import current_app as app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            transport = str(connection.transport_cls)
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "transport": transport}


def _heartbeats(database_ok: bool) -> dict:
    limit = settings.HEALTH_MAX_AGE_SECONDS
    if not database_ok:
        return {name: {"ok": False, "error": "database"} for name in ("worker", "beat")}
    ages = heartbeat_ages()
    return {
        name: {"ok": age is not None and age <= limit, "age_seconds": None if age is None else round(age)}
        for name, age in ages.items()
    }


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "broker": _broker()}
    checks.update(_heartbeats(checks["database"]["ok"]))
    judged = ("database", "broker") if request.GET.get("scope") == "web" else tuple(checks)
    healthy = all(checks[name]["ok"] for name in judged)
    return JsonResponse(
        {
            "status": "ok" if healthy else "fail",
            "scope": "web" if len(judged) == 2 else "all",
            "checks": checks,
        },
        status=200 if healthy else 503,
    )
