"""A real Celery worker on Redis runs the coach's review of a conversation once it is solved."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from tactful.desk.celery_app import app as project_app
from tactful.quality import tasks
from tactful.quality.models import Review, Source
from tactful.quality.services import install_default_scorecards
from tactful.tickets import services as ticket_services
from tactful.tickets.models import TicketEvent

from .conftest import ANGRY, BALANCED

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

assert tasks.review_solved_conversation_task  # registered before the worker starts


@pytest.fixture(scope="module")
def worker(close_stray_database_sessions: None) -> Iterator[Celery]:
    """A real worker (pool solo, in this process) on a private Redis queue, as the coaching
    app's worker test runs one: the project app (eager in tests) stays untouched."""
    app = Celery("tactful-quality-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        task_always_eager=False,
        broker_url=os.environ["TACTFUL_TEST_REDIS_URL"],
        task_default_queue=f"tactful-test-{uuid.uuid4().hex[:8]}",
    )
    app.set_current()

    def close_worker_connections(**kwargs: object) -> None:
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


def wait_for(predicate: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_the_worker_reviews_a_solved_conversation(worker: Celery, desk: Any) -> None:
    ran_in: list[str] = []

    def note_thread(sender: Any = None, **kwargs: object) -> None:
        if getattr(sender, "name", "") == tasks.review_solved_conversation_task.name:
            ran_in.append(threading.current_thread().name)

    task_postrun.connect(note_thread, weak=False)
    install_default_scorecards()  # a transactional test starts from an emptied database
    team = desk.team("Billing")
    emma = desk.agent("emma", teams=[team])
    ticket = desk.ticket(team=team, body=ANGRY)
    ticket_services.record_reply(ticket=ticket, agent=emma, body=BALANCED)
    ticket.refresh_from_db()
    assert not Review.objects.filter(ticket=ticket).exists()
    ticket_services.change_status(ticket=ticket, status="solved", by=emma)
    assert wait_for(lambda: Review.objects.filter(ticket=ticket, source=Source.COACH).count() == 2)
    assert TicketEvent.objects.filter(ticket=ticket, kind="qa_coach").count() == 2
    task_postrun.disconnect(note_thread)
    # The worker's thread ran it, not this one (where an eager task would have run).
    assert ran_in and threading.current_thread().name not in ran_in
