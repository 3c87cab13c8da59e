"""Read queries for tickets: the inbox list, the ticket page, the timeline, team load."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from django.db import connections
from django.db.models import Count, Q, QuerySet, Sum, prefetch_related_objects
from django.utils import timezone

from tactful.accounts.models import Agent, Role, Team
from tactful.customers.models import Customer
from tactful.tickets import events, permissions, presenters, search
from tactful.tickets.models import (
    ACTIVE_STATUSES,
    VIEWING_WINDOW,
    Attachment,
    EventKind,
    Message,
    Status,
    Tag,
    Ticket,
    TicketEvent,
    TicketViewer,
)

#: Sort keys offered to users → ORDER BY (the id breaks ties so pages are stable).
SORTS: dict[str, tuple[str, ...]] = {
    "-updated": ("-updated_at", "-id"),
    "updated": ("updated_at", "id"),
    "-created": ("-id",),
    "created": ("id",),
    "-priority": ("-priority", "-updated_at", "-id"),
    "-intensity": ("-intensity", "-updated_at", "-id"),
}
DEFAULT_SORT = "-updated"
PAGE_SIZES = (25, 50, 100)
MAX_PAGE = 400

EMOTIONS = ("anger", "frustration", "sadness", "worry", "confusion", "gratitude", "neutral")


@dataclass(frozen=True)
class TicketFilters:
    """What the inbox (and the API list) narrows tickets by; empty means "any".

    ``statuses`` empty means the active statuses (new, open, pending) unless ``all_statuses``.
    ``team`` / ``assignee`` take an id, ``"none"``, or (assignee only) ``"me"``.
    """

    statuses: tuple[str, ...] = ()
    all_statuses: bool = False
    channels: tuple[str, ...] = ()
    team: str = ""
    assignee: str = ""
    priorities: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()
    emotions: tuple[str, ...] = ()
    min_intensity: float | None = None
    abuse: bool | None = None
    #: ``True``: only the tickets held because their customer was blocked (leads look at them
    #: there); otherwise they are left out, as they are of every queue.
    held: bool = False
    q: str = ""
    sort: str = DEFAULT_SORT
    extra: dict[str, Any] = field(default_factory=dict)

    def with_changes(self, **changes: Any) -> TicketFilters:
        return replace(self, **changes)


def _id_or_none(value: str, *, me: Agent | None = None) -> int | None:
    if value == "none":
        return None
    if value == "me" and me is not None:
        return int(me.pk)
    return int(value)


def filter_tickets(
    queryset: QuerySet[Ticket], filters: TicketFilters, *, agent: Agent | None = None
) -> QuerySet[Ticket]:
    """Apply ``filters`` (already validated) to ``queryset``."""
    queryset = queryset.filter(held=filters.held)
    if filters.statuses:
        queryset = queryset.filter(status__in=filters.statuses)
    elif not filters.all_statuses:
        queryset = queryset.filter(status__in=ACTIVE_STATUSES)
    if filters.channels:
        queryset = queryset.filter(channel__in=filters.channels)
    if filters.team:
        team_id = _id_or_none(filters.team)
        queryset = (
            queryset.filter(team_id=team_id) if team_id else queryset.filter(team__isnull=True)
        )
    if filters.assignee:
        assignee_id = _id_or_none(filters.assignee, me=agent)
        queryset = (
            queryset.filter(assignee_id=assignee_id)
            if assignee_id
            else queryset.filter(assignee__isnull=True)
        )
    if filters.priorities:
        queryset = queryset.filter(priority__in=filters.priorities)
    if filters.languages:
        queryset = queryset.filter(language__in=filters.languages)
    if filters.emotions:
        queryset = queryset.filter(emotion__in=filters.emotions)
    if filters.min_intensity is not None:
        queryset = queryset.filter(intensity__gte=filters.min_intensity)
    if filters.abuse is True:
        queryset = queryset.filter(Q(abuse=True) | Q(threat=True))
    elif filters.abuse is False:
        queryset = queryset.filter(abuse=False, threat=False)
    if filters.q:
        queryset = search.search(queryset, filters.q)
    return queryset.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


def inbox_tickets(*, agent: Agent, filters: TicketFilters) -> QuerySet[Ticket]:
    """The tickets ``agent`` may see that match ``filters``, ready for a list (no N+1)."""
    base = (
        Ticket.objects.select_related("customer", "team", "assignee")
        .prefetch_related("tags")
        .defer("search_vector", "customer__notes")
    )
    return filter_tickets(permissions.visible_tickets(agent, base), filters, agent=agent)


@dataclass(frozen=True)
class Page:
    """One page of a list, found without counting the whole table."""

    items: list[Any]
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.size + len(self.items)


def paginate(queryset: QuerySet[Any], *, number: int, size: int) -> Page:
    """Fetch page ``number`` (1-based) of ``size`` rows plus one to know whether more follow."""
    number = max(1, min(number, MAX_PAGE))
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    return Page(items=rows[:size], number=number, size=size, has_next=len(rows) > size)


#: A queue's count stops at this many tickets and shows as "1000+". An exact count of a long
#: queue reads every one of its rows — at a million tickets with most of them active, a
#: quarter of a second (benchmarks/desk_bench.py) — and nobody works a queue by its exact
#: length past a thousand. Below it every count is exact.
QUEUE_COUNT_CAP = 1000


def queue_counts(*, agent: Agent) -> dict[str, int]:
    """How many active tickets are in each built-in queue, counted up to ``QUEUE_COUNT_CAP``.

    A value above the cap (``QUEUE_COUNT_CAP + 1``) means "more than the cap". One round trip:
    each queue is a ``LIMIT cap + 1`` sub-select, so a long queue costs a thousand rows, not
    all of them. Tickets held because their customer is blocked are in no queue; ``held``
    counts them apart (the inbox shows that count to leads only).
    """
    visible = permissions.visible_tickets(agent).filter(status__in=ACTIVE_STATUSES).order_by()
    queued = visible.filter(held=False)
    queues: dict[str, QuerySet[Ticket]] = {
        "mine": queued.filter(assignee_id=agent.pk),
        "unassigned": queued.filter(assignee__isnull=True),
        "all": queued,
        "hard": queued.filter(Q(abuse=True) | Q(threat=True)),
        "new": queued.filter(status=Status.NEW),
        "held": visible.filter(held=True),
    }
    connection = connections[visible.db]
    quote = connection.ops.quote_name
    selects: list[str] = []
    params: list[Any] = []
    for name, queryset in queues.items():
        sql, queue_params = queryset.values("id")[: QUEUE_COUNT_CAP + 1].query.sql_with_params()
        selects.append(
            f"(SELECT COUNT(*) FROM ({sql}) AS {quote(name + '_rows')}) AS {quote(name)}"
        )
        params.extend(queue_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        row = cursor.fetchone()
    return {name: int(value) for name, value in zip(queues, row, strict=True)}


def ticket_for_page(*, agent: Agent, ticket_id: int, with_assignee: bool = True) -> Ticket:
    """The ticket with everything its page shows, or Ticket.DoesNotExist if not visible.

    Fetched by primary key and checked in Python: cheaper than compiling the visibility
    filter into the query, and the answer is the same. The web page shows only the
    assignee's id (its select is filled by :func:`assignable_agents`), so it skips that join.
    """
    related = ("customer", "team", "assignee") if with_assignee else ("customer", "team")
    ticket = Ticket.objects.select_related(*related).defer("search_vector").get(pk=ticket_id)
    if not permissions.can_view(agent, ticket):
        raise Ticket.DoesNotExist
    return ticket


# The ticket page's display reads (thread, timeline, viewers, tags, assignable agents) are
# plain SQL, written from the models' metadata (table and column names come from ``_meta``,
# so a renamed model fails loudly, and the page's tests would catch it). Measured on the
# benchmark machine (`python benchmarks/desk_bench.py`, 100,000 tickets): the same reads
# through the ORM cost 0.5–1.4 ms more each — query building and compiling, not the
# database — 3.9 ms a page in all. ``Model.objects.raw`` still applies every field's
# converters. Agents come back with only their names loaded (other fields deferred).

_AGENT = Agent._meta.db_table
_AGENT_TEAMS = Agent.teams.through._meta.db_table
_MESSAGE = Message._meta.db_table
_ATTACHMENT = Attachment._meta.db_table
_EVENT = TicketEvent._meta.db_table
_VIEWER = TicketViewer._meta.db_table
_CUSTOMER = Customer._meta.db_table
_TAG = Tag._meta.db_table
_TICKET_TAGS = Ticket.tags.through._meta.db_table
_NAME_FIELDS = ["id", "username", "first_name", "last_name"]

_THREAD_SQL = f"""
    SELECT m.id, m.ticket_id, m.kind, m.channel, m.author_agent_id, m.author_customer_id,
           m.body, m.external_id, m.created_at, m.delivery_state, m.delivery_error,
           m.original_body, m.review, m.metadata,
           a.username AS author_username, a.first_name AS author_first_name,
           a.last_name AS author_last_name,
           c.name AS author_customer_name, c.email AS author_customer_email,
           EXISTS (SELECT 1 FROM {_ATTACHMENT} f WHERE f.message_id = m.id) AS has_attachments
      FROM {_MESSAGE} m
      LEFT JOIN {_AGENT} a ON a.id = m.author_agent_id
      LEFT JOIN {_CUSTOMER} c ON c.id = m.author_customer_id
     WHERE m.ticket_id = %s
     ORDER BY m.created_at, m.id
"""


def _agent_named(db: str, pk: int, username: str, first_name: str, last_name: str) -> Agent:
    """An agent with only its names loaded (enough for ``str``; the rest loads on demand)."""
    return Agent.from_db(db, _NAME_FIELDS, [pk, username, first_name, last_name])


def thread(ticket: Ticket) -> list[Message]:
    """The conversation in order, with authors' names and attachments.

    Each message gets ``attachment_list`` and, for a customer message written by someone
    other than the ticket's customer, ``author_customer_name``/``author_customer_email``;
    attachments are fetched, in one more query, only when some message has them. (What other
    apps keep per message — the coach's reading — they read themselves.)
    """
    messages = list(Message.objects.raw(_THREAD_SQL, [ticket.pk]))
    with_files = [m for m in messages if m.has_attachments]  # type: ignore[attr-defined]
    if with_files:
        prefetch_related_objects(with_files, "attachments")
    for message in messages:
        if message.author_agent_id is not None:
            message.author_agent = _agent_named(
                message._state.db or "default",
                message.author_agent_id,
                message.author_username,  # type: ignore[attr-defined]
                message.author_first_name,  # type: ignore[attr-defined]
                message.author_last_name,  # type: ignore[attr-defined]
            )
        message.attachment_list = (  # type: ignore[attr-defined]
            list(message.attachments.all())
            if message.has_attachments  # type: ignore[attr-defined]
            else []
        )
    return messages


@dataclass(frozen=True)
class TimelineEntry:
    event: TicketEvent
    text: str


_TIMELINE_SQL = f"""
    SELECT e.id, e.ticket_id, e.kind, e.actor_id, e.message_id, e.data, e.created_at,
           a.username AS actor_username, a.first_name AS actor_first_name,
           a.last_name AS actor_last_name
      FROM {_EVENT} e
      LEFT JOIN {_AGENT} a ON a.id = e.actor_id
     WHERE e.ticket_id = %s
     ORDER BY e.created_at, e.id
     LIMIT %s
"""


def timeline(
    ticket: Ticket, *, limit: int = 500, known_agents: dict[int, str] | None = None
) -> list[TimelineEntry]:
    """The ticket's events, newest last, each with a sentence in the active language.

    ``known_agents``: names the caller already has (the page's assignable agents); agents
    the events name beyond those are looked up in one more query.
    """
    rows = list(TicketEvent.objects.raw(_TIMELINE_SQL, [ticket.pk, limit]))
    agent_ids: set[int] = set()
    team_ids: set[int] = set()
    for event in rows:
        if event.actor_id is not None:
            event.actor = _agent_named(
                event._state.db or "default",
                event.actor_id,
                event.actor_username,  # type: ignore[attr-defined]
                event.actor_first_name,  # type: ignore[attr-defined]
                event.actor_last_name,  # type: ignore[attr-defined]
            )
        data = event.data if isinstance(event.data, dict) else {}
        if event.kind == EventKind.ASSIGNED:
            agent_ids.update(v for v in (data.get("from"), data.get("to")) if v)
        if event.kind == EventKind.TEAM_CHANGED:
            team_ids.update(v for v in (data.get("from"), data.get("to")) if v)
    agents = dict(known_agents or {})
    missing = agent_ids - set(agents)
    if missing:
        agents.update({a.pk: str(a) for a in Agent.objects.filter(pk__in=missing)})
    names = events.Names(
        agents=agents,
        teams=dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
        if team_ids
        else {},
    )
    return [TimelineEntry(event=e, text=presenters.describe_event(e, names)) for e in rows]


_VIEWERS_SQL = f"""
    SELECT a.id, a.username, a.first_name, a.last_name
      FROM {_VIEWER} v
      JOIN {_AGENT} a ON a.id = v.agent_id
     WHERE v.ticket_id = %s AND v.last_seen >= %s AND v.agent_id <> %s
     ORDER BY a.username
"""


def other_viewers(*, ticket: Ticket, agent: Agent) -> list[Agent]:
    """Other agents who have this ticket open right now (for the collision warning)."""
    since = timezone.now() - VIEWING_WINDOW
    return list(Agent.objects.raw(_VIEWERS_SQL, [ticket.pk, since, agent.pk]))


_TAGS_SQL = f"""
    SELECT t.name
      FROM {_TAG} t
      JOIN {_TICKET_TAGS} tt ON tt.tag_id = t.id
     WHERE tt.ticket_id = %s
     ORDER BY t.name
"""


def tag_names(ticket: Ticket) -> list[str]:
    """The ticket's tag names, in order."""
    with connections[ticket._state.db or "default"].cursor() as cursor:
        cursor.execute(_TAGS_SQL, [ticket.pk])
        return [row[0] for row in cursor.fetchall()]


_ALL_AGENTS_SQL = f"""
    SELECT id, username, first_name, last_name
      FROM {_AGENT}
     WHERE is_active = %s
     ORDER BY first_name, username
"""
_TEAM_AGENTS_SQL = f"""
    SELECT id, username, first_name, last_name
      FROM {_AGENT}
     WHERE is_active = %s
       AND (role = %s OR id IN (SELECT agent_id FROM {_AGENT_TEAMS} WHERE team_id = %s))
     ORDER BY first_name, username
"""


def assignable_agents(ticket: Ticket) -> list[Agent]:
    """Agents who could take this ticket: its team's members (and admins), or every active
    agent when it has no team. Only their names are loaded."""
    if ticket.team_id is None:
        return list(Agent.objects.raw(_ALL_AGENTS_SQL, [True]))
    return list(Agent.objects.raw(_TEAM_AGENTS_SQL, [True, Role.ADMIN.value, ticket.team_id]))


def team_load(*, agent: Agent, days: int = 7) -> QuerySet[Agent]:
    """Per agent of the lead's teams: active tickets, hard ones, and emotional weight.

    Emotional weight = the sum of the latest intensities of their active tickets, so one
    furious customer weighs more than three calm ones.
    """
    permissions.check_is_lead(agent)
    agents = Agent.objects.filter(is_active=True)
    if not agent.is_admin:
        members = Agent.objects.filter(teams__in=sorted(permissions.team_ids(agent)))
        agents = agents.filter(pk__in=members.values("pk"))
    active = Q(assigned_tickets__status__in=ACTIVE_STATUSES)
    recent = Q(assigned_tickets__updated_at__gte=timezone.now() - timedelta(days=days))
    return agents.annotate(
        active_count=Count("assigned_tickets", filter=active, distinct=True),
        hard_count=Count(
            "assigned_tickets",
            filter=active & (Q(assigned_tickets__abuse=True) | Q(assigned_tickets__threat=True)),
            distinct=True,
        ),
        emotional_weight=Sum("assigned_tickets__intensity", filter=active),
        recent_count=Count("assigned_tickets", filter=recent, distinct=True),
    ).order_by("-active_count", "username")


def teams_for(agent: Agent) -> QuerySet[Team]:
    teams = Team.objects.order_by("name")
    if agent.is_admin:
        return teams
    return teams.filter(pk__in=sorted(permissions.team_ids(agent)))
