"""Periodic satisfaction work for Celery beat (idempotent: running twice does no harm)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.urls import reverse

from tactful.accounts.models import Team
from tactful.satisfaction import feed, links, reports, services
from tactful.satisfaction.models import MonthlyReport


@shared_task(name="tactful.satisfaction.sweep_surveys")
def sweep_surveys() -> dict[str, int]:
    """Expire surveys past their date, then send the one reminder where it is due."""
    return {"expired": services.expire_surveys(), "reminded": services.send_reminders()}


@shared_task(name="tactful.satisfaction.post_feed")
def post_feed() -> int:
    return feed.post_due()


def _report_url(report: MonthlyReport) -> str:
    return links.absolute(reverse("satisfaction:report", args=[report.pk]))


@shared_task(name="tactful.satisfaction.monthly_reports")
def monthly_reports() -> dict[str, int]:
    """On the first of the month: last month's reports, e-mailed to the leads."""
    done = reports.monthly(url_for=_report_url)
    return {"reports": done.reports, "emails": done.emails}


@shared_task(name="tactful.satisfaction.generate_report")
def generate_report(team_id: int | None, month: str) -> int:
    """A report asked for on the reports page (a big month's PDF takes a while: a worker)."""
    team = Team.objects.get(pk=team_id) if team_id is not None else None
    return reports.generate(team=team, month=date.fromisoformat(month)).pk
