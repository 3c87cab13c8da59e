"""Playwright in Debian's Chromium: search the picker, insert two templates, fill, send."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tactful.canned import services
from tactful.tickets.models import Message, MessageKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("TACTFUL_SCREENSHOTS") or tempfile.gettempdir()) / (
    "" if os.environ.get("TACTFUL_SCREENSHOTS") else "tactful-screenshots"
)


@pytest.fixture
def browser_locale():
    return "es-ES"


@pytest.fixture
def spanish_ticket(desk):
    # A transactional test starts from an emptied database: the migration's rows are gone.
    services.load_starter()
    billing = desk.team("Facturación")
    desk.agent("lucia", teams=[billing], password="a-long-demo-password", language="es")
    ticket = desk.ticket(
        team=billing,
        customer=desk.customer(name=""),
        subject="Me cobraron dos veces",
        body="¡Me cobraron dos veces el pedido A-77! Es la tercera vez que escribo.",
        language="es",
    )
    ticket.custom_fields = {"order_number": "A-77"}
    ticket.save(update_fields=["custom_fields"])
    return ticket


def test_agent_inserts_canned_responses_fills_the_variable_and_sends(
    live_server, page, spanish_ticket
):
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1360, "height": 1000})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "lucia")
    page.fill("#id_password", "a-long-demo-password")
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
    page.goto(f"{live_server.url}/tickets/{spanish_ticket.pk}/")

    # The suggestions arrive lazily, in the ticket's language.
    page.wait_for_selector(".canned-item")
    assert page.locator(".canned-item").count() == 6
    assert "Hola, {{ customer.first_name }}" in page.locator(".canned-suggestions").inner_text()

    reply = page.locator("#id_reply_body")
    own = "Veo los dos cargos del 3 de mayo en su tarjeta."
    reply.fill(own)
    reply.evaluate("box => box.setSelectionRange(box.value.length, box.value.length)")

    # Search the library, insert the action template at the cursor.
    page.fill(".canned-search", "cargo duplicado")
    page.wait_for_function(
        "document.querySelectorAll('.canned-item').length === 1"
        " && document.querySelector('.canned-title').textContent.includes('cargo duplicado')"
    )
    page.click(".canned-insert")
    page.wait_for_function("document.getElementById('id_reply_body').value.includes('A-77')")
    value = reply.input_value()
    assert value.startswith(own + "\n\nHe revisado el pedido A-77")
    assert page.locator(".canned-unfilled").is_hidden()

    # Back to the suggestions: insert the acknowledgement at the very start.
    page.fill(".canned-search", "")
    page.wait_for_function("document.querySelectorAll('.canned-item').length === 6")
    reply.evaluate("box => box.setSelectionRange(0, 0)")
    page.locator(".canned-item", has_text="el problema es real").locator(".canned-insert").click()
    page.wait_for_function("document.getElementById('id_reply_body').value.startsWith('Hola, {{')")
    note = page.locator(".canned-unfilled")
    assert note.is_visible()
    assert "{{ customer.first_name }}" in note.inner_text()
    ids = page.locator("input[name=canned_ids]").input_value().split(",")
    assert len(ids) == 2 and all(part.isdigit() for part in ids)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "canned-picker.png"), full_page=True)

    # The placeholder is selected: typing the name replaces it and the warning goes away.
    page.keyboard.type("Marta")
    page.wait_for_function("document.querySelector('.canned-unfilled').hidden")
    assert reply.input_value().startswith("Hola, Marta: gracias")

    page.click("form.reply button[type=submit]")
    page.wait_for_url(f"**/tickets/{spanish_ticket.pk}/")
    sent = Message.objects.get(ticket=spanish_ticket, kind=MessageKind.OUTGOING)
    assert sent.body.startswith("Hola, Marta: gracias por explicarlo")
    assert "He revisado el pedido A-77" in sent.body and "{{" not in sent.body
