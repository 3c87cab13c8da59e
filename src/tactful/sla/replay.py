"""The SLA rules as one pure function: a ticket's history and targets in, its clocks out.

:func:`replay` walks the conversation (customer turns, public replies by agents) and the
status changes in time order and says, for each thing the ticket is measured on, when it
started, how much working time it has used, whether it met its target, and — while it runs —
when it is due and when to warn. No database: :mod:`tactful.sla.services` gathers the
history, calls this, and stores the answer. The rules are written out in ``docs/sla.md``;
each one has a test in ``tests/test_rules.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tactful.sla.hours import CalendarHours, Hours

FIRST_RESPONSE = "first_response"
NEXT_RESPONSE = "next_response"
RESOLUTION = "resolution"

RUNNING, PAUSED, MET, MISSED, STOPPED = "running", "paused", "met", "missed", "stopped"
ACTIVE = frozenset({"new", "open"})
WAITING = "pending"
DONE = frozenset({"solved", "closed"})


@dataclass(frozen=True, slots=True)
class Turn:
    """A customer message, or a public reply by an agent (``agent_id``)."""

    at: datetime
    message_id: int
    customer: bool
    agent_id: int | None = None


@dataclass(frozen=True, slots=True)
class StatusMove:
    at: datetime
    status: str
    by_id: int | None = None


@dataclass(frozen=True)
class History:
    """What happened to a ticket, as the clocks read it.

    ``turns`` holds customer messages and public replies by agents only: internal notes and
    Tactful's own automatic replies are never a response. ``merged_at``: when the ticket was
    merged into another (its clocks stop there).
    """

    opened_at: datetime
    turns: Sequence[Turn] = ()
    moves: Sequence[StatusMove] = ()
    merged_at: datetime | None = None
    assignee_id: int | None = None
    initial_status: str = "new"


@dataclass(frozen=True)
class Targets:
    """Working seconds allowed per target (``None``: not measured against a target)."""

    first_response: int | None = None
    next_response: int | None = None
    resolution: int | None = None
    warning_share: float = 0.8
    hours: Hours = field(default_factory=CalendarHours)

    def seconds(self, target: str) -> int | None:
        value: int | None = getattr(self, target)
        return value


@dataclass
class ClockRun:
    """One clock as the history leaves it (see ``sla.models.Clock`` for the fields)."""

    target: str
    sequence: int
    started_at: datetime
    state: str
    target_seconds: int | None
    message_id: int | None = None
    ended_at: datetime | None = None
    elapsed_seconds: float = 0.0
    carried_seconds: float = 0.0
    due_at: datetime | None = None
    warn_at: datetime | None = None
    agent_id: int | None = None
    superseded: bool = False
    # While open: the start of the running stretch (None when paused).
    running_since: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state in (RUNNING, PAUSED)


class _Replay:
    def __init__(self, history: History, targets: Targets) -> None:
        self.history = history
        self.targets = targets
        self.hours = targets.hours
        self.clocks: list[ClockRun] = []
        self.status = history.initial_status
        self.next_wait: ClockRun | None = None
        first_turn = next(
            (t for t in history.turns if t.customer and t.at >= history.opened_at), None
        )
        message_id = first_turn.message_id if first_turn else None
        self.first = self._start(FIRST_RESPONSE, 0, history.opened_at, message_id)
        self.resolution = self._start(RESOLUTION, 0, history.opened_at, message_id)

    # --- clock arithmetic ---------------------------------------------------------------------

    def _start(self, target: str, sequence: int, at: datetime, message_id: int | None) -> ClockRun:
        running = self.status in ACTIVE
        clock = ClockRun(
            target=target,
            sequence=sequence,
            started_at=at,
            state=RUNNING if running else PAUSED,
            target_seconds=self.targets.seconds(target),
            message_id=message_id,
            running_since=at if running else None,
        )
        self.clocks.append(clock)
        return clock

    def _crossings(self, clock: ClockRun, since: datetime, spent: float) -> None:
        """Note the deadline and the warning when the stretch from ``since`` crosses them."""
        if clock.target_seconds is None:
            return
        before, after = clock.elapsed_seconds, clock.elapsed_seconds + spent
        limit = float(clock.target_seconds)
        warn = limit * self.targets.warning_share
        if clock.due_at is None and before < limit <= after:
            clock.due_at = self.hours.add(since, limit - before)
        if clock.warn_at is None and before < warn <= after:
            clock.warn_at = self.hours.add(since, warn - before)

    def _halt(self, clock: ClockRun, at: datetime) -> None:
        """End the running stretch at ``at`` (adding its working time)."""
        if clock.running_since is None:
            return
        since = clock.running_since
        spent = self.hours.elapsed(since, at)
        self._crossings(clock, since, spent)
        clock.elapsed_seconds += spent
        clock.running_since = None

    def _pause(self, clock: ClockRun, at: datetime) -> None:
        self._halt(clock, at)
        clock.state = PAUSED

    def _resume(self, clock: ClockRun, at: datetime) -> None:
        if clock.state == PAUSED:
            clock.state = RUNNING
            clock.running_since = at

    def _complete(self, clock: ClockRun, at: datetime, agent_id: int | None) -> None:
        self._halt(clock, at)
        clock.ended_at = at
        clock.agent_id = agent_id
        limit = clock.target_seconds
        clock.state = MISSED if limit is not None and clock.elapsed_seconds > limit else MET

    def _stop(self, clock: ClockRun, at: datetime) -> None:
        self._halt(clock, at)
        clock.ended_at = at
        clock.state = STOPPED

    def _open(self) -> list[ClockRun]:
        return [clock for clock in self.clocks if clock.is_open]

    # --- what happens -------------------------------------------------------------------------

    def customer_wrote(self, turn: Turn) -> None:
        if self.first.is_open:
            return  # the first response answers this message too
        if self.next_wait is None:
            self.next_wait = self._start(NEXT_RESPONSE, turn.message_id, turn.at, turn.message_id)

    def agent_replied(self, turn: Turn) -> None:
        if self.first.is_open:
            self._complete(self.first, turn.at, turn.agent_id)
        elif self.next_wait is not None:
            self._complete(self.next_wait, turn.at, turn.agent_id)
            self.next_wait = None

    def status_moved(self, move: StatusMove) -> None:
        before, after = self.status, move.status
        if after == before:
            return
        self.status = after
        if before in DONE and after not in DONE:
            self._reopen(move.at)
        if after == WAITING:
            for clock in self._open():
                self._pause(clock, move.at)
        elif after in ACTIVE:
            for clock in self._open():
                self._resume(clock, move.at)
        elif after in DONE and before not in DONE:
            for clock in self._open():
                if clock.target == RESOLUTION:
                    self._complete(clock, move.at, move.by_id or self.history.assignee_id)
                else:
                    self._stop(clock, move.at)
            self.next_wait = None

    def _reopen(self, at: datetime) -> None:
        previous = self.resolution
        previous.superseded = True
        self.resolution = self._start(RESOLUTION, previous.sequence + 1, at, None)
        # Resumed with the other open clocks just after (or left paused by a reopen to pending).
        self.resolution.state = PAUSED
        self.resolution.running_since = None
        self.resolution.carried_seconds = previous.elapsed_seconds
        self.resolution.elapsed_seconds = previous.elapsed_seconds
        # A deadline already passed before the reopen stays passed.
        self.resolution.due_at = previous.due_at
        self.resolution.warn_at = previous.warn_at

    def merged(self, at: datetime) -> None:
        for clock in self._open():
            self._stop(clock, at)
        self.next_wait = None

    def finish(self) -> list[ClockRun]:
        """Deadlines of the clocks still running, as of the end of the history."""
        for clock in self._open():
            limit = clock.target_seconds
            if limit is None:
                continue
            warn = limit * self.targets.warning_share
            since = clock.running_since
            if since is None:
                continue  # paused: due again only once it resumes (a passed one stays)
            if clock.due_at is None:
                clock.due_at = self.hours.add(since, max(0.0, limit - clock.elapsed_seconds))
            if clock.warn_at is None:
                clock.warn_at = self.hours.add(since, max(0.0, warn - clock.elapsed_seconds))
        return self.clocks


def replay(history: History, targets: Targets) -> list[ClockRun]:
    """The ticket's clocks after everything in ``history`` (see ``docs/sla.md``).

    Returns:
        Every clock the ticket ran, in the order they started. Open clocks carry the working
        time used up to their last pause (``elapsed_seconds``) and, while running, the
        moment they are due and the moment to warn.
    """
    run = _Replay(history, targets)
    points: list[tuple[datetime, int, int, object]] = []
    for position, turn in enumerate(history.turns):
        # Turns before the ticket opened came with a merged-in ticket: its own clocks
        # measured them.
        if turn.at >= history.opened_at:
            points.append((turn.at, 0, position, turn))
    for position, move in enumerate(history.moves):
        points.append((move.at, 1, position, move))
    points.sort(key=lambda point: point[:3])
    for at, _rank, _position, item in points:
        if history.merged_at is not None and at > history.merged_at:
            break
        if isinstance(item, Turn):
            if item.customer:
                run.customer_wrote(item)
            else:
                run.agent_replied(item)
        elif isinstance(item, StatusMove):
            run.status_moved(item)
    if history.merged_at is not None:
        run.merged(history.merged_at)
    return run.finish()


def next_wait(turn: Turn, targets: Targets) -> ClockRun:
    """The next response wait a customer message starts on an active ticket whose earlier
    waits are all answered: the clock :func:`replay` adds for it, with its deadline (for
    keeping the clocks without replaying the whole history)."""
    run = _Replay(History(opened_at=turn.at), targets)
    wait = run._start(NEXT_RESPONSE, turn.message_id, turn.at, turn.message_id)
    run.clocks = [wait]
    run.finish()
    return wait
