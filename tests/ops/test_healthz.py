"""/healthz for a load balancer and monitoring: the database, the broker, a worker's heartbeat and beat's last
run; 200 when healthy, 503 naming what is not; ``?scope=web`` judges only what a web replica needs."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from ops.heartbeats import heartbeat_record
from ops.models import Heartbeat
from ops.tasks import heartbeat

pytestmark = pytest.mark.django_db


def _health(client, **params):
    response = client.get(reverse("healthz"), params)
    return response.status_code, json.loads(response.content)


def test_no_heartbeat_yet_fails_the_full_check_but_not_the_web_replica(client):
    code, body = _health(client)
    assert code == 503 and body["status"] == "fail"
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
    assert not body["checks"]["worker"]["ok"] and not body["checks"]["beat"]["ok"]

    code, body = _health(client, scope="web")
    assert code == 200 and body["status"] == "ok" and body["scope"] == "web"


def test_fresh_heartbeats_make_it_healthy(client):
    heartbeat_record(Heartbeat.BEAT)
    heartbeat_record(Heartbeat.WORKER)
    code, body = _health(client)
    assert code == 200 and body["status"] == "ok"
    assert body["checks"]["worker"]["age_seconds"] <= 1


def test_a_worker_silent_for_longer_than_the_limit_is_named(client, settings):
    heartbeat_record(Heartbeat.BEAT)
    heartbeat_record(
        Heartbeat.WORKER, at=timezone.now() - dt.timedelta(seconds=settings.HEALTH_MAX_AGE_SECONDS + 5)
    )
    code, body = _health(client)
    assert code == 503
    assert body["checks"]["beat"]["ok"] and not body["checks"]["worker"]["ok"]


def test_a_broker_that_does_not_answer_fails_even_the_web_scope(client, monkeypatch):
    from config.celery import app

    saved = app.conf.broker_url
    # Celery reads CELERY_BROKER_URL from the environment before its configuration
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        code, body = _health(client, scope="web")
    finally:
        app.conf.broker_url = saved
    assert code == 503 and not body["checks"]["broker"]["ok"]


def test_it_needs_no_login_and_is_not_cached(client):
    response = client.get(reverse("healthz"))
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.worker
def test_beat_records_when_it_sends_the_heartbeat_and_the_worker_when_it_runs_it(celery_worker):
    heartbeat.delay()  # what beat does every OPS_HEARTBEAT_SECONDS (the signal fires in the sending process)

    assert Heartbeat.objects.filter(name=Heartbeat.BEAT).exists()
    celery_worker.wait_for(lambda: Heartbeat.objects.filter(name=Heartbeat.WORKER).exists(), timeout=30)
