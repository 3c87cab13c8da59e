"""A real Celery worker on Redis analyses incoming messages, retrying transient failures."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from tactful.coaching.models import AnalysisStatus, MessageAnalysis

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def worker(close_stray_database_sessions):
    """A real worker (pool solo, in this process) on a private Redis queue.

    It runs on a fresh Celery app made current for the module: the project's shared tasks
    resolve through the current app, so the desk's code publishes to Redis unchanged, while
    the project app (eager in tests) and its connection pools stay untouched.
    """
    from celery import Celery
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    from tactful.coaching import tasks  # noqa: F401 - registered before the worker starts
    from tactful.desk.celery_app import app as project_app

    app = Celery("tactful-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        task_always_eager=False,
        broker_url=os.environ["TACTFUL_TEST_REDIS_URL"],
        task_default_queue=f"tactful-test-{uuid.uuid4().hex[:8]}",
    )
    app.set_current()

    def close_worker_connections(**kwargs: object) -> None:
        # The worker thread's database connection must not outlive the test database.
        connections.close_all()

    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield app
    finally:
        task_postrun.disconnect(close_worker_connections)
        project_app.set_current()
        project_app.set_default()
        app.close()


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_worker_analyses_a_new_ticket(worker, desk):
    ticket = desk.ticket(body="I was charged twice and nobody answers my emails. Fix this today!")
    done = wait_for(
        lambda: MessageAnalysis.objects.filter(
            message__ticket=ticket, status=AnalysisStatus.DONE
        ).exists()
    )
    assert done, MessageAnalysis.objects.values("status", "error").first()
    ticket.refresh_from_db()
    assert ticket.coach_state == "done" and ticket.emotion


def test_worker_retries_a_transient_failure(worker, desk, monkeypatch):
    import tactful.coach

    real = tactful.coach.analyze_message
    calls = {"n": 0}

    def flaky(text, *, language=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("encoder warming up")
        return real(text, language=language)

    monkeypatch.setattr(tactful.coach, "analyze_message", flaky)
    ticket = desk.ticket(body="Where is my parcel? It has been ten days.")
    done = wait_for(
        lambda: MessageAnalysis.objects.filter(
            message__ticket=ticket, status=AnalysisStatus.DONE
        ).exists()
    )
    assert done, MessageAnalysis.objects.values("status", "error", "attempts").first()
    analysis = MessageAnalysis.objects.get(message__ticket=ticket)
    assert analysis.attempts == 2
    assert ticket.events.filter(kind="analysis_failed").count() == 1


def test_worker_reads_a_fetched_group_as_one_batch(worker, desk):
    """Messages stored inside ``analyses_in_batches`` reach the worker as one batch task."""
    from tactful.coaching.tasks import analyses_in_batches

    with analyses_in_batches():
        tickets = [
            desk.ticket(body="I was charged twice this month and nobody answers."),
            desk.ticket(body="Me cobraron dos veces y nadie contesta."),
        ]
    done = wait_for(
        lambda: (
            MessageAnalysis.objects.filter(
                message__ticket__in=tickets, status=AnalysisStatus.DONE
            ).count()
            == 2
        )
    )
    assert done, list(MessageAnalysis.objects.values("status", "error"))
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.coach_state == "done" and ticket.emotion
