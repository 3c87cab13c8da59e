"""A lead sets an SLA policy, sees a ticket at risk, a rule fire on the breach, and reads the
reports' charts in English, Spanish and Russian — end to end in Chromium.

Nothing is mocked: the policy is saved through its form (re-timing every open ticket after the
commit), the minute check is the beat task's own function, the rule is a real automation rule,
and the charts are drawn by the vendored Chart.js from the page's own JSON.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tactful.automation.models import Notification, Rule
from tactful.desk.testing import bulk_history, bulk_tickets
from tactful.sla import services as sla_services
from tactful.sla.models import Policy
from tactful.tickets.models import Message, Priority, Ticket, TicketEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("TACTFUL_SCREENSHOTS")
PASSWORD = "a-long-demo-password"
HEADINGS = {"en": "Reports", "es": "Informes", "ru": "Отчёты"}


@pytest.fixture
def chromium(
    close_stray_database_sessions: None, allow_orm_next_to_playwright: None
) -> Iterator[Any]:
    from conftest import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str, **options: Any) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), **options)


@pytest.fixture
def billing(desk: Any) -> dict[str, Any]:
    team = desk.team("Billing")
    lead = desk.agent("lena", role="lead", teams=[team], password=PASSWORD)
    agents = [desk.agent(name, teams=[team], password=PASSWORD) for name in ("emma", "eric")]
    # Two months of solved tickets behind the charts.
    ids = bulk_tickets(
        120,
        teams=[team],
        agents=agents,
        seed=4,
        index=False,
        with_events=False,
        overrides={"status": "closed"},
    )
    now = timezone.now()
    bulk_history(
        list(Ticket.objects.filter(pk__in=ids)),
        start=now - timedelta(days=60),
        end=now - timedelta(days=1),
        agents=agents,
        seed=4,
    )
    # A customer has been waiting 50 minutes for a first reply.
    ticket = desk.ticket(team=team, subject="Charged twice for order 4821", body="Charged twice!")
    started = now - timedelta(minutes=50)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=started)
    Message.objects.filter(ticket=ticket).update(created_at=started)
    TicketEvent.objects.filter(ticket=ticket).update(created_at=started)
    Rule.objects.create(
        name="Late first reply",
        trigger="sla_breached",
        conditions={"sla_target_in": ["first_response"]},
        actions=[
            {"type": "set_priority", "priority": Priority.URGENT, "raise_only": True},
            {"type": "notify_leads", "text": "A first reply is late"},
        ],
    )
    return {"team": team, "lead": lead, "ticket": ticket}


def log_in(browser: Any, base_url: str, username: str) -> Any:
    page = browser.new_context(locale="en-US").new_page()
    page.set_default_timeout(20_000)
    page.set_viewport_size({"width": 1360, "height": 1000})
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/**")
    return page


def test_a_lead_sets_a_policy_sees_the_risk_the_breach_and_the_reports(
    live_server: Any, chromium: Any, billing: dict[str, Any]
) -> None:
    ticket = billing["ticket"]
    page = log_in(chromium, live_server.url, "lena")

    # The lead sets a policy: an hour to the first reply, warn at 80 %.
    page.click("text=SLA policies")
    page.click("text=New policy")
    page.fill("#id_name", "Billing replies")
    page.check(f"#id_teams input[value='{billing['team'].pk}']")
    page.fill("#id_first_response_minutes", "60")
    page.fill("#id_resolution_minutes", "1440")
    page.uncheck("#id_business_hours")
    screenshot(page, "sla-policy-form.png", full_page=True)
    page.click("button:has-text('Save policy')")
    page.wait_for_url("**/sla/policies/")
    assert "Billing replies" in page.inner_text("table")
    assert Policy.objects.get().first_response_minutes == 60

    # The waiting ticket is at risk: badged in the inbox's SLA queue, and on its page.
    page.click("text=Inbox")
    page.click("text=SLA at risk")
    row = page.locator("tr.ticket-row", has_text="Charged twice for order 4821")
    badge = row.locator(".badge.sla-at_risk")
    assert "SLA at risk" in badge.inner_text()
    screenshot(page, "inbox-sla-at-risk.png")
    page.click("text=Charged twice for order 4821")
    target = page.locator("#sla-targets .sla-target[data-target='first_response']")
    assert "left" in target.inner_text()
    assert target.locator(".badge.sla-at_risk").count() == 1

    # Fifteen minutes later the beat's check finds the breach; the rule acts on it.
    result = sla_services.check_deadlines(now=timezone.now() + timedelta(minutes=15))
    # At least the waiting ticket's first reply (the generated history behind the charts may
    # leave a few conversations of its own open, and they breach too).
    assert result.breaches >= 1
    assert TicketEvent.objects.filter(ticket=ticket, kind="sla_breached").exists()
    page.reload()
    timeline = page.inner_text("#timeline")
    assert "SLA breached: First response" in timeline
    assert "Rule “Late first reply”" in timeline
    assert Ticket.objects.get(pk=ticket.pk).priority == Priority.URGENT
    assert Notification.objects.filter(recipient=billing["lead"], ticket=ticket).exists()
    screenshot(page, "ticket-sla-breached.png", full_page=True)

    # The reports draw their charts, in each language.
    for language in ("en", "es", "ru"):
        page.goto(f"{live_server.url}/inbox/")
        # The select submits its form: wait for that navigation before the next one.
        with page.expect_navigation():
            page.select_option("#ui-language", language)
        page.goto(f"{live_server.url}/reports/?range=90&bucket=week&by=agent")
        page.wait_for_selector("#report-charts[data-drawn='8']")
        assert page.inner_text("h1") == HEADINGS[language]
        drawn = page.locator("#report-charts canvas[data-drawn='yes']").count()
        assert drawn == 8
        assert page.locator(".report-table tbody tr").count() >= 2
        screenshot(page, f"reports-{language}.png", full_page=True)
