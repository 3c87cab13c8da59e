"""Playwright in Debian's Chromium at 1440×900: while the agent writes, the coach's live review
is on screen beside the draft, not below the canned list."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tactful.canned.services import load_starter
from tactful.coaching import readings
from tactful.tickets import inbound, services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("TACTFUL_SCREENSHOTS") or tempfile.gettempdir()) / (
    "" if os.environ.get("TACTFUL_SCREENSHOTS") else "tactful-screenshots"
)
DRAFT = (
    "Lo siento muchísimo, de verdad lo siento. Perdone las molestias, lo sentimos mucho. "
    "Entiendo perfectamente su frustración."
)

IN_VIEW = """
(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return { top: box.top, bottom: box.bottom, left: box.left, right: box.right,
           height: innerHeight, width: innerWidth };
}
"""


@pytest.fixture
def spanish_ticket(desk):
    load_starter()
    readings.clear_caches()
    billing = desk.team("Billing")
    agent = desk.agent("emma", teams=[billing], password="a-long-demo-password")
    customer = desk.customer("lucia@example.com", name="Lucía Pérez", language="es")
    ticket = desk.ticket(
        team=billing,
        customer=customer,
        subject="Me cobraron dos veces el pedido #48213",
        body="Hola, en mi factura aparece un cargo extra, ¿pueden revisarlo?",
        language="es",
    )
    services.record_reply(ticket=ticket, agent=agent, body="Lo miramos.")
    inbound.record_incoming_message(
        ticket=ticket,
        body="¡Me han cobrado DOS VECES el mismo pedido! ¿Cuándo me devuelven mi dinero?",
    )
    return ticket


def test_the_live_review_is_in_view_while_writing_at_1440x900(live_server, page, spanish_ticket):
    ticket = spanish_ticket
    page.set_default_timeout(20_000)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "emma")
    page.fill("#id_password", "a-long-demo-password")
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.locator(".canned-item").first.wait_for()

    page.keyboard.press("r")  # the reply shortcut brings the draft into view
    page.keyboard.type(DRAFT)
    page.locator("#reply-coach .coach-result").wait_for()
    page.locator("#reply-coach .gauge-too_much.active").wait_for()
    draft = page.evaluate(IN_VIEW, "#id_reply_body")
    review = page.evaluate(IN_VIEW, "#reply-coach .coach-gauge")
    # Both on screen at once, side by side: the verdict needs no scrolling.
    for box in (draft, review):
        assert box["top"] >= 0 and box["bottom"] <= box["height"], (draft, review)
    assert review["left"] >= draft["right"], (draft, review)
    # And it sits above the canned list, which no longer pushes it off screen.
    canned = page.evaluate(IN_VIEW, "#canned-picker")
    assert review["top"] < canned["top"] or review["left"] > canned["right"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "ticket-live-review-beside-the-draft.png"))
