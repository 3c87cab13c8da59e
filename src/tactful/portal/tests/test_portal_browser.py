"""Playwright in Debian's Chromium: a customer logs in to the portal from the e-mailed link and
replies; the agent sees the reply on the ticket page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from tactful.inbox.tests.test_phone_browser import PHONE, SCREENSHOTS, assert_fits
from tactful.tickets import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-demo-password"


@pytest.fixture
def browser_locale():
    return "en-US"  # the portal speaks the customer's language, not the browser's


def test_a_customer_logs_in_from_the_emailed_link_and_replies(live_server, page, desk, settings):
    settings.TACTFUL_PUBLIC_URL = live_server.url
    cache.clear()
    mail.outbox.clear()
    team = desk.team("Soporte")
    agent = desk.agent("ana", teams=[team], password=PASSWORD)
    customer = desk.customer("lucia@example.com", name="Lucía Pérez", language="es")
    ticket = desk.ticket(
        customer=customer,
        team=team,
        language="es",
        subject="La caja llegó vacía",
        body="Abrí el paquete y la caja estaba vacía.",
    )
    services.record_reply(
        ticket=ticket, agent=agent, body="Lo sentimos mucho. ¿Nos envía una foto?"
    )
    services.add_internal_note(ticket=ticket, agent=agent, body="Nota interna: reembolso aprobado")

    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/portal/")
    page.fill("#id_email", "lucia@example.com")
    page.click("button[type=submit]")
    page.locator("#id_code").wait_for()

    # The e-mail, as the desk sent it.
    assert mail.outbox and mail.outbox[-1].to == ["lucia@example.com"]
    link = re.search(r"http://\S+/portal/in/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.click("#continue")
    page.wait_for_url(f"{live_server.url}/portal/")
    assert page.locator("html").get_attribute("lang") == "es"  # the customer's language
    assert page.locator("h1").inner_text() == "Sus tickets"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "portal-tickets.png"), full_page=True)
    page.click(f"a[href='/portal/tickets/{ticket.pk}/']")
    page.locator("#id_body").wait_for()
    thread = page.locator(".portal-thread").inner_text()
    assert "¿Nos envía una foto?" in thread and "Nota interna" not in thread
    assert "Usted" in thread  # the desk says usted to customers

    page.set_viewport_size(PHONE)
    assert_fits(page)
    page.fill("#id_body", "Aquí está la foto de la caja vacía.")
    page.screenshot(path=str(SCREENSHOTS / "portal-ticket-phone.png"), full_page=True)
    page.click("#reply button[type=submit]")
    page.locator(".portal-thread li", has_text="Aquí está la foto").wait_for()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(SCREENSHOTS / "portal-ticket.png"), full_page=True)

    # The agent, in a browser of their own, sees the reply on the ticket page.
    agent_page = page.context.browser.new_context(locale="es-ES").new_page()
    agent_page.set_default_timeout(15_000)
    agent_page.goto(f"{live_server.url}/accounts/login/")
    agent_page.fill("#id_username", "ana")
    agent_page.fill("#id_password", PASSWORD)
    agent_page.click("button[type=submit]")
    agent_page.wait_for_url("**/inbox/")
    agent_page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    agent_page.locator(".thread", has_text="Aquí está la foto de la caja vacía.").wait_for()
    agent_page.context.close()
