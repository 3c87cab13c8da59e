"""What people read: a stored report in words and charts (Chart.js on the page, SVG in the PDF),
a ticket's survey panel, and feed items."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.customers.models import Channel, Language
from tactful.satisfaction import scales, themes
from tactful.satisfaction.models import MonthlyReport

BALANCE_LABELS = {
    "balanced": gettext_lazy("Balanced"),
    "too_little": gettext_lazy("Too little empathy"),
    "too_much": gettext_lazy("Too much empathy"),
    "": gettext_lazy("Not reviewed"),
}
STEP_LABELS = {
    "with": gettext_lazy("Every reply had a next step"),
    "without": gettext_lazy("A reply had no next step"),
    "": gettext_lazy("Not reviewed"),
}
SENTIMENT_LABELS = {
    "good": gettext_lazy("Good"),
    "neutral": gettext_lazy("Neutral"),
    "bad": gettext_lazy("Bad"),
}
#: Colours for good / neutral / bad and the two series of the trend (shared by both renderers).
COLOURS = {
    "good": "#2e8b57",
    "neutral": "#c9a227",
    "bad": "#c8372d",
    "csat": "#2f6fde",
    "happiness": "#7a4fd6",
}


def percent(value: float | None, *, signed: bool = False) -> str:
    if value is None:
        return "—"
    number = round(value * 100)
    return f"{number:+d}" if signed else f"{number}%"


def _finding_label(kind: str) -> str:
    labels = {
        "empathy_missing": _("no empathy"),
        "empathy_without_action": _("empathy without action"),
        "over_apology": _("too many apologies"),
        "over_sympathy": _("too much sympathy"),
        "assumption": _("assumption"),
        "fault_not_admitted": _("fault not admitted"),
        "formality_mismatch": _("tone mismatch"),
        "no_next_step": _("no next step"),
        "unanswered_question": _("unanswered question"),
        "boilerplate": _("stock phrase"),
        "unclear": _("unclear"),
        "not_personalised": _("template not personalised"),
    }
    return str(labels.get(kind, kind.replace("_", " ")))


@dataclass(frozen=True)
class Row:
    """A breakdown row in words."""

    key: str
    label: str
    sent: int
    answered: int
    good: int
    neutral: int
    bad: int
    response_rate: str
    csat: str
    interval: str
    happiness: str
    small: bool


def _row(data: dict[str, Any], label: str) -> Row:
    interval = (
        f"{percent(data['csat_low'])}–{percent(data['csat_high'])}"
        if data.get("csat_low") is not None
        else "—"
    )
    return Row(
        key=str(data.get("key", "")),
        label=label,
        sent=data["sent"],
        answered=data["answered"],
        good=data["good"],
        neutral=data["neutral"],
        bad=data["bad"],
        response_rate=percent(data["response_rate"]),
        csat=percent(data["csat"]),
        interval=interval,
        happiness=percent(data["happiness"], signed=True),
        # Fewer than 10 answers: the interval is wide, the page says so.
        small=0 < data["answered"] < 10,
    )


# --- charts -----------------------------------------------------------------------------------


def _svg_bars(
    rows: list[tuple[str, dict[str, int]]], *, keys: tuple[str, ...], width: int = 640
) -> SafeString:
    """Horizontal stacked bars (good / neutral / bad shares) as inline SVG, for the PDF."""
    label_width, bar_width, height = 170, width - 230, 22
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{len(rows) * (height + 6) + 6}" '
        'font-family="DejaVu Sans, sans-serif" font-size="11">'
    ]
    for index, (label, counts) in enumerate(rows):
        y = 4 + index * (height + 6)
        total = sum(counts.get(k, 0) for k in keys) or 1
        parts.append(f'<text x="0" y="{y + 15}">{escape(label[:28])}</text>')
        x = float(label_width)
        for key in keys:
            w = bar_width * counts.get(key, 0) / total
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{height}" fill="{COLOURS[key]}"/>'
                )
            x += w
        parts.append(
            f'<text x="{label_width + bar_width + 6}" y="{y + 15}">{sum(counts.get(k, 0) for k in keys)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it was escaped above


def _svg_line(
    points: list[tuple[str, float | None, float | None]], *, width: int = 640
) -> SafeString:
    """CSAT % and happiness over the months, as an inline SVG line chart (the PDF)."""
    height, left, bottom, top = 180, 40, 24, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    n = max(1, len(points) - 1)

    def y_of(value: float) -> float:  # −100 … +100 → bottom … top
        return top + plot_h * (1 - (value + 1) / 2)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="DejaVu Sans, sans-serif" font-size="10">',
        f'<line x1="{left}" x2="{left + plot_w}" y1="{y_of(0):.1f}" y2="{y_of(0):.1f}" stroke="#bbb"/>',
    ]
    for tick in (-1.0, -0.5, 0.0, 0.5, 1.0):
        parts.append(f'<text x="0" y="{y_of(tick) + 3:.1f}">{round(tick * 100):+d}</text>')
    for position, colour in ((1, COLOURS["csat"]), (2, COLOURS["happiness"])):
        coords = [
            (left + plot_w * i / n, y_of(p[position]))  # type: ignore[arg-type]
            for i, p in enumerate(points)
            if p[position] is not None
        ]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>'
            )
        for x, y in coords:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
    for i, p in enumerate(points):
        parts.append(
            f'<text x="{left + plot_w * i / n - 14:.1f}" y="{height - 6}">{escape(p[0])}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it was escaped above


# --- the report -------------------------------------------------------------------------------


def month_label(month: str) -> str:
    year, number = month.split("-")
    return date_format(date(int(year), int(number), 1), "YEAR_MONTH_FORMAT")


#: Comments per highlighted block in the PDF (see ``comment_runs``).
PDF_COMMENTS_PER_RUN = 50
_SPACES = re.compile(r"\s+")


def comment_runs(comments: list[dict[str, Any]], *, size: int = PDF_COMMENTS_PER_RUN) -> list[str]:
    """The PDF's positive comments: one quoted comment a line, ``size`` lines a block.

    WeasyPrint spends most of a big month's PDF on the positive comments, and its cost follows
    the boxes it lays out more than the text: one highlighted box per comment, each with its
    own ``lang``, took twice the CPU time of these blocks (``benchmarks/csat_report_bench.py
    --layouts``; docs/satisfaction.md). So the PDF prints each run of comments as one
    highlighted block with ``white-space: pre-line``, a comment a line (its own line breaks
    folded into spaces, so a line is always one comment). Runs of 10 to 50 cost the same per
    comment; one run of hundreds costs more.
    """
    lines = ["\u201c" + _SPACES.sub(" ", str(c["text"])).strip() + "\u201d" for c in comments]
    return ["\n".join(lines[i : i + size]) for i in range(0, len(lines), size)]


def report_context(report: MonthlyReport, *, pdf: bool = False) -> dict[str, Any]:
    """Everything the report template prints, in the active language."""
    data = report.data
    channels, languages = dict(Channel.choices), dict(Language.choices)
    summary = data["summary"]
    by_channel = [_row(r, str(channels.get(r["key"], r["key"]))) for r in data["by_channel"]]
    by_language = [_row(r, str(languages.get(r["key"], r["key"]))) for r in data["by_language"]]
    by_agent = [_row(r, r.get("name", "?")) for r in data["by_agent"]]
    balance = [
        _row(r, str(BALANCE_LABELS.get(r["key"], r["key"]))) for r in data["coach"]["balance"]
    ]
    steps = [_row(r, str(STEP_LABELS.get(r["key"], r["key"]))) for r in data["coach"]["next_step"]]
    cells = [
        _row(
            {**c, "key": f"{c['balance']}:{c['next_step']}"},
            f"{BALANCE_LABELS.get(c['balance'], c['balance'])} · {STEP_LABELS.get(c['next_step'], c['next_step'])}",
        )
        for c in data["coach"]["cells"]
    ]
    trend = data["trend"]
    five = data["ratings"].get(scales.FIVE, {})
    three = data["ratings"].get(scales.THREE, {})
    positive_groups = [
        {"key": key, "label": str(label), "comments": data["positive"]["themes"].get(key, [])}
        for key, label in themes.THEMES.items()
        if data["positive"]["themes"].get(key)
    ]
    negative = []
    for item in data["negative"]["comments"]:
        coach = item["coach"]
        negative.append(
            {
                **item,
                "rating_label": scales.label(item["scale"], item["rating"]),
                "balance_label": str(BALANCE_LABELS.get(coach["balance"] or "", "")),
                "next_step_label": (
                    _("yes")
                    if coach["next_step"]
                    else _("no")
                    if coach["next_step"] is False
                    else "—"
                ),
                "replies": [
                    {
                        "balance": str(BALANCE_LABELS.get(r["balance"], r["balance"])),
                        "next_step": r["next_step"],
                        "findings": [_finding_label(k) for k in r["findings"]],
                    }
                    for r in coach["replies"]
                ],
            }
        )
    chart_data = {
        "trend": {
            "labels": [month_label(t["month"]) for t in trend],
            "csat": [None if t["csat"] is None else round(t["csat"] * 100, 1) for t in trend],
            "happiness": [
                None if t["happiness"] is None else round(t["happiness"] * 100, 1) for t in trend
            ],
            "names": {"csat": _("CSAT (good %)"), "happiness": _("Happiness (good % − bad %)")},
        },
        "ratings": {
            "labels": [scales.label(scales.FIVE, v) for v in (5, 4, 3, 2, 1)]
            + [scales.label(scales.THREE, v) for v in (3, 2, 1)],
            "values": [five.get(str(v), 0) for v in (5, 4, 3, 2, 1)]
            + [three.get(str(v), 0) for v in (3, 2, 1)],
            "name": _("Answers"),
        },
        "channels": {
            "labels": [r.label for r in by_channel],
            "good": [r.good for r in by_channel],
            "neutral": [r.neutral for r in by_channel],
            "bad": [r.bad for r in by_channel],
            "names": {k: str(v) for k, v in SENTIMENT_LABELS.items()},
        },
        "coach": {
            "labels": [r.label for r in balance if r.key],
            "csat": [
                None if b["csat"] is None else round(b["csat"] * 100, 1)
                for b in data["coach"]["balance"]
                if b["key"]
            ],
            "interval": [
                None
                if b["csat_low"] is None
                else [round(b["csat_low"] * 100, 1), round(b["csat_high"] * 100, 1)]
                for b in data["coach"]["balance"]
                if b["key"]
            ],
            "names": {"csat": _("CSAT (good %)"), "interval": _("Confidence interval")},
        },
        "colours": COLOURS,
    }
    context: dict[str, Any] = {
        "report": report,
        "pdf": pdf,
        "scope": data["team"] or _("Whole desk"),
        "month_label": month_label(data["month"]),
        "summary": {
            **summary,
            "csat_text": percent(summary["csat"]),
            "interval": (
                f"{percent(summary['csat_low'])}–{percent(summary['csat_high'])}"
                if summary["csat_low"] is not None
                else "—"
            ),
            "happiness_text": percent(summary["happiness"], signed=True),
            "response_text": percent(summary["response_rate"]),
            "mean_text": f"{summary['mean_five']:.2f}" if summary["mean_five"] is not None else "—",
        },
        "trend": [
            {
                "label": month_label(t["month"]),
                "csat": percent(t["csat"]),
                "happiness": percent(t["happiness"], signed=True),
                "answered": t["answered"],
                "sent": t["sent"],
            }
            for t in trend
        ],
        "by_channel": by_channel,
        "by_language": by_language,
        "by_agent": by_agent,
        "coach_balance": balance,
        "coach_steps": steps,
        "coach_cells": cells,
        "positive_count": data["positive"]["count"],
        "positive_groups": positive_groups,
        "negative": negative,
        "negative_count": data["negative"]["count"],
        "chart_data": chart_data,
    }
    if pdf:
        for group in positive_groups:
            group["runs"] = comment_runs(group["comments"])
        context["svg"] = {
            "trend": _svg_line(
                [(month_label(t["month"])[:8], t["csat"], t["happiness"]) for t in trend]
            ),
            "channels": _svg_bars(
                [
                    (r.label, {"good": r.good, "neutral": r.neutral, "bad": r.bad})
                    for r in by_channel
                ],
                keys=("good", "neutral", "bad"),
            ),
            "coach": _svg_bars(
                [(r.label, {"good": r.good, "neutral": r.neutral, "bad": r.bad}) for r in balance],
                keys=("good", "neutral", "bad"),
            ),
        }
    return context


# --- a ticket's surveys -----------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyRow:
    """One survey of a ticket, for the ticket page."""

    pk: int
    status: str
    status_label: str
    sent_label: str
    rating_label: str
    sentiment: str
    comment: str
    agents: str
    page_url: str
    reminded: bool
    changes: int
