"""Bulk actions from the inbox: the ticket services once per selected ticket, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.accounts.models import Agent, Team
from tactful.tickets import assignment, events, permissions
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Priority, Status, Ticket, TicketEvent

#: The most tickets one bulk action touches (the inbox's largest page).
MAX_BULK_TICKETS = 100
#: The tag a ticket marked as spam carries (and closed), so it can be found and undone.
SPAM_TAG = "spam"


class BulkAction(models.TextChoices):
    """What the inbox's selection bar can do to every selected ticket."""

    ASSIGN = "assign", gettext_lazy("Assign")
    STATUS = "status", gettext_lazy("Set status")
    PRIORITY = "priority", gettext_lazy("Set priority")
    TAGS = "tags", gettext_lazy("Add tags")
    TEAM = "team", gettext_lazy("Move to team")
    MERGE = "merge", gettext_lazy("Merge into the oldest")
    SPAM = "spam", gettext_lazy("Mark as spam")


@dataclass(frozen=True, slots=True)
class BulkResult:
    """How a bulk action went: tickets changed and tickets that already were that way."""

    action: str
    changed: int
    unchanged: int


def _selected(*, agent: Agent, ticket_ids: Sequence[int]) -> list[Ticket]:
    """The selected tickets, locked, in number order; all of them or a refusal."""
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        raise ValidationError(_("Select at least one ticket."))
    if len(ids) > MAX_BULK_TICKETS:
        raise ValidationError(
            _("Select at most %(n)d tickets at a time.") % {"n": MAX_BULK_TICKETS}
        )
    # Locked so that two leads acting on the same tickets take turns instead of interleaving.
    tickets = list(
        permissions.visible_tickets(agent, Ticket.objects.filter(pk__in=ids))
        .select_for_update(of=("self",), no_key=True)
        .order_by("pk")
    )
    missing = sorted(set(ids) - {ticket.pk for ticket in tickets})
    if missing:
        raise ValidationError(
            _("No such ticket (or not yours to see): %(numbers)s")
            % {"numbers": ", ".join(f"#{n}" for n in missing[:10])}
        )
    return tickets


def _assignee(*, agent: Agent, value: str) -> Agent | None:
    if value == "me":
        return agent
    if value == "none":
        return None
    if value.isdigit() and len(value) < 12:
        chosen = Agent.objects.filter(pk=int(value), is_active=True).first()
        if chosen is not None:
            return chosen
    raise ValidationError(_("No such agent."))


def _team(value: str) -> Team | None:
    if value == "none":
        return None
    if value.isdigit() and len(value) < 12:
        team = Team.objects.filter(pk=int(value)).first()
        if team is not None:
            return team
    raise ValidationError(_("No such team."))


def _priority(value: str) -> int:
    if value.isdigit() and int(value) in Priority.values:
        return int(value)
    raise ValidationError(
        _("Unknown %(field)s: %(value)s") % {"field": _("priority"), "value": value[:20]}
    )


def _each(
    tickets: Sequence[Ticket], change: Callable[[Ticket], TicketEvent | None]
) -> tuple[int, int]:
    """Apply ``change`` to every ticket; a refusal names the ticket and undoes the whole action."""
    changed = 0
    for ticket in tickets:
        try:
            event = change(ticket)
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            raise type(error)(f"#{ticket.pk}: {reason}") from error
        changed += event is not None
    return changed, len(tickets) - changed


def apply_bulk_action(
    *,
    agent: Agent,
    ticket_ids: Sequence[int],
    action: str,
    value: str = "",
    tags: Sequence[str] = (),
) -> BulkResult:
    """Do ``action`` to every selected ticket through the ticket services, all or nothing.

    Each ticket gets the same event a change on its own page would record (one
    ``StatusChanged`` per solved ticket…), so the timeline, the rules and the search index see
    no difference. ``value`` is the action's choice (a status, a priority, an agent id or
    ``me``/``none``, a team id or ``none``); ``tags`` are added for ``tags``. Any refusal — a
    ticket the agent may not see or change — rolls back every ticket and names the one refused.
    """
    with events.atomic():
        changed, unchanged = _apply(
            agent=agent, ticket_ids=ticket_ids, action=action, value=value, tags=tags
        )
    return BulkResult(action=action, changed=changed, unchanged=unchanged)


def _apply(
    *, agent: Agent, ticket_ids: Sequence[int], action: str, value: str, tags: Sequence[str]
) -> tuple[int, int]:
    if action not in BulkAction.values:
        raise ValidationError(_("Choose what to do with the selected tickets."))
    tickets = _selected(agent=agent, ticket_ids=ticket_ids)
    if action == BulkAction.STATUS:
        ticket_services.check_choice(value, Status.values, field=_("status"))
        return _each(
            tickets,
            lambda t: ticket_services.change_status(ticket=t, status=value, by=agent),
        )
    if action == BulkAction.PRIORITY:
        priority = _priority(value)
        return _each(
            tickets,
            lambda t: ticket_services.change_priority(ticket=t, priority=priority, by=agent),
        )
    if action == BulkAction.ASSIGN:
        assignee = _assignee(agent=agent, value=value)
        return _each(
            tickets,
            lambda t: assignment.assign_ticket(ticket=t, assignee=assignee, by=agent),
        )
    if action == BulkAction.TEAM:
        team = _team(value)
        return _each(tickets, lambda t: ticket_services.change_team(ticket=t, team=team, by=agent))
    if action == BulkAction.TAGS:
        added = ticket_services.normalize_tags(tags)
        if not added:
            raise ValidationError(_("Type the tags to add."))
        current = _tag_names(tickets)
        return _each(
            tickets,
            lambda t: ticket_services.set_tags(
                ticket=t, names=[*current.get(t.pk, []), *added], by=agent
            ),
        )
    if action == BulkAction.SPAM:
        return _mark_spam(agent=agent, tickets=tickets)
    return _merge(agent=agent, tickets=tickets)


def _tag_names(tickets: Sequence[Ticket]) -> dict[int, list[str]]:
    """Every selected ticket's tags in one query (adding keeps what each ticket had)."""
    through = Ticket.tags.through
    names: dict[int, list[str]] = {}
    rows = through.objects.filter(ticket_id__in=[t.pk for t in tickets]).values_list(
        "ticket_id", "tag__name"
    )
    for ticket_id, name in rows.order_by("tag__name"):
        names.setdefault(ticket_id, []).append(name)
    return names


def _mark_spam(*, agent: Agent, tickets: Sequence[Ticket]) -> tuple[int, int]:
    """Tag as spam and close: out of every queue, still searchable, undone by reopening."""
    current = _tag_names(tickets)

    def spam(ticket: Ticket) -> TicketEvent | None:
        tagged = ticket_services.set_tags(
            ticket=ticket, names=[*current.get(ticket.pk, []), SPAM_TAG], by=agent
        )
        closed = ticket_services.change_status(ticket=ticket, status=Status.CLOSED, by=agent)
        return closed or tagged

    return _each(tickets, spam)


def _merge(*, agent: Agent, tickets: Sequence[Ticket]) -> tuple[int, int]:
    """Merge every selected ticket into the oldest one (the conversation that began first)."""
    if len(tickets) < 2:
        raise ValidationError(_("Select at least two tickets to merge."))
    target, *sources = tickets
    for source in sources:
        try:
            ticket_services.merge_tickets(source=source, target=target, by=agent)
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            raise type(error)(f"#{source.pk}: {reason}") from error
    return len(sources), 0
