"""Read queries for tickets: the inbox list, the ticket page, the timeline, team load."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.accounts.models import Agent, Team
from tactful.tickets import permissions, search
from tactful.tickets.models import (
    ACTIVE_STATUSES,
    EventKind,
    Message,
    Priority,
    Status,
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


def ticket_for_page(*, agent: Agent, ticket_id: int) -> Ticket:
    """The ticket with everything its page shows, or Ticket.DoesNotExist if not visible.

    Fetched by primary key and checked in Python: cheaper than compiling the visibility
    filter into the query, and the answer is the same.
    """
    ticket = (
        Ticket.objects.select_related("customer", "team", "assignee", "merged_into")
        .defer("search_vector", "merged_into__search_vector")
        .get(pk=ticket_id)
    )
    if not permissions.can_view(agent, ticket):
        raise Ticket.DoesNotExist
    return ticket


def thread(ticket: Ticket) -> list[Message]:
    """The conversation in order, with authors, attachments and coach readings joined."""
    return list(
        Message.objects.filter(ticket=ticket)
        .select_related("author_agent", "analysis")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class TimelineEntry:
    event: TicketEvent
    text: str


def timeline(ticket: Ticket, *, limit: int = 500) -> list[TimelineEntry]:
    """The ticket's events, newest last, each with a sentence in the active language."""
    events = list(
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor")
        .order_by("created_at", "id")[:limit]
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


def other_viewers(*, ticket: Ticket, agent: Agent) -> list[Agent]:
    """Other agents who have this ticket open right now (for the collision warning)."""
    from tactful.tickets.services import VIEWING_WINDOW

    since = timezone.now() - VIEWING_WINDOW
    viewers = (
        TicketViewer.objects.filter(ticket=ticket, last_seen__gte=since)
        .exclude(agent=agent)
        .select_related("agent")
        .order_by("agent__username")
    )
    return [viewer.agent for viewer in viewers]


def assignable_agents(ticket: Ticket) -> QuerySet[Agent]:
    """Agents who could take this ticket: its team's members, or everyone without a team."""
    agents = Agent.objects.filter(is_active=True).order_by("first_name", "username")
    if ticket.team_id is not None:
        agents = agents.filter(Q(teams=ticket.team_id) | Q(role="admin")).distinct()
    return agents


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
