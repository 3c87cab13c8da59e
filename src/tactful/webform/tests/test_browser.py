"""The contact form in Debian's Chromium: a visitor fills it in, the honeypot stays unseen."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tactful.tickets.models import Attachment, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_locale():
    return "es-ES"


def test_a_visitor_sends_the_form_in_a_real_browser(live_server, page, desk, settings, tmp_path):
    settings.TACTFUL_CONTACT_MIN_SECONDS = 0
    cache.clear()
    team = desk.team("Soporte")
    team.slug = "soporte"
    team.save(update_fields=["slug"])
    photo = tmp_path / "foto.png"
    photo.write_bytes(b"\x89PNG not really")

    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/contact/soporte/")
    assert page.locator("html").get_attribute("lang") == "es"  # from the browser's locale
    assert page.locator("#id_language").input_value() == "es"
    # The honeypot is in the page but off-screen; a person never reaches it.
    box = page.locator("#id_website").bounding_box()
    assert box is not None and box["x"] + box["width"] < 0

    page.fill("#id_name", "Lucía")
    page.fill("#id_email", "lucia@example.com")
    page.fill("#id_message", "<script>alert(1)</script> La caja llegó vacía.")
    page.set_input_files("#id_attachments", str(photo))
    page.click("button[type=submit]")
    page.wait_for_url("**/contact/soporte/thanks/?lang=es")
    assert page.locator("html").get_attribute("lang") == "es"

    ticket = Ticket.objects.get()
    assert ticket.team_id == team.pk and ticket.language == "es" and ticket.channel == "web"
    assert ticket.messages.get().body == "<script>alert(1)</script> La caja llegó vacía."
    assert Attachment.objects.get().filename == "foto.png"
