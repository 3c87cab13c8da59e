"""The contact form counts each sender's e-mail address as well as each IP: one address from
many IPs and many addresses from one IP are both stopped, with a clear 429 and the text kept."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client

from tactful.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    settings.TACTFUL_CONTACT_MIN_SECONDS = 2
    settings.TACTFUL_CONTACT_RATE_LIMIT = 100
    settings.TACTFUL_CONTACT_RATE_PER_ADDRESS = 3
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def team(desk):
    team = desk.team("Support")
    team.slug = "support"
    team.save(update_fields=["slug"])
    return team


def form(email: str, message: str = "Mi pedido llegó roto.") -> dict[str, str]:
    started = signing.dumps(
        {"t": time.time() - 60, "n": f"n{time.monotonic_ns()}"}, salt="tactful.webform.started"
    )
    return {
        "name": "Trevor",
        "email": email,
        "subject": "Pedido",
        "message": message,
        "language": "es",
        "website": "",
        "started": started,
    }


def send(address: str, data: dict[str, str], **extra: str):
    return Client(REMOTE_ADDR=address).post("/contact/support/", data, **extra)


def test_one_address_from_many_ips_is_stopped_with_its_text_kept(team, settings):
    for n in range(3):
        assert send(f"203.0.113.{n + 1}", form("troll@example.com")).status_code == 302
    refused = send(
        "198.51.100.77",
        form("Troll@Example.COM", message="Texto que no se pierde"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(settings.TACTFUL_CONTACT_RATE_WINDOW)
    page = refused.content.decode()
    # The form comes back as typed, with the reason in the page's language.
    assert "Texto que no se pierde" in page
    assert "Too many messages from this e-mail address" in page
    spanish = send("198.51.100.78", form("troll@example.com"), HTTP_ACCEPT_LANGUAGE="es")
    assert spanish.status_code == 429
    assert "Demasiados mensajes desde esta dirección de correo" in spanish.content.decode()
    assert Ticket.objects.count() == 3
    # Someone else, from the same address as the refused attempt, is not affected.
    assert send("198.51.100.77", form("lucia@example.com")).status_code == 302


def test_many_addresses_from_one_ip_are_stopped_by_the_ip_limit(team, settings):
    settings.TACTFUL_CONTACT_RATE_LIMIT = 4
    statuses = [send("203.0.113.9", form(f"sender{n}@example.com")).status_code for n in range(8)]
    assert statuses == [302] * 4 + [429] * 4
    assert Ticket.objects.count() == 4


@pytest.mark.parametrize(
    "email", ["not-an-address", "a" * 300 + "@example.com", "troll@example.com\x00", ""]
)
def test_a_malformed_address_is_refused_as_invalid_and_not_counted(team, email):
    assert send("203.0.113.5", form(email)).status_code == 400
    # Had they been counted, a valid address would now be over its limit sooner: it is not.
    for n in range(3):
        assert send(f"203.0.113.{20 + n}", form("troll@example.com")).status_code == 302
    assert Ticket.objects.count() == 3
