"""Read queries for automation: rules, notifications, and each agent's emotional load."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from tactful.accounts.models import Agent, Role
from tactful.automation import engine
from tactful.automation.models import Notification, Rule
from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.tickets import events, permissions
from tactful.tickets.models import (
    ACTIVE_STATUSES,
    CALL_NOTE_KEY,
    EventKind,
    Message,
    MessageKind,
    Ticket,
    TicketEvent,
)

LEAD_ROLES = (Role.LEAD, Role.ADMIN)


def load_window_days() -> int:
    return int(getattr(settings, "TACTFUL_EMOTIONAL_LOAD_DAYS", 7))


# --- emotional load ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmotionalLoad:
    """One agent's emotional load over the window (see :func:`emotional_loads`)."""

    load: int = 0
    #: Heavy conversations handled (weight > 0).
    conversations: int = 0
    #: Of which abusive or threatening.
    hostile: int = 0


def _ticket_weight(ticket_ref: str, ticket_path: str) -> Case:
    """SQL for a ticket's weight: its worst analysed customer message (or call note: what the
    customer said in a video call), or its own signals.

    ``ticket_ref`` names the ticket id column in the outer query (for the analyses subquery),
    ``ticket_path`` the path from the outer model to the ticket (for its stored signals, which
    also cover tickets whose analyses were bulk-loaded without rows).
    """
    analyses = MessageAnalysis.objects.filter(
        Q(message__kind=MessageKind.INCOMING)
        | Q(message__kind=MessageKind.NOTE, message__metadata__has_key=CALL_NOTE_KEY),
        message__ticket_id=OuterRef(ticket_ref),
        status=AnalysisStatus.DONE,
    )
    high = engine.HIGH_INTENSITY
    heated = list(engine.HEATED_EMOTIONS)
    hostile = (
        Q(**{f"{ticket_path}__abuse": True})
        | Q(**{f"{ticket_path}__threat": True})
        | Exists(analyses.filter(Q(abuse=True) | Q(threat=True)))
    )
    heated_q = Q(
        **{f"{ticket_path}__emotion__in": heated, f"{ticket_path}__intensity__gte": high}
    ) | Exists(analyses.filter(top_emotion__in=heated, intensity__gte=high))
    intense = Q(**{f"{ticket_path}__intensity__gte": high}) | Exists(
        analyses.filter(intensity__gte=high)
    )
    return Case(
        When(hostile, then=Value(engine.WEIGHT_HOSTILE)),
        When(heated_q, then=Value(engine.WEIGHT_HEATED)),
        When(intense, then=Value(engine.WEIGHT_INTENSE)),
        default=Value(0),
        output_field=IntegerField(),
    )


def emotional_loads(
    agent_ids: Iterable[int] | None = None,
    *,
    now: datetime | None = None,
    days: int | None = None,
    exclude_ticket_id: int | None = None,
) -> dict[int, EmotionalLoad]:
    """Each agent's emotional load: the heavy conversations they handled in the last ``days``.

    A conversation (ticket) is *handled* by an agent in the window when, inside the window,
    the agent sent a reply on it, wrote the notes of a video call on it, or the ticket was
    assigned to them (an ``assigned`` event naming them — round-robin, a lead, a rule or a
    hand-over). Each handled ticket counts once per agent, however many replies, weighted by
    the worst customer message the coach read on it — a call's notes count as one, so a
    hostile call weighs like a hostile message — (or, for tickets without analysis rows, the
    signals stored on the ticket):

    * 3 — abusive or threatening;
    * 2 — anger or frustration at intensity ≥ 0.7;
    * 1 — any other emotion at intensity ≥ 0.7;
    * 0 — otherwise (not counted).

    One SQL query, whatever the number of agents: the reply pairs and the assignment pairs
    are computed with their weights in the database and combined with ``UNION`` (which also
    removes a ticket both answered and assigned); only heavy pairs come back and are summed.

    Args:
        agent_ids: whose load (``None``: everybody's).
        now: the end of the window (default: now).
        days: the window's length (default ``TACTFUL_EMOTIONAL_LOAD_DAYS``, 7).
        exclude_ticket_id: leave one ticket out (rebalancing a ticket must not count itself).

    Returns:
        ``{agent_id: EmotionalLoad}`` for agents with a load; others are absent (zero).
    """
    end = now or timezone.now()
    since = end - timedelta(days=days if days is not None else load_window_days())
    ids = None if agent_ids is None else sorted(set(agent_ids))
    if ids is not None and not ids:
        return {}
    replies = (
        Message.objects.filter(
            Q(kind=MessageKind.OUTGOING)
            | Q(kind=MessageKind.NOTE, metadata__has_key=CALL_NOTE_KEY),
            created_at__gte=since,
            created_at__lte=end,
            author_agent_id__isnull=False,
        )
        .annotate(
            who=Cast("author_agent_id", IntegerField()),
            weight=_ticket_weight("ticket_id", "ticket"),
        )
        .filter(weight__gt=0)
    )
    assignments = (
        TicketEvent.objects.filter(
            kind=EventKind.ASSIGNED, created_at__gte=since, created_at__lte=end
        )
        .annotate(
            who=Cast(KT("data__to"), IntegerField()), weight=_ticket_weight("ticket_id", "ticket")
        )
        .filter(weight__gt=0, who__isnull=False)
    )
    if ids is not None:
        replies = replies.filter(author_agent_id__in=ids)
        assignments = assignments.filter(who__in=ids)
    if exclude_ticket_id is not None:
        replies = replies.exclude(ticket_id=exclude_ticket_id)
        assignments = assignments.exclude(ticket_id=exclude_ticket_id)
    # Meta orderings are cleared: a compound statement's parts may not be ordered.
    pairs = (
        replies.order_by()
        .values_list("who", "ticket_id", "weight")
        .union(assignments.order_by().values_list("who", "ticket_id", "weight"))
    )
    totals: dict[int, list[int]] = {}
    seen: set[tuple[int, int]] = set()
    for who, ticket_id, weight in pairs:
        if (who, ticket_id) in seen:  # same ticket under two weights cannot happen; be safe
            continue
        seen.add((who, ticket_id))
        total = totals.setdefault(int(who), [0, 0, 0])
        total[0] += int(weight)
        total[1] += 1
        total[2] += int(weight) == engine.WEIGHT_HOSTILE
    return {
        who: EmotionalLoad(load=load, conversations=count, hostile=hostile)
        for who, (load, count, hostile) in totals.items()
    }


def open_ticket_counts(agent_ids: Iterable[int]) -> dict[int, int]:
    """Active (new/open/pending) tickets assigned to each agent, in one query."""
    ids = sorted(set(agent_ids))
    if not ids:
        return {}
    rows = (
        Ticket.objects.filter(assignee_id__in=ids, status__in=ACTIVE_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["assignee_id"]: row["n"] for row in rows}


def team_leads(team_id: int | None) -> list[Agent]:
    """Active leads (and admins) who are members of the team; with no team, every admin."""
    if team_id is None:
        return list(Agent.objects.filter(is_active=True, role=Role.ADMIN).order_by("id"))
    return list(
        Agent.objects.filter(is_active=True, role__in=LEAD_ROLES, teams__id=team_id)
        .distinct()
        .order_by("id")
    )


def team_protectors(team_id: int | None) -> list[Agent]:
    """Who takes abusive and threatening conversations: the team's leads and seniors who are
    available (all of them when everyone is away); with no team, every admin."""
    if team_id is None:
        return team_leads(None)
    people = list(
        Agent.objects.filter(is_active=True, teams__id=team_id)
        .filter(Q(role__in=LEAD_ROLES) | Q(senior=True))
        .distinct()
        .order_by("id")
    )
    present = [person for person in people if person.available]
    return present or people


def teams_loads(agent: Agent) -> list[dict[str, object]]:
    """Per team the lead sees: active members, total and highest emotional load (two queries).

    Admins see every team; leads their own.
    """
    permissions.check_is_lead(agent)
    through = Agent.teams.through
    memberships = through.objects.filter(agent__is_active=True)
    if not agent.is_admin:
        memberships = memberships.filter(team_id__in=sorted(permissions.team_ids(agent)))
    members: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for team_id, team_name, agent_id in memberships.values_list(
        "team_id", "team__name", "agent_id"
    ):
        members.setdefault(team_id, []).append(agent_id)
        names[team_id] = team_name
    loads = emotional_loads({pk for ids in members.values() for pk in ids})
    summary: list[dict[str, object]] = []
    for team_id, agent_ids in sorted(members.items(), key=lambda item: names[item[0]]):
        team_loads = [loads.get(pk, EmotionalLoad()).load for pk in agent_ids]
        summary.append(
            {
                "name": names[team_id],
                "members": len(agent_ids),
                "total": sum(team_loads),
                "highest": max(team_loads, default=0),
                "hostile": sum(loads.get(pk, EmotionalLoad()).hostile for pk in agent_ids),
            }
        )
    return summary


# --- rules and notifications ------------------------------------------------------------------


def rules_for(*, trigger: str, team_id: int | None) -> list[Rule]:
    """Active rules for this trigger and team (or every team), in run order (uncached)."""
    scope = Q(team__isnull=True) if team_id is None else Q(team__isnull=True) | Q(team_id=team_id)
    return list(Rule.objects.filter(scope, active=True, trigger=trigger).order_by("order", "id"))


# --- the rules cache --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreparedRule:
    """An active rule with its conditions and actions already checked against the schema
    (``problem`` says why it is skipped when they do not fit)."""

    rule: Rule
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    problem: str = ""


@dataclass(frozen=True, slots=True)
class _Rules:
    by_trigger: dict[str, tuple[PreparedRule, ...]]


#: (fingerprint, the active rules): one per process, loaded again when the fingerprint moves.
_rules_cache: tuple[tuple[Any, ...], _Rules] | None = None
#: Bumped when this process changes rules (``rules_changed``, on every save and delete): a
#: transaction that edits a rule and then runs rules reads the fingerprint again instead of
#: its memo.
_local_changes = 0
_MEMO_KEY = "automation.rules_fingerprint"


def rules_changed() -> None:
    """This process changed rules in a way its own memo of the fingerprint must not hide."""
    global _local_changes
    _local_changes += 1


def _fingerprint_sql() -> str:
    """The rules table's content as (count, one value): every column of every row, by id."""
    table = connection.ops.quote_name(Rule._meta.db_table)
    if connection.vendor == "postgresql":
        # The row cast to text covers every column, whatever a migration adds.
        return (
            "SELECT COUNT(*) AS fp_count, "
            "md5(COALESCE(string_agg(CAST(f AS text), ',' ORDER BY f.id), '')) AS fp_value "
            f"FROM {table} AS f"
        )
    # SQLite (development, tests): no row casts and no md5, so the columns themselves, joined
    # (a few KB for a desk's rules, read in-process).
    columns = " || '|' || ".join(
        f"COALESCE(CAST({connection.ops.quote_name(f.column)} AS TEXT), '-')"
        for f in Rule._meta.concrete_fields
    )
    return (
        f"SELECT COUNT(*) AS fp_count, group_concat({columns}, ',') AS fp_value "
        f"FROM (SELECT * FROM {table} ORDER BY id)"
    )


def _memo_get() -> tuple[Any, ...] | None:
    memo = events.unit_memo()
    held = memo.get(_MEMO_KEY) if memo is not None else None
    return held[1] if held is not None and held[0] == _local_changes else None


def _memo_set(fingerprint: tuple[Any, ...]) -> None:
    memo = events.unit_memo()
    if memo is not None:
        memo[_MEMO_KEY] = (_local_changes, fingerprint)


def _fingerprint() -> tuple[Any, ...]:
    """What the rules are, as a value that changes with any change to any rule, however it
    was made (a service, the admin, an UPDATE by hand, another process): one small query,
    no ORM. Read once per outermost ``events.atomic()`` unit (its memo), and again after
    this process changed rules."""
    fingerprint = _memo_get()
    if fingerprint is None:
        with connection.cursor() as cursor:
            cursor.execute(_fingerprint_sql())
            row = cursor.fetchone()
        fingerprint = tuple(row) if row is not None else ()
        _memo_set(fingerprint)
    return fingerprint


def _prepare(rule: Rule) -> PreparedRule:
    try:
        return PreparedRule(
            rule, engine.validate_conditions(rule.conditions), engine.validate_actions(rule.actions)
        )
    except engine.RuleSchemaError as exc:
        return PreparedRule(rule, {}, [], problem=str(exc) or "invalid")


def _load_rules() -> tuple[tuple[Any, ...], _Rules]:
    """The fingerprint and the active rules, in one query (the fingerprint's row joined to
    the rules: a desk without active rules still gets its fingerprint, on a row of NULLs)."""
    quote = connection.ops.quote_name
    sql = (
        f"SELECT fp.fp_count, fp.fp_value, r.* FROM ({_fingerprint_sql()}) AS fp "
        f"LEFT JOIN {quote(Rule._meta.db_table)} AS r ON r.{quote('active')} "
        f"ORDER BY r.{quote('order')}, r.{quote('id')}"
    )
    fingerprint: tuple[Any, ...] = ()
    by_trigger: dict[str, list[PreparedRule]] = {}
    for rule in Rule.objects.raw(sql):
        fingerprint = (rule.fp_count, rule.fp_value)
        if rule.pk is not None:
            by_trigger.setdefault(rule.trigger, []).append(_prepare(rule))
    _memo_set(fingerprint)
    return fingerprint, _Rules({trigger: tuple(rules) for trigger, rules in by_trigger.items()})


def cached_rules_for(*, trigger: str, team_id: int | None) -> list[PreparedRule]:
    """Active rules for this trigger and team (or every team), in run order, checked.

    Read from a per-process cache that holds while the rules' fingerprint does: one small
    query per transaction (:func:`tactful.tickets.events.unit_memo`) instead of loading and
    checking the rules on every run — so a rule changed in any process is seen by the next
    e-mail's transaction (and by the next group, where a fetched group is one unit). Cold,
    or after a change, the fingerprint comes with the rules in one query.
    """
    global _rules_cache
    cached = _rules_cache
    if cached is None or cached[0] != _fingerprint():
        # Rules and fingerprint from one statement: the cache can never hold rules older
        # than its key.
        cached = _load_rules()
        _rules_cache = cached
    return [
        prepared
        for prepared in cached[1].by_trigger.get(trigger, ())
        if prepared.rule.team_id is None or prepared.rule.team_id == team_id
    ]


def sla_lead_minutes() -> list[int]:
    """The "breach within N minutes" leads of the active SLA-warning rules (for the checker)."""
    leads = set()
    for conditions in Rule.objects.filter(active=True, trigger="sla_warning").values_list(
        "conditions", flat=True
    ):
        value = conditions.get("sla_within_minutes") if isinstance(conditions, dict) else None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            leads.add(min(value, engine.MAX_SLA_MINUTES))
    return sorted(leads)


def visible_rules(agent: Agent) -> QuerySet[Rule]:
    """The rules a lead sees: every rule (rules explain routing to the whole desk)."""
    return Rule.objects.select_related("team", "created_by").order_by("order", "id")


def can_edit_rule(agent: Agent, rule: Rule | None) -> bool:
    """Admins edit every rule; leads edit shared rules and their own teams' rules."""
    if not agent.is_active or not agent.is_lead:
        return False
    if agent.is_admin or rule is None or rule.team_id is None:
        return True
    return rule.team_id in permissions.team_ids(agent)


def protects_agents(rules: Iterable[Rule]) -> bool:
    """Whether some active rule sends abusive or threatening tickets to a lead (the teammate
    protection promise)."""
    for rule in rules:
        if not rule.active or rule.team_id is not None or rule.trigger != "analysed":
            continue
        conditions = rule.conditions or {}
        hostile = conditions.get("hostile") is True or conditions.get("abuse") is True
        leads = any(
            isinstance(a, dict) and a.get("type") == "assign" and a.get("to") == "lead"
            for a in rule.actions or []
        )
        if hostile and leads:
            return True
    return False


def notifications_for(agent: Agent) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=agent)
        .select_related("ticket", "rule")
        .order_by("-created_at", "-id")
    )


def unread_count(agent: Agent) -> int:
    return Notification.objects.filter(recipient=agent, read_at__isnull=True).count()
