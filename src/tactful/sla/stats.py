"""Daily SLA figures for reports: what each clock adds to the day it started and the day it
ended, and percentiles read back from log-scaled histograms.

A report over a quarter cannot sort every clock of a million tickets in under a second, so
each clock's contribution is kept per day, target, team and one other dimension (agent,
channel or language) in :class:`ClockDay`: starts, ends, met and missed, and a histogram of
working times in 48 buckets, each 1.3× wider than the last (from 30 s to ~76 days). A median
read from it is within half a bucket (±14 %) of the exact one, and usually much closer: the
value is interpolated inside its bucket. :func:`contributions` is the single definition;
``services.refresh_ticket`` applies the difference whenever a replay changes a clock.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from django.utils import timezone

if TYPE_CHECKING:
    from tactful.sla.models import Clock

FIRST_EDGE = 30.0
RATIO = 1.3
BUCKETS = 48
DIMENSIONS = ("agent", "channel", "language")
HISTOGRAM = tuple(f"h{i}" for i in range(BUCKETS))
COUNTS = ("started", "reopened", "ended", "solved", "done", "met", "missed")
_LOG_RATIO = math.log(RATIO)

#: ``(day, target, team_id, dimension, value)`` → the row a contribution goes into.
RowKey = tuple[date, str, int, str, str]


def bucket_of(seconds: float) -> int:
    """The histogram bucket of a working time: 0 holds [0, 30 s), bucket i ≥ 1 holds
    [30·1.3^(i−1), 30·1.3^i); the last bucket holds everything longer."""
    if seconds < FIRST_EDGE:
        return 0
    return min(BUCKETS - 1, 1 + int(math.log(seconds / FIRST_EDGE) / _LOG_RATIO))


def bounds(index: int) -> tuple[float, float]:
    if index == 0:
        return 0.0, FIRST_EDGE
    low = FIRST_EDGE * RATIO ** (index - 1)
    return low, low * RATIO


def percentile(histogram: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` percentile of the times counted in ``histogram``, interpolated
    (as ``percentile_cont`` ranks them: position ``fraction · (n − 1)``)."""
    total = sum(histogram)
    if total <= 0:
        return None
    rank = fraction * (total - 1)
    seen = 0.0
    for index, count in enumerate(histogram):
        if count <= 0:
            continue
        if rank < seen + count:
            low, high = bounds(index)
            share = (rank - seen + 0.5) / count
            if index == 0:
                return low + (high - low) * share
            return float(low * (high / low) ** share)
        seen += count
    return bounds(BUCKETS - 1)[1]


@dataclass(frozen=True)
class CountedClock:
    """The fields of a clock that the daily figures read: the one list of them. A stored
    ``Clock`` has the same attributes, so :func:`contributions` takes either; this is the
    snapshot of one (a row read back by ``services._restamp_open_clocks``)."""

    target: str
    sequence: int
    state: str
    started_at: datetime
    ended_at: datetime | None
    elapsed_seconds: float
    target_seconds: int | None
    superseded: bool
    team_id: int | None
    agent_id: int | None
    channel: str
    language: str


#: :class:`CountedClock`'s fields, in the order its constructor takes them.
COUNTED_FIELDS: tuple[str, ...] = tuple(field.name for field in fields(CountedClock))

#: What :func:`contributions` counts: a stored clock, or a snapshot of one.
ClockLike: TypeAlias = "CountedClock | Clock"


def _values(clock: ClockLike) -> dict[str, str]:
    return {
        "agent": str(clock.agent_id or 0),
        "channel": clock.channel or "",
        "language": clock.language or "",
    }


def contributions(clock: ClockLike) -> Counter[tuple[RowKey, str]]:
    """What one clock adds to the daily rows (for each of the three dimensions)."""
    added: Counter[tuple[RowKey, str]] = Counter()
    team = int(clock.team_id or 0)
    values = _values(clock)
    fields: list[tuple[date, str]] = []
    if clock.target == "resolution":
        day = timezone.localdate(clock.started_at)
        fields.append((day, "started" if clock.sequence == 0 else "reopened"))
    if clock.ended_at is not None:
        day = timezone.localdate(clock.ended_at)
        fields.append((day, "ended"))
        if clock.state in ("met", "missed"):
            fields.append((day, "solved"))
            if not clock.superseded:
                fields.append((day, "done"))
                fields.append((day, HISTOGRAM[bucket_of(clock.elapsed_seconds)]))
            if clock.target_seconds is not None:
                fields.append((day, clock.state))
    for day, name in fields:
        for dimension in DIMENSIONS:
            added[((day, clock.target, team, dimension, values[dimension]), name)] += 1
    return added


def total(clocks: Iterable[ClockLike]) -> Counter[tuple[RowKey, str]]:
    summed: Counter[tuple[RowKey, str]] = Counter()
    for clock in clocks:
        summed.update(contributions(clock))
    return summed


def by_row(changes: Counter[tuple[RowKey, str]]) -> dict[RowKey, dict[str, int]]:
    """Group ``(row, field) → n`` changes per row, dropping zeros."""
    rows: dict[RowKey, dict[str, int]] = {}
    for (row, name), n in changes.items():
        if n:
            rows.setdefault(row, {})[name] = n
    return rows


def lookup(row: RowKey) -> dict[str, Any]:
    day, target, team, dimension, value = row
    return {"day": day, "target": target, "team_id": team, "dimension": dimension, "value": value}
