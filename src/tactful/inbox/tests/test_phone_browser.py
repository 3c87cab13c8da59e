"""Playwright in Debian's Chromium at 390×844 (a phone): inbox, ticket page and team load show
everything without cutting it off or scrolling sideways."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tactful.accounts import services as account_services
from tactful.canned.services import load_starter
from tactful.tickets import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("TACTFUL_SCREENSHOTS") or tempfile.gettempdir()) / (
    "" if os.environ.get("TACTFUL_SCREENSHOTS") else "tactful-screenshots"
)
PASSWORD = "a-long-demo-password"
PHONE = {"width": 390, "height": 844}

#: Every rendered element whose box reaches past the viewport's left or right edge, wherever it
#: sits on the page (scrolled off or not), and however an ancestor clips it: a body that hides
#: the overflow does not count as fitting.
OVERFLOWING = """
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    if (el.closest("dialog:not([open]), template, .sr-only, [hidden]")) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5) {
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
      out.push(`${name} [${Math.round(box.left)}, ${Math.round(box.right)}]`);
    }
  }
  return {
    width,
    scrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
    overflowing: out.slice(0, 20),
  };
}
"""


def assert_fits(page) -> None:
    found = page.evaluate(OVERFLOWING)
    assert found["overflowing"] == [], found
    assert found["scrollWidth"] <= found["width"], found
    assert found["bodyScrollWidth"] <= found["width"], found


@pytest.fixture
def desk_data(desk):
    load_starter()
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    lead = desk.lead("lena", teams=[billing, shipping])
    lead.set_password(PASSWORD)
    lead.save()
    desk.agent("emma", teams=[billing])
    ticket = desk.ticket(
        team=billing,
        channel="email",
        subject="Charged twice for order 48213 and nobody answers my e-mails",
        body=(
            "You charged me twice for order 48213! I want my money back today. "
            "https://shop.example.com/orders/48213/invoice/a-very-long-path-without-breaks"
        ),
        customer=desk.customer("maria.fernandez-gonzalez@example-customer-domain.com"),
    )
    services.record_reply(
        ticket=ticket, agent=lead, body="I'm sorry. I've asked billing to refund it today."
    )
    services.set_tags(ticket=ticket, names=["billing", "refund", "double-charge"], by=lead)
    for i in range(6):
        desk.ticket(
            team=shipping,
            subject=f"Where is my parcel number {i}?",
            body="It has been ten days and the tracking has not moved.",
        )
    return ticket


# Russian has the longest words and labels of the three languages.
@pytest.mark.parametrize("language", ["en", "ru"])
def test_inbox_ticket_and_team_load_fit_a_phone(live_server, page, desk_data, language):
    ticket = desk_data
    lead = ticket.assignee
    account_services.set_language(agent=lead, language=language)
    suffix = "" if language == "en" else f"-{language}"
    page.set_default_timeout(15_000)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    assert_fits(page)
    page.fill("#id_username", "lena")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
    page.locator(".queues .count").first.wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert_fits(page)
    # Reachable on a phone: the navigation, the filters and the first ticket's link.
    for selector in (".topbar nav a[href='/inbox/']", "#id_q", "tr.ticket-row .subject a"):
        assert page.locator(selector).first.is_visible(), selector
    page.screenshot(path=str(SCREENSHOTS / f"phone-inbox{suffix}.png"), full_page=True)

    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.locator(".canned-item").first.wait_for()
    assert_fits(page)
    assert page.locator("#id_reply_body").is_visible()
    page.screenshot(path=str(SCREENSHOTS / f"phone-ticket{suffix}.png"), full_page=True)

    page.goto(f"{live_server.url}/team-load/")
    page.locator(".team-loads").wait_for()  # loaded after the page
    assert_fits(page)
    page.screenshot(path=str(SCREENSHOTS / f"phone-team-load{suffix}.png"), full_page=True)
