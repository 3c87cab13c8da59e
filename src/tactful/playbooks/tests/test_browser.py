"""Playwright in Debian's Chromium: a double charge brings the "we got it wrong" playbook beside
the coach, and a Spanish agent ticks its steps off; the timeline keeps them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tactful.playbooks import services
from tactful.tickets.models import Ticket, TicketEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("TACTFUL_SCREENSHOTS") or tempfile.gettempdir()) / (
    "" if os.environ.get("TACTFUL_SCREENSHOTS") else "tactful-screenshots"
)
PASSWORD = "a-long-test-password"


@pytest.fixture
def double_charge(desk):
    # A transactional test starts from an emptied database: the migration's rows are gone.
    services.load_starter()
    billing = desk.team("Facturación")
    desk.agent("lucia", teams=[billing], password=PASSWORD, language="es")
    # The real coach reads it after the commit (in-process) and finds the company at fault.
    ticket = desk.ticket(
        team=billing,
        subject="Me cobraron dos veces",
        body="Me cobraron dos veces el pedido 4411. Quiero que me devuelvan el cargo duplicado.",
        language="es",
    )
    ticket.refresh_from_db()
    assert ticket.company_fault
    return ticket


def test_a_playbook_appears_on_a_matching_ticket_and_its_steps_are_ticked(
    live_server, page, double_charge
):
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1360, "height": 1100})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "lucia")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
    page.goto(f"{live_server.url}/tickets/{double_charge.pk}/")

    # The panel loads beside the coach, in Lucía's language, with the reason it is there.
    card = page.locator(".playbook", has_text="Nos equivocamos")
    card.wait_for()
    assert card.locator(".playbook-why").inner_text() == "Motivo: Puede ser culpa de la empresa"
    assert card.locator(".playbook-progress").inner_text() == "0 de 5"

    # Tick the first two steps: each one is saved at once (htmx) and the count follows.
    card.locator("input[type=checkbox]").nth(0).check()
    page.wait_for_selector(".playbook .playbook-progress[data-done='1']")
    card = page.locator(".playbook", has_text="Nos equivocamos")
    card.locator("input[type=checkbox]").nth(1).check()
    page.wait_for_selector(".playbook .playbook-progress[data-done='2']")
    card = page.locator(".playbook", has_text="Nos equivocamos")
    assert card.locator(".playbook-step.is-done").count() == 2
    assert "Lucia" in card.locator(".playbook-who").first.inner_text()
    if os.environ.get("TACTFUL_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#playbooks-panel").screenshot(
            path=str(SCREENSHOTS / "playbook-on-a-double-charge-ticket.png")
        )

    # Ticking the rest completes the playbook; the timeline says so after a reload.
    for n in range(2, 5):
        card = page.locator(".playbook", has_text="Nos equivocamos")
        card.locator("input[type=checkbox]").nth(n).check()
        page.wait_for_selector(f".playbook .playbook-progress[data-done='{n + 1}']")
    page.wait_for_selector(".playbook.playbook-complete")
    page.reload()
    timeline = page.locator("#timeline").inner_text()
    assert "paso 1 hecho" in timeline and "completada (5 pasos)" in timeline

    # Un-ticking is recorded too.
    page.locator(".playbook summary").first.click()  # a complete playbook starts folded
    page.locator(".playbook input[type=checkbox]").nth(4).uncheck()
    page.wait_for_selector(".playbook .playbook-progress[data-done='4']")
    kinds = list(
        TicketEvent.objects.filter(ticket=double_charge, kind__startswith="playbook")
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["playbook_step"] * 5 + ["playbook_done", "playbook_step"]
    assert Ticket.objects.get(pk=double_charge.pk).company_fault
