"""Business-hours arithmetic, tested like a library: fixed cases across time-zone changes and
holidays, and properties that must hold for any schedule and any moment (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tactful.sla.hours import CalendarHours, WeeklyHours, normalize_intervals, parse_clock

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")
NINE_TO_FIVE = {d: [(9 * 60, 17 * 60)] for d in range(5)}
HOUR = 3600.0


def madrid(*args: int) -> datetime:
    return datetime(*args, tzinfo=MADRID)  # type: ignore[misc]


def office(zone: str = "Europe/Madrid", holidays: frozenset[date] = frozenset()) -> WeeklyHours:
    return WeeklyHours(zone=zone, week=NINE_TO_FIVE, holidays=holidays)


def test_a_working_day_has_eight_hours():
    hours = office()
    # Monday 2026-12-07, 00:00 to 24:00 local.
    assert hours.elapsed(madrid(2026, 12, 7), madrid(2026, 12, 8)) == 8 * HOUR


def test_the_weekend_does_not_count():
    hours = office()
    friday_4pm, monday_10am = madrid(2026, 12, 11, 16), madrid(2026, 12, 14, 10)
    assert hours.elapsed(friday_4pm, monday_10am) == 2 * HOUR
    assert hours.add(friday_4pm, 2 * HOUR) == monday_10am.astimezone(UTC)


def test_a_deadline_set_after_hours_starts_at_the_next_opening():
    hours = office()
    assert hours.add(madrid(2026, 12, 7, 20), 30 * 60) == madrid(2026, 12, 8, 9, 30)
    assert hours.add(madrid(2026, 12, 7, 17), 0) == madrid(2026, 12, 8, 9)


def test_holidays_are_closed():
    christmas = date(2026, 12, 25)  # a Friday
    hours = office(holidays=frozenset({christmas}))
    thursday_4pm = madrid(2026, 12, 24, 16)
    assert hours.add(thursday_4pm, 2 * HOUR) == madrid(2026, 12, 28, 10)
    assert hours.elapsed(madrid(2026, 12, 25), madrid(2026, 12, 26)) == 0


def test_the_spring_forward_night_is_an_hour_short():
    """Round-the-clock hours on the day Madrid moves to summer time: 23 real hours."""
    hours = WeeklyHours(zone="Europe/Madrid", week={d: [(0, 1440)] for d in range(7)})
    day_start, next_day = madrid(2026, 3, 29), madrid(2026, 3, 30)
    assert hours.elapsed(day_start, next_day) == 23 * HOUR
    assert hours.add(day_start, 23 * HOUR) == next_day.astimezone(UTC)


def test_the_fall_back_night_is_an_hour_long():
    hours = WeeklyHours(zone="America/New_York", week={d: [(0, 1440)] for d in range(7)})
    day_start = datetime(2026, 11, 1, tzinfo=NEW_YORK)
    next_day = datetime(2026, 11, 2, tzinfo=NEW_YORK)
    assert hours.elapsed(day_start, next_day) == 25 * HOUR


def test_office_hours_keep_their_local_times_across_a_time_change():
    """9–17 in Madrid is 8–16 UTC in winter and 7–15 UTC in summer; each day still has 8 h."""
    hours = office()
    friday = madrid(2026, 3, 27, 16)  # the last winter Friday, 16:00 CET
    due = hours.add(friday, 4 * HOUR)  # 1 h on Friday, 3 h on Monday (summer time)
    assert due == madrid(2026, 3, 30, 12).astimezone(UTC)
    assert due == datetime(2026, 3, 30, 10, tzinfo=UTC)
    assert hours.elapsed(friday, due) == 4 * HOUR


def test_an_interval_in_the_skipped_hour_has_no_length():
    hours = WeeklyHours(zone="Europe/Madrid", week={6: [(2 * 60, 3 * 60)], 0: [(9 * 60, 10 * 60)]})
    assert hours.elapsed(madrid(2026, 3, 29), madrid(2026, 3, 30)) == 0


def test_a_week_without_hours_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        WeeklyHours(zone="UTC", week={})
    with pytest.raises(ValueError, match="time zone"):
        WeeklyHours(zone="Mars/Olympus", week=NINE_TO_FIVE)
    with pytest.raises(ValueError):
        normalize_intervals([(17 * 60, 9 * 60)])


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        office().elapsed(datetime(2026, 1, 1), datetime(2026, 1, 2))
    with pytest.raises(ValueError, match="negative"):
        CalendarHours().add(datetime(2026, 1, 1, tzinfo=UTC), -1)


def test_endless_holidays_give_up_with_a_clear_error():
    monday_only = WeeklyHours(
        zone="UTC",
        week={0: [(540, 600)]},
        holidays=frozenset(date(2026, 1, 5) + timedelta(weeks=w) for w in range(600)),
    )
    with pytest.raises(ValueError, match="ten years"):
        monday_only.add(datetime(2026, 1, 1, tzinfo=UTC), 3600 * 10_000)


@pytest.mark.parametrize(
    ("text", "minutes"), [("09:00", 540), ("9:30", 570), ("24:00", 1440), ("00:00", 0)]
)
def test_clock_times_parse(text, minutes):
    assert parse_clock(text) == minutes


@pytest.mark.parametrize("text", ["", "9", "25:00", "09:60", "24:01", "ab:cd", "9:5", "-1:00"])
def test_bad_clock_times_are_refused(text):
    with pytest.raises(ValueError):
        parse_clock(text)


# --- properties -------------------------------------------------------------------------------

ZONES = ["UTC", "Europe/Madrid", "America/New_York", "Europe/Moscow", "Australia/Lord_Howe"]
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@st.composite
def schedules(draw: st.DrawFn) -> WeeklyHours:
    week: dict[int, list[tuple[int, int]]] = {}
    for weekday in range(7):
        cuts = sorted(draw(st.sets(st.integers(0, 48), max_size=4)))
        pairs = [(a * 30, b * 30) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]
        if pairs:
            week[weekday] = pairs
    assume(week)
    holidays = draw(st.frozensets(st.dates(date(2025, 1, 1), date(2027, 12, 31)), max_size=20))
    return WeeklyHours(zone=draw(st.sampled_from(ZONES)), week=week, holidays=holidays)


@settings(max_examples=150, deadline=None)
@given(hours=schedules(), start=moments, seconds=st.floats(0, 40 * 24 * HOUR))
def test_adding_then_measuring_gives_the_same_time(hours, start, seconds):
    # A target longer than ten years of this schedule's working time is refused by design
    # (``add`` raises); keep to what five years of it can hold, holidays aside.
    weekly = sum(end - begin for spans in hours.week.values() for begin, end in spans) * 60
    assume(seconds <= weekly * 52 * 5)
    due = hours.add(start, seconds)
    assert due >= start
    assert hours.elapsed(start, due) == pytest.approx(seconds, abs=1e-3)


@settings(max_examples=150, deadline=None)
@given(hours=schedules(), a=moments, b=moments, c=moments)
def test_working_time_adds_up_over_consecutive_spans(hours, a, b, c):
    a, b, c = sorted([a, b, c])
    assert hours.elapsed(a, b) + hours.elapsed(b, c) == pytest.approx(hours.elapsed(a, c), abs=1e-3)
    assert 0 <= hours.elapsed(a, c) <= (c - a).total_seconds() + 1e-6


@settings(max_examples=100, deadline=None)
@given(
    hours=schedules(),
    start=moments,
    first=st.floats(0, 10 * 24 * HOUR),
    second=st.floats(0, 10 * 24 * HOUR),
)
def test_adding_in_two_steps_is_adding_once(hours, start, first, second):
    """A paused clock that resumes exactly where it stopped loses and gains nothing."""
    once = hours.add(start, first + second)
    twice = hours.add(hours.add(start, first), second)
    assert abs((once - twice).total_seconds()) < 1e-3


@settings(max_examples=100, deadline=None)
@given(hours=schedules(), start=moments, seconds=st.floats(1, 10 * 24 * HOUR))
def test_a_deadline_falls_inside_working_hours(hours, start, seconds):
    due = hours.add(start, seconds)
    # Just before the deadline the office is open (the last working second is spent then).
    assert hours.is_open(due - timedelta(microseconds=500))


@settings(max_examples=60, deadline=None)
@given(start=moments, end=moments)
def test_round_the_clock_hours_are_the_calendar(start, end):
    start, end = sorted([start, end])
    always = WeeklyHours(zone="Europe/Madrid", week={d: [(0, 1440)] for d in range(7)})
    assert always.elapsed(start, end) == pytest.approx(CalendarHours().elapsed(start, end))
