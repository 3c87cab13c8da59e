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

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Trunc, TruncMonth, TruncWeek
from django.utils import timezone

from tactful.accounts.models import Agent
from tactful.reports.aggregates import Percentile
from tactful.reports.models import COUNTERS, DailyFigures
from tactful.reports.period import Period
from tactful.sla.models import Clock, ClockState, Target
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
    """Clocks that ended in the period or the one before.

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
