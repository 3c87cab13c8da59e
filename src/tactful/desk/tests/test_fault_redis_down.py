"""Fault: Redis (cache, sessions' cache, Celery broker) goes down while agents work.

A private ``redis-server`` on a free port is the cache and the broker, as in production
(``REDIS_URL`` and ``CELERY_BROKER_URL``). It is killed; the inbox, the ticket page and the
reply form keep working, the reply is stored ``queued``, and readiness names what is down.
A reply whose task was waiting in Redis when it died is lost from the queue, not from the
desk: once Redis is back, the delivery sweep (beat's job) queues both replies again and a real
worker sends them: each arrives exactly once. The coach's analyses lost the same way are
queued again by the analysis sweep and read by the worker.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.coaching.services import sweep_stuck_analyses
from tactful.desk.settings import redis_cache_settings
from tactful.desk.tests import faults
from tactful.monitoring import selectors as monitoring_selectors
from tactful.outbound.delivery import sweep_deliveries
from tactful.tickets.models import DeliveryState, Message, MessageKind

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

#: A page must not wait for a dead Redis longer than this (seconds, generous for a busy CI).
PAGE_BUDGET = 15.0


@pytest.fixture
def redis_server(tmp_path) -> Iterator[faults.PrivateRedis]:
    if not Path(faults.REDIS_SERVER).exists():  # scripts/services.sh installs it
        pytest.skip(f"{faults.REDIS_SERVER} is not installed")
    server = faults.PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_backed(settings, redis_server, close_stray_database_sessions):
    """The desk configured as in production with ``REDIS_URL``: Redis cache, cached sessions,
    the Redis broker with tasks going to workers (not run in-process)."""
    from celery import Celery

    from tactful.desk.celery_app import app as project_app

    settings.CACHES = redis_cache_settings(redis_server.url)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.CELERY_BROKER_URL = redis_server.url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app = Celery("tactful-redis-down-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(task_always_eager=False, broker_url=redis_server.url)
    app.set_current()
    try:
        yield redis_server
    finally:
        project_app.set_current()
        project_app.set_default()
        app.close()


def _timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_with_redis_down_the_desk_serves_and_the_reply_goes_out_once_redis_is_back(
    redis_backed, desk, client, tmp_path
):
    team = desk.team()
    team.email_address = "support@faults.test"
    team.save(update_fields=["email_address"])
    agent = desk.agent(teams=[team])
    ticket = desk.ticket(customer=desk.customer("casey@customers.test"), team=team)
    earlier_ticket = desk.ticket(customer=desk.customer("robin@customers.test"), team=team)
    client.force_login(agent)
    assert client.get(reverse("inbox:inbox")).status_code == 200  # the session is cached now
    # A reply whose task waits in Redis (no worker yet) when Redis dies; it also loads the
    # coach, whose first load is slow and not what this test times.
    response = client.post(
        reverse("inbox:reply", kwargs={"ticket_id": earlier_ticket.pk}),
        {"body": "Your parcel left our warehouse this morning; here is the tracking number."},
    )
    assert response.status_code == 302
    assert (monitoring_selectors.broker_queue_length() or 0) >= 1  # delivery, coach analyses

    redis_backed.stop()  # SIGKILL, no persistence: the queued task is gone with it

    for name, kwargs in (("inbox:inbox", {}), ("inbox:ticket", {"ticket_id": ticket.pk})):
        response, seconds = _timed(
            lambda name=name, kwargs=kwargs: client.get(reverse(name, kwargs=kwargs))
        )
        assert response.status_code == 200, (name, response.status_code)
        assert seconds < PAGE_BUDGET, (name, seconds)
        print(f"{name} with Redis down in {seconds:.2f} s")
    response, seconds = _timed(
        lambda: client.post(
            reverse("inbox:reply", kwargs={"ticket_id": ticket.pk}),
            {"body": "We have refunded the second charge today. It shows in 3 days."},
        )
    )
    assert response.status_code == 302, response.content[:2000]
    assert seconds < PAGE_BUDGET
    print(f"reply posted with Redis down in {seconds:.2f} s")
    reply = Message.objects.get(ticket=ticket, kind=MessageKind.OUTGOING)
    assert reply.delivery_state == DeliveryState.QUEUED  # stored; its task could not be queued
    earlier = Message.objects.get(ticket=earlier_ticket, kind=MessageKind.OUTGOING)
    assert earlier.delivery_state == DeliveryState.QUEUED
    page = client.get(reverse("inbox:ticket", kwargs={"ticket_id": ticket.pk}))
    assert b"delivery-queued" in page.content

    ready = client.get(reverse("monitoring:ready"))
    assert ready.status_code == 200  # still serving: stay in the load balancer
    body = ready.json()
    assert body["checks"]["database"] == "ok"
    assert "ConnectionError" in body["checks"]["cache"]
    assert "ConnectionError" in body["checks"]["broker"]
    assert body["degraded"] == ["broker", "cache"]
    assert monitoring_selectors.broker_queue_length() is None

    # Redis is back, empty: both tasks are lost. Beat's sweep queues both replies again.
    redis_backed.start()
    smtp = faults.ScriptedSMTPServer(faults.free_port())
    smtp.start()
    worker = faults.Worker(tmp_path, broker_url=redis_backed.url, smtp_port=smtp.port)
    try:
        assert sweep_deliveries()["requeued"] == 2
        # The coach's analyses of the two customer messages died with Redis too.
        incoming = MessageAnalysis.objects.filter(message__ticket__in=[ticket, earlier_ticket])
        assert set(incoming.values_list("status", flat=True)) == {AnalysisStatus.PENDING}
        # Beat's analysis sweep, run as if the readings had waited their 15 minutes.
        waited = timezone.now() + timedelta(seconds=settings.TACTFUL_ANALYSIS_STUCK_SECONDS + 1)
        assert sweep_stuck_analyses(now=waited) == 2
        assert faults.wait_for(
            lambda: (
                set(
                    Message.objects.filter(pk__in=[reply.pk, earlier.pk]).values_list(
                        "delivery_state", flat=True
                    )
                )
                == {DeliveryState.SENT}
            ),
            timeout=90,
            interval=0.5,
        ), worker.tail()
        assert faults.wait_for(
            lambda: set(incoming.values_list("status", flat=True)) == {AnalysisStatus.DONE},
            timeout=120,
            interval=0.5,
        ), worker.tail()
        for _ in range(2):  # later sweeps find nothing to send again
            sweep_deliveries()
        time.sleep(1.0)
    finally:
        worker.stop()
        smtp.stop()
    reply.refresh_from_db()
    earlier.refresh_from_db()
    assert smtp.message_ids() == {
        reply.metadata["message_id"]: 1,
        earlier.metadata["message_id"]: 1,
    }
    ready = client.get(reverse("monitoring:ready"))
    assert ready.status_code == 200, ready.content
    assert ready.json() == {
        "ready": True,
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }
