"""The report queries: every figure is aggregated in SQL over narrow, indexed rows.

Three readings cover every report, each over the chosen period *and* the one before it, once
as a trend (totals per day, week or month) and once broken down (per agent, team, channel or
language, current and previous period side by side):

* :func:`times` — SLA clocks that ended: response and resolution times (median, p90), SLA
  met and missed, tickets solved;
* :func:`flow` — resolution clocks that started: tickets in, reopened; with the open ones at
  the start of the previous period, the backlog follows;
* :func:`coach` — the daily figures: replies, the coach's balance verdicts, next steps,
  over-apology, customer messages and abusive ones.

A viewer's :class:`Scope` narrows every query: admins see everything, leads their teams,
agents their own figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Trunc, TruncMonth, TruncWeek
from django.utils import timezone

from tactful.accounts.models import Agent
from tactful.reports.aggregates import Percentile
from tactful.reports.models import COUNTERS, DailyFigures
from tactful.reports.period import Period
from tactful.sla import stats
from tactful.sla.models import Clock, ClockDay, ClockState, Target
from tactful.tickets import permissions

#: Breakdowns offered, and the column each reads on clocks and daily figures.
DIMENSIONS = ("agent", "team", "channel", "language")
_CLOCK_COLUMN = {
    "agent": "agent_id",
    "team": "team_id",
    "channel": "channel",
    "language": "language",
}

DONE = Q(state__in=[ClockState.MET, ClockState.MISSED])
#: A resolution time counts once per ticket: the clock a reopen continued is left out.
FINAL = DONE & Q(superseded=False)


@dataclass(frozen=True)
class Scope:
    """Whose figures a viewer may read, and the page's own narrowing.

    ``team_ids`` ``None``: every team (admins). ``agent_id``: only that agent's own figures.
    """

    team_ids: tuple[int, ...] | None = None
    agent_id: int | None = None
    team: int | None = None
    channel: str = ""
    language: str = ""
    agent: int | None = None

    @property
    def own_figures_only(self) -> bool:
        return self.agent_id is not None

    def clock_filter(self) -> Q:
        q = Q()
        if self.team_ids is not None:
            q &= Q(team_id__in=self.team_ids)
        if self.agent_id is not None:
            q &= Q(agent_id=self.agent_id)
        if self.team is not None:
            q &= Q(team_id=self.team)
        if self.agent is not None:
            q &= Q(agent_id=self.agent)
        if self.channel:
            q &= Q(channel=self.channel)
        if self.language:
            q &= Q(language=self.language)
        return q

    def daily_filter(self) -> Q:
        # The same narrowing: the daily rows keep "none" as 0, and ids never are.
        return self.clock_filter()


def scope_for(
    viewer: Agent,
    *,
    team: int | None = None,
    agent: int | None = None,
    channel: str = "",
    language: str = "",
) -> Scope:
    """The scope of ``viewer``'s reports (the narrowing is only ever within it)."""
    if viewer.is_admin:
        return Scope(team=team, agent=agent, channel=channel, language=language)
    if viewer.is_lead:
        return Scope(
            team_ids=tuple(sorted(permissions.team_ids(viewer))),
            team=team,
            agent=agent,
            channel=channel,
            language=language,
        )
    return Scope(agent_id=int(viewer.pk), team=team, channel=channel, language=language)


def _slot(field: str, period: Period) -> Any:
    return Trunc(field, period.bucket, tzinfo=timezone.get_current_timezone())


def _is_current(field: str, period: Period) -> Case:
    moment: datetime | date = period.start if field.endswith("_at") else period.first
    return Case(
        When(**{f"{field}__gte": moment}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value  # type: ignore[no-any-return]


# --- times: clocks that ended -------------------------------------------------------------------


def _time_figures() -> dict[str, Any]:
    return {
        "median": Percentile("elapsed_seconds", 0.5, filter=FINAL),
        "p90": Percentile("elapsed_seconds", 0.9, filter=FINAL),
        "done": Count("id", filter=FINAL),
        "solved": Count("id", filter=DONE),
        "met": Count("id", filter=Q(state=ClockState.MET, target_seconds__isnull=False)),
        "missed": Count("id", filter=Q(state=ClockState.MISSED)),
        "ended": Count("id"),
    }


def _ended(scope: Scope, period: Period) -> QuerySet[Clock]:
    return Clock.objects.filter(
        scope.clock_filter(),
        target__in=Target.values,
        ended_at__gte=period.previous.start,
        ended_at__lt=period.end,
    )


def times(scope: Scope, period: Period, *, by: str) -> dict[str, list[dict[str, Any]]]:
    """Clocks that ended in the period or the one before: from the daily rows when the
    narrowing allows (see :func:`day_dimension`), otherwise live from the clocks."""
    dimension = day_dimension(scope, by)
    if dimension is not None:
        return _times_from_days(scope, period, by=by, dimension=dimension)
    return times_live(scope, period, by=by)


def times_live(scope: Scope, period: Period, *, by: str) -> dict[str, list[dict[str, Any]]]:
    """Clocks that ended in the period or the one before, read live (exact percentiles).

    Returns:
        ``trend``: per target and slot (``slot`` a date); ``breakdown``: per target, period
        (``current`` 1/0) and the ``by`` dimension (``key``); ``overall``: per target and
        period. Each row: ``median``, ``p90`` (working seconds), ``done``, ``solved``,
        ``met``, ``missed``, ``ended``. Three queries.
    """
    trend = [
        {**row, "slot": _as_date(row["slot"])}
        for row in _ended(scope, period)
        .annotate(slot=_slot("ended_at", period))
        .values("target", "slot")
        .annotate(**_time_figures())
        .order_by()
    ]
    column = _CLOCK_COLUMN[by]
    breakdown = [
        {**row, "key": row[column]}
        for row in _ended(scope, period)
        .annotate(current=_is_current("ended_at", period))
        .values("target", "current", column)
        .annotate(**_time_figures())
        .order_by()
    ]
    overall = list(
        _ended(scope, period)
        .annotate(current=_is_current("ended_at", period))
        .values("target", "current")
        .annotate(**_time_figures())
        .order_by()
    )
    return {"trend": trend, "breakdown": breakdown, "overall": overall}


# --- flow: resolution clocks that started -------------------------------------------------------


def flow(scope: Scope, period: Period, *, by: str) -> dict[str, list[dict[str, Any]]]:
    """Tickets in and reopened, and what was open at the start of the previous period:
    three queries (none for an agent's own figures: a ticket is theirs only once they act).
    """
    if scope.own_figures_only:
        return {"trend": [], "breakdown": [], "open_before": []}
    dimension = day_dimension(scope, by)
    if dimension is not None:
        return _flow_from_days(scope, period, by=by, dimension=dimension)
    return flow_live(scope, period, by=by)


def flow_live(scope: Scope, period: Period, *, by: str) -> dict[str, list[dict[str, Any]]]:
    """:func:`flow`, read live from the clocks."""
    started = Clock.objects.filter(
        scope.clock_filter(),
        target=Target.RESOLUTION,
        started_at__gte=period.previous.start,
        started_at__lt=period.end,
    )
    figures = {
        "opened": Count("id", filter=Q(sequence=0)),
        "reopened": Count("id", filter=Q(sequence__gt=0)),
    }
    trend = [
        {**row, "slot": _as_date(row["slot"])}
        for row in started.annotate(slot=_slot("started_at", period))
        .values("slot")
        .annotate(**figures)
        .order_by()
    ]
    column = _CLOCK_COLUMN[by]
    breakdown = [
        {**row, "key": row[column]}
        for row in started.annotate(current=_is_current("started_at", period))
        .values("current", column)
        .annotate(**figures)
        .order_by()
    ]
    before = period.previous.start
    open_before = [
        {**row, "key": row[column]}
        for row in Clock.objects.filter(
            Q(ended_at__isnull=True) | Q(ended_at__gte=before),
            scope.clock_filter(),
            target=Target.RESOLUTION,
            started_at__lt=before,
        )
        .values(column)
        .annotate(open=Count("id"))
        .order_by()
    ]
    return {"trend": trend, "breakdown": breakdown, "open_before": open_before}


# --- the same two readings from the daily SLA rows ---------------------------------------------


def day_dimension(scope: Scope, by: str) -> str | None:
    """Which dimension's daily rows answer this narrowing (``None``: more than one is asked
    for at once, such as per agent on one channel — then the clocks are read live)."""
    wanted: set[str] = set()
    if by != "team":
        wanted.add(by)
    if scope.agent_id is not None or scope.agent is not None:
        wanted.add("agent")
    if scope.channel:
        wanted.add("channel")
    if scope.language:
        wanted.add("language")
    if len(wanted) > 1:
        return None
    return wanted.pop() if wanted else "language"


def _days(scope: Scope, dimension: str) -> QuerySet[ClockDay]:
    q = Q(dimension=dimension)
    if scope.team_ids is not None:
        q &= Q(team_id__in=scope.team_ids)
    if scope.team is not None:
        q &= Q(team_id=scope.team)
    agent = scope.agent_id if scope.agent_id is not None else scope.agent
    if agent is not None:
        q &= Q(value=str(agent))
    if scope.channel:
        q &= Q(value=scope.channel)
    if scope.language:
        q &= Q(value=scope.language)
    return ClockDay.objects.filter(q)


def _day_slot(period: Period) -> Any:
    return {"day": F("day"), "week": TruncWeek("day"), "month": TruncMonth("day")}[period.bucket]


def _key_column(by: str) -> str:
    return "team_id" if by == "team" else "value"


def _key(by: str, value: Any) -> Any:
    if by == "agent":
        return int(value) or None
    if by == "team":
        return int(value) or None
    return value


def _with_percentiles(row: dict[str, Any]) -> dict[str, Any]:
    histogram = [row.pop(name) or 0 for name in stats.HISTOGRAM]
    row["median"] = stats.percentile(histogram, 0.5)
    row["p90"] = stats.percentile(histogram, 0.9)
    for name in stats.COUNTS:
        row[name] = row.get(name) or 0
    return row


_TIME_SUMS = {name: Sum(name) for name in (*stats.COUNTS, *stats.HISTOGRAM)}


def _times_from_days(
    scope: Scope, period: Period, *, by: str, dimension: str
) -> dict[str, list[dict[str, Any]]]:
    # Rows holding only starts (a ticket opened that day) say nothing about times.
    rows = _days(scope, dimension).filter(
        day__gte=period.previous.first, day__lte=period.last, ended__gt=0
    )
    trend = [
        _with_percentiles({**row, "slot": _as_date(row["slot"])})
        for row in rows.annotate(slot=_day_slot(period))
        .values("target", "slot")
        .annotate(**_TIME_SUMS)
        .order_by()
    ]
    column = _key_column(by)
    breakdown = [
        _with_percentiles({**row, "key": _key(by, row[column])})
        for row in rows.annotate(current=_is_current("day", period))
        .values("target", "current", column)
        .annotate(**_TIME_SUMS)
        .order_by()
    ]
    overall = [
        _with_percentiles(dict(row))
        for row in rows.annotate(current=_is_current("day", period))
        .values("target", "current")
        .annotate(**_TIME_SUMS)
        .order_by()
    ]
    return {"trend": trend, "breakdown": breakdown, "overall": overall}


def _flow_from_days(
    scope: Scope, period: Period, *, by: str, dimension: str
) -> dict[str, list[dict[str, Any]]]:
    rows = _days(scope, dimension).filter(target=Target.RESOLUTION)
    recent = rows.filter(day__gte=period.previous.first, day__lte=period.last)
    figures = {"opened": Sum("started"), "reopened": Sum("reopened")}
    trend = [
        {**row, "slot": _as_date(row["slot"])}
        for row in recent.annotate(slot=_day_slot(period))
        .values("slot")
        .annotate(**figures)
        .order_by()
    ]
    column = _key_column(by)
    breakdown = [
        {**row, "key": _key(by, row[column])}
        for row in recent.annotate(current=_is_current("day", period))
        .values("current", column)
        .annotate(**figures)
        .order_by()
    ]
    open_before = [
        {"key": _key(by, row[column]), "open": row["open"] or 0}
        for row in rows.filter(day__lt=period.previous.first)
        .values(column)
        .annotate(open=Sum(F("started") + F("reopened") - F("ended")))
        .order_by()
    ]
    return {"trend": trend, "breakdown": breakdown, "open_before": open_before}


# --- coach: the daily figures -------------------------------------------------------------------


def coach(scope: Scope, period: Period, *, by: str) -> dict[str, list[dict[str, Any]]]:
    """The daily figures of the period and the one before: two queries."""
    rows = DailyFigures.objects.filter(
        scope.daily_filter(), day__gte=period.previous.first, day__lte=period.last
    )
    sums = {name: Sum(name) for name in COUNTERS}
    slot: Any = {"day": "day", "week": TruncWeek("day"), "month": TruncMonth("day")}[period.bucket]
    trend_rows = (
        rows.values("day").annotate(**sums)
        if period.bucket == "day"
        else rows.annotate(slot=slot).values("slot").annotate(**sums)
    )
    trend = [
        {**row, "slot": _as_date(row.get("slot", row.get("day")))} for row in trend_rows.order_by()
    ]
    column = _CLOCK_COLUMN[by]
    breakdown = [
        {**row, "key": row[column]}
        for row in rows.annotate(current=_is_current("day", period))
        .values("current", column)
        .annotate(**sums)
        .order_by()
    ]
    return {"trend": trend, "breakdown": breakdown}


def satisfaction(scope: Scope, period: Period, *, by: str) -> None:
    """CSAT, once surveys exist (the satisfaction app): this is where its figures join the
    report — the page shows a column for them as soon as this returns rows shaped like
    :func:`coach`'s."""
    del scope, period, by
    return None
