"""Playwright in Chromium: the main pages under the Content-Security-Policy, zero violations.

Every page is opened with a listener for ``securitypolicyviolation`` (installed before any page
script runs) and Chromium's console watched for "Refused to …" lines. The pages must still
work: the live review appears as the agent types, the reports draw their charts, the chat
widget opens on its page, the language menu still switches the interface.
"""

from __future__ import annotations

from typing import Any

import pytest

from tactful.coaching import readings
from tactful.tickets import inbound

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("allow_orm_next_to_playwright"),
]

PASSWORD = "a-long-test-password"


@pytest.fixture
def browser_bypass_csp() -> bool:
    return False  # these pages keep their policy (the other browser tests bypass it)


WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
}, true);
"""


@pytest.fixture
def desk_with_traffic(desk: Any) -> dict[str, Any]:
    readings.clear_caches()
    support = desk.team("Support")
    admin = desk.agent("root", role="admin", teams=[support], password=PASSWORD)
    ticket = desk.ticket(
        team=support,
        subject="Charged twice",
        body="I was charged twice for order 4821 and nobody answers. When do I get my money?",
    )
    inbound.record_incoming_message(ticket=ticket, body="Hello? This is really frustrating.")
    return {"team": support, "admin": admin, "ticket": ticket}


def _open(page: Any, url: str, refused: list[str]) -> None:
    page.goto(url)
    # Some pages poll or hold a socket open (never "network idle"): give the requests htmx
    # makes on load a moment, then read what was refused.
    page.wait_for_load_state("load")
    page.wait_for_timeout(700)
    found = page.evaluate("window.__csp || []")
    assert found == [] and refused == [], f"{url}: {found} {refused}"


def test_the_main_pages_break_no_rule_of_the_policy(live_server, page, desk_with_traffic):
    page.set_default_timeout(20_000)
    page.add_init_script(WATCH)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    ticket = desk_with_traffic["ticket"]
    team = desk_with_traffic["team"]
    base = live_server.url

    response = page.goto(f"{base}/accounts/login/")
    assert response is not None
    header = response.headers["content-security-policy"]
    assert (
        "script-src 'self'" in header and "unsafe-inline" not in header.split("style-src-attr")[0]
    )
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
    assert page.evaluate("window.__csp") == [] and refused == []

    # The ticket page, and the live review still appearing as the agent types.
    _open(page, f"{base}/tickets/{ticket.pk}/", refused)
    page.locator("#id_reply_body").fill("I'm so sorry. We will refund the extra charge today.")
    page.locator("#reply-coach .coach-result").wait_for()
    assert page.evaluate("window.__csp") == [] and refused == []

    for path in (
        "/inbox/",
        "/reports/",
        "/sla/",
        "/canned/",
        "/automation/rules/",
        "/quality/",
        "/satisfaction/",
        "/knowledge/",
        "/security/",
        "/security/two-factor/",
        "/admin/",
        "/admin/accounts/agent/",
        f"/admin/accounts/agent/{desk_with_traffic['admin'].pk}/change/",
        "/api/v1/docs",
        f"/contact/{team.slug}/",
        "/help/",
    ):
        _open(page, f"{base}{path}", refused)

    # The reports draw their charts (Chart.js from the desk's static files).
    page.goto(f"{base}/reports/")
    assert page.locator("canvas").count() >= 1 or "No" in page.inner_text("main")

    # The language menu, once an inline onchange, still switches the interface.
    page.goto(f"{base}/inbox/")
    with page.expect_navigation():
        page.select_option("#ui-language", "es")
    assert page.locator("html").get_attribute("lang") == "es"
    with page.expect_navigation():
        page.select_option("#ui-language", "en")

    # The chat widget's page: the launcher appears in its Shadow DOM and opens the panel.
    _open(page, f"{base}/chat/try/{team.slug}/", refused)
    launcher = page.locator("tactful-chat .launcher")
    launcher.wait_for()
    launcher.click()
    page.locator("tactful-chat .panel").wait_for()
    assert page.evaluate("window.__csp") == [] and refused == []


def test_an_inline_script_is_refused(live_server, page, desk_with_traffic):
    """The listener would see a violation: one injected inline script is blocked and counted."""
    page.add_init_script(WATCH)
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """() => { const s = document.createElement('script');
        s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(300)  # the violation event is queued, not dispatched at once
    assert page.evaluate("window.__csp.length") > 0
    assert page.evaluate("window.__ran === undefined")
    assert "script-src" in page.evaluate("window.__csp[0]")
