"""GET /health (liveness: no auth, no database) and GET /health/ready (database, task worker)."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from arbitragevault import health

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db
def test_health_answers_ok_without_credentials_or_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_ready_answers_ok_when_the_database_answers_and_tasks_run_in_process(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["tasks"].startswith("ok")
    assert "failures" not in body


class _BrokenConnection:
    def cursor(self):
        raise OperationalError("could not connect to server: Connection refused")


@pytest.mark.django_db
def test_ready_answers_503_naming_the_database_when_it_does_not_answer(client, monkeypatch):
    monkeypatch.setattr(health, "connection", _BrokenConnection())
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "error"
    assert len(body["failures"]) == 1
    assert body["failures"][0].startswith("database: OperationalError")
    assert "Connection refused" not in body["failures"][0]  # driver details stay in the log


def _enqueue_db_task(*, waited: timedelta):
    from django_tasks_db.models import DBTaskResult

    from batches.tasks import run_batch_task

    result = run_batch_task.enqueue("00000000-0000-0000-0000-000000000000")
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - waited)


@pytest.mark.django_db
def test_ready_answers_503_when_queued_tasks_wait_longer_than_the_limit(client, settings):
    settings.TASKS = DB_TASKS
    settings.HEALTH_TASK_BACKLOG_SECONDS = 300
    _enqueue_db_task(waited=timedelta(minutes=12))
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {"database": "ok", "tasks": "error"}
    assert body["failures"] == [
        "tasks: the oldest task has waited 12 min; is a worker (manage.py db_worker) running?"
    ]


@pytest.mark.django_db
def test_ready_answers_ok_while_queued_tasks_are_recent(client, settings):
    settings.TASKS = DB_TASKS
    _enqueue_db_task(waited=timedelta(seconds=30))
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "tasks": "ok"}


@pytest.mark.django_db
def test_health_endpoints_only_answer_get(client):
    assert client.post("/health").status_code == 405
    assert client.post("/health/ready").status_code == 405
