"""Every satisfaction page and endpoint makes the same number of queries for a small month as
for a big one; the inbox keeps its budget with the satisfaction filter and badge."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client

from tactful.desk.testing import assert_same_query_count, bulk_tickets
from tactful.satisfaction import links, reports
from tactful.satisfaction.models import FeedItem, Survey
from tactful.satisfaction.testing import bulk_surveys
from tactful.tickets.models import Ticket

pytestmark = pytest.mark.django_db

#: Query budgets, kept next to the tests: raise them only on purpose.
BUDGETS = {
    "inbox": 8,  # the inbox's own budget: the badge is joined, the filter is a WHERE
    "overview": 8,
    "ticket_panel": 8,
    "reports": 7,
    "report": 6,
    "feed": 8,
    "survey_page": 4,
    "answer": 14,
}
MONTH = date(2026, 11, 1)


@pytest.fixture
def world(desk):
    billing = desk.team("Billing")
    agent = desk.agent("ana", teams=[billing])
    lead = desk.lead("lee", teams=[billing])
    admin = desk.admin("root")
    ids = bulk_tickets(10, teams=[billing], agents=[agent], overrides={"status": "solved"})
    bulk_surveys(
        list(Ticket.objects.filter(pk__in=ids)),
        month=MONTH,
        agent_ids=[agent.pk, lead.pk],
        answer_rate=0.6,
    )
    client = Client()
    client.force_login(lead)
    return {"team": billing, "agent": agent, "lead": lead, "admin": admin, "client": client}


def grow(world, n=300):
    def more():
        ids = bulk_tickets(
            n,
            teams=[world["team"]],
            agents=[world["agent"]],
            seed=11,
            overrides={"status": "solved"},
        )
        bulk_surveys(
            list(Ticket.objects.filter(pk__in=ids)),
            month=MONTH,
            agent_ids=[world["agent"].pk],
            seed=3,
            answer_rate=0.6,
        )
        for survey in Survey.objects.filter(comment_redacted__gt="", sentiment="good")[:50]:
            FeedItem.objects.get_or_create(
                survey=survey,
                defaults={
                    "team": world["team"],
                    "ticket_id": survey.ticket_id,
                    "source": "comment",
                    "language": survey.language,
                    "text": survey.comment_redacted,
                    "post_after": survey.sent_at,
                },
            )

    return more


@pytest.mark.parametrize("csat", ["", "good", "bad", "any", "none"])
def test_inbox_with_the_satisfaction_filter(world, csat):
    client = world["client"]
    count = assert_same_query_count(
        lambda: client.get(f"/inbox/?status=all&csat={csat}"), grow(world)
    )
    assert count <= BUDGETS["inbox"]


def test_inbox_shows_the_badge_and_filters(world):
    client = world["client"]
    bad = Survey.objects.filter(sentiment="bad").values_list("ticket_id", flat=True).first()
    good = Survey.objects.filter(sentiment="good").values_list("ticket_id", flat=True).first()
    html = client.get("/inbox/?status=all&csat=bad&size=100").content.decode()
    assert f'href="/tickets/{bad}/"' in html and f'href="/tickets/{good}/"' not in html
    assert "badge csat csat-bad" in html


def test_overview(world):
    client = world["client"]
    assert (
        assert_same_query_count(lambda: client.get("/satisfaction/"), grow(world))
        <= BUDGETS["overview"]
    )


def test_ticket_panel(world):
    client = world["client"]
    ticket_id = Survey.objects.values_list("ticket_id", flat=True).first()
    count = assert_same_query_count(
        lambda: client.get(f"/satisfaction/tickets/{ticket_id}/"), grow(world)
    )
    assert count <= BUDGETS["ticket_panel"]


def test_reports_list_and_report_page(world):
    client = world["client"]
    report = reports.generate(team=world["team"], month=MONTH, with_pdf=False)

    def regenerate():
        grow(world)()
        reports.generate(team=world["team"], month=MONTH, with_pdf=False)
        reports.generate(team=world["team"], month=date(2026, 10, 1), with_pdf=False)

    assert (
        assert_same_query_count(lambda: client.get("/satisfaction/reports/"), regenerate)
        <= BUDGETS["reports"]
    )
    count = assert_same_query_count(
        lambda: client.get(f"/satisfaction/reports/{report.pk}/"), grow(world)
    )
    assert count <= BUDGETS["report"]


def test_feed_page(world):
    client = world["client"]
    count = assert_same_query_count(
        lambda: client.get(f"/satisfaction/teams/{world['team'].pk}/feed/"), grow(world)
    )
    assert count <= BUDGETS["feed"]


def test_public_survey_page_and_answer(world):
    cache.clear()
    survey = Survey.objects.filter(answered_at__isnull=True).first()
    path = links.page_url(survey).replace("http://127.0.0.1:8000", "")
    anonymous = Client()
    count = assert_same_query_count(lambda: anonymous.get(path), grow(world))
    assert count <= BUDGETS["survey_page"]
    answer = links.answer_url(survey).replace("http://127.0.0.1:8000", "")
    count = assert_same_query_count(
        lambda: anonymous.post(answer, {"rating": 3}, content_type="application/json"), grow(world)
    )
    assert count <= BUDGETS["answer"]
