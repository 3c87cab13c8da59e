"""Playwright in Debian's Chromium: log in → filter the inbox → open a ticket → reply → timeline."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tactful.canned.services import load_starter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The README's screenshots come from this test: `TACTFUL_SCREENSHOTS=docs/screenshots make test`
# refreshes them; ordinary runs write to a temporary folder so the tree stays clean.
SCREENSHOTS = Path(os.environ.get("TACTFUL_SCREENSHOTS") or tempfile.gettempdir()) / (
    "" if os.environ.get("TACTFUL_SCREENSHOTS") else "tactful-screenshots"
)


@pytest.fixture
def desk_data(desk):
    # A transactional test starts from an emptied database: put back the starter library the
    # data migration ships, so the ticket page (and its screenshot) shows the canned picker.
    load_starter()
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    agent = desk.agent("emma", teams=[billing, shipping], password="a-long-demo-password")
    desk.ticket(
        team=billing,
        channel="chat",
        subject="Charged twice for order 48213",
        body="You charged me twice! I want my money back today.",
    )
    # E-mail, so the reply is really delivered here (the test's locmem backend); a chat reply
    # needs a live chat session, which this WSGI live server does not run.
    parcel = desk.ticket(
        team=shipping,
        channel="email",
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
        channel="email",
        subject="Посылка не пришла",
        body="Где моя посылка?",
        language="ru",
    )
    return agent, parcel


def test_agent_works_a_ticket_end_to_end(live_server, page, desk_data):
    agent, parcel = desk_data
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1360, "height": 900})

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "emma")
    page.fill("#id_password", "a-long-demo-password")
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
    assert page.locator("tr.ticket-row").count() == 4

    # Filter by channel: htmx swaps the list and pushes the URL.
    page.select_option("#filters select[name=channel]", "email")
    page.wait_for_url("**channel=email**")
    page.wait_for_function("document.querySelectorAll('tr.ticket-row').length === 2")
    page.select_option("#filters select[name=language]", "en")
    page.wait_for_function("document.querySelectorAll('tr.ticket-row').length === 1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "inbox.png"), full_page=True)

    page.click("text=Where is my parcel?")
    page.wait_for_url(f"**/tickets/{parcel.pk}/")
    page.fill(
        "#id_reply_body",
        "I'm sorry for the wait. I've asked the depot to ship it today; "
        "you'll get a new tracking number by 5 pm.",
    )
    page.select_option("form.reply select[name=status]", "pending")
    page.click("text=Send reply")
    page.wait_for_url(f"**/tickets/{parcel.pk}/")
    timeline = page.locator("#timeline")
    assert "Agent replied" in timeline.inner_text()
    assert "Status: New → Pending" in timeline.inner_text()
    assert "ship it today" in page.locator(".thread").inner_text()
    # Sent through the e-mail transport after the commit, before the page came back.
    assert page.locator(".thread .message-out .delivery-sent").is_visible()
    page.locator(".canned-item").first.wait_for()  # lazily loaded suggestions
    page.screenshot(path=str(SCREENSHOTS / "ticket.png"), full_page=True)

    parcel.refresh_from_db()
    assert parcel.status == "pending" and parcel.assignee_id == agent.pk
    assert parcel.messages.get(kind="out").delivery_state == "sent"


#: The demo's agents, one per interface language, and how "Mine" reads for each.
DEMO_AGENTS = (("agent", "en", "Mine"), ("ana", "es", "Míos"), ("boris", "ru", "Мои"))


def test_the_demo_inbox_speaks_each_agents_language(live_server, page):
    from tactful.desk import demo

    logins = demo.seed_demo()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for username, language, mine in DEMO_AGENTS:
        # A browser context per agent: clearing cookies in one could race a late response of
        # the last page that sets the CSRF cookie again.
        context = page.context.browser.new_context(locale="en-US")
        agent_page = context.new_page()
        agent_page.set_default_timeout(15_000)
        agent_page.set_viewport_size({"width": 1360, "height": 900})
        agent_page.goto(f"{live_server.url}/accounts/login/")
        agent_page.fill("#id_username", username)
        agent_page.fill("#id_password", logins[username])
        agent_page.click("button[type=submit]")
        agent_page.wait_for_url("**/inbox/")
        # The queue counts arrive after the page; wait so the screenshot has them.
        agent_page.locator(".queues .count").first.wait_for()
        assert agent_page.locator("html").get_attribute("lang") == language
        assert agent_page.locator(".queues a").first.inner_text() == mine
        assert agent_page.locator("tr.ticket-row").count() > 5
        agent_page.screenshot(path=str(SCREENSHOTS / f"inbox-{language}.png"))
        context.close()
