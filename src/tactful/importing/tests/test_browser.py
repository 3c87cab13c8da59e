"""An imported Zendesk history in Chromium: the inbox lists it, the ticket page shows the thread
as it happened (HTML rendered safely, authors, dates) and the timeline says where it came from."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tactful.importing import services
from tactful.importing.models import SourceKey
from tactful.importing.readers.zendesk import ZendeskReader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).parent / "fixtures"
# README screenshots: `TACTFUL_SCREENSHOTS=docs/screenshots` refreshes them; other runs take none.
SCREENSHOTS = os.environ.get("TACTFUL_SCREENSHOTS")
PASSWORD = "a-long-demo-password"


def test_an_imported_ticket_reads_as_it_happened(live_server: Any, page: Any, desk: Any) -> None:
    admin = desk.agent("olivia", role="admin", password=PASSWORD)
    services.import_export(reader=ZendeskReader(FIXTURES / "zendesk"))
    ticket_id = SourceKey.objects.get(
        namespace="zendesk", kind="ticket", external_id="501"
    ).object_id
    dialogs: list[str] = []

    def refuse_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse_dialog)
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1360, "height": 1000})

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
    page.goto(f"{live_server.url}/inbox/?status=all")
    rows = page.locator("tr.ticket-row")
    assert "Me han cobrado dos veces" in page.locator("table").inner_text()
    assert rows.count() == 4  # the four Zendesk tickets that were not refused or skipped

    page.goto(f"{live_server.url}/tickets/{ticket_id}/")
    thread = page.locator(".thread")
    # The customer's HTML, rendered and sanitised: bold kept, the script neither shown nor run.
    assert thread.locator("strong", has_text="dos veces").count() == 1
    assert "alert(1)" not in thread.inner_text() and dialogs == []
    assert "he devuelto el cargo duplicado" in thread.inner_text()
    assert "<p>" not in thread.inner_text()  # replies read as text, not as markup
    assert "Ana Agent" in thread.inner_text()
    timeline = page.locator("#timeline").inner_text()
    assert "Imported from Zendesk (ticket 501)" in timeline
    assert "Status: New → Solved" in timeline
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / "imported-zendesk-ticket.png"), full_page=True)
