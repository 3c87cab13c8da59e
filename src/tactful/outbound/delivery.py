"""Delivering replies to customers: after commit, at most once, retried with backoff.

The state lives on the message (``delivery_state``), so the ticket page shows it and nothing
depends on a task surviving:

* ``services.queue_delivery`` marks a new reply ``queued`` and, after the commit, hands it to a worker
  (it runs when a reply is recorded: outbound subscribes to ``ReplyRecorded``).
* ``deliver_message`` *claims* the reply (``sending``, committed) before calling the transport,
  then records ``sent``, ``retrying`` (with a growing delay) or ``failed``. Because the claim is
  committed first, a task that runs twice — or a worker killed mid-send whose task is
  redelivered — finds ``sending`` and does not send again: at most once.
* ``sweep_deliveries`` (periodic) re-queues replies whose task was lost (broker down at commit
  time, retry due) and turns a ``sending`` claim whose lease ran out into ``uncertain``: the
  worker died during the send, so it may or may not have left. An agent checks and resends.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.outbound import events as outbound_events
from tactful.outbound import transports
from tactful.tickets import events, timeline
from tactful.tickets.models import DeliveryState, Message

logger = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000
PENDING = (DeliveryState.QUEUED, DeliveryState.RETRYING)


@shared_task(acks_late=True, name="tactful.outbound.deliver")
def deliver_task(message_id: int) -> str:
    return str(deliver_message(message_id))


@shared_task(name="tactful.outbound.sweep_deliveries")
def sweep_deliveries_task() -> dict[str, int]:
    return sweep_deliveries()


def enqueue_delivery(message_id: int, *, countdown: float | None = None) -> None:
    """Hand the reply to a worker; with the broker down it stays queued for the sweep."""
    if settings.CELERY_TASK_ALWAYS_EAGER and countdown:
        return  # in-process mode cannot wait: the sweep (or `tactful manage deliver`) retries
    try:
        if countdown:
            deliver_task.apply_async((message_id,), countdown=countdown)
        else:
            deliver_task.delay(message_id)
    except Exception:  # a broker outage must not break the request that saved the reply
        logger.exception("could not queue delivery of message %s", message_id)


def _retry_delay(attempts: int) -> timedelta:
    base = settings.TACTFUL_DELIVERY_RETRY_DELAY
    return timedelta(seconds=min(base * (2 ** max(attempts - 1, 0)), 6 * 3600))


def _claim(message_id: int) -> Message | None:
    """Take the reply for sending (committed before anything leaves)."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True, no_key=True)
            .filter(pk=message_id, delivery_state__in=PENDING)
            .first()
        )
        if message is None:
            return None
        if message.next_delivery_at is not None and message.next_delivery_at > now:
            return None  # a retry that is not due yet; its own task comes later
        message.delivery_state = DeliveryState.SENDING
        message.delivery_attempts += 1
        # The lease: a claim older than this belongs to a dead worker (see sweep_deliveries).
        message.next_delivery_at = now + timedelta(seconds=settings.TACTFUL_DELIVERY_LEASE)
        message.save(update_fields=["delivery_state", "delivery_attempts", "next_delivery_at"])
    return message


def _finish(message: Message, **fields: object) -> None:
    for name, value in fields.items():
        setattr(message, name, value)
    Message.objects.filter(pk=message.pk).update(**fields)


def _fail(message: Message, error: str) -> None:
    with events.atomic():
        _finish(
            message,
            delivery_state=DeliveryState.FAILED,
            delivery_error=error[:MAX_ERROR_CHARS],
            next_delivery_at=None,
        )
        timeline.record(
            outbound_events.DeliveryFailed(
                ticket=message.ticket,
                message=message,
                error=error,
                attempts=message.delivery_attempts,
            )
        )


def deliver_message(message_id: int) -> str:
    """Send one queued reply through its channel's transport; returns the resulting state."""
    message = _claim(message_id)
    if message is None:
        return "skipped"
    transport = transports.transport_for(message)
    if transport is None:
        _fail(message, _("This channel has no way to deliver replies."))
        return DeliveryState.FAILED
    try:
        provider_id = transport.send(message)
    except transports.PermanentDeliveryError as exc:
        _fail(message, str(exc) or type(exc).__name__)
        return DeliveryState.FAILED
    except Exception as exc:  # temporary: server down, timeout, anything unexpected
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("delivery of message %s failed: %s", message.pk, error)
        if message.delivery_attempts >= settings.TACTFUL_DELIVERY_MAX_ATTEMPTS:
            _fail(message, error)
            return DeliveryState.FAILED
        delay = _retry_delay(message.delivery_attempts)
        asked = getattr(exc, "retry_after", None)
        if asked:  # the receiver said when (capped: a day at most)
            delay = max(delay, timedelta(seconds=min(float(asked), 86_400.0)))
        _finish(
            message,
            delivery_state=DeliveryState.RETRYING,
            delivery_error=error[:MAX_ERROR_CHARS],
            next_delivery_at=timezone.now() + delay,
        )
        enqueue_delivery(message.pk, countdown=delay.total_seconds())
        return DeliveryState.RETRYING
    # Re-read: the transport may have recorded what it sent (e-mail headers) on the row itself.
    stored = Message.objects.filter(pk=message.pk).values_list("metadata", flat=True).first()
    metadata = dict(stored or {})
    if provider_id:
        metadata["provider_id"] = str(provider_id)[:255]
    _finish(
        message,
        delivery_state=DeliveryState.SENT,
        delivery_error="",
        delivered_at=timezone.now(),
        next_delivery_at=None,
        metadata=metadata,
    )
    return DeliveryState.SENT


def sweep_deliveries(*, limit: int = 500) -> dict[str, int]:
    """Re-queue due replies whose task was lost; mark expired claims ``uncertain``."""
    now = timezone.now()
    expired = list(
        Message.objects.filter(delivery_state=DeliveryState.SENDING, next_delivery_at__lt=now)
        .order_by("next_delivery_at")
        .values_list("pk", "ticket_id")[:limit]
    )
    uncertain = 0
    for pk, _ticket_id in expired:
        with events.atomic():
            changed = Message.objects.filter(
                pk=pk, delivery_state=DeliveryState.SENDING, next_delivery_at__lt=now
            ).update(
                delivery_state=DeliveryState.UNCERTAIN,
                next_delivery_at=None,
                delivery_error=_("The worker stopped while sending; it may not have arrived."),
            )
            if changed:
                uncertain += 1
                message = Message.objects.select_related("ticket").get(pk=pk)
                timeline.record(
                    outbound_events.DeliveryFailed(
                        ticket=message.ticket, message=message, error="uncertain"
                    )
                )
    due = list(
        Message.objects.filter(delivery_state__in=PENDING, next_delivery_at__lte=now)
        .order_by("next_delivery_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        enqueue_delivery(pk)
    return {"requeued": len(due), "uncertain": uncertain}
