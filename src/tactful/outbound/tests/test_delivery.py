"""The delivery service: claim-then-send (at most once), backoff, the sweep, and resend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tactful.customers import services as customer_services
from tactful.outbound import delivery, transports
from tactful.outbound import services as outbound_services
from tactful.outbound.webhooks import register_webhook_transports
from tactful.tickets import inbound
from tactful.tickets import services as ticket_services
from tactful.tickets.models import DeliveryState, EventKind, Message, TicketEvent

pytestmark = pytest.mark.django_db


@dataclass
class ScriptedTransport:
    """A channel's transport whose answers the test decides: a provider id or an exception."""

    outcomes: list[str | Exception] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)

    def send(self, message: Message) -> str:
        self.sent.append(message.pk)
        outcome = self.outcomes.pop(0) if self.outcomes else f"provider-{message.pk}"
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture
def transport() -> Iterator[ScriptedTransport]:
    scripted = ScriptedTransport()
    transports.register("api", scripted.send)
    yield scripted
    register_webhook_transports()  # back to the real "api" transport


@pytest.fixture
def chat(desk):
    team = desk.team()
    agent = desk.agent("ana", teams=[team])
    customer = customer_services.get_or_create_customer(channel="api", handle="crm:1")
    ticket = inbound.create_ticket(customer=customer, body="Help", channel="api", team=team)
    return {"agent": agent, "ticket": ticket, "team": team}


def reply(chat, body: str = "On it") -> Message:
    """A reply whose after-commit task has not run (the test decides when delivery happens)."""
    return ticket_services.record_reply(ticket=chat["ticket"], agent=chat["agent"], body=body)


def state(message: Message) -> Message:
    message.refresh_from_db()
    return message


def make_due(message: Message) -> None:
    Message.objects.filter(pk=message.pk).update(
        next_delivery_at=timezone.now() - timedelta(seconds=1)
    )


# --- claim, then send -------------------------------------------------------------------------


def test_a_reply_is_queued_and_sent_after_the_commit(
    chat, transport, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = reply(chat)
    assert state(message).delivery_state == DeliveryState.QUEUED
    assert transport.sent == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    message = state(message)
    assert message.delivery_state == DeliveryState.SENT
    assert message.delivery_attempts == 1 and message.delivered_at is not None
    assert message.next_delivery_at is None
    assert message.metadata["provider_id"] == f"provider-{message.pk}"
    assert transport.sent == [message.pk]


def test_delivering_twice_sends_once(chat, transport):
    message = reply(chat)
    assert delivery.deliver_message(message.pk) == DeliveryState.SENT
    assert delivery.deliver_message(message.pk) == "skipped"
    assert transport.sent == [message.pk]


def test_a_sending_claim_is_never_sent_again(chat, transport):
    message = reply(chat)
    lease_ends = timezone.now() + timedelta(minutes=5)
    Message.objects.filter(pk=message.pk).update(
        delivery_state=DeliveryState.SENDING, next_delivery_at=lease_ends, delivery_attempts=1
    )
    assert delivery.deliver_message(message.pk) == "skipped"
    assert delivery.sweep_deliveries() == {"requeued": 0, "uncertain": 0}
    assert state(message).delivery_state == DeliveryState.SENDING
    assert transport.sent == []


def test_the_sweep_marks_an_expired_claim_uncertain(chat, transport):
    message = reply(chat)
    Message.objects.filter(pk=message.pk).update(
        delivery_state=DeliveryState.SENDING,
        next_delivery_at=timezone.now() - timedelta(seconds=1),
        delivery_attempts=1,
    )
    assert delivery.sweep_deliveries() == {"requeued": 0, "uncertain": 1}
    message = state(message)
    assert message.delivery_state == DeliveryState.UNCERTAIN
    assert message.next_delivery_at is None and message.delivery_error
    event = TicketEvent.objects.get(kind=EventKind.DELIVERY_FAILED)
    assert event.message_id == message.pk and event.data == {"error": "uncertain"}
    # Uncertain is never retried by itself (it may have arrived).
    assert delivery.deliver_message(message.pk) == "skipped"
    assert delivery.sweep_deliveries() == {"requeued": 0, "uncertain": 0}
    assert transport.sent == []


def test_the_sweep_requeues_due_replies_whose_task_was_lost(chat, transport):
    lost = reply(chat, "lost task")  # queued; its after-commit task never ran (broker down)
    make_due(lost)
    due_retry = reply(chat, "due retry")
    Message.objects.filter(pk=due_retry.pk).update(
        delivery_state=DeliveryState.RETRYING,
        delivery_attempts=1,
        next_delivery_at=timezone.now() - timedelta(seconds=1),
    )
    later = reply(chat, "retry later")
    Message.objects.filter(pk=later.pk).update(
        delivery_state=DeliveryState.RETRYING,
        delivery_attempts=1,
        next_delivery_at=timezone.now() + timedelta(hours=1),
    )
    assert delivery.sweep_deliveries() == {"requeued": 2, "uncertain": 0}
    # Tasks run in-process in the tests, so the re-queued replies are delivered right away.
    assert state(lost).delivery_state == DeliveryState.SENT
    assert state(due_retry).delivery_state == DeliveryState.SENT
    assert state(due_retry).delivery_attempts == 2
    assert state(later).delivery_state == DeliveryState.RETRYING
    assert sorted(transport.sent) == sorted([lost.pk, due_retry.pk])
    assert delivery.sweep_deliveries() == {"requeued": 0, "uncertain": 0}


# --- failures ---------------------------------------------------------------------------------


def test_temporary_failures_back_off_then_fail_with_an_event(chat, transport, settings):
    settings.TACTFUL_DELIVERY_MAX_ATTEMPTS = 3
    transport.outcomes = [
        transports.TemporaryDeliveryError("server down"),
        RuntimeError("unexpected"),  # anything unexpected counts as temporary
        transports.TemporaryDeliveryError("still down"),
    ]
    message = reply(chat)
    assert delivery.deliver_message(message.pk) == DeliveryState.RETRYING
    first = state(message)
    assert first.delivery_error == "TemporaryDeliveryError: server down"
    assert first.next_delivery_at is not None
    first_delay = first.next_delivery_at - timezone.now()
    make_due(message)
    assert delivery.deliver_message(message.pk) == DeliveryState.RETRYING
    second = state(message)
    assert "RuntimeError: unexpected" in second.delivery_error
    assert second.next_delivery_at is not None
    assert second.next_delivery_at - timezone.now() > first_delay  # the delay grows
    assert not TicketEvent.objects.filter(kind=EventKind.DELIVERY_FAILED).exists()
    make_due(message)
    assert delivery.deliver_message(message.pk) == DeliveryState.FAILED
    failed = state(message)
    assert failed.delivery_attempts == 3 and failed.next_delivery_at is None
    event = TicketEvent.objects.get(kind=EventKind.DELIVERY_FAILED)
    assert event.data["attempts"] == 3 and "still down" in event.data["error"]
    assert len(transport.sent) == 3


def test_a_permanent_failure_fails_at_once(chat, transport):
    transport.outcomes = [transports.PermanentDeliveryError("no such recipient")]
    message = reply(chat)
    assert delivery.deliver_message(message.pk) == DeliveryState.FAILED
    assert state(message).delivery_error == "no such recipient"
    assert TicketEvent.objects.filter(kind=EventKind.DELIVERY_FAILED).count() == 1
    make_due(message)
    assert delivery.deliver_message(message.pk) == "skipped"
    assert len(transport.sent) == 1


def test_a_huge_error_text_is_cut(chat, transport):
    transport.outcomes = [transports.PermanentDeliveryError("x" * 50_000)]
    message = reply(chat)
    delivery.deliver_message(message.pk)
    assert len(state(message).delivery_error) == delivery.MAX_ERROR_CHARS


def test_a_channel_that_lost_its_transport_fails_clearly(chat, transport):
    message = reply(chat)
    transports.unregister("api")
    assert delivery.deliver_message(message.pk) == DeliveryState.FAILED
    assert state(message).delivery_error
    assert transport.sent == []


def test_only_replies_on_delivering_channels_are_queued(chat, transport, desk):
    note = ticket_services.add_internal_note(ticket=chat["ticket"], agent=chat["agent"], body="n")
    assert outbound_services.queue_delivery(note) is False
    incoming = chat["ticket"].messages.get(kind="in")
    assert outbound_services.queue_delivery(incoming) is False
    transports.unregister("api")
    message = reply(chat)
    assert state(message).delivery_state == DeliveryState.NONE


def test_unknown_message_ids_are_skipped(db):
    assert delivery.deliver_message(987_654) == "skipped"


# --- resend -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "delivery_state",
    [
        DeliveryState.NONE,
        DeliveryState.QUEUED,
        DeliveryState.SENDING,
        DeliveryState.SENT,
        DeliveryState.RETRYING,
    ],
)
def test_resend_only_from_failed_or_uncertain(chat, transport, delivery_state):
    message = reply(chat)
    Message.objects.filter(pk=message.pk).update(delivery_state=delivery_state)
    with pytest.raises(ValidationError):
        outbound_services.resend(message=state(message), by=chat["agent"])
    assert state(message).delivery_state == delivery_state
    assert transport.sent == []


@pytest.mark.parametrize("delivery_state", [DeliveryState.FAILED, DeliveryState.UNCERTAIN])
def test_resend_sends_again(chat, transport, delivery_state, django_capture_on_commit_callbacks):
    message = reply(chat)
    Message.objects.filter(pk=message.pk).update(
        delivery_state=delivery_state, delivery_error="earlier trouble"
    )
    with django_capture_on_commit_callbacks(execute=True):
        outbound_services.resend(message=state(message), by=chat["agent"])
    message = state(message)
    assert message.delivery_state == DeliveryState.SENT and message.delivery_error == ""
    assert transport.sent == [message.pk]
    resent = TicketEvent.objects.get(message=message, kind=EventKind.RESENT)
    assert resent.actor == chat["agent"]


def test_resend_gets_a_fresh_retry_budget(chat, transport, settings):
    """A reply that used up its attempts is retried again after a resend, not failed at once."""
    settings.TACTFUL_DELIVERY_MAX_ATTEMPTS = 2
    transport.outcomes = [transports.TemporaryDeliveryError("down")] * 3
    message = reply(chat)
    delivery.deliver_message(message.pk)
    make_due(message)
    assert delivery.deliver_message(message.pk) == DeliveryState.FAILED
    outbound_services.resend(message=state(message), by=chat["agent"])
    assert delivery.deliver_message(message.pk) == DeliveryState.RETRYING
    make_due(message)
    assert delivery.deliver_message(message.pk) == DeliveryState.SENT


def test_resend_needs_access_to_the_ticket(chat, transport, desk):
    message = reply(chat)
    Message.objects.filter(pk=message.pk).update(delivery_state=DeliveryState.FAILED)
    outsider = desk.agent("olga", teams=[desk.team()])
    with pytest.raises(PermissionDenied):
        outbound_services.resend(message=state(message), by=outsider)
    assert state(message).delivery_state == DeliveryState.FAILED


def test_what_the_transport_records_on_the_row_survives_delivery(chat):
    """The e-mail transport writes the headers it sent onto the row; delivery keeps them."""

    def send(message: Message) -> str:
        Message.objects.filter(pk=message.pk).update(
            metadata={**message.metadata, "message_id": "tactful.1.abc@example.test"}
        )
        return "provider-7"

    transports.register("api", send)
    try:
        message = reply(chat)
        assert delivery.deliver_message(message.pk) == DeliveryState.SENT
    finally:
        register_webhook_transports()
    message = state(message)
    assert message.metadata["message_id"] == "tactful.1.abc@example.test"
    assert message.metadata["provider_id"] == "provider-7"
