"""What the customer page shows, each part in one query whatever the customer's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from tactful.accounts.models import Agent
from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.customers.models import Channel, Customer, CustomerIdentity, CustomerMerge
from tactful.satisfaction.models import Survey
from tactful.tickets import permissions
from tactful.tickets.models import MessageKind, Status, Ticket

#: Tickets per page (keyset: the next page starts below the last number shown).
PAGE_SIZE = 25
#: Latest survey answers shown.
ANSWERS_SHOWN = 20
#: Months of the feelings timeline.
MONTHS_SHOWN = 12


@dataclass(frozen=True)
class TicketPage:
    rows: list[dict[str, Any]]
    #: The number the next page starts below (``None``: this is the last page).
    next_before: int | None


@dataclass(frozen=True)
class Feeling:
    emotion: str
    messages: int
    share: float
    intensity: float | None


@dataclass(frozen=True)
class Month:
    month: datetime
    messages: int
    intensity: float | None


def visible_tickets(agent: Agent, customer: Customer) -> QuerySet[Ticket]:
    return permissions.visible_tickets(agent, Ticket.objects.filter(customer=customer))


def ticket_page(agent: Agent, customer: Customer, *, before: int | None) -> TicketPage:
    """Newest first, ``PAGE_SIZE`` at a time, starting below ticket number ``before``."""
    queryset = visible_tickets(agent, customer)
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    rows = list(
        queryset.order_by("-pk").values(
            "pk",
            "subject",
            "status",
            "channel",
            "language",
            "emotion",
            "created_at",
            "updated_at",
            "team__name",
            "merged_into_id",
        )[: PAGE_SIZE + 1]
    )
    next_before = rows[PAGE_SIZE - 1]["pk"] if len(rows) > PAGE_SIZE else None
    statuses, channels = dict(Status.choices), dict(Channel.choices)
    for row in rows:
        row["status_label"] = str(statuses.get(row["status"], row["status"]))
        row["channel_label"] = str(channels.get(row["channel"], row["channel"]))
    return TicketPage(rows[:PAGE_SIZE], next_before)


def ticket_totals(agent: Agent, customer: Customer) -> dict[str, int]:
    return visible_tickets(agent, customer).aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(status__in=[Status.NEW, Status.OPEN, Status.PENDING])),
    )


def identities(customer: Customer) -> list[CustomerIdentity]:
    return list(customer.identities.order_by("channel", "handle"))


def answers(agent: Agent, customer: Customer) -> list[dict[str, Any]]:
    """The latest satisfaction answers on the customer's tickets the agent can see."""
    return list(
        Survey.objects.filter(
            ticket__in=visible_tickets(agent, customer), answered_at__isnull=False
        )
        .order_by("-answered_at", "-pk")
        .values("ticket_id", "rating", "scale", "sentiment", "comment", "answered_at")[
            :ANSWERS_SHOWN
        ]
    )


def _analyses(agent: Agent, customer: Customer) -> QuerySet[MessageAnalysis]:
    return MessageAnalysis.objects.filter(
        status=AnalysisStatus.DONE,
        message__kind=MessageKind.INCOMING,
        message__ticket__in=visible_tickets(agent, customer),
    )


def feelings(agent: Agent, customer: Customer) -> list[Feeling]:
    """How this customer usually feels: the coach's readings of their messages, by emotion
    (most frequent first), with the mean intensity of each."""
    rows = list(
        _analyses(agent, customer)
        .exclude(top_emotion="")
        .values("top_emotion")
        .annotate(n=Count("pk"), intensity=Avg("intensity"))
        .order_by("-n", "top_emotion")
    )
    total = sum(row["n"] for row in rows) or 1
    return [
        Feeling(row["top_emotion"], row["n"], row["n"] / total, row["intensity"]) for row in rows
    ]


def months(agent: Agent, customer: Customer) -> list[Month]:
    """Mean intensity of the customer's messages per month, the latest ``MONTHS_SHOWN``."""
    rows = list(
        _analyses(agent, customer)
        .annotate(month=TruncMonth("message__created_at"))
        .values("month")
        .annotate(n=Count("pk"), intensity=Avg("intensity"))
        .order_by("-month")[:MONTHS_SHOWN]
    )
    return [Month(row["month"], row["n"], row["intensity"]) for row in reversed(rows)]


def merges(customer: Customer) -> list[CustomerMerge]:
    """Merges into this customer and out of it, latest first (for the undo buttons)."""
    return list(
        CustomerMerge.objects.filter(Q(kept=customer) | Q(merged=customer))
        .select_related("kept", "merged", "by")
        .order_by("-created_at", "-pk")[:20]
    )
