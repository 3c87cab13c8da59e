"""Delivery tasks: one per reply, and a periodic sweep that makes lost tasks harmless."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, name="tactful.outbound.deliver")
def deliver_task(message_id: int) -> str:
    from tactful.outbound.services import deliver_message

    return str(deliver_message(message_id))


@shared_task(name="tactful.outbound.sweep_deliveries")
def sweep_deliveries_task() -> dict[str, int]:
    from tactful.outbound.services import sweep_deliveries

    return sweep_deliveries()


def enqueue_delivery(message_id: int, *, countdown: float | None = None) -> None:
    """Hand the reply to a worker; with the broker down it stays queued for the sweep."""
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER and countdown:
        return  # in-process mode cannot wait: the sweep (or `tactful manage deliver`) retries
    try:
        deliver_task.apply_async((message_id,), countdown=countdown)
    except Exception:  # a broker outage must not break the request that saved the reply
        logger.exception("could not queue delivery of message %s", message_id)
