"""Playwright in Debian's Chromium: log in → filter the inbox → open a ticket → reply → timeline."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The README's screenshots come from this test: `TACTFUL_SCREENSHOTS=docs/screenshots make test`
# refreshes them; ordinary runs write to a temporary folder so the tree stays clean.
SCREENSHOTS = Path(os.environ.get("TACTFUL_SCREENSHOTS") or tempfile.gettempdir()) / (
    "" if os.environ.get("TACTFUL_SCREENSHOTS") else "tactful-screenshots"
)


@pytest.fixture(autouse=True)
def allow_orm_next_to_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are plain
    # synchronous setup code, not async views.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page(close_stray_database_sessions):
    """Debian's Chromium through Playwright, launched here with the project's flags."""
    from conftest import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(locale="en-US")
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


@pytest.fixture
def desk_data(desk):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    agent = desk.agent("emma", teams=[billing, shipping], password="a-long-demo-password")
    desk.ticket(
        team=billing,
        channel="email",
        subject="Charged twice for order 48213",
        body="You charged me twice! I want my money back today.",
    )
    chat = desk.ticket(
        team=shipping,
        channel="chat",
        subject="Where is my parcel?",
        body="It has been ten days and the tracking has not moved.",
        language="en",
    )
    desk.ticket(
        team=billing,
        channel="social",
        subject="Me cobraron dos veces",
        body="Me cobraron dos veces el pedido.",
        language="es",
    )
    desk.ticket(
        team=shipping,
        channel="chat",
        subject="Посылка не пришла",
        body="Где моя посылка?",
        language="ru",
    )
    return agent, chat


def test_agent_works_a_ticket_end_to_end(live_server, page, desk_data):
    agent, chat_ticket = desk_data
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1360, "height": 900})

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "emma")
    page.fill("#id_password", "a-long-demo-password")
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
    assert page.locator("tr.ticket-row").count() == 4

    # Filter by channel: htmx swaps the list and pushes the URL.
    page.select_option("#filters select[name=channel]", "chat")
    page.wait_for_url("**channel=chat**")
    page.wait_for_function("document.querySelectorAll('tr.ticket-row').length === 2")
    page.select_option("#filters select[name=language]", "en")
    page.wait_for_function("document.querySelectorAll('tr.ticket-row').length === 1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "inbox.png"), full_page=True)

    page.click("text=Where is my parcel?")
    page.wait_for_url(f"**/tickets/{chat_ticket.pk}/")
    page.fill(
        "#id_reply_body",
        "I'm sorry for the wait. I've asked the depot to ship it today; "
        "you'll get a new tracking number by 5 pm.",
    )
    page.select_option("form.reply select[name=status]", "pending")
    page.click("text=Send reply")
    page.wait_for_url(f"**/tickets/{chat_ticket.pk}/")
    timeline = page.locator("#timeline")
    assert "Agent replied" in timeline.inner_text()
    assert "Status: New → Pending" in timeline.inner_text()
    assert "ship it today" in page.locator(".thread").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "ticket.png"), full_page=True)

    chat_ticket.refresh_from_db()
    assert chat_ticket.status == "pending" and chat_ticket.assignee_id == agent.pk
