"""Fault: the SMTP server refuses — "later" (4xx), "never" (5xx), then not even a connection.

A real SMTP server on a free port answers as the test says. Replies recorded meanwhile stay
``retrying`` (or ``failed`` for a 5xx) with the server's answer on the ticket page and in the
metrics; the sweep (what beat runs every minute) retries them with backoff; once the server
accepts, each reply arrives exactly once, counted by Message-ID on the server, and nothing
sends it again. The failed one goes out once after an agent presses "Send again".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse

from tactful.desk.tests import faults
from tactful.outbound.delivery import deliver_message, sweep_deliveries
from tactful.tickets import services as ticket_services
from tactful.tickets.models import DeliveryState, Message

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPLIES = 4


@pytest.fixture
def smtp(settings) -> Iterator[faults.ScriptedSMTPServer]:
    server = faults.ScriptedSMTPServer(faults.free_port())
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_TIMEOUT = 5
    # Backoff of 1 s, 2 s, 4 s…: the same doubling as in production, on a test's time scale.
    settings.TACTFUL_DELIVERY_RETRY_DELAY = 1
    settings.TACTFUL_DELIVERY_MAX_ATTEMPTS = 20
    yield server
    server.stop()


def _states(pks: list[int]) -> dict[int, str]:
    return dict(Message.objects.filter(pk__in=pks).values_list("pk", "delivery_state"))


def _sweep_until(pks: list[int], *, attempts: int) -> None:
    """Run the sweep (beat's job) until every pending reply has had ``attempts`` tries."""

    def tried() -> bool:
        sweep_deliveries()  # in-process Celery: the re-queued task runs right here
        pending = Message.objects.filter(
            pk__in=pks, delivery_state__in=[DeliveryState.QUEUED, DeliveryState.RETRYING]
        )
        return not pending.filter(delivery_attempts__lt=attempts).exists()

    assert faults.wait_for(tried, timeout=60, interval=0.5), _states(pks)


def _metric(client, state: str) -> float:
    body = client.get(reverse("monitoring:metrics"), REMOTE_ADDR="127.0.0.1").content.decode()
    line = next(
        line
        for line in body.splitlines()
        if line.startswith(f'tactful_deliveries_waiting{{state="{state}"}}')
    )
    return float(line.rsplit(" ", 1)[1])


def test_refused_replies_wait_visibly_and_each_arrives_exactly_once_when_smtp_accepts(
    desk, smtp, client
):
    team = desk.team()
    team.email_address = "support@faults.test"
    team.save(update_fields=["email_address"])
    admin = desk.admin()
    gone = "gone@customers.test"
    customers = [f"customer{n}@customers.test" for n in range(REPLIES - 1)] + [gone]
    tickets = [
        desk.ticket(customer=desk.customer(address), team=team, subject=f"Order {n}")
        for n, address in enumerate(customers)
    ]

    # 1. "Later" at the greeting: every reply is stored and waits, with the reason shown.
    smtp.mode = faults.GREETING_421
    replies = [
        ticket_services.record_reply(ticket=ticket, agent=admin, body=f"Your refund {n} is done.")
        for n, ticket in enumerate(tickets)
    ]
    pks = [reply.pk for reply in replies]
    assert set(_states(pks).values()) == {DeliveryState.RETRYING}
    errors = Message.objects.filter(pk__in=pks).values_list("delivery_error", flat=True)
    assert all("421" in error for error in errors), list(errors)
    client.force_login(admin)
    page = client.get(reverse("inbox:ticket", kwargs={"ticket_id": tickets[0].pk}))
    assert page.status_code == 200
    assert b"delivery-retrying" in page.content
    assert b"421" in page.content  # the server's answer, on the chip's title
    assert _metric(client, "retrying") == REPLIES

    # 2. "Later" at RCPT, and for one customer "later" only once the text was sent.
    smtp.mode = faults.RCPT_450
    smtp.modes = {customers[0]: faults.DATA_451}
    _sweep_until(pks, attempts=2)
    assert set(_states(pks).values()) == {DeliveryState.RETRYING}
    assert smtp.received == []  # a mail refused after DATA is not kept

    # 3. No server at all: connection refused; still waiting, nothing lost.
    smtp.stop()
    _sweep_until(pks, attempts=3)
    assert set(_states(pks).values()) == {DeliveryState.RETRYING}
    assert "ConnectionRefusedError" in Message.objects.get(pk=pks[1]).delivery_error

    # 4. Back, but one recipient is refused for good: that reply fails at once, visibly.
    smtp.start()
    smtp.mode = faults.RCPT_450
    smtp.modes = {gone: faults.RCPT_550}
    _sweep_until(pks, attempts=4)
    failed = Message.objects.get(pk=pks[-1])
    assert failed.delivery_state == DeliveryState.FAILED
    assert "550" in failed.delivery_error
    page = client.get(reverse("inbox:ticket", kwargs={"ticket_id": tickets[-1].pk}))
    assert b"delivery-failed" in page.content
    assert reverse("outbound:resend", args=[failed.pk]).encode() in page.content
    assert _metric(client, "retrying") == REPLIES - 1  # the failed one waits for an agent

    # 5. The server accepts: every waiting reply arrives once.
    smtp.mode = faults.ACCEPT
    smtp.modes = {gone: faults.RCPT_550}
    _sweep_until(pks, attempts=5)
    assert faults.wait_for(
        lambda: sum(state == DeliveryState.SENT for state in _states(pks).values()) == REPLIES - 1,
        timeout=30,
    ), _states(pks)
    for _ in range(3):  # more sweeps and a duplicate task change nothing
        sweep_deliveries()
        for pk in pks:
            assert deliver_message(pk) == "skipped"

    # 6. The agent sends the failed reply again once the address works.
    smtp.modes = {}
    response = client.post(reverse("outbound:resend", args=[failed.pk]))
    assert response.status_code == 302
    assert Message.objects.get(pk=failed.pk).delivery_state == DeliveryState.SENT
    sweep_deliveries()

    sent_ids = dict(Message.objects.filter(pk__in=pks).values_list("pk", "metadata__message_id"))
    received = smtp.message_ids()
    assert sorted(received) == sorted(sent_ids.values())
    assert set(received.values()) == {1}, received
    assert set(_states(pks).values()) == {DeliveryState.SENT}
    assert _metric(client, "retrying") == 0
