"""Reads for service levels: tickets by how soon they breach, and a ticket's running targets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connections
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.expressions import RawSQL
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


@dataclass(frozen=True, slots=True)
class DueCursor:
    """Where a page of the "breaches soonest" order starts or ends: a deadline and a ticket id.

    Pages of that order are found by seeking from the last row shown (keyset), never by
    OFFSET: the walk reads only the rows it shows, however deep the page."""

    due_at: datetime
    ticket_id: int

    def token(self) -> str:
        """The cursor as it travels in a link: microseconds since the epoch, a dot, the id."""
        delta = self.due_at - _EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}.{self.ticket_id}"

    @classmethod
    def parse(cls, token: str) -> DueCursor:
        """The cursor back from a link; ``ValueError`` for anything another page did not write."""
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise ValueError("not a cursor")
        micros, ticket_id = int(match[1]), int(match[2])
        try:
            due_at = _EPOCH + timedelta(microseconds=micros)
        except OverflowError as error:
            raise ValueError("not a cursor") from error
        return cls(due_at=due_at, ticket_id=ticket_id)

    @classmethod
    def of(cls, ticket: Ticket) -> DueCursor:
        summary: TicketSla = ticket.sla  # type: ignore[attr-defined]
        assert summary.due_at is not None
        return cls(due_at=summary.due_at, ticket_id=ticket.pk)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Microseconds (18 digits reach past the year 9999, which Python refuses), signed for
#: deadlines before 1970; ids of up to 12 digits, as the inbox's other id fields.
_TOKEN = re.compile(r"(-?[0-9]{1,18})\.([0-9]{1,12})")


def breaches_soonest(
    queryset: QuerySet[Ticket],
    *,
    after: DueCursor | None = None,
    before: DueCursor | None = None,
) -> QuerySet[Ticket]:
    """Tickets with a running target, the soonest deadline first; tickets with nothing
    running are left out.

    On PostgreSQL this is a walk of the small partial index ``ticketsla_running_due`` (only
    rows with a running deadline) in order, joined to each ticket by its key, stopping at the
    page's LIMIT. ``after`` starts past a row (the next page); ``before`` ends before one and
    walks backwards (the previous page: the caller reverses the rows it gets).
    """
    queryset = queryset.filter(sla__due_at__isnull=False)
    if after is not None:
        queryset = queryset.filter(_row_compare(">", after, queryset.db))
    if before is not None:
        queryset = queryset.filter(_row_compare("<", before, queryset.db))
        return queryset.order_by("-sla__due_at", "-id")
    return queryset.order_by("sla__due_at", "id")


def _row_compare(operator: str, cursor: DueCursor, using: str) -> ExpressionWrapper:
    """``(due_at, ticket_id) > (x, y)`` on the joined summary: one row comparison, which
    PostgreSQL uses as where to start the index walk and estimates as "deadlines after x".
    The same condition spelt with OR (``due_at > x OR (due_at = x AND id > y)``) is split
    into a bitmap of two scans whose row estimate came out twenty times too low at a million
    tickets, and the planner then sorted all 48,000 running tickets for each page (1.3 s)."""
    table = TicketSla._meta.db_table
    sql = f'("{table}"."due_at", "{table}"."ticket_id") {operator} (%s, %s)'
    # Raw SQL gets the value as the database stores it (SQLite: text in UTC, as the ORM writes).
    due_at = connections[using].ops.adapt_datetimefield_value(cursor.due_at)
    return ExpressionWrapper(RawSQL(sql, (due_at, cursor.ticket_id)), output_field=BooleanField())


@dataclass(frozen=True, slots=True)
class DuePage:
    """One page of the "breaches soonest" order, found by seeking (no OFFSET, no COUNT).

    ``number`` only labels the rows ("Tickets 26–50"); the cursors find them."""

    items: list[Ticket]
    number: int
    size: int
    has_next: bool
    has_previous: bool
    next_cursor: str
    previous_cursor: str

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.size + len(self.items)


def due_page(
    queryset: QuerySet[Ticket],
    *,
    size: int,
    number: int = 1,
    after: DueCursor | None = None,
    before: DueCursor | None = None,
) -> DuePage:
    """A page of ``queryset`` (already filtered) in "breaches soonest" order: the first page,
    the page after the row ``after`` or the page before the row ``before``. One query of
    ``size + 1`` rows; the extra row says whether another page follows (or precedes)."""
    ordered = breaches_soonest(queryset, after=after, before=before)
    # A page number without a cursor (a link saved before pages had cursors, or typed by
    # hand) still opens that page, by OFFSET; its own links then carry cursors.
    skip = (max(1, number) - 1) * size if after is None and before is None else 0
    rows = list(ordered[skip : skip + size + 1])
    more = len(rows) > size
    items = rows[:size]
    if before is not None:
        items.reverse()
        has_previous, has_next = more, True
    else:
        has_previous, has_next = after is not None or skip > 0, more
    return DuePage(
        items=items,
        number=max(1, number),
        size=size,
        has_next=has_next and bool(items),
        has_previous=has_previous and bool(items),
        next_cursor=DueCursor.of(items[-1]).token() if items else "",
        previous_cursor=DueCursor.of(items[0]).token() if items else "",
    )


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
