"""Inbox rows, ticket-page rows and select options computed in Python once per request.

Django templates are slow at per-row method calls, ``get_*_display``, includes and
``timesince``; the inbox renders 25–100 rows on every keystroke, so each row arrives as plain
strings and the template only prints them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tactful.accounts.models import Agent, Team
from tactful.coaching.models import MessageAnalysis
from tactful.customers.models import Channel, Language
from tactful.inbox.templatetags.desk_tags import filesize
from tactful.satisfaction import scales
from tactful.sla import presenters as sla_presenters
from tactful.sla.models import TicketSla
from tactful.sla.selectors import DuePage
from tactful.tickets.models import DeliveryState, Message, MessageKind, Priority, Status, Ticket
from tactful.tickets.presenters import emotion_label
from tactful.tickets.rendering import render_message_body
from tactful.tickets.selectors import MAX_PAGE, Page, TimelineEntry


@dataclass(frozen=True, slots=True)
class InboxRow:
    number: int
    subject: str
    customer: str
    channel: str
    #: For the link to the customer page.
    customer_id: int
    language: str
    tags: tuple[str, ...]
    status: str
    status_label: str
    priority: int
    priority_label: str
    team: str
    assignee: str
    emotion: str
    emotion_label: str
    intensity: int | None
    intensity_level: str
    abuse: bool
    threat: bool
    company_fault: bool
    coach_state: str
    updated_iso: str
    updated_ago: str
    #: The customer's latest satisfaction answer: good / neutral / bad ("" when none).
    csat: str = ""
    csat_label: str = ""
    #: The SLA badge (``None`` when no target runs): ``at_risk``, ``breached`` or ``running``.
    sla: sla_presenters.Badge | None = None


def _sla_summary(ticket: Ticket) -> TicketSla | None:
    """The SLA summary the inbox query joined on (``None`` when the ticket has none)."""
    try:
        summary: TicketSla | None = ticket.sla  # type: ignore[attr-defined]
    except TicketSla.DoesNotExist:
        return None
    return summary


def ago(moment: datetime, now: datetime) -> str:
    """A short "how long ago" in the active language."""
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return _("just now")
    minutes = seconds // 60
    if minutes < 60:
        return ngettext("%(n)d minute ago", "%(n)d minutes ago", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(n)d hour ago", "%(n)d hours ago", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}


def level(intensity: float | None) -> str:
    if intensity is None:
        return "none"
    if intensity >= 0.66:
        return "high"
    return "medium" if intensity >= 0.33 else "low"


def _rating(ticket: Ticket) -> Any:
    """The ticket's satisfaction rating when the query joined it (``select_related("rating")``)."""
    try:
        return ticket.rating  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        return None


def _names(
    tickets: list[Ticket], teams: dict[int, str] | None, agents: dict[int, str] | None
) -> tuple[dict[int, str], dict[int, str]]:
    """Team and assignee names for the rows, from the lists the filter bar already holds.

    The inbox query then joins neither table: each join costs PostgreSQL planning time on
    every request (measured at 1,000,000 tickets: planning 6–14 ms with them, 2–5 ms
    without). A name missing from the lists (a ticket assigned to this agent in another team,
    an assignee no longer active) costs one more query, only on pages that show one."""
    if teams is None or agents is None:  # the query joined them: read them off the tickets
        return (
            {t.team_id: t.team.name for t in tickets if t.team_id is not None},
            {t.assignee_id: str(t.assignee) for t in tickets if t.assignee_id is not None},
        )
    teams, agents = dict(teams), dict(agents)
    missing_teams = {t.team_id for t in tickets if t.team_id is not None} - teams.keys()
    missing_agents = {t.assignee_id for t in tickets if t.assignee_id is not None} - agents.keys()
    if missing_teams:
        teams.update(Team.objects.filter(pk__in=missing_teams).values_list("pk", "name"))
    if missing_agents:
        agents.update((a.pk, str(a)) for a in Agent.objects.filter(pk__in=missing_agents))
    return teams, agents


def inbox_rows(
    tickets: list[Ticket],
    *,
    team_names: dict[int, str] | None = None,
    agent_names: dict[int, str] | None = None,
) -> list[InboxRow]:
    """The rows; pass ``team_names`` and ``agent_names`` when the query did not join the
    tickets' team and assignee (see :func:`_names`)."""
    teams, agents = _names(tickets, team_names, agent_names)
    now = timezone.now()
    statuses = dict(Status.choices)
    priorities = dict(Priority.choices)
    channels = dict(Channel.choices)
    rows = []
    for ticket in tickets:
        intensity = ticket.intensity
        rating = _rating(ticket)
        rows.append(
            InboxRow(
                number=ticket.pk,
                subject=ticket.subject,
                customer=str(ticket.customer),
                customer_id=ticket.customer_id,
                channel=str(channels.get(ticket.channel, ticket.channel)),
                language=ticket.language,
                tags=tuple(tag.name for tag in ticket.tags.all()),
                status=ticket.status,
                status_label=str(statuses.get(ticket.status, ticket.status)),
                priority=ticket.priority,
                priority_label=str(priorities.get(ticket.priority, ticket.priority)),
                team=teams.get(ticket.team_id, "—") if ticket.team_id is not None else "—",
                assignee=(
                    agents.get(ticket.assignee_id, "—") if ticket.assignee_id is not None else "—"
                ),
                emotion=ticket.emotion,
                emotion_label=emotion_label(ticket.emotion) if ticket.emotion else "",
                intensity=None if intensity is None else max(0, min(100, round(intensity * 100))),
                intensity_level=level(intensity),
                abuse=ticket.abuse,
                threat=ticket.threat,
                company_fault=ticket.company_fault,
                coach_state=ticket.coach_state,
                updated_iso=ticket.updated_at.isoformat(),
                updated_ago=ago(ticket.updated_at, now),
                csat=rating.sentiment if rating is not None else "",
                csat_label=scales.label(rating.scale, rating.rating) if rating is not None else "",
                sla=sla_presenters.badge(_sla_summary(ticket), now=now),
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class Pager:
    """The inbox's previous/next links as query strings ("" when there is no such page)."""

    previous: str
    next: str
    start: int
    end: int


def pager(page: Page | DuePage, query: str) -> Pager:
    """Links that keep the filters: page numbers for the offset orders, cursors (the row to
    seek from, plus the page number for the "Tickets 26–50" label) for "breaches soonest"."""
    base = f"{query}&" if query else ""
    previous = next_ = ""
    if isinstance(page, DuePage):
        if page.has_previous:
            previous = f"{base}page={max(1, page.number - 1)}&before={page.previous_cursor}"
        if page.has_next and page.number < MAX_PAGE:
            next_ = f"{base}page={page.number + 1}&after={page.next_cursor}"
    else:
        if page.has_previous:
            previous = f"{base}page={page.previous_number}"
        if page.has_next:
            next_ = f"{base}page={page.next_number}"
    return Pager(previous=previous, next=next_, start=page.start_index, end=page.end_index)


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    selected: bool


def options(choices: list[tuple[object, object]], chosen: list[str] | str | None) -> list[Option]:
    """Select options with their ``selected`` state worked out once."""
    picked = {chosen} if isinstance(chosen, str) else set(chosen or ())
    return [Option(str(value), str(label), str(value) in picked) for value, label in choices]


def language_choices() -> list[tuple[object, object]]:
    return list(Language.choices)


# --- the ticket page --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttachmentRow:
    pk: int
    filename: str
    size: str


@dataclass(frozen=True, slots=True)
class MessageRow:
    """One message of the thread, its text already made inert (``render_message_body``)."""

    pk: int
    kind: str
    kind_label: str
    author: str
    created_iso: str
    created_label: str
    body_html: SafeString
    analysis: MessageAnalysis | None
    attachments: tuple[AttachmentRow, ...]
    channel: str = ""
    channel_label: str = ""
    #: Outgoing replies: where delivery stands ("" when Tactful does not deliver it).
    delivery_state: str = ""
    delivery_label: str = ""
    delivery_error: str = ""
    #: The message as received, when quoted history or a signature was stripped from ``body``.
    original: str = ""
    #: Sent replies: the coach's balance verdict at send time ("" when none was stored).
    coach_balance: str = ""
    coach_balance_label: str = ""


@dataclass(frozen=True, slots=True)
class EventRow:
    kind: str
    created_iso: str
    created_label: str
    actor: str
    text: str


def _moment(value: datetime) -> tuple[str, str]:
    """``value`` as the templates' ``date:'c'`` and ``date:"SHORT_DATETIME_FORMAT"`` print it."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return local.isoformat(), date_format(local, "SHORT_DATETIME_FORMAT")


def thread_rows(
    messages: list[Message],
    *,
    readings: dict[int, MessageAnalysis],
    customer: str,
    customer_id: int | None = None,
) -> list[MessageRow]:
    """The thread's rows, each customer message with the coach's reading (``readings`` by
    message id); one from someone other than the ticket's customer (a colleague copied on the
    e-mail) is shown under that sender's name."""
    kinds = dict(MessageKind.choices)
    channels = dict(Channel.choices)
    deliveries = dict(DeliveryState.choices)
    agent_label = _("Agent")
    balances = {
        "too_little": _("too little empathy"),
        "balanced": _("balanced"),
        "too_much": _("too much empathy"),
    }
    rows = []
    for message in messages:
        iso, label = _moment(message.created_at)
        if message.kind == MessageKind.INCOMING:
            author = customer
            if customer_id is not None and message.author_customer_id not in (None, customer_id):
                author = (
                    getattr(message, "author_customer_name", "")
                    or getattr(message, "author_customer_email", "")
                    or customer
                )
            analysis = readings.get(message.pk)
        else:
            author = str(message.author_agent) if message.author_agent else agent_label
            analysis = None
        review = message.review if isinstance(message.review, dict) else {}
        balance = review.get("balance")
        balance = balance if isinstance(balance, str) and balance in balances else ""
        rows.append(
            MessageRow(
                pk=message.pk,
                kind=message.kind,
                kind_label=str(kinds.get(message.kind, message.kind)),
                author=author,
                created_iso=iso,
                created_label=label,
                body_html=render_message_body(
                    body=message.body,
                    channel=message.channel,
                    kind=message.kind,
                    metadata=message.metadata,
                ),
                analysis=analysis,
                attachments=tuple(
                    AttachmentRow(pk=a.pk, filename=a.filename, size=filesize(a.size))
                    for a in message.attachment_list
                ),
                channel=message.channel,
                channel_label=str(channels.get(message.channel, message.channel)),
                delivery_state=message.delivery_state,
                delivery_label=str(deliveries.get(message.delivery_state, ""))
                if message.delivery_state
                else "",
                delivery_error=message.delivery_error or "",
                original=message.original_body
                if message.original_body and message.original_body != message.body
                else "",
                coach_balance=balance,
                coach_balance_label=str(balances.get(balance, "")),
            )
        )
    return rows


def timeline_rows(entries: list[TimelineEntry]) -> list[EventRow]:
    system = _("system")
    rows = []
    for entry in entries:
        event = entry.event
        iso, label = _moment(event.created_at)
        rows.append(
            EventRow(
                kind=event.kind,
                created_iso=iso,
                created_label=label,
                actor=str(event.actor) if event.actor else system,
                text=entry.text,
            )
        )
    return rows
