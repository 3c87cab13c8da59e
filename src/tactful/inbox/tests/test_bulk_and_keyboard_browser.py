"""Playwright in Debian's Chromium: twenty tickets solved in one action; a ticket worked from the
inbox to "solved" with the keyboard alone."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tactful.tickets.models import EventKind, Status, Ticket, TicketEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("TACTFUL_SCREENSHOTS") or tempfile.gettempdir()) / (
    "" if os.environ.get("TACTFUL_SCREENSHOTS") else "tactful-screenshots"
)
PASSWORD = "a-long-demo-password"


@pytest.fixture
def queue(desk):
    billing = desk.team("Billing")
    agent = desk.agent("emma", teams=[billing], password=PASSWORD)
    tickets = [
        desk.ticket(
            team=billing,
            channel="web",
            subject=f"Duplicate charge on invoice {1000 + i}",
            body=f"I was charged twice for invoice {1000 + i}.",
        )
        for i in range(24)
    ]
    return agent, tickets


def log_in(page, live_server, *, keyboard: bool = False) -> None:
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "emma")
    page.fill("#id_password", PASSWORD)
    if keyboard:
        page.keyboard.press("Enter")
    else:
        page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")


def test_twenty_tickets_solved_in_one_action(live_server, page, queue):
    _agent, tickets = queue
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server)
    assert page.locator("tr.ticket-row").count() == 24
    # Twenty of them: the newest twenty, ticked one by one (and the bar counts them).
    boxes = page.locator('tr.ticket-row input[name="tickets"]')
    for index in range(20):
        boxes.nth(index).check()
    assert page.locator("[data-bulk-count]").inner_text() == "20 selected"
    chosen = [int(boxes.nth(i).get_attribute("value")) for i in range(20)]
    page.select_option("#bulk select[name=action]", "status:solved")
    page.evaluate("window.scrollTo(0, 0)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "inbox-bulk-selection.png"))
    with page.expect_navigation():
        page.click("#bulk button[type=submit]")
    assert "20 tickets changed." in page.locator(".flash").inner_text()
    # The default inbox shows active tickets: only the four left alone remain.
    assert page.locator("tr.ticket-row").count() == 4
    assert Ticket.objects.filter(pk__in=chosen, status=Status.SOLVED).count() == 20
    assert (
        TicketEvent.objects.filter(ticket_id__in=chosen, kind=EventKind.STATUS_CHANGED).count()
        == 20
    )
    untouched = {t.pk for t in tickets} - set(chosen)
    assert not Ticket.objects.filter(pk__in=untouched, status=Status.SOLVED).exists()


def test_the_select_all_box_ticks_the_page(live_server, page, queue):
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server)
    page.check("[data-bulk-all]")
    assert page.locator("[data-bulk-count]").inner_text() == "24 selected"
    page.locator('tr.ticket-row input[name="tickets"]').first.uncheck()
    assert page.locator("[data-bulk-all]").evaluate("box => box.indeterminate")


def test_a_ticket_from_the_inbox_to_solved_with_the_keyboard_only(live_server, page, queue):
    agent, _tickets = queue
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, keyboard=True)
    keyboard = page.keyboard

    # "?" opens the help; Escape closes it.
    keyboard.press("?")
    assert page.locator("#shortcuts-help").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "keyboard-shortcuts-help.png"))
    keyboard.press("Escape")
    assert not page.locator("#shortcuts-help").is_visible()

    # j, j, k: the second row, then back to the first; Enter opens it.
    keyboard.press("j")
    keyboard.press("j")
    keyboard.press("k")
    first = page.locator("tr.ticket-row").first
    assert "focused" in (first.get_attribute("class") or "")
    number = int(first.get_attribute("data-ticket"))
    keyboard.press("Enter")
    page.wait_for_url(f"**/tickets/{number}/")

    # Typing in the reply box is typing: "s" and "a" are letters there, not actions.
    keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "id_reply_body"
    keyboard.type("Thanks, sorted")
    assert page.input_value("#id_reply_body") == "Thanks, sorted"
    keyboard.press("Escape")
    assert Ticket.objects.get(pk=number).status != Status.SOLVED

    # a: assign to me; s: solve. Each one submits the ticket page's own form.
    with page.expect_navigation():
        keyboard.press("a")
    assert Ticket.objects.get(pk=number).assignee_id == agent.pk
    with page.expect_navigation():
        keyboard.press("s")
    ticket = Ticket.objects.get(pk=number)
    assert ticket.status == Status.SOLVED
    timeline = page.locator("#timeline").inner_text()
    assert "Status: New → Solved" in timeline

    # j goes to the next ticket of the inbox's order, u back to the inbox.
    with page.expect_navigation():
        keyboard.press("j")
    assert page.url.endswith("/")
    assert f"/tickets/{number}/" not in page.url and "/tickets/" in page.url
    with page.expect_navigation():
        keyboard.press("u")
    assert page.url.endswith("/inbox/")
