"""Running automation rules when something happens to a ticket.

Rules hear three things (``Trigger``): a ticket was opened, the customer wrote again, and the
coach read the customer (:mod:`tactful.automation.handlers` subscribes them). They run inside
the transaction of the change, each in a savepoint: a rule that fails is logged and skipped,
and never costs the customer's message. Actions performed by rules do not trigger rules.
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
from django.utils.translation import gettext as _

from tactful import coach
from tactful.accounts.models import Agent, Team
from tactful.automation import engine, handover, load, selectors
from tactful.automation import events as automation_events
from tactful.automation.models import (
    AutoReply,
    Notification,
    NotificationKind,
    Rule,
    RuleFiring,
    Trigger,
)
from tactful.canned.models import CannedResponse
from tactful.canned.services import render_response
from tactful.customers import selectors as customer_selectors
from tactful.tickets import assignment, events, services, timeline
from tactful.tickets.models import Message, MessageKind, Priority, Status, Ticket, TicketEvent
from tactful.tickets.rendering import plain_text

logger = logging.getLogger(__name__)

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
    """The coach's review of the whole conversation over the ticket's recent thread: a dead end?

    Reads the newest turns only, and skips the coach entirely when the thread is too short to
    be a dead end (three customer turns and two replies are the coach's own minimum).
    """
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
        return bool(coach.review_conversation(turns, language=language).dead_end)
    except coach.CoachError:
        return False


@dataclass
class _RunState:
    """What one rule run knows about its ticket; queries once, updated as actions act.

    The tags and the dead-end review are read only when a rule asks (most runs need neither).
    """

    ticket: Ticket
    #: The satisfaction answer that started the run (trigger ``survey_answered``).
    csat: str = ""
    csat_comment: bool = False
    sla_target: str = ""
    sla_minutes_left: int | None = None
    _tags: set[str] | None = None
    _lead_cache: dict[int, bool] = field(default_factory=dict)
    _dead_end: bool | None = None

    @classmethod
    def load(cls, ticket: Ticket, sla: SlaSituation | None = None) -> _RunState:
        if sla is None:
            return cls(ticket=ticket)
        return cls(ticket=ticket, sla_target=sla.target, sla_minutes_left=sla.minutes_left)

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
            csat=self.csat,
            csat_comment=self.csat_comment,
            sla_target=self.sla_target,
            sla_minutes_left=self.sla_minutes_left,
        )


def facts_for(ticket: Ticket) -> engine.TicketFacts:
    """The facts the rules see for ``ticket`` (tags and the dead-end check included)."""
    return _RunState.load(ticket).facts(with_lead=True)


# --- running rules ----------------------------------------------------------------------------


def _already_fired(
    ticket: Ticket, trigger: str, message_id: int | None, cause: str = ""
) -> set[int]:
    """Rules that already fired on this ticket for this very event (trigger + message)."""
    return set(
        RuleFiring.objects.filter(
            ticket_id=ticket.pk, trigger=trigger, message_id=message_id, cause=cause
        ).values_list("rule_id", flat=True)
    )


@dataclass(frozen=True)
class SlaSituation:
    """What an SLA trigger is about: the clock (``cause`` keeps firings to once per clock),
    its target and the whole minutes left before its deadline (0 once breached)."""

    clock_id: int
    target: str
    minutes_left: int | None

    @property
    def cause(self) -> str:
        return f"sla:{self.clock_id}"


def run_rules(
    ticket: Ticket,
    *,
    trigger: str,
    message: Message | None = None,
    csat: tuple[str, bool] | None = None,
    sla: SlaSituation | None = None,
) -> list[TicketEvent]:
    """Evaluate the active rules for ``trigger`` on ``ticket`` and run those that match.

    Loop safety: while rules act, a nested call does nothing, so a rule's own changes never
    trigger rules; and a rule fires at most once per ticket per trigger event (the trigger
    and the customer message it is about), so a repeated delivery or analysis fires nothing
    new. A rule whose actions all had nothing to do writes no event.

    Args:
        ticket: the ticket (locked or freshly written by the caller's transaction).
        trigger: ``ticket_created``, ``customer_message``, ``analysed``, ``survey_answered``,
            ``sla_warning`` or ``sla_breached``.
        message: the customer message the event is about (default: the newest one); for a
            survey answer, the message that asked (so each survey fires a rule at most once).
        csat: for ``survey_answered``, the answer's reading and whether it has a comment.
        sla: for the SLA triggers, the clock they are about (a rule fires once per clock).

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
            load.rebalance_after_analysis(ticket)
        rules = selectors.cached_rules_for(trigger=trigger, team_id=ticket.team_id)
        if not rules:
            return []
        cause = sla.cause if sla is not None else ""
        if message is None and sla is None:
            message = (
                Message.objects.filter(ticket_id=ticket.pk, kind=MessageKind.INCOMING)
                .order_by("-created_at", "-id")
                .first()
            )
        message_id = message.pk if message is not None else None
        # Read on the first match only: most events match no rule at all.
        already: set[int] | None = None
        state = _RunState.load(ticket, sla)
        if csat is not None:
            state.csat, state.csat_comment = csat
        fired: list[TicketEvent] = []
        for prepared in rules:
            rule, conditions, actions = prepared.rule, prepared.conditions, prepared.actions
            if prepared.problem:
                logger.warning(
                    "automation rule %s is invalid, skipped: %s", rule.pk, prepared.problem
                )
                continue
            try:
                facts = state.facts(with_tags=engine.reads_tags(conditions))
                if not engine.matches(conditions, facts):
                    continue
                if already is None:
                    already = _already_fired(ticket, trigger, message_id, cause)
                if rule.pk in already:
                    continue
                with events.atomic():
                    done = _run_actions(rule, actions, state)
                    if not done:
                        continue
                    event = timeline.record(
                        automation_events.RuleFired(
                            ticket=ticket,
                            message=message,
                            rule_id=rule.pk,
                            rule_name=rule.name,
                            trigger=trigger,
                            actions=done,
                        )
                    )
                    # The unique constraint: a concurrent run for the same event loses here.
                    RuleFiring.objects.create(
                        rule=rule,
                        ticket=ticket,
                        trigger=trigger,
                        message=message,
                        event=event,
                        cause=cause,
                    )
            except Exception:
                # A broken rule must never cost the customer's message: log it, go on.
                logger.exception("automation rule %s failed on ticket %s", rule.pk, ticket.pk)
                ticket.refresh_from_db()
                state = _RunState.load(ticket, sla)
                if csat is not None:
                    state.csat, state.csat_comment = csat
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
    services.change_priority(ticket=state.ticket, priority=action["priority"], by=None)
    return _("priority set to %(priority)s") % {"priority": Priority(action["priority"]).label}


def _move_to_team(rule: Rule, action: dict[str, Any], state: _RunState) -> str | None:
    team = Team.objects.filter(pk=action["team"]).first()
    if team is None:
        return _("not moved: the team no longer exists")
    services.change_team(ticket=state.ticket, team=team, by=None)
    return _("moved to team %(team)s") % {"team": team.name}


def _assign_to(state: _RunState, agent: Agent) -> str | None:
    try:
        assignment.assign_ticket(ticket=state.ticket, assignee=agent, by=None)
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
        lead = handover.pick_lead(team_id=ticket.team_id, with_seniors=True)
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
    chosen = load.choose_load_aware_member(team=team, ticket=ticket, members=members)
    if chosen is None:
        return _("not assigned: nobody in the team is available")
    if chosen.pk == ticket.assignee_id:
        return None
    return _assign_to(state, chosen)


def _add_tag(rule: Rule, action: dict[str, Any], state: _RunState) -> str | None:
    names = sorted(state.tags | {action["tag"]})
    try:
        services.set_tags(ticket=state.ticket, names=names, by=None)
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


def _reopen(rule: Rule, action: dict[str, Any], state: _RunState) -> str | None:
    if state.ticket.merged_into_id is not None:
        return _("not reopened: the ticket was merged")
    services.change_status(ticket=state.ticket, status=Status.OPEN, by=None)
    return _("ticket reopened")


_ACTIONS = {
    "set_priority": _set_priority,
    "move_to_team": _move_to_team,
    "assign": _assign,
    "add_tag": _add_tag,
    "notify_leads": _notify_leads,
    "auto_reply": _auto_reply,
    "reopen": _reopen,
}


# --- auto-replies -----------------------------------------------------------------------------


def send_auto_reply(*, ticket: Ticket, rule: Rule, response_id: int) -> str | None:
    """Send a canned response as the rule's reply, at most once per ticket and rule.

    Returns what happened (for the rule's event), or ``None`` when it was already sent.
    """
    if AutoReply.objects.filter(ticket=ticket, rule=rule).exists():
        return None
    if ticket.held or customer_selectors.active_block(ticket.customer_id) is not None:
        # A lead blocked or suspended the customer: nothing automatic goes to them.
        return _("auto-reply skipped: the customer is blocked")
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
        message = services.record_reply(
            ticket=ticket,
            agent=None,
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
