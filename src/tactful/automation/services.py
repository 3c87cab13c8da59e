"""Running automation rules on tickets, handing conversations over, and load-aware assignment.

Rules run inside the caller's transaction (ticket created, customer wrote, coach analysed),
each in a savepoint: a rule that fails is logged and skipped, and never costs the customer's
message. Actions performed by rules do not trigger rules (see :func:`run_rules`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent, AssignmentMode, Team
from tactful.automation import engine, selectors
from tactful.automation.models import AutoReply, Notification, NotificationKind, Rule, Trigger
from tactful.tickets import permissions
from tactful.tickets.models import (
    EventKind,
    Message,
    MessageKind,
    Priority,
    Ticket,
    TicketEvent,
)

logger = logging.getLogger(__name__)

MAX_HANDOVER_NOTE_CHARS = 5000
#: Customer and agent turns read (newest) when a rule asks whether the thread is a dead end.
DEAD_END_MAX_TURNS = 12

#: Set while rules run: whatever their actions cause does not start another run.
_rules_running: ContextVar[bool] = ContextVar("tactful_rules_running", default=False)


@contextmanager
def rules_running() -> Iterator[None]:
    """Mark the block as rule work: :func:`run_rules` called inside it does nothing."""
    token = _rules_running.set(True)
    try:
        yield
    finally:
        _rules_running.reset(token)


# --- facts ------------------------------------------------------------------------------------


def ticket_is_dead_end(ticket: Ticket) -> bool:
    """The coach's conversation review (C4) over the ticket's recent thread: a dead end?

    Reads the newest turns only, and skips the coach entirely when the thread is too short to
    be a dead end (three customer turns and two replies are the coach's own minimum).
    """
    from tactful.coach import CoachError, review_conversation
    from tactful.coaching.services import plain_text

    rows = list(
        Message.objects.filter(
            ticket_id=ticket.pk, kind__in=[MessageKind.INCOMING, MessageKind.OUTGOING]
        )
        .order_by("-created_at", "-id")
        .values_list("kind", "body")[:DEAD_END_MAX_TURNS]
    )
    rows.reverse()
    customer_turns = sum(1 for kind, _body in rows if kind == MessageKind.INCOMING)
    agent_turns = len(rows) - customer_turns
    if customer_turns < 3 or agent_turns < 2:
        return False
    turns = [
        {
            "author": "customer" if kind == MessageKind.INCOMING else "agent",
            "text": plain_text(body)[:5000],
        }
        for kind, body in rows
    ]
    language = ticket.language if ticket.language in {"en", "es", "ru"} else None
    try:
        return bool(review_conversation(turns, language=language).dead_end)
    except CoachError:
        return False


@dataclass
class _RunState:
    """What one rule run knows about its ticket; queries once, updated as actions act.

    The tags and the dead-end review are read only when a rule asks (most runs need neither).
    """

    ticket: Ticket
    _tags: set[str] | None = None
    _lead_cache: dict[int, bool] = field(default_factory=dict)
    _dead_end: bool | None = None

    @classmethod
    def load(cls, ticket: Ticket) -> _RunState:
        return cls(ticket=ticket)

    @property
    def tags(self) -> set[str]:
        if self._tags is None:
            self._tags = set(self.ticket.tags.values_list("name", flat=True))
        return self._tags

    def dead_end(self) -> bool:
        if self._dead_end is None:
            self._dead_end = ticket_is_dead_end(self.ticket)
        return self._dead_end

    def assignee_is_lead(self) -> bool:
        assignee_id = self.ticket.assignee_id
        if assignee_id is None:
            return False
        if assignee_id not in self._lead_cache:
            role = Agent.objects.filter(pk=assignee_id).values_list("role", flat=True).first()
            self._lead_cache[assignee_id] = role in selectors.LEAD_ROLES
        return self._lead_cache[assignee_id]

    def facts(self, *, with_lead: bool = False, with_tags: bool = True) -> engine.TicketFacts:
        """The facts now; ``with_tags=False`` leaves the tags empty (for a caller that
        knows nothing it asks looks at them: see :func:`engine.reads_tags`)."""
        t = self.ticket
        return engine.TicketFacts(
            channel=t.channel,
            language=t.language,
            tags=frozenset(self.tags) if with_tags else frozenset(),
            team_id=t.team_id,
            priority=int(t.priority),
            status=t.status,
            emotion=t.emotion or "",
            intensity=t.intensity,
            abuse=t.abuse,
            threat=t.threat,
            company_fault=t.company_fault,
            assignee_id=t.assignee_id,
            assignee_is_team_lead=self.assignee_is_lead() if with_lead else False,
            dead_end=self.dead_end,
        )


def facts_for(ticket: Ticket) -> engine.TicketFacts:
    """The facts the rules see for ``ticket`` (tags and the dead-end check included)."""
    return _RunState.load(ticket).facts(with_lead=True)


# --- running rules ----------------------------------------------------------------------------


def _already_fired(ticket: Ticket, trigger: str, message_id: int | None) -> set[int]:
    """Rules that already fired on this ticket for this very event (trigger + message)."""
    fired = set()
    for data in TicketEvent.objects.filter(
        ticket_id=ticket.pk, kind=EventKind.RULE_FIRED
    ).values_list("data", flat=True):
        if (
            isinstance(data, dict)
            and data.get("trigger") == trigger
            and data.get("message") == message_id
        ):
            rule_id = data.get("rule_id")
            if isinstance(rule_id, int):
                fired.add(rule_id)
    return fired


def run_rules(ticket: Ticket, *, trigger: str, message: Message | None = None) -> list[TicketEvent]:
    """Evaluate the active rules for ``trigger`` on ``ticket`` and run those that match.

    Loop safety: while rules act, a nested call does nothing, so a rule's own changes never
    trigger rules; and a rule fires at most once per ticket per trigger event (the trigger
    and the customer message it is about), so a repeated delivery or analysis fires nothing
    new. A rule whose actions all had nothing to do writes no event.

    Args:
        ticket: the ticket (locked or freshly written by the caller's transaction).
        trigger: ``ticket_created``, ``customer_message`` or ``analysed``.
        message: the customer message the event is about (default: the newest one).

    Returns:
        The ``RULE_FIRED`` events written, in order.
    """
    if trigger not in Trigger.values:
        raise ValueError(f"unknown trigger {trigger!r}")
    if _rules_running.get():
        return []
    # No savepoint of its own (two round trips per run, twice per e-mail): every caller runs
    # it inside a transaction it rolls back as a whole on an error that escapes, and each
    # rule's actions below keep their own savepoint, so a failing rule still costs nothing.
    with rules_running(), transaction.atomic(savepoint=False):
        if trigger == "analysed":
            rebalance_after_analysis(ticket)
        rules = selectors.rules_for(trigger=trigger, team_id=ticket.team_id)
        if not rules:
            return []
        if message is None:
            message = (
                Message.objects.filter(ticket_id=ticket.pk, kind=MessageKind.INCOMING)
                .order_by("-created_at", "-id")
                .first()
            )
        message_id = message.pk if message is not None else None
        # Read on the first match only: most events match no rule at all.
        already: set[int] | None = None
        state = _RunState.load(ticket)
        fired: list[TicketEvent] = []
        for rule in rules:
            try:
                conditions = engine.validate_conditions(rule.conditions)
                actions = engine.validate_actions(rule.actions)
            except engine.RuleSchemaError as exc:
                logger.warning("automation rule %s is invalid, skipped: %s", rule.pk, exc)
                continue
            try:
                facts = state.facts(with_tags=engine.reads_tags(conditions))
                if not engine.matches(conditions, facts):
                    continue
                if already is None:
                    already = _already_fired(ticket, trigger, message_id)
                if rule.pk in already:
                    continue
                with transaction.atomic():
                    done = _run_actions(rule, actions, state)
                    if not done:
                        continue
                    event = TicketEvent.objects.create(
                        ticket=ticket,
                        kind=EventKind.RULE_FIRED,
                        message=message,
                        data={
                            "rule": rule.name,
                            "rule_id": rule.pk,
                            "actions": done,
                            "trigger": trigger,
                            "message": message_id,
                        },
                    )
            except Exception:
                # A broken rule must never cost the customer's message: log it, go on.
                logger.exception("automation rule %s failed on ticket %s", rule.pk, ticket.pk)
                ticket.refresh_from_db()
                state = _RunState.load(ticket)
                continue
            fired.append(event)
            if rule.stop_processing:
                break
        return fired


def _run_actions(rule: Rule, actions: Sequence[dict[str, Any]], state: _RunState) -> list[str]:
    """Run the actions that still have something to do; returns what each did, readable."""
    done: list[str] = []
    for action in actions:
        needs_lead = action["type"] == "assign" and action["to"] == "lead"
        facts = state.facts(with_lead=needs_lead, with_tags=action["type"] == "add_tag")
        if not engine.action_needed(action, facts):
            continue
        text = _ACTIONS[action["type"]](rule, action, state)
        if text:
            done.append(text)
    return done


def _set_priority(rule: Rule, action: dict[str, Any], state: _RunState) -> str | None:
    from tactful.tickets import services as ticket_services

    ticket_services.change_priority(ticket=state.ticket, priority=action["priority"], by=None)
    return _("priority set to %(priority)s") % {"priority": Priority(action["priority"]).label}


def _move_to_team(rule: Rule, action: dict[str, Any], state: _RunState) -> str | None:
    from tactful.tickets import services as ticket_services

    team = Team.objects.filter(pk=action["team"]).first()
    if team is None:
        return _("not moved: the team no longer exists")
    ticket_services.change_team(ticket=state.ticket, team=team, by=None)
    return _("moved to team %(team)s") % {"team": team.name}


def _assign_to(state: _RunState, agent: Agent) -> str | None:
    from tactful.tickets import services as ticket_services

    try:
        ticket_services.assign_ticket(ticket=state.ticket, assignee=agent, by=None)
    except PermissionDenied as exc:
        return _("not assigned to %(agent)s: %(reason)s") % {"agent": agent, "reason": exc}
    return _("assigned to %(agent)s") % {"agent": agent}


def _assign(rule: Rule, action: dict[str, Any], state: _RunState) -> str | None:
    ticket = state.ticket
    if action["to"] == "agent":
        agent = Agent.objects.filter(pk=action["agent"], is_active=True).first()
        if agent is None:
            return _("not assigned: the agent is no longer active")
        return _assign_to(state, agent)
    if action["to"] == "lead":
        lead = pick_lead(team_id=ticket.team_id)
        if lead is None:
            return _("not assigned: the team has no lead")
        return _assign_to(state, lead)
    if ticket.team_id is None:
        return _("not assigned: the ticket has no team")
    members = list(
        Agent.objects.filter(teams__id=ticket.team_id, is_active=True, available=True)
        .distinct()
        .order_by("id")
    )
    team = Team.objects.get(pk=ticket.team_id)
    chosen = choose_load_aware_member(team=team, ticket=ticket, members=members)
    if chosen is None:
        return _("not assigned: nobody in the team is available")
    if chosen.pk == ticket.assignee_id:
        return None
    return _assign_to(state, chosen)


def _add_tag(rule: Rule, action: dict[str, Any], state: _RunState) -> str | None:
    from tactful.tickets import services as ticket_services

    names = sorted(state.tags | {action["tag"]})
    try:
        ticket_services.set_tags(ticket=state.ticket, names=names, by=None)
    except ValidationError as exc:
        return _("tag %(tag)s not added: %(reason)s") % {
            "tag": action["tag"],
            "reason": " ".join(exc.messages),
        }
    state.tags.add(action["tag"])
    return _("tag %(tag)s added") % {"tag": action["tag"]}


def _notify_leads(rule: Rule, action: dict[str, Any], state: _RunState) -> str | None:
    ticket = state.ticket
    text = action.get("text") or _("Rule “%(rule)s” on #%(n)s: %(subject)s") % {
        "rule": rule.name,
        "n": ticket.pk,
        "subject": ticket.subject,
    }
    leads = selectors.team_leads(ticket.team_id)
    if not leads:
        return _("no lead to notify")
    # One unread notification per lead, ticket and rule: a customer writing five times in a row
    # is one thing to look at, not five.
    waiting = set(
        Notification.objects.filter(
            ticket=ticket, rule=rule, read_at__isnull=True, recipient__in=leads
        ).values_list("recipient_id", flat=True)
    )
    fresh = [lead for lead in leads if lead.pk not in waiting]
    if not fresh:
        return None
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=lead,
                ticket=ticket,
                rule=rule,
                kind=NotificationKind.RULE,
                text=text[:500],
            )
            for lead in fresh
        ]
    )
    return _("notified %(names)s") % {"names": ", ".join(str(lead) for lead in fresh)}


def _auto_reply(rule: Rule, action: dict[str, Any], state: _RunState) -> str | None:
    return send_auto_reply(ticket=state.ticket, rule=rule, response_id=action["response"])


_ACTIONS = {
    "set_priority": _set_priority,
    "move_to_team": _move_to_team,
    "assign": _assign,
    "add_tag": _add_tag,
    "notify_leads": _notify_leads,
    "auto_reply": _auto_reply,
}


# --- auto-replies -----------------------------------------------------------------------------


def create_system_reply(
    *, ticket: Ticket, body: str, metadata: dict[str, Any] | None = None
) -> Message:
    """A reply sent by Tactful itself (no agent), delivered like any reply.

    It does not count as the first response (a person has not answered yet) and does not
    change the status or assignee. Template variables left unfilled refuse it, as for agents.
    """
    from tactful.outbound import services as outbound_services
    from tactful.tickets import search
    from tactful.tickets import services as ticket_services

    ticket_services.check_text(body, field=_("Reply"), max_chars=ticket_services.MAX_BODY_CHARS)
    ticket_services.check_unfilled_variables(body)
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.OUTGOING,
        channel=ticket_services.reply_channel(ticket),
        author_agent=None,
        body=body,
        metadata=metadata or {},
    )
    TicketEvent.objects.create(
        ticket=ticket, kind=EventKind.REPLIED, message=message, data={"system": True}
    )
    outbound_services.queue_delivery(message)
    ticket.save(update_fields=["updated_at"])
    search.reindex_ticket(ticket.pk)
    return message


def send_auto_reply(*, ticket: Ticket, rule: Rule, response_id: int) -> str | None:
    """Send a canned response as the rule's reply, at most once per ticket and rule.

    Returns what happened (for the rule's event), or ``None`` when it was already sent.
    """
    if AutoReply.objects.filter(ticket=ticket, rule=rule).exists():
        return None
    try:
        from tactful.canned.models import CannedResponse
        from tactful.canned.services import render_response
    except ImportError:
        return _("auto-reply skipped: canned responses are not available")
    response = (
        CannedResponse.objects.filter(pk=response_id, active=True).filter(team__isnull=True).first()
        or CannedResponse.objects.filter(
            pk=response_id, active=True, team_id=ticket.team_id
        ).first()
    )
    if response is None:
        return _("auto-reply skipped: the canned response is gone or inactive")
    language = ticket.language if ticket.language in {"en", "es", "ru"} else None
    rendered = render_response(response, ticket=ticket, agent=None, language=language)
    if rendered.unfilled:
        return _("auto-reply “%(title)s” skipped: %(names)s would stay unfilled") % {
            "title": response.title,
            "names": ", ".join("{{ " + name + " }}" for name in rendered.unfilled[:5]),
        }
    try:
        with transaction.atomic():
            # The claim first: a concurrent run for the same ticket and rule fails here.
            claim = AutoReply.objects.create(ticket=ticket, rule=rule, response_id=response.pk)
    except IntegrityError:
        return None
    try:
        message = create_system_reply(
            ticket=ticket,
            body=rendered.text,
            metadata={
                "auto_reply": {
                    "rule_id": rule.pk,
                    "response_id": response.pk,
                    "variant_id": getattr(rendered, "variant_id", None),
                    "language": getattr(rendered, "language", language),
                }
            },
        )
    except ValidationError as exc:
        claim.delete()
        return _("auto-reply skipped: %(reason)s") % {"reason": " ".join(exc.messages)}
    claim.message = message
    claim.save(update_fields=["message"])
    return _("auto-reply “%(title)s” sent") % {"title": response.title}


# --- load-aware assignment --------------------------------------------------------------------


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

    ``members`` are the team's available members (``tickets.services.assign_round_robin``
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
    members = list(
        Agent.objects.filter(teams__id=team.pk, is_active=True, available=True)
        .distinct()
        .order_by("id")
    )
    chosen = choose_load_aware_member(team=team, ticket=ticket, members=members)
    if chosen is None or chosen.pk == ticket.assignee_id:
        return None
    previous = ticket.assignee_id
    ticket.assignee = chosen
    ticket.save(update_fields=["assignee", "updated_at"])
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.ASSIGNED,
        data={
            "from": previous,
            "to": chosen.pk,
            "round_robin": True,
            "rebalanced": True,
            "reason": "emotional_load",
        },
    )
    return chosen


# --- leads and hand-over ----------------------------------------------------------------------


def pick_lead(*, team_id: int | None, exclude: Sequence[int] = ()) -> Agent | None:
    """The team's lead with the lowest emotional load (ties: fewest open tickets, then id)."""
    leads = [lead for lead in selectors.team_leads(team_id) if lead.pk not in set(exclude)]
    if not leads:
        return None
    loads = member_loads([lead.pk for lead in leads])
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


@transaction.atomic
def hand_over(*, ticket: Ticket, by: Agent, to: Agent | None = None, note: str = "") -> TicketEvent:
    """Hand the conversation to a lead (default) or a teammate, with a note, in one step.

    The agent's teammate-protection promise (D6): any agent may hand over a ticket they can
    see, even to a lead (plain reassignment is for leads). Writes an ``assigned`` and a
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
    from tactful.tickets import services as ticket_services

    permissions.check_can_view(by, ticket)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not isinstance(note, str):
        raise ValidationError(_("The note must be text."))
    note = note.strip()
    ticket_services.check_text(
        note, field=_("Note"), max_chars=MAX_HANDOVER_NOTE_CHARS, required=False
    )
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
    if previous != to.pk:
        ticket.assignee = to
        ticket.save(update_fields=["assignee", "updated_at"])
        TicketEvent.objects.create(
            ticket=ticket,
            kind=EventKind.ASSIGNED,
            actor=by,
            data={"from": previous, "to": to.pk, "handover": True},
        )
    note_text = (
        _("Handed over to %(to)s: %(note)s") % {"to": to, "note": note}
        if note
        else _("Handed over to %(to)s.") % {"to": to}
    )
    note_message = ticket_services.add_internal_note(ticket=ticket, agent=by, body=note_text)
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.HANDED_OVER,
        actor=by,
        message=note_message,
        data={"from": previous, "to": to.pk, "to_name": str(to), "note": note, "by": by.pk},
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


# --- notifications ----------------------------------------------------------------------------


def mark_read(*, agent: Agent, notification_id: int | None = None) -> int:
    """Mark one of the agent's notifications read (or all of them); returns how many."""
    pending = Notification.objects.filter(recipient=agent, read_at__isnull=True)
    if notification_id is not None:
        pending = pending.filter(pk=notification_id)
    return pending.update(read_at=timezone.now())


# --- editing rules ----------------------------------------------------------------------------


def _check_can_edit(by: Agent, rule: Rule | None, team: Team | None) -> None:
    if not selectors.can_edit_rule(by, rule):
        raise PermissionDenied(_("Only team leads and admins can change automation rules."))
    if team is not None and not by.is_admin and team.pk not in permissions.team_ids(by):
        raise PermissionDenied(_("Leads can only scope rules to their own teams."))


@transaction.atomic
def save_rule(
    *,
    by: Agent,
    rule: Rule | None = None,
    name: str,
    trigger: str,
    conditions: Any,
    actions: Any,
    team: Team | None = None,
    active: bool = True,
    stop_processing: bool = False,
) -> Rule:
    """Create or change a rule (leads and admins); conditions and actions are checked first."""
    _check_can_edit(by, rule, team)
    name = (name or "").strip()
    from tactful.tickets import services as ticket_services

    ticket_services.check_text(name, field=_("Name"), max_chars=100)
    if trigger not in Trigger.values:
        raise ValidationError(_("Unknown trigger."))
    if rule is None:
        last = Rule.objects.order_by("-order").values_list("order", flat=True).first()
        rule = Rule(created_by=by, order=(last or 0) + 10)
    rule.name = name
    rule.trigger = trigger
    rule.conditions = conditions
    rule.actions = actions
    rule.team = team
    rule.active = active
    rule.stop_processing = stop_processing
    rule.full_clean()
    rule.save()
    return rule


def set_rule_active(*, by: Agent, rule: Rule, active: bool) -> Rule:
    _check_can_edit(by, rule, None)
    if rule.active != active:
        rule.active = active
        rule.save(update_fields=["active", "updated_at"])
    return rule


@transaction.atomic
def move_rule(*, by: Agent, rule: Rule, up: bool) -> Rule:
    """Swap the rule with its neighbour in run order (renumbering all by tens first)."""
    _check_can_edit(by, rule, None)
    rules = list(Rule.objects.select_for_update().order_by("order", "id"))
    for index, item in enumerate(rules):
        item.order = (index + 1) * 10
    position = next(i for i, item in enumerate(rules) if item.pk == rule.pk)
    other = position - 1 if up else position + 1
    if 0 <= other < len(rules):
        rules[position].order, rules[other].order = rules[other].order, rules[position].order
    Rule.objects.bulk_update(rules, ["order"])
    rule.order = rules[position].order
    return rule


@transaction.atomic
def delete_rule(*, by: Agent, rule: Rule) -> None:
    _check_can_edit(by, rule, None)
    rule.delete()


__all__ = [
    "choose_load_aware_member",
    "create_system_reply",
    "facts_for",
    "hand_over",
    "handover_targets",
    "mark_read",
    "move_rule",
    "pick_lead",
    "rebalance_after_analysis",
    "run_rules",
    "save_rule",
    "send_auto_reply",
    "set_rule_active",
    "ticket_is_dead_end",
]


# --- default rules ----------------------------------------------------------------------------


def install_default_rules() -> list[Rule]:
    """Create any missing shipped default rule (shared, by name); returns those created.

    The data migration installs them on a new database; this puts them back after a flush
    (test databases, ``flush``) or after a lead deleted one by mistake.
    """
    from tactful.automation.migrations import _defaults

    created = []
    existing = set(Rule.objects.filter(team__isnull=True).values_list("name", flat=True))
    for spec in _defaults.DEFAULT_RULES:
        if spec["name"] not in existing:
            rule = Rule(active=True, **spec)
            rule.full_clean()
            rule.save()
            created.append(rule)
    return created
