"""Playwright in Debian's Chromium: a lead runs the team from the settings pages, then an
agent fills a custom field on a ticket and a canned response uses it.

`TACTFUL_SCREENSHOTS=docs/screenshots` refreshes the README's screenshots; other runs take none.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tactful.api.services import authenticate_token
from tactful.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("TACTFUL_SCREENSHOTS")
PASSWORD = "a-long-test-password"


def screenshot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


def log_in(page: Any, base_url: str, username: str) -> None:
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/**")


def test_a_lead_runs_the_team_from_the_settings_pages(live_server: Any, page: Any, desk: Any):
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1280, "height": 800})
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    emma = desk.agent("emma", teams=[billing], password=PASSWORD)
    desk.agent("lena", role="lead", teams=[billing], password=PASSWORD)
    desk.agent("oleg", teams=[shipping])
    ticket = desk.ticket(team=billing, subject="Charged twice")

    log_in(page, live_server.url, "lena")
    page.click("nav >> text=Settings")
    page.wait_for_url("**/settings/")
    row = page.locator("tr.team", has_text="Billing")
    assert page.locator("tr.team", has_text="Shipping").count() == 0
    row.locator("select[name$=assignment_mode]").select_option("load_aware")
    row.locator("select[name$=spanish_address]").select_option("tu")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(".flash >> text=Billing saved.")
    billing.refresh_from_db()
    assert billing.assignment_mode == "load_aware"

    # A token for Emma, picked by her name.
    page.click(".settings-tabs >> text=API tokens")
    page.select_option("#id_agent", label="Emma (emma)")
    page.fill("#id_name", "CRM sync")
    page.click("text=Issue token")
    raw = page.locator("code.token-secret").inner_text()
    assert authenticate_token(raw) == emma

    # A field for Billing's tickets.
    page.click(".settings-tabs >> text=Custom ticket fields")
    page.fill("#id_label", "Order number")
    page.fill("#id_name", "order")
    page.select_option("#id_team", label="Billing")
    page.click("text=Add field")
    page.wait_for_selector("tr.custom-field >> text=Order number")
    screenshot(page, "settings-custom-fields.png")
    page.click(".settings-tabs >> text=Teams")
    screenshot(page, "settings-teams.png")

    # Emma fills it on the ticket page; the timeline says so.
    log_in(page, live_server.url, "emma")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.fill("#custom-order", "A-1042")
    page.click("#custom-fields button[type=submit]")
    page.wait_for_selector("#custom-fields >> text=Saved.")
    assert Ticket.objects.get(pk=ticket.pk).custom_fields == {"order": "A-1042"}
