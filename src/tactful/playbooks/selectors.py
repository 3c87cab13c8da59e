"""Which playbooks fit a ticket, and how far the ticket has come through each of them.

A desk has tens of playbooks, not thousands: they are read in two queries (with their teams
and texts) and matched in Python against the ticket's facts, so the ticket page pays the same
few queries however many playbooks and tickets there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from tactful.playbooks import events as playbook_events
from tactful.playbooks.models import DEAD_END_TAG, Playbook, Signal
from tactful.tickets import selectors as ticket_selectors
from tactful.tickets.models import Ticket, TicketEvent


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What a playbook's conditions look at on one ticket."""

    team_id: int | None
    channel: str
    tags: frozenset[str]
    emotion: str
    intensity: float
    abuse: bool
    threat: bool
    company_fault: bool

    @classmethod
    def of(cls, ticket: Ticket, tags: Iterable[str]) -> TicketFacts:
        return cls(
            team_id=ticket.team_id,
            channel=ticket.channel,
            tags=frozenset(str(tag).lower() for tag in tags),
            emotion=ticket.emotion or "",
            intensity=float(ticket.intensity or 0.0),
            abuse=bool(ticket.abuse),
            threat=bool(ticket.threat),
            company_fault=bool(ticket.company_fault),
        )

    def signal(self, name: str) -> bool:
        if name == Signal.DEAD_END:
            return DEAD_END_TAG in self.tags
        return bool(getattr(self, name, False)) if name in Signal.values else False


def _team_ids(playbook: Playbook) -> set[int]:
    return {team.pk for team in playbook.teams.all()}  # prefetched


def in_scope(playbook: Playbook, facts: TicketFacts) -> bool:
    """The playbook's teams and channels allow this ticket (empty: any)."""
    teams = _team_ids(playbook)
    if teams and facts.team_id not in teams:
        return False
    return not playbook.channels or facts.channel in playbook.channels


def triggered(playbook: Playbook, facts: TicketFacts) -> list[str]:
    """Why the playbook is called for: the tags, signals and emotion that hold (in words of
    the stored values); empty when none of its triggers holds."""
    reasons = [tag for tag in playbook.tags if str(tag).lower() in facts.tags]
    reasons += [name for name in playbook.signals if facts.signal(name)]
    if (
        playbook.emotions
        and facts.emotion in playbook.emotions
        and facts.intensity >= float(playbook.min_intensity or 0.0)
    ):
        reasons.append(f"emotion:{facts.emotion}")
    return reasons


def has_triggers(playbook: Playbook) -> bool:
    return bool(playbook.tags or playbook.signals or playbook.emotions)


def applies(playbook: Playbook, facts: TicketFacts) -> bool:
    """In scope, and called for by a trigger (or it has none: then always, within scope)."""
    if not in_scope(playbook, facts):
        return False
    return not has_triggers(playbook) or bool(triggered(playbook, facts))


def active_playbooks() -> QuerySet[Playbook]:
    return Playbook.objects.filter(active=True).prefetch_related("teams", "variants")


@dataclass(frozen=True, slots=True)
class StepState:
    """The latest tick of one step on a ticket."""

    done: bool
    by: str
    at: datetime
    version: int


#: playbook id → step number → its latest state on the ticket.
Progress = dict[int, dict[int, StepState]]


def progress(ticket: Ticket) -> Progress:
    """Every playbook step ticked (or un-ticked) on ``ticket``, the latest tick winning."""
    rows = (
        TicketEvent.objects.filter(
            ticket_id=ticket.pk, kind=playbook_events.PlaybookStepChecked.kind
        )
        .order_by("created_at", "id")
        .values_list(
            "data", "created_at", "actor__username", "actor__first_name", "actor__last_name"
        )
    )
    found: Progress = {}
    for data, created_at, username, first, last in rows:
        if not isinstance(data, dict):
            continue
        try:
            playbook_id = int(data["playbook"])
            number = int(data["step"])
        except (KeyError, TypeError, ValueError):
            continue
        name = " ".join(part for part in (first, last) if part) or username or ""
        found.setdefault(playbook_id, {})[number] = StepState(
            done=bool(data.get("done")),
            by=name,
            at=created_at,
            version=int(data.get("version") or 0),
        )
    return found


@dataclass(frozen=True, slots=True)
class Match:
    """A playbook shown on a ticket: why it was chosen, and the ticket's progress through it."""

    playbook: Playbook
    reasons: tuple[str, ...]
    steps: dict[int, StepState]


def for_ticket(ticket: Ticket) -> list[Match]:
    """The active playbooks that fit ``ticket`` now, plus any it has already been worked
    through (a removed tag must not hide ticks the agent made), in the playbooks' order."""
    facts = TicketFacts.of(ticket, ticket_selectors.tag_names(ticket))
    ticked = progress(ticket)
    matches = []
    for playbook in active_playbooks():
        fits = applies(playbook, facts)
        if fits or playbook.pk in ticked:
            matches.append(
                Match(
                    playbook=playbook,
                    reasons=tuple(triggered(playbook, facts)) if fits else (),
                    steps=ticked.get(playbook.pk, {}),
                )
            )
    return matches


def library() -> QuerySet[Playbook]:
    """Every playbook, active first (agents read them all; procedures are not secrets)."""
    return Playbook.objects.prefetch_related("teams", "variants").order_by(
        "-active", "order", "name", "id"
    )
