"""Emotional load: spreading hard conversations fairly, so nobody absorbs them all.

Teams in *load-aware* mode hand a hostile or high-intensity ticket to the member with the
lowest emotional load (the hard conversations they handled lately, weighted), and other
tickets to the member with the fewest open ones. The strategy is registered with
:mod:`tactful.tickets.assignment`; once the coach has read a ticket that arrived before its
heat was known, :func:`rebalance_after_analysis` may move it once.
"""

from __future__ import annotations

from collections.abc import Sequence

from tactful.accounts.models import Agent, AssignmentMode, Team
from tactful.automation import engine, selectors
from tactful.tickets import assignment
from tactful.tickets.models import EventKind, Ticket, TicketEvent


def member_loads(
    agent_ids: Sequence[int], *, exclude_ticket_id: int | None = None
) -> list[engine.MemberLoad]:
    """Emotional load and open tickets of each agent, in two queries."""
    loads = selectors.emotional_loads(agent_ids, exclude_ticket_id=exclude_ticket_id)
    open_counts = selectors.open_ticket_counts(agent_ids)
    return [
        engine.MemberLoad(
            agent_id=pk,
            emotional_load=loads.get(pk, selectors.EmotionalLoad()).load,
            open_tickets=open_counts.get(pk, 0),
        )
        for pk in agent_ids
    ]


def _ticket_is_heavy(ticket: Ticket) -> bool:
    return (
        engine.conversation_weight(
            abuse=ticket.abuse,
            threat=ticket.threat,
            emotion=ticket.emotion or "",
            intensity=ticket.intensity,
        )
        > 0
    )


def choose_load_aware_member(
    *, team: Team, ticket: Ticket, members: Sequence[Agent]
) -> Agent | None:
    """Whom a load-aware team gives ``ticket``: see :func:`engine.choose_member`.

    ``members`` are the team's available members (``tickets.assignment.assign_by_team``
    passes the ones it loaded). A hostile or high-intensity ticket goes to the lowest
    emotional load; other tickets to the fewest open tickets; ties follow round-robin order.
    """
    by_id = {member.pk: member for member in members}
    if not by_id:
        return None
    loads = member_loads(sorted(by_id), exclude_ticket_id=ticket.pk)
    chosen = engine.choose_member(
        loads, heavy=_ticket_is_heavy(ticket), after_id=team.last_assigned_id
    )
    return by_id[chosen.agent_id] if chosen is not None else None


def rebalance_after_analysis(ticket: Ticket) -> Agent | None:
    """Once the coach has read a ticket, move a heavy one to the member with the least load.

    Applies only in a load-aware team, to a ticket that round-robin assigned (the newest
    assignment says so), that nobody has answered yet and that was never rebalanced before:
    analysis usually lands after creation, when the ticket was placed by open-ticket count
    only. Returns the new assignee, or ``None`` when nothing moved.
    """
    if ticket.team_id is None or ticket.assignee_id is None or ticket.first_response_at:
        return None
    if not _ticket_is_heavy(ticket):
        return None
    team = Team.objects.filter(pk=ticket.team_id).first()
    if team is None or team.assignment_mode != AssignmentMode.LOAD_AWARE:
        return None
    assignments = list(
        TicketEvent.objects.filter(ticket_id=ticket.pk, kind=EventKind.ASSIGNED)
        .order_by("-created_at", "-id")
        .values_list("data", flat=True)
    )
    if not assignments or not assignments[0].get("round_robin"):
        return None
    if any(isinstance(data, dict) and data.get("rebalanced") for data in assignments):
        return None
    available = list(
        Agent.objects.filter(teams__id=team.pk, is_active=True, available=True)
        .distinct()
        .order_by("id")
    )
    members, _fits = assignment.who_answers(available, ticket.language)
    chosen = choose_load_aware_member(team=team, ticket=ticket, members=members)
    if chosen is None or chosen.pk == ticket.assignee_id:
        return None
    assignment.set_assignee(
        ticket=ticket,
        assignee=chosen,
        by=None,
        round_robin=True,
        rebalanced=True,
        reason="emotional_load",
    )
    return chosen


def load_aware_strategy(team: Team, ticket: Ticket, members: Sequence[Agent]) -> Agent | None:
    """The assignment strategy of teams in load-aware mode (see ``tickets.assignment``)."""
    return choose_load_aware_member(team=team, ticket=ticket, members=members)


def register() -> None:
    assignment.register_strategy(AssignmentMode.LOAD_AWARE, load_aware_strategy)
