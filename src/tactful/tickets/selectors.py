"""Read queries for tickets: the inbox list, the ticket page, the timeline, team load."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from django.db import connections
from django.db.models import Count, Q, QuerySet, Sum, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.accounts.models import Agent, Role, Team
from tactful.coaching.models import MessageAnalysis
from tactful.customers.models import Customer
from tactful.tickets import permissions, search
from tactful.tickets.models import (
    ACTIVE_STATUSES,
    Attachment,
    EventKind,
    Message,
    Priority,
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
    q: str = ""
    sort: str = DEFAULT_SORT
    extra: dict[str, Any] = field(default_factory=dict)

    def with_changes(self, **changes: Any) -> TicketFilters:
        return replace(self, **changes)


def _id_or_none(value: str, *, me: Agent | None = None) -> int | str | None:
    if value == "none":
        return None
    if value == "me" and me is not None:
        return int(me.pk)
    return int(value)


def filter_tickets(
    queryset: QuerySet[Ticket], filters: TicketFilters, *, agent: Agent | None = None
) -> QuerySet[Ticket]:
    """Apply ``filters`` (already validated) to ``queryset``."""
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


def queue_counts(*, agent: Agent) -> dict[str, int]:
    """How many active tickets are in each built-in queue, in one aggregate query."""
    visible = permissions.visible_tickets(agent).filter(status__in=ACTIVE_STATUSES)
    return visible.aggregate(
        mine=Count("id", filter=Q(assignee_id=agent.pk)),
        unassigned=Count("id", filter=Q(assignee__isnull=True)),
        all=Count("id"),
        hard=Count("id", filter=Q(abuse=True) | Q(threat=True)),
        new=Count("id", filter=Q(status=Status.NEW)),
    )


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


# The ticket page's display-only reads (thread, timeline, viewers, assignable agents) are
# written in SQL: the ORM spent more time compiling these small queries than the database
# spent answering them, and the page runs them on every view. They are plain SQL that
# PostgreSQL and SQLite both accept; ``Model.objects.raw`` still applies every field's
# converters, and agents come back with only their names loaded (other fields deferred).

_AGENT = Agent._meta.db_table
_AGENT_TEAMS = Agent.teams.through._meta.db_table
_MESSAGE = Message._meta.db_table
_ATTACHMENT = Attachment._meta.db_table
_EVENT = TicketEvent._meta.db_table
_VIEWER = TicketViewer._meta.db_table
_ANALYSIS = MessageAnalysis._meta.db_table
_CUSTOMER = Customer._meta.db_table
_NAME_FIELDS = ["id", "username", "first_name", "last_name"]

#: What the ticket page shows of a coach reading; the rest (spans…) loads on demand.
_ANALYSIS_FIELDS = [
    "id", "message_id", "status", "attempts", "error", "top_emotion", "emotions",
    "intensity", "formality", "abuse", "threat", "company_fault",
]  # fmt: skip

_THREAD_SQL = f"""
    SELECT m.id, m.ticket_id, m.kind, m.channel, m.author_agent_id, m.author_customer_id,
           m.body, m.external_id, m.created_at, m.delivery_state, m.delivery_error, m.original_body, m.review,
           a.username AS author_username, a.first_name AS author_first_name,
           a.last_name AS author_last_name,
           c.name AS author_customer_name, c.email AS author_customer_email,
           {", ".join(f"an.{name} AS an_{name}" for name in _ANALYSIS_FIELDS)},
           EXISTS (SELECT 1 FROM {_ATTACHMENT} f WHERE f.message_id = m.id) AS has_attachments
      FROM {_MESSAGE} m
      LEFT JOIN {_AGENT} a ON a.id = m.author_agent_id
      LEFT JOIN {_CUSTOMER} c ON c.id = m.author_customer_id
      LEFT JOIN {_ANALYSIS} an ON an.message_id = m.id
     WHERE m.ticket_id = %s
     ORDER BY m.created_at, m.id
"""


def _agent_named(db: str, pk: int, username: str, first_name: str, last_name: str) -> Agent:
    """An agent with only its names loaded (enough for ``str``; the rest loads on demand)."""
    return Agent.from_db(db, _NAME_FIELDS, [pk, username, first_name, last_name])


def _analysis_of(message: Message) -> MessageAnalysis | None:
    """The coach reading joined onto ``message`` by ``_THREAD_SQL``, with its fields'
    database converters applied (JSON text → dict, SQLite 0/1 → bool)."""
    if getattr(message, "an_id", None) is None:
        return None
    db = message._state.db or "default"
    connection = connections[db]
    values = []
    for name in _ANALYSIS_FIELDS:
        field = MessageAnalysis._meta.get_field(name)
        value = getattr(message, f"an_{name}")
        col = field.get_col(MessageAnalysis._meta.db_table)
        for converter in [
            *connection.ops.get_db_converters(col),
            *field.get_db_converters(connection),
        ]:
            value = converter(value, col, connection)
        values.append(value)
    return MessageAnalysis.from_db(db, _ANALYSIS_FIELDS, values)


def thread(ticket: Ticket) -> list[Message]:
    """The conversation in order, with authors, attachments and coach readings.

    Each message gets ``attachment_list`` and ``coach_analysis`` (its MessageAnalysis or
    None), all in one query; attachments are fetched only when some message has them.
    """
    messages = list(Message.objects.raw(_THREAD_SQL, [ticket.pk]))
    with_files = [m for m in messages if m.has_attachments]
    if with_files:
        prefetch_related_objects(with_files, "attachments")
    for message in messages:
        if message.author_agent_id is not None:
            message.author_agent = _agent_named(
                message._state.db or "default",
                message.author_agent_id,
                message.author_username,
                message.author_first_name,
                message.author_last_name,
            )
        message.coach_analysis = _analysis_of(message)
        message.attachment_list = list(message.attachments.all()) if message.has_attachments else []
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


def timeline(ticket: Ticket, *, limit: int = 500) -> list[TimelineEntry]:
    """The ticket's events, newest last, each with a sentence in the active language."""
    events = list(TicketEvent.objects.raw(_TIMELINE_SQL, [ticket.pk, limit]))
    for event in events:
        if event.actor_id is not None:
            event.actor = _agent_named(
                event._state.db or "default",
                event.actor_id,
                event.actor_username,
                event.actor_first_name,
                event.actor_last_name,
            )
    agent_ids: set[int] = set()
    team_ids: set[int] = set()
    for event in events:
        if event.kind == EventKind.ASSIGNED:
            agent_ids.update(v for v in (event.data.get("from"), event.data.get("to")) if v)
        if event.kind == EventKind.TEAM_CHANGED:
            team_ids.update(v for v in (event.data.get("from"), event.data.get("to")) if v)
    agents = {a.pk: str(a) for a in Agent.objects.filter(pk__in=agent_ids)} if agent_ids else {}
    teams = {t.pk: t.name for t in Team.objects.filter(pk__in=team_ids)} if team_ids else {}
    return [
        TimelineEntry(event=e, text=describe_event(e, agents=agents, teams=teams)) for e in events
    ]


def describe_event(event: TicketEvent, *, agents: dict[int, str], teams: dict[int, str]) -> str:
    data = event.data or {}
    nobody = _("nobody")
    kind = event.kind
    if kind == EventKind.STATUS_CHANGED:
        return _("Status: %(from)s → %(to)s") % {
            "from": Status(data.get("from")).label if data.get("from") in Status.values else "?",
            "to": Status(data.get("to")).label if data.get("to") in Status.values else "?",
        }
    if kind == EventKind.PRIORITY_CHANGED:
        labels = dict(Priority.choices)
        return _("Priority: %(from)s → %(to)s") % {
            "from": labels.get(data.get("from"), "?"),
            "to": labels.get(data.get("to"), "?"),
        }
    if kind == EventKind.ASSIGNED:
        text = _("Assigned: %(from)s → %(to)s") % {
            "from": agents.get(data.get("from"), nobody),
            "to": agents.get(data.get("to"), nobody),
        }
        return text + (" " + _("(round-robin)") if data.get("round_robin") else "")
    if kind == EventKind.TEAM_CHANGED:
        return _("Team: %(from)s → %(to)s") % {
            "from": teams.get(data.get("from"), nobody),
            "to": teams.get(data.get("to"), nobody),
        }
    if kind == EventKind.TAGS_CHANGED:
        return _("Tags: %(tags)s") % {"tags": ", ".join(data.get("to", [])) or "—"}
    if kind == EventKind.MERGED:
        return _("Merged into #%(n)s") % {"n": data.get("into")}
    if kind == EventKind.MERGED_FROM:
        return _("Ticket #%(n)s merged in") % {"n": data.get("from")}
    if kind == EventKind.ANALYSED:
        parts = [
            _("Coach: %(emotion)s, intensity %(intensity)s")
            % {
                "emotion": emotion_label(data.get("emotion", "")),
                "intensity": f"{float(data.get('intensity') or 0):.2f}",
            }
        ]
        if data.get("abuse"):
            parts.append(_("abusive"))
        if data.get("threat"):
            parts.append(_("threat"))
        return "; ".join(parts)
    if kind == EventKind.ANALYSIS_FAILED:
        return _("Coach analysis failed: %(error)s") % {"error": str(data.get("error", ""))[:200]}
    if kind == EventKind.LANGUAGE_CHANGED:
        return _("Language: %(from)s → %(to)s") % {"from": data.get("from"), "to": data.get("to")}
    if kind == EventKind.SUBJECT_CHANGED:
        return _("Subject changed to “%(to)s”") % {"to": str(data.get("to", ""))[:200]}
    if kind == EventKind.RULE_FIRED:
        return _("Rule “%(rule)s”: %(actions)s") % {
            "rule": str(data.get("rule", ""))[:100],
            "actions": ", ".join(str(a) for a in data.get("actions", []))[:300],
        }
    if kind == EventKind.HANDED_OVER:
        return _("Handed over to %(to)s: %(note)s") % {
            "to": str(data.get("to_name", data.get("to", ""))),
            "note": str(data.get("note", ""))[:300],
        }
    if kind == EventKind.DELIVERY_FAILED:
        if data.get("error") == "uncertain":
            return _("A reply may not have been delivered (the worker stopped while sending)")
        return _("A reply could not be delivered: %(error)s") % {
            "error": str(data.get("error", ""))[:200]
        }
    if kind == EventKind.RESENT:
        return _("A reply was sent again by hand")
    if kind == EventKind.CHANNEL_CHANGED:
        return _("Channel: %(from)s → %(to)s") % {"from": data.get("from"), "to": data.get("to")}
    return str(EventKind(kind).label) if kind in EventKind.values else kind


_EMOTION_LABELS = {
    "anger": gettext_lazy("anger"),
    "frustration": gettext_lazy("frustration"),
    "sadness": gettext_lazy("sadness"),
    "worry": gettext_lazy("worry"),
    "confusion": gettext_lazy("confusion"),
    "gratitude": gettext_lazy("gratitude"),
    "neutral": gettext_lazy("neutral"),
}


def emotion_label(name: str) -> str:
    """The emotion's name in the active language."""
    label = _EMOTION_LABELS.get(name)
    return str(label) if label is not None else (name or "—")


_VIEWERS_SQL = f"""
    SELECT a.id, a.username, a.first_name, a.last_name
      FROM {_VIEWER} v
      JOIN {_AGENT} a ON a.id = v.agent_id
     WHERE v.ticket_id = %s AND v.last_seen >= %s AND v.agent_id <> %s
     ORDER BY a.username
"""


def other_viewers(*, ticket: Ticket, agent: Agent) -> list[Agent]:
    """Other agents who have this ticket open right now (for the collision warning)."""
    from tactful.tickets.services import VIEWING_WINDOW

    since = timezone.now() - VIEWING_WINDOW
    return list(Agent.objects.raw(_VIEWERS_SQL, [ticket.pk, since, agent.pk]))


_TAGS_SQL = f"""
    SELECT t.name
      FROM {Tag._meta.db_table} t
      JOIN {Ticket.tags.through._meta.db_table} tt ON tt.tag_id = t.id
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
    furious customer weighs more than three calm ones (D5).
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
