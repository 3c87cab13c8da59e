"""Handing a conversation over: to the lead with the lowest emotional load, or a teammate.

The agent's side of the teammate protection promise: any agent may hand over a ticket they can
see, in one step, with a note for whoever takes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent
from tactful.automation import events as automation_events
from tactful.automation import load, selectors
from tactful.automation.models import Notification, NotificationKind
from tactful.tickets import assignment, events, permissions, services, timeline
from tactful.tickets.models import Ticket, TicketEvent

MAX_HANDOVER_NOTE_CHARS = 5000


def pick_lead(
    *, team_id: int | None, exclude: Sequence[int] = (), with_seniors: bool = False
) -> Agent | None:
    """The team's lead with the lowest emotional load (ties: fewest open tickets, then id).

    ``with_seniors``: the team's seniors are candidates too, and whoever is away is not (the
    "Protect agents" rule, so hostile conversations do not all land on one lead).
    """
    candidates = (
        selectors.team_protectors(team_id) if with_seniors else selectors.team_leads(team_id)
    )
    leads = [lead for lead in candidates if lead.pk not in set(exclude)]
    if not leads:
        return None
    loads = load.member_loads([lead.pk for lead in leads])
    best = min(loads, key=lambda m: (m.emotional_load, m.open_tickets, m.agent_id))
    return next(lead for lead in leads if lead.pk == best.agent_id)


def handover_targets(*, ticket: Ticket, by: Agent) -> QuerySet[Agent]:
    """Teammates ``by`` can hand ``ticket`` to: the active members of its team but ``by``."""
    team_ids = [ticket.team_id] if ticket.team_id else sorted(permissions.team_ids(by))
    members = Agent.objects.filter(teams__id__in=team_ids).values("pk")
    return (
        Agent.objects.filter(pk__in=members, is_active=True)
        .exclude(pk=by.pk)
        .order_by("first_name", "username")
    )


def hand_over(*, ticket: Ticket, by: Agent, to: Agent | None = None, note: str = "") -> TicketEvent:
    """Hand the conversation to a lead (default) or a teammate, with a note, in one step.

    Any agent may hand over a ticket they can see, even to a lead (plain reassignment is for
    leads). Writes an ``assigned`` and a
    ``handover`` event, an internal note with the note, and notifies the new owner.

    Args:
        ticket: the conversation.
        by: who hands it over.
        to: a teammate; ``None`` picks the lead of the ticket's team with the lowest
            emotional load (of ``by``'s teams when the ticket has none).
        note: what the next person should know (optional, up to 5,000 characters).

    Raises:
        PermissionDenied: ``by`` cannot see the ticket, or ``to`` is not in its team.
        ValidationError: no lead to hand over to, a bad note, or handing to oneself.
    """
    permissions.check_can_view(by, ticket)
    if not isinstance(note, str):
        raise ValidationError(_("The note must be text."))
    note = note.strip()
    services.check_text(note, field=_("Note"), max_chars=MAX_HANDOVER_NOTE_CHARS, required=False)
    with events.atomic():
        return _hand_over(ticket=ticket, by=by, to=to, note=note)


def _hand_over(*, ticket: Ticket, by: Agent, to: Agent | None, note: str) -> TicketEvent:
    ticket = Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
    if to is None:
        team_ids = [ticket.team_id] if ticket.team_id else sorted(permissions.team_ids(by))
        to = None
        for team_id in team_ids:
            to = pick_lead(team_id=team_id, exclude=[by.pk])
            if to is not None:
                break
        if to is None:
            raise ValidationError(_("There is no other lead in this team to hand over to."))
    else:
        if not to.is_active:
            raise PermissionDenied(_("Inactive agents cannot take over conversations."))
        if not permissions.can_view(to, ticket) or (
            ticket.team_id is not None
            and not to.is_admin
            and ticket.team_id not in permissions.team_ids(to)
        ):
            raise PermissionDenied(_("%(agent)s is not in this ticket's team.") % {"agent": to})
    if to.pk == by.pk:
        raise ValidationError(_("You cannot hand a conversation over to yourself."))
    previous = ticket.assignee_id
    assignment.set_assignee(ticket=ticket, assignee=to, by=by, handover=True)
    note_text = (
        _("Handed over to %(to)s: %(note)s") % {"to": to, "note": note}
        if note
        else _("Handed over to %(to)s.") % {"to": to}
    )
    note_message = services.add_internal_note(ticket=ticket, agent=by, body=note_text)
    event = timeline.record(
        automation_events.HandedOver(
            ticket=ticket,
            by=by,
            message=note_message,
            previous_id=previous,
            to_id=to.pk,
            to_name=str(to),
            note=note,
        )
    )
    Notification.objects.create(
        recipient=to,
        ticket=ticket,
        kind=NotificationKind.HANDOVER,
        text=(
            _("%(by)s handed #%(n)s over to you: %(note)s")
            % {"by": by, "n": ticket.pk, "note": note[:300]}
            if note
            else _("%(by)s handed #%(n)s over to you.") % {"by": by, "n": ticket.pk}
        )[:500],
    )
    return event
