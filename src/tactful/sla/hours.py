"""Business-hours arithmetic: how much working time lies between two moments, and when a
given amount of it will have passed — pure Python (no Django), in any IANA time zone.

A :class:`WeeklyHours` is a time zone, opening intervals per weekday in local wall-clock
time, and holidays (local dates with no hours). :class:`CalendarHours` counts every second.
Both answer the two questions the SLA clocks ask:

* :meth:`~WeeklyHours.elapsed` — working seconds in ``[start, end)``;
* :meth:`~WeeklyHours.add` — the first moment at which ``seconds`` of working time have
  passed since ``start`` (``add(start, elapsed(start, end)) == end`` when ``end`` is inside
  working hours).

Local intervals are turned into instants day by day with :mod:`zoneinfo`, so a day on which
the clocks change is as long as it really is: an interval spanning the change counts the real
seconds between its ends (23 or 25 hours for a whole day). A local time the clocks skip (02:30
on a spring-forward night) is read with the offset before the change, as :mod:`zoneinfo` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

#: Minutes in a day: an interval may end at 24:00 (midnight of the next day).
DAY_MINUTES = 24 * 60
#: How far ahead :meth:`WeeklyHours.add` looks for working time before giving up (ten years of
#: holidays would be a configuration mistake, not a deadline).
MAX_DAYS_AHEAD = 3660


class Hours(Protocol):
    """What the SLA clocks need from a schedule."""

    def elapsed(self, start: datetime, end: datetime) -> float:
        """Working seconds in ``[start, end)`` (0 when ``end <= start``)."""
        ...

    def add(self, start: datetime, seconds: float) -> datetime:
        """The first moment at which ``seconds`` of working time have passed since ``start``."""
        ...


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business hours need time-zone-aware datetimes")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class CalendarHours:
    """Every second counts: round the clock, every day."""

    def elapsed(self, start: datetime, end: datetime) -> float:
        return max(0.0, (_aware(end) - _aware(start)).total_seconds())

    def add(self, start: datetime, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("cannot add negative working time")
        return _aware(start) + timedelta(seconds=seconds)


#: An opening interval in local minutes since midnight, ``0 <= start < end <= 1440``.
Interval = tuple[int, int]


def parse_clock(text: str) -> int:
    """``"09:30"`` → 570 minutes; ``"24:00"`` is the end of the day. Raises ValueError."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"not a time of day: {text!r}")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > DAY_MINUTES:
        raise ValueError(f"not a time of day: {text!r}")
    return value


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def normalize_intervals(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sorted, merged intervals; raises ValueError for an empty or reversed one."""
    spans = []
    for start, end in intervals:
        if not (0 <= start < end <= DAY_MINUTES):
            raise ValueError(
                f"an opening interval must end after it starts: {format_clock(start)}–"
                f"{format_clock(end)}"
            )
        spans.append((start, end))
    spans.sort()
    merged: list[Interval] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True)
class WeeklyHours:
    """Opening hours per weekday (0 = Monday) in ``zone``, closed on ``holidays``.

    Raises:
        ValueError: an unknown time zone, a bad interval, or a week with no hours at all.
    """

    zone: str
    week: Mapping[int, Sequence[Interval]]
    holidays: frozenset[date] = frozenset()
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)
    _week: tuple[tuple[Interval, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            tz = ZoneInfo(self.zone)
        except (KeyError, ValueError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone: {self.zone!r}") from exc
        days = []
        for weekday in range(7):
            days.append(normalize_intervals(self.week.get(weekday, ())))
        if not any(days):
            raise ValueError("business hours need at least one opening interval in the week")
        object.__setattr__(self, "_tz", tz)
        object.__setattr__(self, "_week", tuple(days))

    def _instant(self, day: date, minutes: int) -> datetime:
        if minutes >= DAY_MINUTES:
            day, minutes = day + timedelta(days=1), minutes - DAY_MINUTES
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self._tz)
        return local.astimezone(UTC)

    def openings(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """The day's opening intervals as UTC instants (none on a holiday)."""
        if day in self.holidays:
            return
        for start, end in self._week[day.weekday()]:
            opens, closes = self._instant(day, start), self._instant(day, end)
            if closes > opens:  # an interval inside a skipped hour has no length
                yield opens, closes

    def _local_day(self, moment: datetime) -> date:
        return moment.astimezone(self._tz).date()

    def elapsed(self, start: datetime, end: datetime) -> float:
        start, end = _aware(start), _aware(end)
        if end <= start:
            return 0.0
        total = 0.0
        # A day's intervals may reach past local midnight only at 24:00, so starting one day
        # early covers every interval that can overlap ``start``.
        day = self._local_day(start) - timedelta(days=1)
        last = self._local_day(end)
        while day <= last:
            for opens, closes in self.openings(day):
                lo, hi = max(opens, start), min(closes, end)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total

    def add(self, start: datetime, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("cannot add negative working time")
        start = _aware(start)
        remaining = seconds
        day = self._local_day(start) - timedelta(days=1)
        for _ in range(MAX_DAYS_AHEAD):
            for opens, closes in self.openings(day):
                if closes <= start:
                    continue
                lo = max(opens, start)
                length = (closes - lo).total_seconds()
                if remaining <= length:
                    return lo + timedelta(seconds=remaining)
                remaining -= length
            day += timedelta(days=1)
        raise ValueError("no working time within ten years: check the holidays")

    def is_open(self, moment: datetime) -> bool:
        moment = _aware(moment)
        day = self._local_day(moment)
        for candidate in (day - timedelta(days=1), day):
            for opens, closes in self.openings(candidate):
                if opens <= moment < closes:
                    return True
        return False


def weekly_hours(zone: str, week: object, holidays: object) -> WeeklyHours:
    """Build :class:`WeeklyHours` from stored JSON: ``{"0": [["09:00", "17:00"]], …}`` and
    ``["2026-12-25", …]``. Raises ValueError naming what is wrong."""
    if not isinstance(week, Mapping):
        raise ValueError("weekly hours must map weekdays to intervals")
    days: dict[int, list[Interval]] = {}
    for key, intervals in week.items():
        if str(key) not in {"0", "1", "2", "3", "4", "5", "6"}:
            raise ValueError(f"not a weekday (0 = Monday … 6 = Sunday): {key!r}")
        if not isinstance(intervals, list | tuple):
            raise ValueError("each weekday needs a list of [from, to] intervals")
        spans: list[Interval] = []
        for interval in intervals:
            if (
                not isinstance(interval, list | tuple)
                or len(interval) != 2
                or not all(isinstance(part, str) for part in interval)
            ):
                raise ValueError('an interval is ["HH:MM", "HH:MM"]')
            spans.append((parse_clock(interval[0]), parse_clock(interval[1])))
        days[int(key)] = list(normalize_intervals(spans))
    if not isinstance(holidays, list | tuple):
        raise ValueError("holidays must be a list of dates")
    dates: set[date] = set()
    for item in holidays:
        if not isinstance(item, str):
            raise ValueError(f"not a date: {item!r}")
        try:
            dates.add(date.fromisoformat(item))
        except ValueError as exc:
            raise ValueError(f"not a date (YYYY-MM-DD): {item!r}") from exc
    return WeeklyHours(zone=zone, week=days, holidays=frozenset(dates))
