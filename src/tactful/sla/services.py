"""Keeping each ticket's clocks true: move them on every change that moves them (without the
history where the change alone says what moves, replaying the history otherwise), and check
once a minute which deadlines came due (warnings and breaches, each emitted once).

Everything here runs inside the transaction of the change (the handlers subscribe in
``SlaConfig.ready()``), so the clocks commit or roll back with it.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent
from tactful.sla import conditions, hours, replay, stats
from tactful.sla.events import SlaAchieved, SlaBreached, SlaWarning
from tactful.sla.models import (
    OPEN_STATES,
    BusinessHours,
    Clock,
    ClockDay,
    ClockState,
    Policy,
    TicketSla,
)
from tactful.tickets import events, timeline
from tactful.tickets.models import EventKind, Message, MessageKind, Tag, Ticket, TicketEvent

logger = logging.getLogger(__name__)

#: Clocks the deadline checker handles per run (the rest wait for the next minute).
CHECK_BATCH = 500


# --- what applies ------------------------------------------------------------------------------


@dataclass
class Setup:
    """Policies and business hours, read once per batch of tickets."""

    policies: list[Policy]
    hours_by_team: dict[int | None, hours.WeeklyHours | None]

    @classmethod
    def load(cls) -> Setup:
        policies = list(Policy.objects.filter(active=True).order_by("position", "id"))
        schedules: dict[int | None, hours.WeeklyHours | None] = {}
        for row in BusinessHours.objects.all():
            try:
                schedules[row.team_id] = row.schedule()
            except ValueError:
                logger.warning("business hours %s are invalid; counting calendar time", row.pk)
                schedules[row.team_id] = None
        return cls(policies=policies, hours_by_team=schedules)

    def hours_for(self, team_id: int | None) -> hours.Hours:
        schedule = self.hours_by_team.get(team_id) if team_id is not None else None
        if schedule is None:
            schedule = self.hours_by_team.get(None)
        return schedule if schedule is not None else hours.CalendarHours()

    def targets(self, policy: Policy | None, team_id: int | None) -> replay.Targets:
        if policy is None:
            return replay.Targets()

        def seconds(minutes: int | None) -> int | None:
            return None if minutes is None else minutes * 60

        return replay.Targets(
            first_response=seconds(policy.first_response_minutes),
            next_response=seconds(policy.next_response_minutes),
            resolution=seconds(policy.resolution_minutes),
            warning_share=min(max(policy.warning_percent, 1), 100) / 100,
            hours=self.hours_for(team_id) if policy.business_hours else hours.CalendarHours(),
        )


def facts_of(ticket: Ticket, *, tags: Iterable[str] = ()) -> conditions.TicketFacts:
    return conditions.TicketFacts(
        team_id=ticket.team_id,
        channel=ticket.channel,
        priority=int(ticket.priority),
        language=ticket.language,
        tags=frozenset(tags),
        customer_id=int(ticket.customer_id),
    )


def policy_for(ticket: Ticket, setup: Setup) -> Policy | None:
    """The first active policy whose conditions the ticket meets (tags read only if asked)."""
    if not setup.policies:
        return None
    tags: list[str] = []
    if conditions.reads_tags(setup.policies):
        tags = list(Tag.objects.filter(tickets__id=ticket.pk).values_list("name", flat=True))
    policy: Policy | None = conditions.first_match(setup.policies, facts_of(ticket, tags=tags))
    return policy


# --- the history -------------------------------------------------------------------------------


def history_of(ticket: Ticket) -> replay.History:
    """The ticket's conversation and status changes as the clocks read them (two queries,
    three when it was merged away)."""
    turns = []
    for pk, kind, created_at, agent_id in (
        Message.objects.filter(
            ticket_id=ticket.pk, kind__in=[MessageKind.INCOMING, MessageKind.OUTGOING]
        )
        .order_by("created_at", "id")
        .values_list("pk", "kind", "created_at", "author_agent_id")
    ):
        if kind == MessageKind.OUTGOING and agent_id is None:
            continue  # Tactful's own automatic reply: a person has not answered yet
        turns.append(
            replay.Turn(
                at=created_at,
                message_id=pk,
                customer=kind == MessageKind.INCOMING,
                agent_id=agent_id,
            )
        )
    moves = []
    for created_at, data, actor_id in (
        TicketEvent.objects.filter(ticket_id=ticket.pk, kind=EventKind.STATUS_CHANGED)
        .order_by("created_at", "id")
        .values_list("created_at", "data", "actor_id")
    ):
        status = data.get("to") if isinstance(data, dict) else None
        if isinstance(status, str):
            moves.append(replay.StatusMove(at=created_at, status=status, by_id=actor_id))
    merged_at = None
    if ticket.merged_into_id is not None:
        merged_at = (
            TicketEvent.objects.filter(ticket_id=ticket.pk, kind=EventKind.MERGED)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
    return replay.History(
        opened_at=ticket.created_at,
        turns=turns,
        moves=moves,
        merged_at=merged_at,
        assignee_id=ticket.assignee_id,
    )


# --- keeping the clocks -----------------------------------------------------------------------

_CLOCK_FIELDS = (
    "policy",
    "state",
    "started_at",
    "ended_at",
    "target_seconds",
    "elapsed_seconds",
    "carried_seconds",
    "due_at",
    "warn_at",
    "alarm_at",
    "superseded",
    "message",
    "agent_id",
    "team_id",
    "channel",
    "language",
    "breached_at",
    "achieved_at",
)


def _alarm_at(clock: Clock) -> datetime | None:
    """When the checker must next look at ``clock``: its warning, then its deadline."""
    if clock.state not in OPEN_STATES:
        return None
    moments = []
    if clock.warned_at is None and clock.warn_at is not None:
        moments.append(clock.warn_at)
    if clock.breached_at is None and clock.due_at is not None:
        moments.append(clock.due_at)
    return min(moments) if moments else None


@dataclass
class _Outcome:
    """What one refresh decided to tell the timeline (after the rows are written)."""

    achieved: list[Clock] = field(default_factory=list)
    breached: list[Clock] = field(default_factory=list)


_TICKET_FIELDS = (
    "id",
    "created_at",
    "status",
    "priority",
    "channel",
    "language",
    "team_id",
    "assignee_id",
    "customer_id",
    "merged_into_id",
)


def refresh_ticket(
    ticket: Ticket, *, setup: Setup | None = None, announce: bool = True
) -> list[Clock]:
    """Replay ``ticket``'s history into its stored clocks and summary.

    Args:
        ticket: the ticket (re-read here: the caller's instance may be stale).
        setup: policies and hours already loaded (for a batch).
        announce: record ``SlaAchieved``/``SlaBreached`` for what completed now; ``False``
            for history (imports, the demo, a rebuild): the clocks are marked, nothing is
            emitted, as ``timeline.record_history`` does.

    Returns:
        The ticket's clocks as stored.
    """
    setup = setup or Setup.load()
    current = Ticket.objects.only(*_TICKET_FIELDS).filter(pk=ticket.pk).first()
    if current is None:
        return []
    return _replay_into_clocks(current, setup=setup, announce=announce)


def _replay_into_clocks(ticket: Ticket, *, setup: Setup, announce: bool) -> list[Clock]:
    """The full replay: the whole history read back and measured against the policy."""
    policy = policy_for(ticket, setup)
    runs = replay.replay(history_of(ticket), setup.targets(policy, ticket.team_id))
    stored = {(c.target, c.sequence): c for c in Clock.objects.filter(ticket_id=ticket.pk)}
    return _store(ticket, policy, runs, stored, announce=announce)


def _store(
    ticket: Ticket,
    policy: Policy | None,
    runs: Sequence[replay.ClockRun],
    stored: dict[tuple[str, int], Clock],
    *,
    announce: bool,
    summarise: bool = True,
) -> list[Clock]:
    """Write ``runs`` over the ``stored`` clocks: only what changed, the daily figures by the
    difference, the ticket's summary (unless the caller knows it is unchanged), and the
    targets met or missed just now."""
    outcome = _Outcome()
    # What the stored clocks add to the daily figures now; the replayed ones replace it.
    counted = stats.total(stored.values())
    now = timezone.now()
    to_create: list[Clock] = []
    to_update: list[Clock] = []
    kept: list[Clock] = []
    before_update = {c.pk: _snapshot(c) for c in stored.values()}
    for run in runs:
        clock = stored.pop((run.target, run.sequence), None)
        fresh = clock is None
        if clock is None:
            clock = Clock(ticket_id=ticket.pk, target=run.target, sequence=run.sequence)
        was_done_at = None if fresh or clock.state in OPEN_STATES else clock.ended_at
        clock.policy = policy
        clock.state = run.state
        clock.started_at = run.started_at
        clock.ended_at = run.ended_at
        clock.target_seconds = run.target_seconds
        clock.elapsed_seconds = run.elapsed_seconds
        clock.carried_seconds = run.carried_seconds
        clock.due_at = run.due_at
        clock.warn_at = run.warn_at
        clock.superseded = run.superseded
        clock.message_id = run.message_id
        clock.agent_id = run.agent_id
        if was_done_at is None or was_done_at != run.ended_at:
            # Reports count a finished clock for the team, channel and language it had then.
            clock.team_id = ticket.team_id
            clock.channel = ticket.channel
            clock.language = ticket.language
        if clock.breached_at is not None and clock.state == ClockState.MET:
            clock.state = ClockState.MISSED  # a breach, once recorded, stays
        if clock.state == ClockState.MISSED and clock.breached_at is None:
            clock.breached_at = clock.due_at or run.ended_at or now
            outcome.breached.append(clock)
        if (
            clock.state == ClockState.MET
            and clock.target_seconds is not None
            and clock.achieved_at is None
        ):
            clock.achieved_at = run.ended_at
            outcome.achieved.append(clock)
        clock.alarm_at = _alarm_at(clock)
        (to_create if fresh else to_update).append(clock)
        kept.append(clock)
    if stored:
        Clock.objects.filter(pk__in=[c.pk for c in stored.values()]).delete()
    if to_create:
        Clock.objects.bulk_create(to_create)
    if to_update:
        changed = [c for c in to_update if _differs(c, before_update[c.pk])]
        if changed:
            _update_clocks(changed)
    change = stats.total(kept)
    change.subtract(counted)
    add_to_days(change)
    if summarise:
        _summarise(ticket, policy, kept)
    if announce:
        for clock in outcome.breached:
            timeline.record(
                SlaBreached(
                    ticket=ticket,
                    target=clock.target,
                    clock_id=clock.pk,
                    due_at=clock.due_at or clock.breached_at or now,
                )
            )
        for clock in outcome.achieved:
            timeline.record(
                SlaAchieved(
                    ticket=ticket,
                    target=clock.target,
                    clock_id=clock.pk,
                    elapsed_seconds=clock.elapsed_seconds,
                    target_seconds=int(clock.target_seconds or 0),
                )
            )
    return kept


def _update_clocks(clocks: Sequence[Clock]) -> None:
    """Write the replayed fields of ``clocks`` back in one statement.

    On PostgreSQL an ``UPDATE … FROM (VALUES …)`` built by hand: ``bulk_update`` builds a
    ``CASE WHEN id = … THEN …`` expression per field and clock, which cost the ORM ~10 ms of
    CPU per call — the single most expensive step of a customer message's path (the coach's
    language moving a new ticket's two clocks). Elsewhere (SQLite in development),
    ``bulk_update``.
    """
    if connection.vendor != "postgresql":
        Clock.objects.bulk_update(clocks, _CLOCK_FIELDS)
        return
    fields = [Clock._meta.get_field(name) for name in _CLOCK_FIELDS]
    quote = connection.ops.quote_name
    # Each value cast to its column's type: a column that is NULL in every row would
    # otherwise reach the SET as text.
    assignments = ", ".join(
        f"{quote(f.column)} = v.{quote(f.column)}::{f.cast_db_type(connection)}" for f in fields
    )
    row = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    params: list[Any] = []
    for clock in sorted(clocks, key=lambda c: c.pk):  # rows locked in id order, as elsewhere
        params.append(clock.pk)
        params.extend(f.get_db_prep_save(getattr(clock, f.attname), connection) for f in fields)
    columns = ", ".join(quote(name) for name in ["id", *(f.column for f in fields)])
    table = quote(Clock._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS c SET {assignments} "
            f"FROM (VALUES {', '.join([row] * len(clocks))}) AS v({columns}) "
            f"WHERE c.{quote('id')} = v.{quote('id')}::bigint",
            params,
        )


def _snapshot(clock: Clock) -> tuple[Any, ...]:
    return tuple(
        getattr(clock, name if name not in ("policy", "message") else f"{name}_id")
        for name in _CLOCK_FIELDS
    )


def _differs(clock: Clock, before: tuple[Any, ...]) -> bool:
    return _snapshot(clock) != before


def add_to_days(changes: Counter[tuple[stats.RowKey, str]]) -> None:
    """Apply clock contributions (positive or negative) to the daily rows (one statement)."""
    rows = stats.by_row(changes)
    add_counts(
        ClockDay,
        [(stats.lookup(row), counts) for row, counts in rows.items()],
        counters=(*stats.COUNTS, *stats.HISTOGRAM),
    )


def add_counts(
    model: type[models.Model],
    rows: Sequence[tuple[dict[str, Any], dict[str, int]]],
    *,
    counters: Sequence[str],
) -> None:
    """Add counts to rows of a table of daily counters, creating the rows that are missing, in
    one round trip (on SQLite, one per 999 parameters): ``INSERT … ON CONFLICT (key) DO
    UPDATE SET n = n + EXCLUDED.n``
    (PostgreSQL and SQLite ≥ 3.24 alike).

    ``rows``: (the row's unique key as field → value, counter → amount). The key fields must
    be the model's one unique constraint. Two writers adding to the same new row cannot lose
    a count: the loser of the insert adds to the winner's row inside the same statement. Rows
    are written in key order, so concurrent batches lock them in the same order.
    """
    rows = [(key, counts) for key, counts in rows if any(counts.values())]
    if not rows:
        return
    names = [name for name in counters if any(counts.get(name) for _key, counts in rows)]
    key_fields = list(rows[0][0])
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    key_columns = [meta.get_field(name).column for name in key_fields]
    # Every counter is written on insert (the columns have no database default).
    columns = key_columns + [meta.get_field(name).column for name in counters]
    ordered = sorted(rows, key=lambda row: tuple(str(row[0][name]) for name in key_fields))
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(
        f"{quote(column)} = {table}.{quote(column)} + EXCLUDED.{quote(column)}"
        for column in (meta.get_field(name).column for name in names)
    )
    # One statement on PostgreSQL; SQLite caps the parameters of one statement (999 in
    # Django's view of it), so a big batch (a report rebuild, the demo's history) is cut.
    limit = connection.features.max_query_params
    per_statement = max(1, limit // len(columns)) if limit else len(ordered)
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), per_statement):
            part = ordered[start : start + per_statement]
            params: list[Any] = []
            for key, counts in part:
                params.extend(key[name] for name in key_fields)
                params.extend(int(counts.get(name, 0)) for name in counters)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "
                f"VALUES {', '.join([placeholders] * len(part))} "
                f"ON CONFLICT ({', '.join(quote(c) for c in key_columns)}) DO UPDATE SET {updates}",
                params,
            )


def rebuild_days() -> int:
    """Recount every daily row from the clocks (after an import or a bulk load)."""
    summed: Counter[tuple[stats.RowKey, str]] = Counter()
    for chunk in _chunks(Clock.objects.order_by("pk").iterator(chunk_size=5000), 5000):
        summed.update(stats.total(chunk))
    rows = stats.by_row(summed)
    with transaction.atomic():
        ClockDay.objects.all().delete()
        ClockDay.objects.bulk_create(
            [ClockDay(**stats.lookup(row), **counts) for row, counts in rows.items()],
            batch_size=2000,
        )
    return len(rows)


def _chunks(items: Iterable[Clock], size: int) -> Iterable[list[Clock]]:
    batch: list[Clock] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _summarise(ticket: Ticket, policy: Policy | None, clocks: Sequence[Clock]) -> None:
    running = [c for c in clocks if c.state == ClockState.RUNNING and c.due_at is not None]
    soonest = min(running, key=lambda c: c.due_at or timezone.now(), default=None)
    warn_at = min((c.warn_at for c in running if c.warn_at is not None), default=None)
    breached = any(c.breached_at is not None for c in clocks if c.state in OPEN_STATES)
    # One upsert (not update_or_create's read, then write: two or four round trips).
    TicketSla.objects.bulk_create(
        [
            TicketSla(
                ticket_id=ticket.pk,
                policy=policy,
                due_at=soonest.due_at if soonest else None,
                due_target=soonest.target if soonest else "",
                warn_at=warn_at,
                breached=breached,
            )
        ],
        update_conflicts=True,
        unique_fields=["ticket"],
        update_fields=["policy", "due_at", "due_target", "warn_at", "breached"],
    )


def refresh_tickets(ticket_ids: Iterable[int], *, announce: bool = True) -> int:
    """Refresh several tickets with one read of the policies; returns how many."""
    setup = Setup.load()
    count = 0
    for ticket_id in sorted(set(ticket_ids)):
        with events.atomic():
            refresh_ticket(Ticket(pk=ticket_id), setup=setup, announce=announce)
        count += 1
    return count


# --- moving the clocks on the change that moves them -------------------------------------------

#: Changes whose effect on the clocks only the whole history tells: a reply (which wait it
#: answers, met or missed), a status change (pauses, stops, reopens), a merge, and a team
#: change (the team's business hours measure every clock again).
NEEDS_REPLAY: tuple[type[events.TicketChange], ...] = (
    events.ReplyRecorded,
    events.StatusChanged,
    events.Merged,
    events.MergedFrom,
    events.TeamChanged,
)
#: Changes that may pick another policy; when the same one applies, only the open clocks'
#: team, channel and language (what reports count them under) follow the ticket.
FACTS = (
    events.PriorityChanged,
    events.TagsChanged,
    events.LanguageChanged,
    events.ChannelChanged,
)

_setup_cache: tuple[str, Setup] | None = None


def _setup_fingerprint() -> RawSQL:
    """One text that changes whenever a policy or business hours are added, changed or
    deleted, however that was done (a form, the admin, a queryset ``.update()`` or raw SQL,
    which move no ``updated_at``): a digest of every row's content, as the automation rules'
    cache keys on. Read in the same query as the ticket, so the cached setup costs no round
    trip of its own, and every process sees a change at its next ticket, whoever made it."""
    return RawSQL(f"{_content_digest(Policy)} || '/' || {_content_digest(BusinessHours)}", ())


def _content_digest(model: type[models.Model]) -> str:
    """A scalar subquery: every column of every row of ``model``'s table, in id order, as one
    value (on PostgreSQL the md5 of each row cast to text, so a column a migration adds is
    covered too; on SQLite the columns themselves, joined — a few KB for a desk's policies)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        return (
            f"(SELECT md5(COALESCE(string_agg(CAST(f AS text), ',' ORDER BY f.{quote('id')}), "
            f"'')) FROM {table} AS f)"
        )
    columns = " || '|' || ".join(
        f"COALESCE(CAST({quote(field.column)} AS TEXT), '-')"
        for field in model._meta.concrete_fields
    )
    return (
        f"(SELECT COALESCE(group_concat({columns}, ','), '') "
        f"FROM (SELECT * FROM {table} ORDER BY {quote('id')}))"
    )


def cached_setup(fingerprint: str) -> Setup:
    """The policies and hours, loaded again only when ``fingerprint`` moved."""
    global _setup_cache
    if _setup_cache is not None and _setup_cache[0] == fingerprint:
        return _setup_cache[1]
    # Loaded after the fingerprint was read: a change in between makes the next fingerprint
    # differ, so the cache can be reloaded needlessly but never kept stale.
    setup = Setup.load()
    _setup_cache = (fingerprint, setup)
    return setup


def _retiming_query(ticket_id: int) -> QuerySet[Ticket]:
    """The ticket with what the incremental rules ask about its clocks, in one query."""
    mine = {"ticket_id": OuterRef("pk")}
    return (
        Ticket.objects.only(*_TICKET_FIELDS)
        .filter(pk=ticket_id)
        .annotate(
            sla_setup=_setup_fingerprint(),
            sla_kept=Exists(TicketSla.objects.filter(**mine)),
            sla_policy_id=Subquery(TicketSla.objects.filter(**mine).values("policy_id")[:1]),
            clocked=Exists(Clock.objects.filter(**mine)),
            first_open=Exists(
                Clock.objects.filter(**mine, target=replay.FIRST_RESPONSE, state__in=OPEN_STATES)
            ),
            waiting=Exists(
                Clock.objects.filter(**mine, target=replay.NEXT_RESPONSE, state__in=OPEN_STATES)
            ),
        )[:1]
    )


#: A ticket id no ticket has: marks where the id goes in the compiled query.
_PLACEHOLDER = -7_316_000_001
#: The retiming query compiled once per database vendor: (SQL, parameters, the id's place).
_compiled: dict[str, tuple[str, list[Any], int]] = {}


def _ticket_for_retiming(ticket_id: int) -> Ticket | None:
    """:func:`_retiming_query`, compiled once per process: building its five subqueries costs
    the ORM about 2.5 ms of CPU per call, more than the query takes in PostgreSQL."""
    compiled = _compiled.get(connection.vendor)
    if compiled is None:
        query = _retiming_query(_PLACEHOLDER)
        sql, params = query.query.sql_with_params()
        places = [i for i, value in enumerate(params) if value == _PLACEHOLDER]
        if len(places) != 1:  # not where it can be swapped: use the ORM each time
            return _retiming_query(ticket_id).first()
        compiled = (sql, list(params), places[0])
        _compiled[connection.vendor] = compiled
    sql, params, place = compiled
    params = list(params)
    params[place] = ticket_id
    return next(iter(Ticket.objects.raw(sql, params)), None)


def retime(ticket_id: int, changes: Sequence[events.TicketChange]) -> None:
    """Bring the ticket's clocks up to date with ``changes`` (one dispatch's, all of this
    ticket): incrementally where the rules of ``docs/sla.md`` say what the change does
    without the rest of the history, by the full replay everywhere else.

    The incremental rules (each gives what the replay gives; ``test_clocks.py`` checks
    them against it):

    - a **new ticket** starts its first response and resolution clocks at its opening,
      measured against the policy it matches — the replay of a one-message history, with no
      history read back;
    - a **customer message** while the first response or a next response wait is open
      changes nothing (that wait answers it too); otherwise it starts a next response wait;
    - a change of **priority, tags, language or channel** under the same policy moves the
      open clocks to the ticket's new values (reports count them there).

    Everything else — replies, status changes, merges, a team change, a policy that no
    longer matches, a ticket without clocks yet, more than one message in the change — is
    replayed in full.
    """
    ticket = _ticket_for_retiming(ticket_id)
    if ticket is None:
        return
    setup = cached_setup(ticket.sla_setup)
    if not _retime_incrementally(ticket, changes, setup):
        _replay_into_clocks(ticket, setup=setup, announce=True)


def _retime_incrementally(
    ticket: Ticket, changes: Sequence[events.TicketChange], setup: Setup
) -> bool:
    """Apply ``changes`` without the history; ``False`` when only the full replay can tell."""
    if any(isinstance(change, NEEDS_REPLAY) for change in changes):
        return False
    if ticket.merged_into_id is not None or ticket.status not in replay.ACTIVE:
        return False
    opened = [c for c in changes if isinstance(c, events.TicketOpened)]
    wrote = [c for c in changes if isinstance(c, events.CustomerWrote)]
    policy = policy_for(ticket, setup)
    targets = setup.targets(policy, ticket.team_id)
    if opened:
        message = opened[0].message
        if (
            len(opened) > 1
            or wrote
            or ticket.clocked
            or ticket.status != "new"
            or message is None
            or message.kind != MessageKind.INCOMING
            or message.created_at < ticket.created_at
        ):
            return False
        # Whatever else this change did (tags, priority) is already on the ticket.
        history = replay.History(
            opened_at=ticket.created_at,
            turns=[replay.Turn(at=message.created_at, message_id=message.pk, customer=True)],
            assignee_id=ticket.assignee_id,
        )
        _store(ticket, policy, replay.replay(history, targets), {}, announce=True)
        return True
    if not ticket.clocked or not ticket.sla_kept:
        return False
    if (policy.pk if policy else None) != ticket.sla_policy_id:
        return False  # another policy applies now: every clock is measured again
    if len(wrote) > 1:
        return False
    starts_wait = bool(wrote) and not ticket.first_open and not ticket.waiting
    restamps = any(isinstance(change, FACTS) for change in changes)
    if not starts_wait and not restamps:
        return True  # the open wait answers this message too: nothing moves
    if not starts_wait and connection.vendor == "postgresql":
        _restamp_open_clocks(ticket)
        return True
    message = wrote[0].message if wrote else None
    if starts_wait and (message is None or message.kind != MessageKind.INCOMING):
        return False
    stored = {(c.target, c.sequence): c for c in Clock.objects.filter(ticket_id=ticket.pk)}
    runs = [_run_of(clock) for clock in stored.values()]
    if starts_wait and message is not None:
        if any(_latest(run) > message.created_at for run in runs):
            return False  # written before something the clocks already measured
        runs.append(
            replay.next_wait(
                replay.Turn(at=message.created_at, message_id=message.pk, customer=True),
                targets,
            )
        )
    # The summary (soonest deadline, policy, breach) moves only with a new running wait.
    _store(ticket, policy, runs, stored, announce=True, summarise=starts_wait)
    return True


def _restamp_open_clocks(ticket: Ticket) -> None:
    """Move the ticket's open clocks to its team, channel and language (what reports count
    them under) when only such a fact changed under the same policy: what ``_store`` does
    with the stored clocks replayed as they are (a finished clock keeps the values it ended
    with), in one ``UPDATE … RETURNING`` of the rows' previous values instead of a read and
    a write (PostgreSQL: the ``FROM`` of the table itself reads the rows as they were). The
    daily figures move by the difference, as ``_store`` moves them."""
    quote = connection.ops.quote_name
    table = quote(Clock._meta.db_table)
    columns = {name: quote(Clock._meta.get_field(name).column) for name in stats.COUNTED_FIELDS}
    team, channel, language = columns["team_id"], columns["channel"], columns["language"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS c SET {team} = %s, {channel} = %s, {language} = %s "
            f"FROM {table} AS old WHERE c.{quote('id')} = old.{quote('id')} "
            f"AND c.{quote('ticket_id')} = %s AND c.{columns['state']} = ANY(%s) "
            f"AND (c.{team} IS DISTINCT FROM %s OR c.{channel} <> %s OR c.{language} <> %s) "
            f"RETURNING {', '.join(f'old.{column}' for column in columns.values())}",
            [
                ticket.team_id,
                ticket.channel,
                ticket.language,
                ticket.pk,
                [str(state) for state in OPEN_STATES],
                ticket.team_id,
                ticket.channel,
                ticket.language,
            ],
        )
        before = [stats.CountedClock(*row) for row in cursor.fetchall()]
    if not before:
        return
    after = [
        replace(c, team_id=ticket.team_id, channel=ticket.channel, language=ticket.language)
        for c in before
    ]
    change = stats.total(after)
    change.subtract(stats.total(before))
    add_to_days(change)


def _latest(run: replay.ClockRun) -> datetime:
    return max(run.started_at, run.ended_at or run.started_at)


def _run_of(clock: Clock) -> replay.ClockRun:
    """A stored clock as the replay left it (what storing it again leaves unchanged)."""
    return replay.ClockRun(
        target=clock.target,
        sequence=clock.sequence,
        started_at=clock.started_at,
        state=clock.state,
        target_seconds=clock.target_seconds,
        message_id=clock.message_id,
        ended_at=clock.ended_at,
        elapsed_seconds=clock.elapsed_seconds,
        carried_seconds=clock.carried_seconds,
        due_at=clock.due_at,
        warn_at=clock.warn_at,
        agent_id=clock.agent_id,
        superseded=clock.superseded,
    )


# --- the minute check -------------------------------------------------------------------------

#: Sources of "warn me N minutes before a breach" leads (automation registers its rules').
_lead_sources: list[Callable[[], Iterable[int]]] = []


def register_lead_times(source: Callable[[], Iterable[int]]) -> None:
    """Ask the checker to also warn N minutes before each deadline, for each N ``source``
    returns (called once per check)."""
    if source not in _lead_sources:
        _lead_sources.append(source)


def lead_times() -> list[int]:
    leads: set[int] = set()
    for source in _lead_sources:
        leads.update(n for n in source() if isinstance(n, int) and n > 0)
    return sorted(leads)


def _minutes_left(due_at: datetime, now: datetime) -> int:
    return max(0, math.ceil((due_at - now).total_seconds() / 60))


@dataclass(frozen=True)
class CheckResult:
    warnings: int = 0
    breaches: int = 0


def check_deadlines(*, now: datetime | None = None) -> CheckResult:
    """Emit what came due: ``SlaWarning`` at a policy's warning share and at the leads rules
    asked for, ``SlaBreached`` when a deadline passes — each exactly once per clock.

    One indexed query (``alarm_at``) finds the policies' alarms; one more per run finds the
    running clocks within the longest lead.
    """
    now = now or timezone.now()
    warnings = breaches = 0
    due_ids = list(
        Clock.objects.filter(alarm_at__lte=now)
        .order_by("alarm_at")
        .values_list("pk", flat=True)[:CHECK_BATCH]
    )
    for clock_id in due_ids:
        w, b = _sound_alarm(clock_id, now)
        warnings += w
        breaches += b
    leads = lead_times()
    if leads:
        horizon = now + timedelta(minutes=max(leads))
        near = list(
            Clock.objects.filter(state=ClockState.RUNNING, due_at__gt=now, due_at__lte=horizon)
            .order_by("due_at")
            .values_list("pk", "due_at", "lead_alarmed_minutes")[:CHECK_BATCH]
        )
        for clock_id, due_at, alarmed in near:
            left = _minutes_left(due_at, now)
            fitting = [n for n in leads if n >= left and (alarmed is None or n < alarmed)]
            if fitting and _lead_alarm(clock_id, min(fitting), now):
                warnings += 1
    return CheckResult(warnings=warnings, breaches=breaches)


def _locked(clock_id: int) -> Clock | None:
    rows = Clock.objects.select_related("ticket").filter(pk=clock_id)
    return rows.select_for_update(of=("self",), no_key=True).first()


def _sound_alarm(clock_id: int, now: datetime) -> tuple[int, int]:
    warned = breached = 0
    with events.atomic():
        clock = _locked(clock_id)
        if clock is None:
            return 0, 0
        fields = ["alarm_at"]
        if clock.state in OPEN_STATES:
            if (
                clock.warned_at is None
                and clock.warn_at is not None
                and clock.warn_at <= now
                and clock.breached_at is None
            ):
                clock.warned_at = now
                fields.append("warned_at")
                if clock.due_at is not None and clock.due_at > now:
                    warned = 1
            if clock.breached_at is None and clock.due_at is not None and clock.due_at <= now:
                clock.breached_at = now
                clock.warned_at = clock.warned_at or now
                fields += ["breached_at", "warned_at"]
                breached = 1
        clock.alarm_at = _alarm_at(clock)
        clock.save(update_fields=sorted(set(fields)))
        if warned and clock.due_at is not None:
            timeline.record(
                SlaWarning(
                    ticket=clock.ticket,
                    target=clock.target,
                    clock_id=clock.pk,
                    due_at=clock.due_at,
                    minutes_left=_minutes_left(clock.due_at, now),
                )
            )
        if breached and clock.due_at is not None:
            TicketSla.objects.filter(ticket_id=clock.ticket_id).update(breached=True)
            timeline.record(
                SlaBreached(
                    ticket=clock.ticket,
                    target=clock.target,
                    clock_id=clock.pk,
                    due_at=clock.due_at,
                )
            )
    return warned, breached


def _lead_alarm(clock_id: int, lead: int, now: datetime) -> bool:
    with events.atomic():
        clock = _locked(clock_id)
        if (
            clock is None
            or clock.state != ClockState.RUNNING
            or clock.due_at is None
            or clock.due_at <= now
            or (clock.lead_alarmed_minutes is not None and clock.lead_alarmed_minutes <= lead)
        ):
            return False
        clock.lead_alarmed_minutes = lead
        clock.save(update_fields=["lead_alarmed_minutes"])
        timeline.record(
            SlaWarning(
                ticket=clock.ticket,
                target=clock.target,
                clock_id=clock.pk,
                due_at=clock.due_at,
                minutes_left=_minutes_left(clock.due_at, now),
                lead_minutes=lead,
            )
        )
    return True


# --- policies and hours (leads and admins) ------------------------------------------------------


def check_can_manage(agent: Agent) -> None:
    if not agent.is_lead:
        raise PermissionDenied(_("Only team leads and admins can change SLA policies."))


POLICY_FIELDS = (
    "name",
    "active",
    "position",
    "teams",
    "channels",
    "priorities",
    "languages",
    "tags",
    "customers",
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "business_hours",
    "warning_percent",
)


def clean_policy(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a policy's fields (raises ValidationError listing the problems)."""
    problems: list[str] = []
    clean: dict[str, Any] = {}
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 100 or "\x00" in name:
        problems.append(_("A policy needs a name of at most 100 characters."))
    clean["name"] = name
    clean["active"] = bool(data.get("active", True))
    position = data.get("position", 100)
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < 10**6:
        problems.append(_("The order must be a number from 0 to 999999."))
    clean["position"] = position
    checks: dict[str, dict[str, Any]] = {
        "teams": {"allowed": None, "integers": True},
        "channels": {"allowed": conditions.CHANNELS},
        "priorities": {"allowed": conditions.PRIORITIES, "integers": True},
        "languages": {"allowed": conditions.LANGUAGES},
        "tags": {"allowed": None},
        "customers": {"allowed": None, "integers": True},
    }
    for key, options in checks.items():
        try:
            values = conditions.check_list(data.get(key), name=key, **options)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if key == "tags":
            values = [v.strip().lower() for v in values if v.strip()]
        clean[key] = values
    for key in ("first_response_minutes", "next_response_minutes", "resolution_minutes"):
        try:
            clean[key] = conditions.check_minutes(data.get(key), name=key)
        except ValueError as exc:
            problems.append(str(exc))
    if not any(clean.get(k) for k in ("first_response_minutes", "next_response_minutes")) and (
        not clean.get("resolution_minutes")
    ):
        problems.append(_("Set at least one target."))
    clean["business_hours"] = bool(data.get("business_hours", True))
    warning = data.get("warning_percent", 80)
    if isinstance(warning, bool) or not isinstance(warning, int) or not 1 <= warning <= 100:
        problems.append(_("Warn at a share from 1 to 100 %."))
    clean["warning_percent"] = warning
    if problems:
        raise ValidationError(problems)
    return clean


def _affected_tickets(policies: Iterable[Policy]) -> list[int]:
    """Tickets with open clocks: a policy change re-times them (closed ones keep history)."""
    del policies  # any policy change can move any open ticket to another policy
    return list(
        Clock.objects.filter(state__in=OPEN_STATES)
        .values_list("ticket_id", flat=True)
        .distinct()[:50_000]
    )


def save_policy(*, by: Agent, policy: Policy | None, data: dict[str, Any]) -> Policy:
    """Create or change a policy; every ticket with a running clock is re-timed after commit."""
    check_can_manage(by)
    clean = clean_policy(data)
    with transaction.atomic():
        if policy is None:
            policy = Policy(created_by=by)
        for key, value in clean.items():
            setattr(policy, key, value)
        policy.save()
    transaction.on_commit(retime_open_tickets_task.delay)
    return policy


def delete_policy(*, by: Agent, policy: Policy) -> None:
    check_can_manage(by)
    policy.delete()
    transaction.on_commit(retime_open_tickets_task.delay)


def retime_open_tickets() -> int:
    """Replay every ticket with an open clock against the current policies (announcing what
    that completes, such as a target met under a longer new one)."""
    return refresh_tickets(_affected_tickets(()))


def save_business_hours(
    *,
    by: Agent,
    hours_row: BusinessHours | None,
    name: str,
    team_id: int | None,
    time_zone: str,
    week: dict[str, Any],
    holidays: list[str],
) -> BusinessHours:
    check_can_manage(by)
    row = hours_row or BusinessHours()
    row.name, row.team_id, row.time_zone = name.strip()[:100], team_id, time_zone
    row.week, row.holidays = week, holidays
    try:
        row.schedule()
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    row.save()
    transaction.on_commit(retime_open_tickets_task.delay)
    return row


# --- tasks (Celery discovers them through tactful.sla.tasks) -----------------------------------


@shared_task(name="tactful.sla.check_deadlines", ignore_result=True)
def check_deadlines_task() -> dict[str, int]:
    """Every minute (Celery beat): warnings and breaches that came due."""
    result = check_deadlines()
    return {"warnings": result.warnings, "breaches": result.breaches}


@shared_task(name="tactful.sla.retime_open_tickets", ignore_result=True)
def retime_open_tickets_task() -> int:
    """After a policy or business hours changed: re-time every ticket with an open clock."""
    return retime_open_tickets()
