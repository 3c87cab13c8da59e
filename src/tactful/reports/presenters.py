"""The reports as people read them: headline figures with the previous period beside them,
chart series for Chart.js, and the breakdown table (the CSV export is the same table)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from tactful.accounts.models import Agent, Team
from tactful.customers.models import Channel, Language
from tactful.reports import selectors
from tactful.reports.models import COUNTERS
from tactful.reports.period import Period
from tactful.sla.models import Target

TARGETS = (Target.FIRST_RESPONSE.value, Target.NEXT_RESPONSE.value, Target.RESOLUTION.value)
HOUR = 3600.0

Bag = dict[str, float]


def _ratio(part: float | None, whole: float | None) -> float | None:
    if not whole or part is None:
        return None
    return round(100.0 * part / whole, 1)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 2)


@dataclass(frozen=True)
class Metric:
    """One figure of the report: how to compute it from a bag of aggregates."""

    key: str
    label: Any
    unit: str  # "h" hours, "%" percent, "" a count
    better: str  # "lower", "higher" or "" (neither)
    compute: Callable[[Bag], float | None]


def _in_words(text: str, name: Any) -> Any:
    """``text % {"target": name}``, translated when it is printed (not at import)."""
    return lazy(lambda: _(text) % {"target": name}, str)()


def _target_metrics(target: str, name: Any) -> list[Metric]:
    return [
        Metric(
            f"{target}_median",
            _in_words(gettext_noop("%(target)s, median"), name),
            "h",
            "lower",
            lambda b, t=target: _hours(b.get(f"{t}_median")),
        ),
        Metric(
            f"{target}_p90",
            _in_words(gettext_noop("%(target)s, 90th percentile"), name),
            "h",
            "lower",
            lambda b, t=target: _hours(b.get(f"{t}_p90")),
        ),
    ]


def _sla(b: Bag, targets: Iterable[str]) -> float | None:
    met = sum(b.get(f"{t}_met", 0) for t in targets)
    missed = sum(b.get(f"{t}_missed", 0) for t in targets)
    return _ratio(met, met + missed)


METRICS: list[Metric] = [
    *_target_metrics("first_response", gettext_lazy("First response")),
    *_target_metrics("next_response", gettext_lazy("Next response")),
    *_target_metrics("resolution", gettext_lazy("Resolution")),
    Metric("tickets_in", gettext_lazy("Tickets in"), "", "", lambda b: b.get("opened")),
    Metric("solved", gettext_lazy("Solved"), "", "higher", lambda b: b.get("resolution_solved")),
    Metric(
        "reopen_rate",
        gettext_lazy("Reopened, as a share of solved (%)"),
        "%",
        "lower",
        lambda b: _ratio(b.get("reopened"), b.get("resolution_solved")),
    ),
    Metric("backlog", gettext_lazy("Backlog at the end"), "", "lower", lambda b: b.get("backlog")),
    Metric(
        "sla_achievement",
        gettext_lazy("SLA achieved (%)"),
        "%",
        "higher",
        lambda b: _sla(b, TARGETS),
    ),
    Metric(
        "first_response_sla",
        gettext_lazy("First response SLA (%)"),
        "%",
        "higher",
        lambda b: _sla(b, ("first_response",)),
    ),
    Metric("replies", gettext_lazy("Replies"), "", "", lambda b: b.get("replies")),
    Metric(
        "too_little",
        gettext_lazy("Too little empathy (%)"),
        "%",
        "lower",
        lambda b: _ratio(b.get("too_little"), b.get("reviewed")),
    ),
    Metric(
        "balanced",
        gettext_lazy("Balanced empathy (%)"),
        "%",
        "higher",
        lambda b: _ratio(b.get("balanced"), b.get("reviewed")),
    ),
    Metric(
        "too_much",
        gettext_lazy("Too much empathy (%)"),
        "%",
        "lower",
        lambda b: _ratio(b.get("too_much"), b.get("reviewed")),
    ),
    Metric(
        "action_rate",
        gettext_lazy("Replies with a next step (%)"),
        "%",
        "higher",
        lambda b: _ratio(b.get("with_next_step"), b.get("reviewed")),
    ),
    Metric(
        "over_apology",
        gettext_lazy("Over-apologising replies (%)"),
        "%",
        "lower",
        lambda b: _ratio(b.get("over_apology"), b.get("reviewed")),
    ),
    Metric(
        "abusive",
        gettext_lazy("Abusive messages received"),
        "",
        "",
        lambda b: b.get("abusive_messages"),
    ),
]
#: What an agent's own report leaves out: tickets in and the backlog are the team's.
TEAM_ONLY = {"tickets_in", "backlog", "reopen_rate"}


def _fill(bag: Bag, row: dict[str, Any], target: str | None = None) -> None:
    prefix = f"{target}_" if target else ""
    for name in ("median", "p90"):
        if row.get(name) is not None:
            bag[prefix + name] = float(row[name])
    for name in ("done", "solved", "met", "missed", "ended", "opened", "reopened", *COUNTERS):
        if row.get(name) is not None:
            bag[prefix + name] = bag.get(prefix + name, 0.0) + float(row[name])


@dataclass
class Readings:
    """The raw query results of one report page."""

    times: dict[str, list[dict[str, Any]]]
    flow: dict[str, list[dict[str, Any]]]
    coach: dict[str, list[dict[str, Any]]]


def read(scope: selectors.Scope, period: Period, *, by: str) -> Readings:
    """Every query of the report page (eight at most)."""
    return Readings(
        times=selectors.times(scope, period, by=by),
        flow=selectors.flow(scope, period, by=by),
        coach=selectors.coach(scope, period, by=by),
    )


@dataclass(frozen=True)
class Cell:
    current: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return round(self.current - self.previous, 2)


@dataclass
class Row:
    key: Any
    label: str
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass
class Report:
    period: Period
    by: str
    metrics: list[Metric]
    headline: dict[str, Cell]
    rows: list[Row]
    chart: dict[str, Any]


def _backlog_start(readings: Readings, period: Period) -> tuple[float, float]:
    """Open tickets at the start of the previous period and of the period itself."""
    before = sum(float(r["open"]) for r in readings.flow.get("open_before", []))
    prev_in = sum(
        float(r["opened"]) + float(r["reopened"])
        for r in readings.flow["breakdown"]
        if not r["current"]
    )
    prev_out = sum(
        float(r["ended"])
        for r in readings.times["overall"]
        if r["target"] == Target.RESOLUTION and not r["current"]
    )
    return before, before + prev_in - prev_out


def _same_key(by: str, key: Any) -> Any:
    """One key for "none": the daily rows write 0 where the clocks write NULL."""
    return None if by in ("agent", "team") and not key else key


def build(readings: Readings, period: Period, *, by: str, own_figures_only: bool) -> Report:
    metrics = [m for m in METRICS if not (own_figures_only and m.key in TEAM_ONLY)]
    for section in (readings.times, readings.flow, readings.coach):
        for name in ("breakdown", "open_before"):
            for row in section.get(name, []):
                row["key"] = _same_key(by, row["key"])
    bags: dict[tuple[int, Any], Bag] = defaultdict(dict)
    for row in readings.times["breakdown"]:
        _fill(bags[(row["current"], row["key"])], row, row["target"])
    for row in readings.flow["breakdown"]:
        _fill(bags[(row["current"], row["key"])], row)
    for row in readings.coach["breakdown"]:
        _fill(bags[(row["current"], row["key"])], row)
    # Backlog per key: open before the previous period, plus what came in, less what ended.
    open_before = {r["key"]: float(r["open"]) for r in readings.flow.get("open_before", [])}
    keys = {key for _current, key in bags} | set(open_before)
    if not own_figures_only:
        for key in keys:
            previous = bags[(0, key)]
            current = bags[(1, key)]
            end_previous = (
                open_before.get(key, 0.0)
                + previous.get("opened", 0.0)
                + previous.get("reopened", 0.0)
                - previous.get("resolution_ended", 0.0)
            )
            previous["backlog"] = end_previous
            current["backlog"] = (
                end_previous
                + current.get("opened", 0.0)
                + current.get("reopened", 0.0)
                - current.get("resolution_ended", 0.0)
            )
    labels = _labels(by, keys)
    rows = []
    for key in sorted(keys, key=lambda k: labels.get(k, str(k)).lower()):
        row = Row(key=key, label=labels.get(key, str(key)))
        for metric in metrics:
            row.cells[metric.key] = Cell(
                metric.compute(bags.get((1, key), {})), metric.compute(bags.get((0, key), {}))
            )
        rows.append(row)
    # Headline: percentiles from the overall reading, counts summed over the breakdown.
    totals: dict[int, Bag] = {0: {}, 1: {}}
    for row in readings.times["overall"]:
        _fill(totals[row["current"]], row, row["target"])
    for current in (0, 1):
        for (flag, _key), bag in bags.items():
            if flag != current:
                continue
            for name, value in bag.items():
                if name.endswith(("_median", "_p90")) or name.startswith(TARGETS):
                    continue
                totals[current][name] = totals[current].get(name, 0.0) + value
    headline = {m.key: Cell(m.compute(totals[1]), m.compute(totals[0])) for m in metrics}
    return Report(
        period=period,
        by=by,
        metrics=metrics,
        headline=headline,
        rows=rows,
        chart=_chart(readings, period, own_figures_only=own_figures_only),
    )


def _labels(by: str, keys: set[Any]) -> dict[Any, str]:
    none = _("(none)")
    ids = {k for k in keys if isinstance(k, int) and k}
    if by == "agent":
        names = {a.pk: str(a) for a in Agent.objects.filter(pk__in=ids)} if ids else {}
    elif by == "team":
        names = dict(Team.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    elif by == "channel":
        names = {k: str(v) for k, v in Channel.choices}
    else:
        names = {k: str(v) for k, v in Language.choices}
    return {key: names.get(key, none if key in (None, 0, "") else str(key)) for key in keys}


# --- charts -------------------------------------------------------------------------------------


def _series(
    rows: Iterable[dict[str, Any]], period: Period, value: Callable[[dict[str, Any]], Any]
) -> tuple[list[Any], list[Any]]:
    """Values per slot of the period and of the previous one (aligned by position)."""
    by_slot = {row["slot"]: row for row in rows}

    def pick(slots: list[date]) -> list[Any]:
        return [value(by_slot[slot]) if slot in by_slot else None for slot in slots]

    return pick(period.buckets()), pick(period.previous.buckets())[: len(period.buckets())]


def _label(slot: date, bucket: str) -> str:
    if bucket == "month":
        return date_format(slot, "YEAR_MONTH_FORMAT")
    return date_format(slot, "SHORT_DATE_FORMAT")


def _chart(readings: Readings, period: Period, *, own_figures_only: bool) -> dict[str, Any]:
    previous_label = _("previous period")
    charts: list[dict[str, Any]] = []
    for target, name in (
        ("first_response", _("First response time (hours)")),
        ("next_response", _("Next response time (hours)")),
        ("resolution", _("Resolution time (hours)")),
    ):
        rows = [r for r in readings.times["trend"] if r["target"] == target]
        median, median_before = _series(rows, period, lambda r: _hours(r["median"]))
        p90, _ignored = _series(rows, period, lambda r: _hours(r["p90"]))
        charts.append(
            {
                "id": target,
                "title": name,
                "type": "line",
                "datasets": [
                    {"label": _("median"), "data": median},
                    {"label": _("90th percentile"), "data": p90},
                    {
                        "label": f"{_('median')}, {previous_label}",
                        "data": median_before,
                        "dashed": True,
                    },
                ],
            }
        )
    resolution = [r for r in readings.times["trend"] if r["target"] == Target.RESOLUTION]
    solved, _ignored = _series(resolution, period, lambda r: r["solved"])
    ended, _ignored = _series(resolution, period, lambda r: r["ended"])
    volume: list[dict[str, Any]] = [{"label": _("solved"), "data": solved, "kind": "bar"}]
    if not own_figures_only:
        opened, _ignored = _series(readings.flow["trend"], period, lambda r: r["opened"])
        reopened, _ignored = _series(readings.flow["trend"], period, lambda r: r["reopened"])
        start = _backlog_start(readings, period)[1]
        backlog, level = [], start
        for i in range(len(opened)):
            level += (opened[i] or 0) + (reopened[i] or 0) - (ended[i] or 0)
            backlog.append(level)
        volume = [
            {"label": _("tickets in"), "data": opened, "kind": "bar"},
            *volume,
            {"label": _("backlog"), "data": backlog, "kind": "line"},
        ]
    charts.append(
        {"id": "volume", "title": _("Volume and backlog"), "type": "bar", "datasets": volume}
    )

    def achieved(row: dict[str, Any]) -> float | None:
        return _ratio(row["met"], row["met"] + row["missed"])

    sla_rows: dict[date, dict[str, Any]] = {}
    for row in readings.times["trend"]:
        slot = sla_rows.setdefault(row["slot"], {"slot": row["slot"], "met": 0, "missed": 0})
        slot["met"] += row["met"]
        slot["missed"] += row["missed"]
    sla_now, sla_before = _series(sla_rows.values(), period, achieved)
    charts.append(
        {
            "id": "sla",
            "title": _("SLA achieved (%)"),
            "type": "line",
            "datasets": [
                {"label": _("this period"), "data": sla_now},
                {"label": previous_label, "data": sla_before, "dashed": True},
            ],
        }
    )
    coach_rows = readings.coach["trend"]
    shares = []
    for key, label in (
        ("too_little", _("too little")),
        ("balanced", _("balanced")),
        ("too_much", _("too much")),
    ):
        data, _ignored = _series(coach_rows, period, lambda r, k=key: _ratio(r[k], r["reviewed"]))
        shares.append({"label": label, "data": data, "kind": "bar"})
    charts.append(
        {
            "id": "balance",
            "title": _("Empathy balance of replies (%)"),
            "type": "stacked",
            "datasets": shares,
        }
    )
    action, action_before = _series(
        coach_rows, period, lambda r: _ratio(r["with_next_step"], r["reviewed"])
    )
    apology, apology_before = _series(
        coach_rows, period, lambda r: _ratio(r["over_apology"], r["reviewed"])
    )
    charts.append(
        {
            "id": "action",
            "title": _("Next steps and over-apology, share of replies (%)"),
            "type": "line",
            "datasets": [
                {"label": _("with a next step"), "data": action},
                {
                    "label": f"{_('with a next step')}, {previous_label}",
                    "data": action_before,
                    "dashed": True,
                },
                {"label": _("over-apologising"), "data": apology},
                {
                    "label": f"{_('over-apologising')}, {previous_label}",
                    "data": apology_before,
                    "dashed": True,
                },
            ],
        }
    )
    abusive, abusive_before = _series(coach_rows, period, lambda r: r["abusive_messages"])
    charts.append(
        {
            "id": "abuse",
            "title": _("Abusive messages received"),
            "type": "bar",
            "datasets": [
                {"label": _("this period"), "data": abusive, "kind": "bar"},
                {"label": previous_label, "data": abusive_before, "kind": "line", "dashed": True},
            ],
        }
    )
    return {
        "labels": [_label(slot, period.bucket) for slot in period.buckets()],
        "charts": charts,
    }


# --- the CSV export -----------------------------------------------------------------------------


def csv_rows(report: Report) -> list[list[Any]]:
    """The breakdown table: a header, then one line per row (current, previous per metric)."""
    header: list[Any] = [str(report.by)]
    for metric in report.metrics:
        header += [str(metric.label), f"{metric.label} ({_('previous period')})"]
    lines: list[list[Any]] = [header]
    for row in report.rows:
        line: list[Any] = [row.label]
        for metric in report.metrics:
            cell = row.cells[metric.key]
            line += ["" if cell.current is None else cell.current, ""]
            line[-1] = "" if cell.previous is None else cell.previous
        lines.append(line)
    total: list[Any] = [_("All")]
    for metric in report.metrics:
        cell = report.headline[metric.key]
        total += [
            "" if cell.current is None else cell.current,
            "" if cell.previous is None else cell.previous,
        ]
    lines.append(total)
    return lines


# --- what the page prints -----------------------------------------------------------------------


def display(value: float | None, unit: str) -> str:
    """A figure for people: hours as "1 h 05 min", shares as "87.5 %", counts as integers."""
    if value is None:
        return "—"
    if unit == "h":
        minutes = round(value * 60)
        hours, mins = divmod(minutes, 60)
        return f"{hours} h {mins:02d} min" if hours else f"{mins} min"
    if unit == "%":
        return f"{number_format(value, 1)} %"
    return number_format(round(value), force_grouping=True)


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    current: str
    previous: str
    #: ``better``, ``worse`` or ``same`` against the previous period ("" when unknown).
    trend: str


def _trend(metric: Metric, cell: Cell) -> str:
    change = cell.change
    if change is None or not metric.better:
        return ""
    if abs(change) < 1e-9:
        return "same"
    improved = change < 0 if metric.better == "lower" else change > 0
    return "better" if improved else "worse"


def cards(report: Report) -> list[Card]:
    return [
        Card(
            key=m.key,
            label=str(m.label),
            current=display(report.headline[m.key].current, m.unit),
            previous=display(report.headline[m.key].previous, m.unit),
            trend=_trend(m, report.headline[m.key]),
        )
        for m in report.metrics
    ]


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: list[tuple[str, str]]


def table(report: Report) -> list[TableRow]:
    return [
        TableRow(
            label=row.label,
            cells=[
                (
                    display(row.cells[m.key].current, m.unit),
                    display(row.cells[m.key].previous, m.unit),
                )
                for m in report.metrics
            ],
        )
        for row in report.rows
    ]
