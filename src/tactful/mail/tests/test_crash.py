"""A real Celery worker process, killed with SIGKILL in the middle of its work.

* Ingest: 200 mails wait in Dovecot; the worker polls them in; it is killed after some but not
  all are stored; a restarted worker finishes. Every mail is stored exactly once.
* Send: 40 replies are queued; the worker sends them through Postfix; it is killed part way;
  a restarted worker and the delivery sweep finish. Every reply is in the customer's mailbox
  at most once, and ends ``sent`` or ``uncertain`` (never sent twice).

Nothing in the production code knows about these tests: the kill lands wherever the worker
happens to be, chosen only by watching the database from outside.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from django.db.models import Count

from tactful.desk.tests import faults
from tactful.mail import matching
from tactful.mail.models import Mailbox, RefusedMail
from tactful.mail.tests import servers
from tactful.outbound.delivery import sweep_deliveries
from tactful.tickets import services as ticket_services
from tactful.tickets.models import DeliveryState, Message

pytestmark = [
    pytest.mark.email,
    pytest.mark.celery,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

#: Seconds a killed worker's "sending" claim lasts before the sweep calls it uncertain.
LEASE_SECONDS = 3
INGEST_MAILS = 200
REPLIES = 40


@pytest.fixture
def broker(close_stray_database_sessions, tmp_path):
    """A Celery app on a redis-server of this test's own, current for the test.

    The desk's code (``deliver_task.apply_async`` after a reply commits, the sweep) then
    publishes to Redis for the worker process instead of running in-process. A private server,
    not a database number on the shared one: two runs of this module at once (two checkouts
    on one machine) would otherwise take each other's tasks.
    """
    from celery import Celery

    from tactful.desk.celery_app import app as project_app

    if not Path(faults.REDIS_SERVER).exists():  # scripts/services.sh installs it
        pytest.skip(f"{faults.REDIS_SERVER} is not installed")
    server = faults.PrivateRedis(tmp_path)
    server.start()
    app = Celery("tactful-crash-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(task_always_eager=False, broker_url=server.url)
    app.set_current()
    try:
        yield app
    finally:
        project_app.set_current()
        project_app.set_default()
        app.close()
        server.stop()


@pytest.fixture
def start_worker(tmp_path, broker):
    """``start_worker()`` starts a worker process; every one is killed at the end of the test."""
    started: list[faults.Worker] = []

    def start() -> faults.Worker:
        started.append(
            faults.Worker(
                tmp_path,
                broker_url=str(broker.conf.broker_url),
                smtp_host=servers.SMTP_HOST,
                smtp_port=servers.SMTP_PORT,
                extra_env={
                    "TACTFUL_DELIVERY_LEASE": str(LEASE_SECONDS),
                    "TACTFUL_LOG_LEVEL": "INFO",
                },
                name="crash",
            )
        )
        return started[-1]

    yield start
    for worker in started:
        worker.kill()


def _stored(ids: list[str]) -> int:
    return Message.objects.filter(channel="email", external_id__in=ids).count()


def test_a_worker_killed_while_ingesting_stores_every_mail_exactly_once(broker, start_worker, desk):
    for _attempt in range(3):  # the kill must land mid-way; a worker that was too quick retries
        mailbox = servers.make_mailbox(username=servers.address("crash-in"), team=desk.team())
        raws = [
            servers.customer_mail(
                sender=servers.address(f"c{n}"),
                to=mailbox.username,
                subject=f"Crash test {n}",
                body=f"Mail number {n} of {INGEST_MAILS}.",
            ).as_bytes()
            for n in range(INGEST_MAILS)
        ]
        servers.append(mailbox.username, raws)
        ids = [raw.split(b"Message-ID: <", 1)[1].split(b">", 1)[0].decode() for raw in raws]

        first = start_worker()
        broker.send_task("tactful.mail.poll_mailboxes")
        assert servers.wait_for(
            lambda ids=ids: _stored(ids) >= INGEST_MAILS // 10, timeout=120, interval=0.02
        ), first.tail()
        first.kill()
        at_kill = _stored(ids)
        if at_kill < INGEST_MAILS:
            break
        Mailbox.objects.filter(pk=mailbox.pk).update(active=False)  # too late: try again
    print(f"worker killed with {at_kill} of {INGEST_MAILS} mails stored")
    assert INGEST_MAILS // 10 <= at_kill < INGEST_MAILS

    second = start_worker()
    broker.send_task("tactful.mail.poll_mailboxes")  # beat's next tick
    assert servers.wait_for(lambda: _stored(ids) == INGEST_MAILS, timeout=240, interval=0.2), (
        f"{_stored(ids)} of {INGEST_MAILS} stored\n{second.tail()}"
    )

    per_id = dict(
        Message.objects.filter(channel="email", external_id__in=ids)
        .values_list("external_id")
        .annotate(n=Count("id"))
    )
    assert set(per_id) == set(ids)
    assert set(per_id.values()) == {1}
    assert not RefusedMail.objects.filter(message_id__in=ids).exists()
    mailbox.refresh_from_db()
    assert mailbox.last_uid == max(item["uid"] for item in servers.messages(mailbox.username))


def test_a_worker_killed_while_sending_sends_every_reply_at_most_once(broker, start_worker, desk):
    team = desk.team()
    team.email_address = servers.address("crash-out")
    team.save(update_fields=["email_address"])
    domain = team.email_address.rsplit("@", 1)[1]
    agent = desk.agent(teams=[team])

    for _attempt in range(3):
        customer_address = servers.address("crash-customer")
        ticket = desk.ticket(
            customer=desk.customer(customer_address), team=team, subject="Crash while sending"
        )
        replies = [
            ticket_services.record_reply(ticket=ticket, agent=agent, body=f"Reply {n}.")
            for n in range(REPLIES)
        ]  # each one's delivery task now waits in Redis
        pks = [reply.pk for reply in replies]

        def sent(pks=pks) -> int:
            return Message.objects.filter(pk__in=pks, delivery_state=DeliveryState.SENT).count()

        first = start_worker()
        assert servers.wait_for(
            lambda sent=sent: sent() >= REPLIES // 10, timeout=120, interval=0.01
        ), first.tail()
        first.kill()
        if sent() < REPLIES:
            break
    at_kill = sent()
    print(f"worker killed with {at_kill} of {REPLIES} replies sent")
    assert REPLIES // 10 <= at_kill < REPLIES

    second = start_worker()
    time.sleep(LEASE_SECONDS + 0.5)  # the killed worker's claim (if any) has expired

    def settled() -> bool:
        sweep_deliveries()  # what beat does every minute: re-queue lost tasks, expire claims
        states = Message.objects.filter(pk__in=pks).values_list("delivery_state", flat=True)
        return set(states) <= {DeliveryState.SENT, DeliveryState.UNCERTAIN}

    assert servers.wait_for(settled, timeout=120, interval=1.0), (
        Counter(Message.objects.filter(pk__in=pks).values_list("delivery_state", flat=True)),
        second.tail(),
    )

    states = dict(Message.objects.filter(pk__in=pks).values_list("pk", "delivery_state"))
    expected_ids = {pk: matching.our_message_id(pk, domain=domain) for pk in pks}
    sent_count = sum(state == DeliveryState.SENT for state in states.values())
    servers.wait_for_mail(customer_address, sent_count, timeout=30)
    time.sleep(1.0)  # let Postfix finish anything still in flight before counting
    received = Counter(
        item["mail"]["Message-ID"].strip("<>") for item in servers.messages(customer_address)
    )

    assert max(received.values()) == 1, "a reply reached the customer twice"
    assert set(received) <= set(expected_ids.values())
    for pk, state in states.items():
        if state == DeliveryState.SENT:
            assert received[expected_ids[pk]] == 1, f"reply {pk} is marked sent but never arrived"
    uncertain = [pk for pk, state in states.items() if state == DeliveryState.UNCERTAIN]
    print(f"{sent_count} sent, {len(uncertain)} uncertain, {len(received)} in the mailbox")
    assert len(uncertain) <= 1  # only the reply in the worker's hands when it died
