"""The monthly CSAT report: figures aggregated in SQL, kept as a snapshot, e-mailed to the leads.

A report covers the surveys *sent* in a month (so the response rate is answers ÷ questions of
the same surveys) for one team or the whole desk. Every figure comes from a handful of
aggregate queries however many tickets the month had; only the comments are read row by
row, already anonymised (``Survey.comment_redacted``). The result is stored as
``MonthlyReport.data``, and the page and the PDF are both drawn from it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tactful.accounts.models import Agent, Role, Team
from tactful.satisfaction import pdf, scales
from tactful.satisfaction.models import MonthlyReport, Survey, SurveyAgent

logger = logging.getLogger(__name__)

REPORT_VERSION = 1
#: Months shown in the trend (this one included).
TREND_MONTHS = 6
#: Negative comments listed in full (the rest are counted): a month of a big desk may have
#: thousands, and each one is shown with the coach's reading of several replies.
MAX_NEGATIVE = 200
BALANCES = ("balanced", "too_little", "too_much", "")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _bounds(first: date, last_exclusive: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(first, time.min), zone),
        timezone.make_aware(datetime.combine(last_exclusive, time.min), zone),
    )


def surveys_in(*, team_id: int | None, first: date, last_exclusive: date) -> QuerySet[Survey]:
    start, end = _bounds(first, last_exclusive)
    surveys = Survey.objects.filter(sent_at__gte=start, sent_at__lt=end)
    return surveys.filter(team_id=team_id) if team_id is not None else surveys


_ANSWERED = Q(answered_at__isnull=False)
_GOOD, _NEUTRAL, _BAD = Q(sentiment="good"), Q(sentiment="neutral"), Q(sentiment="bad")


def _counts(prefix: str = "") -> dict[str, Any]:
    """The aggregate columns every breakdown uses (``prefix``: a relation to reach Survey)."""

    def q(condition: Q) -> Q:
        if not prefix:
            return condition
        return Q(**{f"{prefix}{key}": value for key, value in condition.children})  # type: ignore[misc]

    return {
        "sent": Count("pk"),
        "answered": Count("pk", filter=q(_ANSWERED)),
        "good": Count("pk", filter=q(_GOOD)),
        "neutral": Count("pk", filter=q(_NEUTRAL)),
        "bad": Count("pk", filter=q(_BAD)),
    }


def figures(row: dict[str, Any]) -> dict[str, Any]:
    """Counts → the figures a row shows: response rate, CSAT (good %) with its 95% Wilson
    interval, and happiness (good % − bad %)."""
    sent, answered = int(row.get("sent") or 0), int(row.get("answered") or 0)
    good, neutral, bad = (
        int(row.get("good") or 0),
        int(row.get("neutral") or 0),
        int(row.get("bad") or 0),
    )
    interval = scales.wilson(good, answered)
    return {
        "sent": sent,
        "answered": answered,
        "good": good,
        "neutral": neutral,
        "bad": bad,
        "response_rate": answered / sent if sent else None,
        "csat": good / answered if answered else None,
        "csat_low": interval.low if interval else None,
        "csat_high": interval.high if interval else None,
        "happiness": (good - bad) / answered if answered else None,
    }


def _breakdown(rows: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    result = [{"key": row[key] if row[key] is not None else "", **figures(row)} for row in rows]
    result.sort(key=lambda r: (-r["answered"], str(r["key"])))
    return result


def build(*, team: Team | None, month: date) -> dict[str, Any]:
    """The report of ``month`` for ``team`` (``None``: the whole desk), as plain JSON data."""
    first = month_start(month)
    end = next_month(first)
    team_id = team.pk if team is not None else None
    surveys = surveys_in(team_id=team_id, first=first, last_exclusive=end)
    five = Q(scale=scales.FIVE) & _ANSWERED

    summary_row = surveys.aggregate(
        **_counts(),
        mean_five=Avg("rating", filter=five),
        five_answers=Count("pk", filter=five),
        comments=Count("pk", filter=_ANSWERED & ~Q(comment_redacted="")),
    )
    summary = {
        **figures(summary_row),
        "mean_five": float(summary_row["mean_five"])
        if summary_row["mean_five"] is not None
        else None,
        "five_answers": summary_row["five_answers"],
        "comments": summary_row["comments"],
    }

    trend_first = first
    for _step in range(TREND_MONTHS - 1):
        trend_first = previous_month(trend_first)
    trend_rows = {
        row["m"].date() if isinstance(row["m"], datetime) else row["m"]: row
        for row in surveys_in(team_id=team_id, first=trend_first, last_exclusive=end)
        .annotate(m=TruncMonth("sent_at"))
        .values("m")
        .annotate(**_counts(), mean_five=Avg("rating", filter=five))
        .order_by("m")
    }
    trend = []
    cursor = trend_first
    while cursor < end:
        row = trend_rows.get(cursor, {})
        trend.append(
            {
                "month": cursor.isoformat()[:7],
                **figures(row),
                "mean_five": float(row["mean_five"]) if row.get("mean_five") is not None else None,
            }
        )
        cursor = next_month(cursor)

    ratings: dict[str, dict[str, int]] = {scales.FIVE: {}, scales.THREE: {}}
    for row in (
        surveys.filter(_ANSWERED).values("scale", "rating").annotate(n=Count("pk")).order_by()
    ):
        if row["scale"] in ratings:
            ratings[row["scale"]][str(row["rating"])] = row["n"]

    by_channel = _breakdown(surveys.values("channel").annotate(**_counts()).order_by(), "channel")
    by_language = _breakdown(
        surveys.values("language").annotate(**_counts()).order_by(), "language"
    )
    agent_rows = list(
        SurveyAgent.objects.filter(survey__in=surveys.values("pk"))
        .values("agent_id")
        .annotate(**_counts("survey__"))
        .order_by()
    )
    names = {
        pk: (f"{first_name} {last_name}".strip() or username)
        for pk, username, first_name, last_name in Agent.objects.filter(
            pk__in=[row["agent_id"] for row in agent_rows]
        ).values_list("pk", "username", "first_name", "last_name")
    }
    by_agent = _breakdown(agent_rows, "agent_id")
    for row in by_agent:
        row["name"] = names.get(row["key"], "?")

    cross = list(
        surveys.values("coach_balance", "coach_next_step").annotate(**_counts()).order_by()
    )
    coach = _coach(cross)

    positive: dict[str, list[dict[str, Any]]] = {}
    positive_count = 0
    for text, themes, language, channel, rating, scale in (
        surveys.filter(sentiment="good")
        .exclude(comment_redacted="")
        .order_by("answered_at", "pk")
        .values_list("comment_redacted", "themes", "language", "channel", "rating", "scale")
        .iterator(chunk_size=2000)
    ):
        theme = (themes or ["other"])[0]
        positive.setdefault(theme, []).append(
            {
                "text": text,
                "language": language,
                "channel": channel,
                "rating": rating,
                "scale": scale,
            }
        )
        positive_count += 1

    negative_all = surveys.filter(sentiment="bad").exclude(comment_redacted="")
    negative = [
        {
            "ticket": ticket_id,
            "text": text,
            "language": language,
            "channel": channel,
            "rating": rating,
            "scale": scale,
            "coach": {"balance": balance, "next_step": next_step, "replies": replies or []},
        }
        for ticket_id, text, language, channel, rating, scale, balance, next_step, replies in (
            negative_all.order_by("answered_at", "pk").values_list(
                "ticket_id",
                "comment_redacted",
                "language",
                "channel",
                "rating",
                "scale",
                "coach_balance",
                "coach_next_step",
                "coach_replies",
            )[:MAX_NEGATIVE]
        )
    ]
    negative_count = len(negative) if len(negative) < MAX_NEGATIVE else negative_all.count()

    return {
        "version": REPORT_VERSION,
        "team_id": team_id,
        "team": team.name if team is not None else "",
        "month": first.isoformat()[:7],
        "generated_at": timezone.now().isoformat(),
        "summary": summary,
        "trend": trend,
        "ratings": ratings,
        "by_channel": by_channel,
        "by_language": by_language,
        "by_agent": by_agent,
        "coach": coach,
        "positive": {"count": positive_count, "themes": positive},
        "negative": {"count": negative_count, "comments": negative},
    }


def _coach(cross: list[dict[str, Any]]) -> dict[str, Any]:
    """Does the coach's advice pay off? CSAT by the replies' balance and by next step."""
    by_balance: dict[str, dict[str, int]] = {}
    by_step: dict[str, dict[str, int]] = {}
    cells = []
    for row in cross:
        balance = row["coach_balance"] or ""
        step = {True: "with", False: "without", None: ""}[row["coach_next_step"]]
        for bucket, key in ((by_balance, balance), (by_step, step)):
            total = bucket.setdefault(
                key, {"sent": 0, "answered": 0, "good": 0, "neutral": 0, "bad": 0}
            )
            for name in total:
                total[name] += int(row[name] or 0)
        if balance:
            cells.append({"balance": balance, "next_step": step, **figures(row)})
    return {
        "balance": [{"key": key, **figures(by_balance.get(key, {}))} for key in BALANCES],
        "next_step": [
            {"key": key, **figures(by_step.get(key, {}))} for key in ("with", "without", "")
        ],
        "cells": sorted(cells, key=lambda c: (BALANCES.index(c["balance"]), c["next_step"])),
    }


# --- generating, keeping, sending -------------------------------------------------------------


def generate(*, team: Team | None, month: date, with_pdf: bool = True) -> MonthlyReport:
    """Compute (or recompute) the report and keep it, with its PDF."""
    first = month_start(month)
    data = build(team=team, month=first)
    report = MonthlyReport.objects.filter(team=team, month=first).first()
    if report is None:
        report = MonthlyReport(team=team, month=first)
    report.data = data
    report.generated_at = timezone.now()
    report.pdf = pdf.render_pdf(report) if with_pdf else b""
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Generated at the same moment elsewhere: keep that one up to date instead.
        existing = MonthlyReport.objects.get(team=team, month=first)
        existing.data, existing.generated_at, existing.pdf = data, report.generated_at, report.pdf
        existing.save()
        report = existing
    return report


def recipients(report: MonthlyReport) -> list[str]:
    """Leads of the report's team; for the desk report, the admins."""
    agents = Agent.objects.filter(is_active=True).exclude(email="")
    if report.team_id is None:
        agents = agents.filter(role=Role.ADMIN)
    else:
        agents = agents.filter(role__in=[Role.LEAD, Role.ADMIN], teams__id=report.team_id)
    return sorted(set(agents.values_list("email", flat=True)))


def email_report(report: MonthlyReport, *, url: str) -> int:
    """Send the PDF to the leads; returns how many addresses it went to."""
    to = recipients(report)
    if not to:
        return 0
    scope = report.team.name if report.team else "Tactful"
    message = EmailMessage(
        subject=f"CSAT {report.month:%Y-%m} · {scope}",
        body=f"{scope}: CSAT report for {report.month:%B %Y}.\n\n{url}\n",
        from_email=settings.TACTFUL_MAIL_FROM,
        to=to,
    )
    if report.pdf:
        message.attach(
            f"csat-{report.month:%Y-%m}-{report.team_id or 'desk'}.pdf",
            bytes(report.pdf),
            "application/pdf",
        )
    message.send()
    MonthlyReport.objects.filter(pk=report.pk).update(emailed_at=timezone.now())
    return len(to)


@dataclass(frozen=True)
class Generated:
    reports: int
    emails: int


def monthly(*, today: date | None = None, url_for: Any = None) -> Generated:
    """The first-of-the-month job: last month's report per team and for the desk, e-mailed."""
    today = today or timezone.localdate()
    month = previous_month(today)
    count = emails = 0
    for team in [None, *Team.objects.order_by("name")]:
        try:
            report = generate(team=team, month=month)
        except Exception:
            logger.exception("the %s CSAT report for %s failed", month, team or "desk")
            continue
        count += 1
        if report.emailed_at is None:
            emails += email_report(report, url=url_for(report) if url_for else "")
    return Generated(reports=count, emails=emails)
