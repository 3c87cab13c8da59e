"""Playwright in Debian's Chromium: an abusive ticket routed to a lead; a hand-over with a note."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tactful.coach.tests.cases import ABUSIVE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Like the inbox's browser test: `TACTFUL_SCREENSHOTS=docs/screenshots` refreshes the README's.
SCREENSHOTS = Path(os.environ.get("TACTFUL_SCREENSHOTS") or tempfile.gettempdir()) / (
    "" if os.environ.get("TACTFUL_SCREENSHOTS") else "tactful-screenshots"
)
PASSWORD = "a-long-demo-password"


def log_in(page, base_url, username):
    page.goto("about:blank")  # first, so no late response of the last page puts a cookie back
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/**")


def test_abuse_goes_to_a_lead_and_an_agent_hands_over(live_server, page, desk):
    team = desk.team("Billing", auto_assign=True)
    emma = desk.agent("emma", teams=[team], password=PASSWORD)
    eric = desk.agent("eric", teams=[team], password=PASSWORD)
    lena = desk.agent("lena", role="lead", teams=[team], password=PASSWORD)
    angry = desk.ticket(
        team=team,
        subject="Charged twice again",
        body="You charged me twice AGAIN! This is your mistake and I am furious! Refund me NOW!!!",
    )
    abusive = desk.ticket(
        team=team, subject="Cuenta bloqueada", body=ABUSIVE["es"], language="es", channel="chat"
    )
    abusive.refresh_from_db()
    angry.refresh_from_db()
    assert angry.assignee == emma
    # Round-robin gave it to Eric; "Protect agents" routed it to the lead as soon as the coach
    # read it.
    assert abusive.events.filter(kind="assigned").first().data["to"] == eric.pk
    assert abusive.assignee == lena
    page.set_default_timeout(20_000)
    page.set_viewport_size({"width": 1360, "height": 900})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # Emma hands the angry conversation over to a lead, with a note, from the ticket page.
    log_in(page, live_server.url, "emma")
    page.goto(f"{live_server.url}/tickets/{angry.pk}/")
    panel = page.locator("#handover-panel")
    panel.locator("textarea[name=note]").fill(
        "Third double charge; refund is approved, needs a lead."
    )
    page.screenshot(path=str(SCREENSHOTS / "handover.png"), full_page=True)
    panel.locator("button[type=submit]").click()
    page.wait_for_url(f"**/tickets/{angry.pk}/")
    timeline = page.locator("#timeline").inner_text()
    assert "Handed over to Lena: Third double charge" in timeline
    assert "Angry and our fault" in timeline

    # Lena sees both conversations routed to her, and why.
    log_in(page, live_server.url, "lena")
    page.wait_for_selector(".nav-notifications .notification-count")
    assert page.locator(".nav-notifications .notification-count").inner_text() == "2"
    page.click(".nav-notifications")
    page.wait_for_url("**/automation/notifications/")
    notes = page.locator("table.tickets").inner_text()
    assert "Protect agents" in notes and "Emma handed" in notes
    page.screenshot(path=str(SCREENSHOTS / "notifications.png"), full_page=True)
    page.click(f"text=#{abusive.pk} Cuenta bloqueada")
    page.wait_for_url(f"**/tickets/{abusive.pk}/")
    timeline = page.locator("#timeline").inner_text()
    assert "Rule “Protect agents”: priority set to High, assigned to Lena" in timeline
    assert "abusive or threatening" in page.locator("#handover-panel").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "protect.png"), full_page=True)
    page.goto(f"{live_server.url}/automation/rules/")
    assert "Protect agents" in page.locator("table.tickets").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "rules.png"), full_page=True)

    # A lead changes a rule without a deploy: "Angry and our fault" from 0.70 to 0.80.
    page.locator("tr.rule", has_text="Angry and our fault").locator("text=Edit").click()
    page.wait_for_url("**/automation/rules/*/")
    page.fill("#id_emotion_min_intensity", "0.8")
    page.screenshot(path=str(SCREENSHOTS / "rule-form.png"), full_page=True)
    page.click("text=Save rule")
    page.wait_for_url("**/automation/rules/")
    assert "anger, frustration ≥ 0.80" in page.locator("table.tickets").inner_text()
