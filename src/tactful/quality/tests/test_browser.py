"""Playwright in Debian's Chromium: a reviewer grades a conversation, the agent disputes it, a
lead decides, and a reviewer's grade in a calibration round moves the kappa with the coach.

Nothing is mocked: the coach reviews each solved conversation in-process after the commit, as
it does without a broker, and the shipped scorecards are the ones graded.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tactful.coaching import readings
from tactful.quality import calibration, presenters, services
from tactful.quality.models import Criterion, Dispute, Review, Scorecard, Source
from tactful.quality.services import Grade
from tactful.tickets import services as ticket_services

from .conftest import ANGRY, BALANCED, OVER_APOLOGISING, present

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# `TACTFUL_SCREENSHOTS=docs/screenshots` refreshes the README's screenshots; other runs take none.
SCREENSHOTS = os.environ.get("TACTFUL_SCREENSHOTS")
PASSWORD = "a-long-demo-password"
EMPATHY = "Balanced empathy"
DISPUTE = "I gave the refund date in the second sentence; the coach agreed."


def screenshot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


def log_in(page: Any, base_url: str, username: str) -> None:
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    # The fourth login of the tour once took over 20 s on a loaded CI machine (the inbox's
    # first render after three others' work); waiting longer changes nothing it checks.
    page.wait_for_url("**/inbox/**", timeout=60_000)


@pytest.fixture
def billing(desk: Any) -> dict[str, Any]:
    """Emma's three solved conversations (the coach reviewed them), two leads, a round."""
    # A transactional test starts from an emptied database: put the shipped scorecards back.
    services.install_default_scorecards()
    readings.clear_caches()
    team = desk.team("Billing")
    emma = desk.agent("emma", teams=[team], password=PASSWORD)
    lena = desk.agent("lena", role="lead", teams=[team], password=PASSWORD)
    lars = desk.agent("lars", role="lead", teams=[team], password=PASSWORD)
    tickets = []
    for subject, reply in (
        ("Charged twice for my subscription", BALANCED),
        ("Refund still missing", OVER_APOLOGISING),
        ("Double charge again", BALANCED),
    ):
        ticket = desk.ticket(team=team, subject=subject, body=ANGRY)
        ticket_services.record_reply(ticket=ticket, agent=emma, body=reply)
        ticket.refresh_from_db()
        ticket_services.change_status(ticket=ticket, status="solved", by=emma)
        tickets.append(ticket)
    pce = Scorecard.objects.get(default_key="precision-clarity-empathy")
    return {"team": team, "emma": emma, "lena": lena, "lars": lars, "tickets": tickets, "pce": pce}


def coach_values(tickets: list[Any], scorecard: Scorecard) -> dict[int, dict[str, int | None]]:
    values: dict[int, dict[str, int | None]] = {}
    for ticket in tickets:
        review = Review.objects.get(ticket=ticket, scorecard=scorecard, source=Source.COACH)
        values[ticket.pk] = {
            r.criterion.name: r.value for r in review.ratings.select_related("criterion")
        }
    return values


def calibration_grade(
    round: Any, ticket: Any, reviewer: Any, scorecard: Scorecard, values: dict[str, int | None]
) -> None:
    grades = {}
    for criterion in scorecard.criteria.filter(active=True):
        value = values.get(criterion.name)
        grades[criterion.pk] = Grade(
            value if value is not None else (1 if criterion.scale == "binary" else 3)
        )
    services.record_review(
        ticket=ticket,
        scorecard=scorecard,
        reviewer=reviewer,
        reviewee=ticket.messages.get(kind="out", author_agent__isnull=False).author_agent,
        grades=grades,
        round=round,
    )


def test_a_reviewer_grades_the_agent_disputes_and_the_kappa_moves(
    live_server: Any, page: Any, billing: dict[str, Any]
) -> None:
    tickets, pce = billing["tickets"], billing["pce"]
    first, second, third = tickets
    coach = coach_values(tickets, pce)
    # The coach marked the apologies down.
    assert present(coach[second.pk][EMPATHY]) < present(coach[first.pk][EMPATHY])
    page.set_default_timeout(20_000)
    page.set_viewport_size({"width": 1360, "height": 1000})

    # --- The reviewer grades a conversation from its ticket page ------------------------------------
    log_in(page, live_server.url, "lena")
    page.goto(f"{live_server.url}/tickets/{second.pk}/")
    panel = page.locator("#quality-panel")
    panel.locator(".qa-panel-reviews").wait_for()
    assert "the coach" in panel.inner_text()
    panel.get_by_role("link", name="Grade this conversation").click()
    page.wait_for_url(f"**/quality/tickets/{second.pk}/grade/")
    page.get_by_role("link", name="Precision, Clarity, Empathy").click()
    page.wait_for_url("**?scorecard=*")
    form = page.locator("#grade-form")
    # The coach's reading sits beside each criterion it can grade.
    assert form.locator(".qa-coach-hint").count() == 3
    for criterion in Criterion.objects.filter(scorecard=pce, active=True):
        value = {"binary": "1", "three": "2", "five": "4"}[criterion.scale]
        if criterion.name == EMPATHY:
            value = "2"
        form.locator(f"input[name=c{criterion.pk}][value='{value}']").check()
    empathy = Criterion.objects.get(scorecard=pce, name=EMPATHY)
    form.locator(f"input[name=c{empathy.pk}_comment]").fill("Three apologies and no refund date.")
    form.locator("textarea[name=comment]").fill("Lead with the fix; one apology is enough.")
    screenshot(page, "grading-a-conversation-with-the-coachs-reading.png")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/quality/reviews/*/")
    review = Review.objects.get(source=Source.HUMAN, ticket=second)
    assert page.locator(".qa-big .qa-score").inner_text() == presenters.score_label(review.score)
    assert "Three apologies and no refund date." in page.locator(".qa-ratings").inner_text()

    # --- The agent disputes it -----------------------------------------------------------------------
    log_in(page, live_server.url, "emma")
    page.goto(f"{live_server.url}/quality/mine/")
    row = page.locator(f"tr[data-review='{review.pk}']")
    assert "Lena" in row.inner_text()
    row.get_by_role("link", name="See the review").click()
    page.wait_for_url(f"**/quality/reviews/{review.pk}/")
    page.fill(".qa-dispute-form textarea[name=reason]", DISPUTE)
    page.click(".qa-dispute-form button[type=submit]")
    page.wait_for_url(f"**/quality/reviews/{review.pk}/")
    assert (
        "Open" in page.locator("#dispute").inner_text()
        and DISPUTE in page.locator("#dispute").inner_text()
    )
    screenshot(page, "an-agent-disputes-a-review.png")
    page.goto(f"{live_server.url}/tickets/{second.pk}/")
    assert "Review disputed: " + DISPUTE in page.locator("#timeline").inner_text()

    # --- Another lead decides ------------------------------------------------------------------------
    log_in(page, live_server.url, "lars")
    page.goto(f"{live_server.url}/quality/disputes/")
    page.locator(".qa-disputes").get_by_role("link", name="Decide").click()
    page.check(".qa-resolve input[value=rejected]")
    page.fill(
        ".qa-resolve textarea[name=resolution]", "The date was there, but after three apologies."
    )
    page.click(".qa-resolve button[type=submit]")
    page.wait_for_url("**/quality/disputes/")
    assert Dispute.objects.get().status == "rejected"
    # The ticket shows the coach's reviews and the lead's, and the whole story on its timeline.
    page.goto(f"{live_server.url}/tickets/{second.pk}/")
    page.locator("#quality-panel .qa-panel-reviews").wait_for()
    assert page.locator("#quality-panel .dispute-rejected").count() == 1
    timeline = page.locator("#timeline").inner_text()
    assert "Conversation reviewed (Precision, Clarity, Empathy): Emma" in timeline
    assert "Dispute rejected, review stands" in timeline
    screenshot(page, "a-ticket-with-its-reviews-and-a-decided-dispute.png")

    # --- Calibration: Lena's grade moves the kappa with the coach -----------------------------------
    round = calibration.create_round(
        by=billing["lena"],
        name="December calibration",
        scorecard=pce,
        tickets=tickets,
        reviewers=[billing["lena"], billing["lars"]],
    )
    # Lars graded all three the way the coach did; Lena graded two of them the same way.
    for ticket in tickets:
        calibration_grade(round, ticket, billing["lars"], pce, coach[ticket.pk])
    for ticket in (first, second):
        calibration_grade(round, ticket, billing["lena"], pce, coach[ticket.pk])
    log_in(page, live_server.url, "lena")
    page.goto(f"{live_server.url}/quality/calibration/{round.pk}/")
    before = page.locator("#round-coach-kappa").get_attribute("data-kappa")
    assert before == "1.00"
    # Lena grades the third conversation: generous where the coach was strict, and vice versa.
    page.get_by_role("link", name=f"Grade #{third.pk} Double charge again").click()
    page.wait_for_url(f"**/quality/tickets/{third.pk}/grade/?round={round.pk}")
    assert page.locator(".qa-coach-hint").count() == 0  # grading blind
    form = page.locator("#grade-form")
    for criterion in Criterion.objects.filter(scorecard=pce, active=True):
        coach_value = coach[third.pk].get(criterion.name)
        # "Yes" on the binary criterion; 1 where the coach gave 3 or more, 5 where it gave less.
        value = "1" if criterion.scale == "binary" or (coach_value or 3) >= 3 else "5"
        form.locator(f"input[name=c{criterion.pk}][value='{value}']").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/quality/calibration/{round.pk}/")
    after = page.locator("#round-coach-kappa").get_attribute("data-kappa")
    assert after != before and float(after) < 1.0
    result = calibration.round_agreement(round)
    assert after == f"{result.coach_kappa:.2f}"
    screenshot(page, "calibration-reviewers-and-the-coach.png")

    # The scorecards carry the coach's agreement, prominent on each.
    page.goto(f"{live_server.url}/quality/scorecards/")
    trust = page.locator(".qa-scorecard", has_text="Precision, Clarity, Empathy").locator(
        ".qa-trust"
    )
    assert "Does the coach grade like your reviewers?" in trust.text_content()
    assert trust.get_attribute("data-kappa") != "—"
    screenshot(page, "scorecards-with-the-coachs-agreement.png")

    # The team's score, people's and the coach's apart, with the weekly chart drawn.
    page.goto(f"{live_server.url}/quality/team/")
    page.wait_for_function("document.getElementById('quality-trend').dataset.ready === '1'")
    assert "Billing" in page.locator(".qa-team").inner_text()
    screenshot(page, "team-quality-score.png")
