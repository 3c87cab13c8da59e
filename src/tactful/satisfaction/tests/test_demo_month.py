"""The demo's month of satisfaction: surveys in three languages, last month's reports, the feed."""

from __future__ import annotations

import pytest

from tactful.desk import demo_satisfaction
from tactful.desk.testing import bulk_tickets
from tactful.satisfaction.models import FeedItem, MonthlyReport, Survey

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_month(desk):
    teams = [desk.team(name) for name in ("Billing", "Shipping", "Technical")]
    agents = [desk.agent(f"agent{index}", teams=[team]) for index, team in enumerate(teams)]
    bulk_tickets(150, teams=teams, agents=agents)  # the demo's conversations
    demo_satisfaction.seed()
    assert MonthlyReport.objects.count() == 4  # the desk and each team
    desk_report = MonthlyReport.objects.get(team__isnull=True)
    assert desk_report.data["summary"]["answered"] > 50
    assert {row["key"] for row in desk_report.data["by_language"]} >= {"en", "es", "ru"}
    comments = Survey.objects.exclude(comment_redacted="").values_list(
        "comment_redacted", flat=True
    )
    assert not any("Customer" in c or "Борису" in c or "612 34" in c for c in comments)
    assert FeedItem.objects.filter(state="held").count() == 1
    assert FeedItem.objects.filter(state="shown").exists()
    demo_satisfaction.seed()  # idempotent
    assert MonthlyReport.objects.count() == 4
