"""Which ticket changes become which webhook events, what they carry, and the subscriptions.

Event names and what sets them off:

* ``ticket.created`` — a ticket opened (any channel).
* ``ticket.updated`` — status, priority, assignee, team, tags, subject, language, custom
  fields changed, or the ticket was merged.
* ``ticket.solved`` — the status became ``solved`` (a ``ticket.updated`` goes out as well).
* ``message.added`` — a customer message, an agent's reply or an internal note
  (``message.kind``: ``in``, ``out``, ``note``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tactful.accounts.models import Team
from tactful.tickets import events
from tactful.tickets.models import EventKind, Priority, Status
from tactful.webhooks.models import EventWebhook, WebhookEvent

#: The cached list of active subscriptions (dropped whenever a webhook is saved or deleted),
#: so a ticket change costs no query when nobody listens.
CACHE_KEY = "tactful:webhooks:active:v1"
UPDATE_KINDS = frozenset(
    {
        EventKind.STATUS_CHANGED,
        EventKind.PRIORITY_CHANGED,
        EventKind.ASSIGNED,
        EventKind.TEAM_CHANGED,
        EventKind.TAGS_CHANGED,
        EventKind.SUBJECT_CHANGED,
        EventKind.LANGUAGE_CHANGED,
        EventKind.MERGED,
        # Custom fields set on the ticket page (tactful.teamsettings).
        "custom_fields",
    }
)
MESSAGE_KINDS = frozenset({EventKind.MESSAGE_RECEIVED, EventKind.REPLIED, EventKind.NOTE_ADDED})


@dataclass(frozen=True)
class Subscription:
    id: int
    team_id: int | None
    events: frozenset[str]

    def wants(self, event: str, team_id: int | None) -> bool:
        return event in self.events and (self.team_id is None or self.team_id == team_id)


def active_subscriptions() -> list[Subscription]:
    cached = cache.get(CACHE_KEY)
    if cached is None:
        cached = [
            (pk, team_id, list(names or []))
            for pk, team_id, names in EventWebhook.objects.filter(active=True).values_list(
                "pk", "team_id", "events"
            )
        ]
        cache.set(CACHE_KEY, cached, timeout=None)
    return [Subscription(pk, team_id, frozenset(names)) for pk, team_id, names in cached]


def forget_subscriptions() -> None:
    cache.delete(CACHE_KEY)


def event_names(change: events.TicketChange) -> list[str]:
    """The webhook events one timeline change stands for (often none)."""
    kind = change.kind
    if kind == EventKind.CREATED:
        return [WebhookEvent.TICKET_CREATED]
    if kind in MESSAGE_KINDS:
        return [WebhookEvent.MESSAGE_ADDED]
    if kind in UPDATE_KINDS:
        names = [WebhookEvent.TICKET_UPDATED.value]
        if kind == EventKind.STATUS_CHANGED and getattr(change, "status", "") == Status.SOLVED:
            names.append(WebhookEvent.TICKET_SOLVED)
        return names
    return []


def payload(event: str, change: events.TicketChange) -> dict[str, Any]:
    """The JSON body for one event: the ticket as it is now, and what changed.

    Built from what the change already holds (ids, not names), so it costs no query.
    """
    ticket = change.ticket
    row = change.row
    body: dict[str, Any] = {
        "event": event,
        "occurred_at": row.created_at.isoformat() if row is not None else None,
        "ticket": {
            "number": ticket.pk,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": Priority(ticket.priority).name.lower(),
            "channel": ticket.channel,
            "language": ticket.language,
            "team": ticket.team_id,
            "assignee": ticket.assignee_id,
            "customer": ticket.customer_id,
            "custom_fields": ticket.custom_fields if isinstance(ticket.custom_fields, dict) else {},
            "created_at": ticket.created_at.isoformat() if ticket.created_at else None,
        },
        "change": {
            "kind": change.kind,
            "data": row.data if row is not None else change.data(),
            "by": change.by.username if change.by is not None else None,
        },
    }
    message = change.message
    if event == WebhookEvent.MESSAGE_ADDED and message is not None:
        body["message"] = {
            "id": message.pk,
            "kind": message.kind,
            "channel": message.channel,
            "body": message.body,
            "author_agent": change.by.username if change.by is not None else None,
            "created_at": message.created_at.isoformat() if message.created_at else None,
        }
    return body


def clean_events(names: Iterable[str]) -> list[str]:
    chosen = sorted(set(names))
    if not chosen:
        raise ValidationError(_("Choose at least one event."))
    unknown = [name for name in chosen if name not in WebhookEvent.values]
    if unknown:
        raise ValidationError(_("Unknown event: %(event)s") % {"event": unknown[0][:40]})
    return chosen


def create_webhook(
    *, name: str, url: str, events: Iterable[str], team: Team | None
) -> tuple[EventWebhook, str]:
    """Add a subscription; returns it and its signing secret (shown to the person once)."""
    secret = secrets.token_urlsafe(32)
    webhook = EventWebhook(
        name=name.strip(), url=url.strip(), team=team, events=clean_events(events), secret=secret
    )
    webhook.full_clean()
    if not webhook.url.lower().startswith(("http://", "https://")):
        raise ValidationError(_("The URL must start with http:// or https://."))
    webhook.save()
    return webhook, secret


def set_active(*, webhook: EventWebhook, active: bool) -> EventWebhook:
    webhook.active = active
    webhook.save(update_fields=["active"])
    return webhook
