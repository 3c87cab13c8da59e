"""Playwright in Debian's Chromium: the customer page on a desk and a phone, and a lead who
merges two customers there and undoes it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tactful.customers import services as customer_services
from tactful.customers.models import CustomerIdentity
from tactful.inbox.tests.test_phone_browser import PHONE, SCREENSHOTS, assert_fits
from tactful.profiles.tests.test_customer_page import grow
from tactful.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-demo-password"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_lead_merges_two_customers_on_the_page_and_undoes_it(live_server, page, desk, language):
    team = desk.team("Billing")
    desk.agent("lena", role="lead", teams=[team], password=PASSWORD, language=language)
    kept = desk.customer("maria.fernandez-gonzalez@example-customer-domain.com", name="María")
    grow(kept, 30, team=team)
    other = customer_services.get_or_create_customer(
        channel="chat", handle="visitor-5f2c9a", name="María F.", email="maria.f@example.com"
    )
    desk.ticket(customer=other, team=team, channel="chat", subject="¿Dónde está mi pedido?")
    identities_before = sorted(CustomerIdentity.objects.values_list("pk", "customer_id"))
    tickets_before = sorted(Ticket.objects.values_list("pk", "customer_id"))

    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "lena")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
    page.click(f"a[href='/customers/{kept.pk}/']")
    page.wait_for_url(f"**/customers/{kept.pk}/")

    page.fill("#id_other", f"#{other.pk}")
    page.click(".merge-form button[type=submit]")
    page.locator(".identities", has_text="visitor-5f2c9a").wait_for()
    suffix = "" if language == "en" else f"-{language}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"customer-page{suffix}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert_fits(page)
    page.screenshot(path=str(SCREENSHOTS / f"phone-customer-page{suffix}.png"), full_page=True)

    page.click(".merges button[type=submit]")  # Undo
    expect(page.locator(".identities")).not_to_contain_text("visitor-5f2c9a")
    assert sorted(CustomerIdentity.objects.values_list("pk", "customer_id")) == identities_before
    assert sorted(Ticket.objects.values_list("pk", "customer_id")) == tickets_before


def test_an_admin_erases_a_customer_on_the_page_after_typing_their_address(live_server, page, desk):
    team = desk.team("Billing")
    desk.agent("ada", role="admin", password=PASSWORD, language="es")
    customer = desk.customer("quentin.erasable@example.com", name="Quentin Erasable")
    desk.ticket(customer=customer, team=team, subject="Quentin's refund", body="Quentin here.")

    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")

    page.fill("#id_confirmation", "someone.else@example.com")
    page.click(".erase-form button[type=submit]")
    expect(page.locator("body")).to_contain_text("para confirmar el borrado")
    assert Ticket.objects.get(customer=customer).subject == "Quentin's refund"

    page.fill("#id_confirmation", "Quentin.Erasable@example.com")
    page.click(".erase-form button[type=submit]")
    expect(page.locator("body")).to_contain_text("Datos personales borrados el")
    expect(page.locator("main")).not_to_contain_text("Quentin")
    assert page.locator(".erase-form").count() == 0
    assert Ticket.objects.get(customer=customer).erased_at is not None
