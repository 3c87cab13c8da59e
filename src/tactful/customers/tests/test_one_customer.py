"""One person behind every channel: identities with the same address join one customer."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tactful.customers import services
from tactful.customers.models import Customer, CustomerIdentity
from tactful.tickets import inbound
from tactful.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _web(email: str, body: str = "La caja llegó vacía.", name: str = "Lucía") -> inbound.Received:
    return inbound.receive(
        channel="web",
        sender=inbound.Sender(handle=email, name=name, email=email, language="es"),
        body=body,
    )


def _mail(address: str, body: str = "Any news on my parcel?") -> inbound.Received:
    return inbound.receive(channel="email", sender=inbound.Sender(handle=address), body=body)


def test_a_web_form_customer_and_an_email_customer_with_one_address_are_one_person():
    first = _mail("lucia@example.com")
    second = _web("Lucia@Example.com ")
    assert second.ticket.customer_id == first.ticket.customer_id
    assert Customer.objects.count() == 1
    customer = Customer.objects.get()
    assert sorted(customer.identities.values_list("channel", "handle")) == [
        ("email", "lucia@example.com"),
        ("web", "Lucia@Example.com"),
    ]
    # What the new channel knew and the customer lacked is filled in.
    assert customer.name == "Lucía" and customer.preferred_language == "es"


def test_the_other_way_round_an_email_joins_the_web_form_customer():
    first = _web("ana@example.com")
    second = _mail("ana@example.com")
    assert first.ticket.customer_id == second.ticket.customer_id
    assert CustomerIdentity.objects.filter(customer_id=first.ticket.customer_id).count() == 2


@pytest.mark.parametrize("channel", ["chat", "api", "phone"])
def test_chat_api_and_phone_identities_with_an_address_join_too(channel):
    known = _mail("ivan@example.com").ticket.customer
    handle = {"chat": "visitor-7f3a", "api": "@ivan", "phone": "+34 600 000 000"}[channel]
    joined = services.get_or_create_customer(
        channel=channel, handle=handle, email="ivan@example.com"
    )
    assert joined.pk == known.pk
    # The identity alone finds them next time, without the address.
    assert services.get_or_create_customer(channel=channel, handle=handle).pk == known.pk


def test_an_identity_without_an_address_stays_its_own_customer():
    known = _mail("olga@example.com").ticket.customer
    stranger = services.get_or_create_customer(channel="chat", handle="visitor-1")
    assert stranger.pk != known.pk


def test_a_merged_customer_is_never_matched_again():
    kept = services.get_or_create_customer(channel="email", handle="kept@example.com")
    gone = Customer.objects.create(email="shared@example.com")
    gone.merged_into = kept
    gone.save(update_fields=["merged_into"])
    found = services.get_or_create_customer(channel="web", handle="x", email="shared@example.com")
    assert found.pk not in {gone.pk}


@pytest.mark.parametrize(
    "email", ["not an address", "a@b@c", "x" * 300 + "@example.com", "nul\x00@example.com"]
)
def test_malformed_addresses_are_refused_and_nothing_is_stored(email):
    with pytest.raises(ValidationError):
        services.get_or_create_customer(channel="web", handle="h", email=email)
    assert not Customer.objects.exists()


def test_a_message_from_a_merged_customer_goes_to_the_kept_one():
    kept = services.get_or_create_customer(channel="email", handle="kept@example.com")
    gone = services.get_or_create_customer(channel="chat", handle="visitor-9")
    Customer.objects.filter(pk=gone.pk).update(merged_into=kept)
    ticket = inbound.create_ticket(customer=gone, body="Still waiting.", channel="chat")
    assert ticket.customer_id == kept.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_messages_from_one_address_at_once_make_one_customer():
    """The contact form and an e-mail from a new address arrive together, many times over."""
    assert connection.vendor == "postgresql"
    for round_ in range(8):
        address = f"together{round_}@example.com"
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def send(
            kind: str,
            address: str = address,
            barrier: threading.Barrier = barrier,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                barrier.wait(timeout=10)
                (_web if kind == "web" else _mail)(address)
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=send, args=(kind,)) for kind in ("web", "email")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors, errors
        customers = set(
            Ticket.objects.filter(customer__email=address).values_list("customer_id", flat=True)
        )
        assert len(customers) == 1, f"round {round_}: {customers}"
        assert Customer.objects.filter(email=address).count() == 1
