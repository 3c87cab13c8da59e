"""Ticket changes become event deliveries, written with the change and sent after commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from tactful.tickets import events
from tactful.webhooks import delivery, services
from tactful.webhooks.models import EventDelivery, EventWebhook


def queue_event_webhooks(changes: Sequence[events.TicketChange]) -> None:
    """One delivery row per (webhook, event); rolled back with the change if it fails."""
    subscriptions = services.active_subscriptions()
    if not subscriptions:
        return
    rows: list[EventDelivery] = []
    for change in changes:
        if change.row is None:
            continue
        for event in services.event_names(change):
            wanting = [s for s in subscriptions if s.wants(event, change.ticket.team_id)]
            if not wanting:
                continue
            body = services.payload(event, change)
            rows.extend(
                EventDelivery(
                    webhook_id=s.id,
                    event=event,
                    ticket_event_id=change.row.pk,
                    ticket_id=change.ticket.pk,
                    payload=body,
                )
                for s in wanting
            )
    if not rows:
        return
    # The cache may hold a webhook another process removed, or one whose transaction rolled
    # back; PostgreSQL checks foreign keys only at COMMIT, where a stale id would fail the
    # change itself. So the few rows to write are checked against the table first.
    wanted = {row.webhook_id for row in rows}
    live = set(EventWebhook.objects.filter(pk__in=wanted, active=True).values_list("pk", flat=True))
    if live != wanted:
        services.forget_subscriptions()
        rows = [row for row in rows if row.webhook_id in live]
        if not rows:
            return
    created = EventDelivery.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    transaction.on_commit(lambda: delivery.enqueue_many(ids), robust=True)


def _forget(**kwargs: Any) -> None:
    services.forget_subscriptions()


def register() -> None:
    events.subscribe_batch(events.TicketChange)(queue_event_webhooks)
    post_save.connect(_forget, sender=EventWebhook, dispatch_uid="webhooks-forget-saved")
    post_delete.connect(_forget, sender=EventWebhook, dispatch_uid="webhooks-forget-deleted")
