"""An agent writes with the coach and a lead takes over, end to end in Chromium.

An agent opens an angry Spanish ticket, types an over-apologising reply without a next step,
sees ``over_apology`` and ``empathy_without_action`` highlighted and the gauge at "too much",
inserts a canned response, fills its variable, sends, and hands the conversation to a lead with
a note. In a second browser context the lead finds the abusive ticket that the coach and the
default "Protect agents" rule routed to them, the notifications, and the hand-over on the
timeline. Nothing is mocked: the coach runs in-process, the rules and the starter library are
the shipped ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tactful.automation.services import install_default_rules
from tactful.canned.models import CannedResponse
from tactful.canned.services import load_starter
from tactful.coaching import readings
from tactful.tickets import inbound
from tactful.tickets.models import EventKind, Message, MessageKind, Priority, TicketEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# README screenshots: `TACTFUL_SCREENSHOTS=docs/screenshots` refreshes them; other runs take none.
SCREENSHOTS = os.environ.get("TACTFUL_SCREENSHOTS")
PASSWORD = "a-long-demo-password"

ANGRY = (
    "¡Me han cobrado DOS VECES el pedido 48213! Es un error suyo y estoy furiosa. "
    "¿Cuándo me devuelven mi dinero?"
)
ABUSIVE = "Sois unos inútiles y unos ladrones. Devolvedme mi dinero ya, idiotas de mierda."
OVER_APOLOGISING = (
    "Lo siento muchísimo. Perdón por las molestias, de verdad lo sentimos mucho. "
    "Le pido disculpas otra vez, entiendo perfectamente su frustración."
)
HANDOVER_NOTE = "Tercer cobro doble: el reembolso está hecho, que lo siga un responsable."


@pytest.fixture(autouse=True)
def allow_orm_next_to_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain
    # synchronous setup and checks, not async views.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def chromium(close_stray_database_sessions: None) -> Iterator[Any]:
    """Debian's Chromium; the test opens one context per person (agent, lead)."""
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


@pytest.fixture
def billing_desk(desk: Any) -> dict[str, Any]:
    """A round-robin team with two agents and a lead, an angry ticket and an abusive one."""
    # A transactional test starts from an emptied database: the data migrations' rows (default
    # rules, starter library) are gone, so put them back as a new desk has them.
    install_default_rules()
    load_starter()
    readings.clear_caches()
    team = desk.team("Facturación", auto_assign=True)
    emma = desk.agent("emma", teams=[team], password=PASSWORD)
    eric = desk.agent("eric", teams=[team], password=PASSWORD)
    lena = desk.agent("lena", role="lead", teams=[team], password=PASSWORD)
    angry = inbound.create_ticket(
        customer=desk.customer("lucia@example.com", name="Lucía Pérez", language="es"),
        subject="Me cobraron dos veces el pedido 48213",
        body=ANGRY,
        channel="email",
        team=team,
        language="es",
    )
    abusive = inbound.create_ticket(
        customer=desk.customer("jorge@example.com", name="Jorge Gil", language="es"),
        subject="Devolvedme el dinero",
        body=ABUSIVE,
        # Not "chat": the live server here is WSGI, so a chat ticket's WebSocket pane would
        # show "reconnecting" in the lead's screenshot.
        channel="web",
        team=team,
        language="es",
    )
    angry.refresh_from_db()
    abusive.refresh_from_db()
    return {"emma": emma, "eric": eric, "lena": lena, "angry": angry, "abusive": abusive}


def log_in(context: Any, base_url: str, username: str) -> Any:
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.set_viewport_size({"width": 1360, "height": 1000})
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/**")
    return page


def screenshot(page_or_locator: Any, name: str, **options: Any) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page_or_locator.screenshot(path=str(Path(SCREENSHOTS) / name), **options)


def finding_kinds(page: Any) -> set[str]:
    return set(
        page.locator("#reply-coach .coach-finding").evaluate_all(
            "items => items.map(item => item.dataset.kind)"
        )
    )


def test_an_agent_writes_with_the_coach_and_a_lead_takes_over(
    live_server: Any, chromium: Any, billing_desk: dict[str, Any]
) -> None:
    emma, eric, lena = billing_desk["emma"], billing_desk["eric"], billing_desk["lena"]
    angry, abusive = billing_desk["angry"], billing_desk["abusive"]
    # Round-robin handed the tickets to the two agents; the coach read the abusive one and
    # "Protect agents" took it off Eric's plate and gave it to the lead.
    assert angry.assignee == emma and not angry.abuse
    assert abusive.events.filter(kind=EventKind.ASSIGNED).first().data["to"] == eric.pk
    assert abusive.abuse and abusive.assignee == lena

    # --- The agent ---------------------------------------------------------------------------
    # Playwright's wait_for_function evaluates strings, which the CSP forbids (see conftest).
    agent_context = chromium.new_context(locale="en-US", bypass_csp=True)
    page = log_in(agent_context, live_server.url, "emma")
    page.click(f"text={angry.subject}")
    page.wait_for_url(f"**/tickets/{angry.pk}/")

    # The customer panel arrives after the page, with the question nobody has answered yet.
    page.locator("#customer-panel .coach-move").wait_for()
    assert "¿Cuándo me devuelven mi dinero?" in page.locator("#customer-panel").inner_text()

    # An over-apologising draft without a next step: the coach highlights it as it is typed.
    draft = page.locator("#id_reply_body")
    draft.fill(OVER_APOLOGISING)
    page.locator("#reply-coach .coach-result").wait_for()
    assert page.locator("#reply-coach .coach-result").get_attribute("data-balance") == "too_much"
    assert page.locator("#reply-coach .gauge-too_much.active").is_visible()
    apologies = page.locator("#reply-coach mark.finding-over_apology").all_inner_texts()
    assert {"Lo siento", "Perdón", "Le pido disculpas"} <= set(apologies)
    assert page.locator("#reply-coach mark.finding-empathy_without_action").count() >= 1
    assert {"over_apology", "empathy_without_action", "no_next_step"} <= finding_kinds(page)
    screenshot(page, "live-review-spanish-draft.png", full_page=True)

    # The agent reaches for the action template; its order number is not on the ticket, so it
    # arrives as a placeholder, selected, and a note says what is left to fill.
    draft.evaluate("box => box.setSelectionRange(box.value.length, box.value.length)")
    page.fill(".canned-search", "cargo duplicado")
    page.wait_for_function(
        "document.querySelectorAll('.canned-item').length === 1"
        " && document.querySelector('.canned-title').textContent.includes('cargo duplicado')"
    )
    page.click(".canned-insert")
    page.wait_for_function(
        "document.getElementById('id_reply_body').value.includes('He revisado el pedido {{')"
    )
    unfilled = page.locator(".canned-unfilled")
    assert unfilled.is_visible()
    assert "{{ ticket.custom.order_number }}" in unfilled.inner_text()
    # The insertion fired `input`: wait for the review of the new draft, not the old one.
    page.wait_for_function(
        "(document.querySelector('#reply-coach .coach-mirror') || {textContent: ''})"
        ".textContent.includes('He revisado el pedido {{')"
    )
    screenshot(page, "canned-responses-in-the-reply-box.png", full_page=True)

    page.keyboard.type("48213")
    page.wait_for_function("document.querySelector('.canned-unfilled').hidden")
    page.wait_for_function(
        "(document.querySelector('#reply-coach .coach-mirror') || {textContent: ''})"
        ".textContent.includes('He revisado el pedido 48213')"
    )
    value = draft.input_value()
    assert value.startswith(OVER_APOLOGISING + "\n\nHe revisado el pedido 48213 y hoy mismo")
    # An action and a next step now: the coach drops those findings; the apologies remain.
    kinds_at_send = finding_kinds(page)
    assert "over_apology" in kinds_at_send
    assert not {"empathy_without_action", "no_next_step"} & kinds_at_send
    canned_ids = page.locator("input[name=canned_ids]").input_value()

    # Send: never blocked by the coach, and its verdict travels with the reply.
    page.click("form.reply button[type=submit]")
    page.wait_for_url(f"**/tickets/{angry.pk}/")
    sent_item = page.locator(".thread li.message-out").last
    sent_item.locator(".coach-chip").wait_for()
    assert "He revisado el pedido 48213" in sent_item.inner_text()
    assert "too much empathy" in sent_item.locator(".coach-chip").inner_text()

    # One click (and a note) hands the conversation to a lead.
    handover = page.locator("#handover-panel")
    handover.locator("textarea[name=note]").fill(HANDOVER_NOTE)
    handover.locator("button[type=submit]").click()
    page.wait_for_url(f"**/tickets/{angry.pk}/")
    page.locator("#timeline .event-handover").wait_for()
    assert f"Handed over to Lena: {HANDOVER_NOTE}" in page.locator("#timeline").inner_text()

    # --- The lead, in a browser of their own ---------------------------------------------------
    lead_context = chromium.new_context(locale="en-US", bypass_csp=True)
    lead = log_in(lead_context, live_server.url, "lena")
    count = lead.locator(".nav-notifications .notification-count")
    count.wait_for()
    assert count.inner_text() == "2"  # the rule's alert and the hand-over

    lead.goto(f"{live_server.url}/inbox/?assignee=me")
    rows = lead.locator("tr.ticket-row")
    rows.first.wait_for()
    abusive_row = rows.filter(has_text=abusive.subject)
    assert abusive_row.locator(".badge.abuse").is_visible()
    assert rows.filter(has_text=angry.subject).count() == 1

    lead.click(".nav-notifications")
    lead.wait_for_url("**/automation/notifications/")
    notes = lead.locator("table.tickets").inner_text()
    assert "Protect agents" in notes and "Emma handed" in notes

    lead.click(f"text=#{abusive.pk} {abusive.subject}")
    lead.wait_for_url(f"**/tickets/{abusive.pk}/")
    lead.locator("#handover-panel .handover-form").wait_for()
    assert (
        "Rule “Protect agents”: priority set to High, assigned to Lena"
        in lead.locator("#timeline").inner_text()
    )
    assert "abusive or threatening" in lead.locator("#handover-panel").inner_text()
    screenshot(lead, "lead-after-a-hand-over.png", full_page=True)

    # The handed-over conversation: the reply with its coach chip and the note on the timeline.
    lead.goto(f"{live_server.url}/tickets/{angry.pk}/")
    assert f"Handed over to Lena: {HANDOVER_NOTE}" in lead.locator("#timeline").inner_text()
    assert lead.locator(".thread .coach-chip").count() == 1
    agent_context.close()
    lead_context.close()

    # --- What the database kept ----------------------------------------------------------------
    sent = Message.objects.get(ticket=angry, kind=MessageKind.OUTGOING)
    assert sent.body.replace("\r\n", "\n") == value and "{{" not in sent.body
    assert sent.review is not None and sent.review["language"] == "es"
    assert sent.review["balance"] == "too_much"
    assert {finding["kind"] for finding in sent.review["findings"]} == kinds_at_send
    refund = CannedResponse.objects.get(team__isnull=True, starter_key="action-refund")
    assert sent.metadata["canned_ids"] == [refund.pk] == [int(canned_ids)]

    angry.refresh_from_db()
    abusive.refresh_from_db()
    assert angry.assignee == lena
    handed = TicketEvent.objects.get(ticket=angry, kind=EventKind.HANDED_OVER)
    assert handed.actor == emma
    assert handed.data["to"] == lena.pk and handed.data["note"] == HANDOVER_NOTE
    assert abusive.assignee == lena and abusive.priority == Priority.HIGH
    fired = TicketEvent.objects.filter(ticket=abusive, kind=EventKind.RULE_FIRED)
    assert "Protect agents" in {event.data["rule"] for event in fired}
    assert not TicketEvent.objects.filter(ticket=angry, kind=EventKind.RULE_FIRED).filter(
        data__rule="Protect agents"
    )
