"""Replies on their way out: queue each new reply for delivery, and send one again by hand.

The sending itself, its retries and the sweep that makes lost tasks harmless are in
:mod:`tactful.outbound.delivery`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent
from tactful.outbound import delivery, transports
from tactful.outbound import events as outbound_events
from tactful.tickets import events, permissions, timeline
from tactful.tickets.models import DeliveryState, Message, MessageKind


def queue_delivery(message: Message) -> bool:
    """Mark a new reply for delivery and send it after the surrounding commit.

    Returns whether Tactful delivers it (a phone note with no outgoing webhook: no).
    """
    if message.kind != MessageKind.OUTGOING or transports.transport_for(message) is None:
        return False
    message.delivery_state = DeliveryState.QUEUED
    message.next_delivery_at = timezone.now()
    Message.objects.filter(pk=message.pk).update(
        delivery_state=DeliveryState.QUEUED, next_delivery_at=message.next_delivery_at
    )
    message_id = message.pk
    transaction.on_commit(lambda: delivery.enqueue_delivery(message_id))
    return True


def resend(*, message: Message, by: Agent) -> Message:
    """An agent sends a failed or uncertain reply again (the only way a reply goes twice)."""
    permissions.check_can_view(by, message.ticket)
    if message.delivery_state not in {DeliveryState.FAILED, DeliveryState.UNCERTAIN}:
        raise ValidationError(_("Only a failed or uncertain delivery can be sent again."))
    with events.atomic():
        fields = {
            "delivery_state": DeliveryState.QUEUED,
            "next_delivery_at": timezone.now(),
            "delivery_error": "",
            # A fresh retry budget: otherwise a reply that failed after its last attempt would
            # fail again on the first hiccup (the DELIVERY_FAILED events keep the history).
            "delivery_attempts": 0,
        }
        for name, value in fields.items():
            setattr(message, name, value)
        Message.objects.filter(pk=message.pk).update(**fields)
        # Sending twice is a person's decision: the timeline says who took it.
        timeline.record(outbound_events.ReplyResent(ticket=message.ticket, by=by, message=message))
        message_id = message.pk
        transaction.on_commit(lambda: delivery.enqueue_delivery(message_id))
    return message


def queue_new_reply(event: events.ReplyRecorded) -> None:
    """Every reply recorded on a ticket is queued for delivery (when its channel delivers)."""
    if event.message is not None:
        queue_delivery(event.message)
