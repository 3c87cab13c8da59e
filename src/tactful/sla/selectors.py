"""Reads for service levels: tickets by how soon they breach, and a ticket's running targets."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from tactful.sla.models import OPEN_STATES, BusinessHours, Clock, ClockState, Policy, TicketSla
from tactful.tickets.models import Ticket

#: Inbox filter values → what they mean.
STATES = ("at_risk", "breached", "at_risk_or_breached", "running")


def with_state(
    queryset: QuerySet[Ticket], state: str, *, now: datetime | None = None
) -> QuerySet[Ticket]:
    """Narrow tickets by their SLA: past the warning (``at_risk``), past a deadline
    (``breached``), either, or with any running target (``running``)."""
    now = now or timezone.now()
    breached = Q(sla__breached=True) | Q(sla__due_at__lte=now)
    at_risk = Q(sla__warn_at__lte=now, sla__due_at__gt=now, sla__breached=False)
    if state == "at_risk":
        return queryset.filter(at_risk)
    if state == "breached":
        return queryset.filter(breached)
    if state == "at_risk_or_breached":
        return queryset.filter(at_risk | breached)
    if state == "running":
        return queryset.filter(sla__due_at__isnull=False)
    raise ValueError(f"unknown SLA state {state!r}")


def breaches_soonest(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Tickets with a running target, the soonest deadline first (one index walk on
    ``TicketSla.due_at``; tickets with nothing running are left out)."""
    return queryset.filter(sla__due_at__isnull=False).order_by("sla__due_at", "id")


def ticket_clocks(ticket: Ticket) -> list[Clock]:
    """What the ticket page shows: open clocks and the latest finished one of each target."""
    rows = list(
        Clock.objects.filter(ticket_id=ticket.pk)
        .select_related("policy")
        .order_by("target", "-sequence")
    )
    shown: list[Clock] = []
    seen_done: set[str] = set()
    for clock in rows:
        if clock.state in OPEN_STATES:
            shown.append(clock)
        elif clock.target not in seen_done and not clock.superseded:
            if clock.state != ClockState.STOPPED:
                shown.append(clock)
            seen_done.add(clock.target)
    return shown


def summary_of(ticket: Ticket) -> TicketSla | None:
    return TicketSla.objects.select_related("policy").filter(ticket_id=ticket.pk).first()


def policies() -> QuerySet[Policy]:
    return Policy.objects.order_by("position", "id")


def business_hours() -> QuerySet[BusinessHours]:
    return BusinessHours.objects.select_related("team").order_by("team__name", "name")
