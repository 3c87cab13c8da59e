"""Who may see and change which ticket; every view and API call goes through these checks.

- admins see and change everything;
- agents and leads see the tickets of their teams, tickets with no team yet (triage) and
  tickets assigned to them;
- agents may take a ticket or give it up; leads and admins assign anyone and move tickets
  between teams.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent, Team
from tactful.tickets.models import Ticket


def team_ids(agent: Agent) -> frozenset[int]:
    """The agent's team ids, cached on the instance for the rest of the request."""
    cached: frozenset[int] | None = getattr(agent, "_tactful_team_ids", None)
    if cached is None:
        # Plain SQL: asked on nearly every request, and compiling the ORM query took longer
        # than answering it.
        through = Agent.teams.through._meta.db_table
        with connections[agent._state.db or "default"].cursor() as cursor:
            cursor.execute(f"SELECT team_id FROM {through} WHERE agent_id = %s", [agent.pk])
            cached = frozenset(row[0] for row in cursor.fetchall())
        agent._tactful_team_ids = cached  # type: ignore[attr-defined]
    return cached


def visible_tickets(agent: Agent, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    """Restrict ``queryset`` (default: all tickets) to what ``agent`` may see."""
    queryset = Ticket.objects.all() if queryset is None else queryset
    if not agent.is_active:
        return queryset.none()
    if agent.is_admin:
        return queryset
    return queryset.filter(
        Q(team_id__in=sorted(team_ids(agent))) | Q(team__isnull=True) | Q(assignee_id=agent.pk)
    )


def can_view(agent: Agent, ticket: Ticket) -> bool:
    if not agent.is_active:
        return False
    if agent.is_admin:
        return True
    return (
        ticket.team_id is None
        or ticket.team_id in team_ids(agent)
        or ticket.assignee_id == agent.pk
    )


def check_can_view(agent: Agent | None, ticket: Ticket) -> None:
    """Raise PermissionDenied unless ``agent`` may see (and work on) ``ticket``.

    ``None`` is the system (an external channel, the coach, round-robin) and may.
    """
    if agent is not None and not can_view(agent, ticket):
        raise PermissionDenied(_("You cannot see this ticket."))


def check_can_assign(by: Agent | None, ticket: Ticket, assignee: Agent | None) -> None:
    check_can_view(by, ticket)
    if assignee is not None:
        if not assignee.is_active:
            raise PermissionDenied(_("Inactive agents cannot be assigned tickets."))
        if not can_view(assignee, ticket):
            raise PermissionDenied(
                _("%(agent)s is not in this ticket's team.") % {"agent": assignee}
            )
    if by is None or by.is_lead:
        return
    taking = assignee is not None and assignee.pk == by.pk
    giving_up = assignee is None and ticket.assignee_id in (None, by.pk)
    if not (taking or giving_up):
        raise PermissionDenied(_("Agents can only take a ticket or give it up; ask a lead."))


def check_can_change_team(by: Agent | None, ticket: Ticket, team: Team | None) -> None:
    check_can_view(by, ticket)
    if by is None or by.is_admin:
        return
    if not by.is_lead:
        raise PermissionDenied(_("Only team leads and admins can move tickets between teams."))


def check_is_lead(agent: Agent) -> None:
    if not agent.is_lead:
        raise PermissionDenied(_("Only team leads and admins can do this."))


def check_is_admin(agent: Agent) -> None:
    if not agent.is_admin:
        raise PermissionDenied(_("Only admins can do this."))
