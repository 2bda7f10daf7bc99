"""The `celery_worker` fixture starts a real worker: tasks go through the broker and run in another process."""

import os

import pytest
from celery.result import EagerResult
from django.conf import settings

from accounts.models import Department
from config.celery import app as celery_app
from tests.infra.worker_tasks import record_pid, record_then_enqueue

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

INCLUDE = ["tests.infra.worker_tasks"]


def test_a_task_sent_with_delay_runs_in_the_worker_process_on_the_test_database(celery_worker_factory):
    # given a real worker that knows the test-only tasks
    worker = celery_worker_factory(include=INCLUDE)

    # when the test process enqueues a task the normal way
    result = record_pid.delay("from-worker")

    # then the worker (another process) writes the row into the test database
    department = worker.wait_for(lambda: Department.objects.filter(code="from-worker").first())
    assert department.name != f"pid {os.getpid()}"
    assert not isinstance(result, EagerResult)  # it was published, not run in this process
    assert "tests.infra.record_pid" in worker.log()


def test_a_task_enqueued_by_a_task_on_commit_reaches_the_same_worker(celery_worker_factory):
    worker = celery_worker_factory(include=INCLUDE)

    record_then_enqueue.delay("first", "second")

    worker.wait_for(lambda: Department.objects.filter(code="second").exists())
    assert Department.objects.filter(code="first").exists()


def test_while_the_fixture_is_active_tasks_are_published_to_the_workers_broker(celery_worker_factory):
    worker = celery_worker_factory(include=INCLUDE)
    assert celery_app.conf.task_always_eager is False
    assert celery_app.conf.broker_url == worker.broker_url
    expected = settings.TEST_REDIS_URL or "filesystem://localhost//"
    assert worker.broker_url == expected


def test_eager_mode_is_back_after_a_worker_test():
    # runs after the tests above (file order): tasks run in-process again
    assert celery_app.conf.task_always_eager is True
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL


def test_stopping_the_worker_ends_its_pool_children(celery_worker_factory):
    worker = celery_worker_factory(include=INCLUDE)
    pid = worker.process.pid

    assert worker.stop(warm=True) is not None

    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
