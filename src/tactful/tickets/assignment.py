"""Who works on a ticket: the one writer of ``Ticket.assignee``, and the teams' strategies.

A team hands new tickets out by its ``assignment_mode``. Round-robin lives here; other modes
are strategies registered by the apps that know how to choose (automation registers the
load-aware one, which reads the coach's signals). Either way only members who answer the
ticket's language are candidates (:func:`who_answers`); when none does, every available
member is, and the ``Assigned`` event says so (reason ``no_language_match``). Every change of assignee — by a person, a
strategy, a rule, a hand-over — goes through :func:`set_assignee`, which writes the ``Assigned``
event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tactful.accounts.models import Agent, AssignmentMode, Team
from tactful.tickets import events, permissions, timeline
from tactful.tickets.models import Ticket, TicketEvent

#: ``strategy(team, ticket, members)`` → the member to assign, or ``None`` to fall back to
#: round-robin order. ``members`` are the team's active, available members by id.
Strategy = Callable[[Team, Ticket, Sequence[Agent]], Agent | None]

_strategies: dict[str, Strategy] = {}


def register_strategy(mode: str, strategy: Strategy) -> None:
    """Let teams in ``mode`` choose with ``strategy`` (called from an AppConfig.ready)."""
    _strategies[mode] = strategy


#: ``Assigned.reason`` when nobody in the team answers the ticket's language.
NO_LANGUAGE_MATCH = "no_language_match"


def who_answers(members: Sequence[Agent], language: str) -> tuple[list[Agent], bool]:
    """The members who answer ``language``; all of them (and ``False``) when none does."""
    fitting = [member for member in members if member.answers(language)]
    return (fitting, True) if fitting else (list(members), False)


def set_assignee(
    *,
    ticket: Ticket,
    assignee: Agent | None,
    by: Agent | None,
    round_robin: bool = False,
    rebalanced: bool = False,
    handover: bool = False,
    reason: str = "",
) -> TicketEvent | None:
    """Give ``ticket`` to ``assignee`` and record it; ``None`` when it already was theirs.

    No permission check: the callers (:func:`assign_ticket`, strategies, rules, hand-over)
    decide who may; this only writes.
    """
    new_id = assignee.pk if assignee is not None else None
    if new_id == ticket.assignee_id:
        return None
    previous = ticket.assignee_id
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee", "updated_at"])
    return timeline.record(
        events.Assigned(
            ticket=ticket,
            by=by,
            previous_id=previous,
            assignee_id=new_id,
            round_robin=round_robin,
            rebalanced=rebalanced,
            handover=handover,
            reason=reason,
        )
    )


def assign_ticket(
    *, ticket: Ticket, assignee: Agent | None, by: Agent | None
) -> TicketEvent | None:
    """Give the ticket to ``assignee`` (``None``: unassign). Agents may only take or give up."""
    permissions.check_can_assign(by, ticket, assignee)
    with events.atomic():
        return set_assignee(ticket=ticket, assignee=assignee, by=by)


def assign_by_team(*, ticket: Ticket, by: Agent | None) -> Agent | None:
    """Assign the ticket to the next member of its team, chosen by the team's mode.

    Round-robin takes the next available member in turn; a registered strategy (load-aware)
    may choose someone else. The team row is locked so two tickets arriving together go to
    different agents. Returns the chosen agent, or ``None`` when nobody is available.
    """
    if ticket.team_id is None:
        return None
    if by is not None:
        permissions.check_can_view(by, ticket)
        permissions.check_is_lead(by)
    with events.atomic():
        team = Team.objects.select_for_update(no_key=True).get(pk=ticket.team_id)
        available = list(
            team.members.filter(is_active=True, available=True)
            .order_by("id")
            .only("id", "role", "answers_languages")
        )
        if not available:
            return None
        members, fits = who_answers(available, ticket.language)
        after = team.last_assigned_id or 0
        chosen = next((member for member in members if member.pk > after), members[0])
        strategy = _strategies.get(team.assignment_mode)
        if strategy is not None and team.assignment_mode != AssignmentMode.ROUND_ROBIN:
            chosen = strategy(team, ticket, members) or chosen
        team.last_assigned = chosen
        team.save(update_fields=["last_assigned"])
        set_assignee(
            ticket=ticket,
            assignee=chosen,
            by=by,
            round_robin=True,
            reason="" if fits else NO_LANGUAGE_MATCH,
        )
        return chosen


def assigned_on_arrival(ticket: Ticket) -> Agent | None:
    """A new ticket in a team that hands tickets out gets its owner now."""
    team = ticket.team
    if team is None or not team.auto_assign:
        return None
    return assign_by_team(ticket=ticket, by=None)


__all__ = [
    "NO_LANGUAGE_MATCH",
    "Strategy",
    "assign_by_team",
    "assign_ticket",
    "assigned_on_arrival",
    "register_strategy",
    "set_assignee",
    "who_answers",
]
