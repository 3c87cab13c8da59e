"""The one door in: once only, one customer at a time, the right conversation, clear refusals."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from tactful.customers.models import Customer
from tactful.tickets import inbound, services
from tactful.tickets.inbound import Sender, _is_transient
from tactful.tickets.models import Message, Status, Ticket

pytestmark = pytest.mark.django_db


def receive(**kwargs):
    defaults = {"channel": "api", "sender": Sender(handle="@maria", name="Maria"), "body": "Hi"}
    return inbound.receive(**{**defaults, **kwargs})


def test_a_new_conversation_opens_a_ticket():
    received = receive(external_id="m1", subject="Charged twice", language="es")
    assert received.status == "created" and received.stored
    ticket = received.ticket
    assert (ticket.subject, ticket.language, ticket.channel) == ("Charged twice", "es", "api")
    assert received.message.author_customer == ticket.customer
    assert ticket.customer.name == "Maria"
    assert list(ticket.events.values_list("kind", flat=True)) == ["created"]


def test_a_repeat_returns_what_was_stored_and_changes_nothing():
    first = receive(external_id="m1", body="First")
    again = receive(external_id="m1", body="A different body, same id")
    assert again.status == "duplicate" and not again.stored
    assert again.message == first.message and again.ticket == first.ticket
    assert Message.objects.count() == 1
    assert Message.objects.get().body == "First"


def test_the_channels_thread_finder_continues_a_conversation():
    first = receive(external_id="m1")
    second = receive(external_id="m2", body="Any news?", thread=lambda customer: first.ticket)
    assert second.status == "appended"
    assert second.ticket == first.ticket
    assert list(first.ticket.events.order_by("id").values_list("kind", flat=True)) == [
        "created",
        "received",
    ]


def test_the_finder_may_answer_with_an_id(desk):
    first = receive(external_id="m1")
    second = receive(external_id="m2", thread=lambda customer: first.ticket.pk)
    assert second.ticket.pk == first.ticket.pk


def test_a_solved_conversation_reopens_when_the_customer_writes():
    first = receive(external_id="m1")
    services.change_status(ticket=first.ticket, status=Status.SOLVED, by=None)
    again = receive(external_id="m2", thread=lambda customer: first.ticket)
    again.ticket.refresh_from_db()
    assert again.ticket.status == Status.OPEN
    assert again.ticket.solved_at is None


def test_a_merged_conversation_continues_where_it_went(desk):
    first = receive(external_id="m1")
    target = desk.ticket(customer=first.ticket.customer)
    services.merge_tickets(source=first.ticket, target=target, by=None)
    later = receive(external_id="m2", thread=lambda customer: first.ticket)
    assert later.ticket == target
    assert later.message.ticket_id == target.pk


def test_someone_else_in_the_thread_is_the_author_of_their_message():
    first = receive(external_id="m1")
    colleague = receive(
        external_id="m2", sender=Sender(handle="@dana"), thread=lambda customer: first.ticket
    )
    assert colleague.ticket == first.ticket
    assert colleague.message.author_customer.identities.get().handle == "@dana"
    colleague.ticket.refresh_from_db()
    assert colleague.ticket.customer == first.ticket.customer  # still Maria's conversation


def test_the_channels_screen_refuses_before_anything_is_stored():
    class Refused(Exception):
        pass

    def screen() -> None:
        raise Refused("an automatic reply")

    with pytest.raises(Refused):
        receive(external_id="m1", screen=screen)
    assert not Message.objects.exists() and not Customer.objects.exists()


def test_a_repeat_is_not_screened_again():
    receive(external_id="m1")
    screened = []
    assert receive(external_id="m1", screen=lambda: screened.append(1)).status == "duplicate"
    assert screened == []


def test_the_team_is_looked_up_only_for_a_new_ticket(desk):
    team = desk.team()
    asked = []

    def find_team():
        asked.append(1)
        return team

    first = receive(external_id="m1", team=find_team)
    assert first.ticket.team == team and asked == [1]
    receive(external_id="m2", team=find_team, thread=lambda customer: first.ticket)
    assert asked == [1]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("body", ""),
        ("body", "   "),
        ("body", "nul\x00byte"),
        ("body", "lone \ud800 surrogate"),
        ("body", "x" * (services.MAX_BODY_CHARS + 1)),
        ("channel", "carrier-pigeon"),
        ("external_id", "e" * 256),
        ("subject", "s" * 201),
        ("tags", ["ok", "not ok!"]),
        ("priority", 99),
    ],
)
def test_bad_input_is_refused_clearly_and_stores_nothing(field, value):
    with pytest.raises(ValidationError):
        receive(**{"external_id": "m1", field: value})
    assert not Ticket.objects.exists() and not Customer.objects.exists()


def test_only_deadlocks_and_serialisation_failures_are_retried():
    import psycopg.errors

    def wrapped(cause: Exception) -> OperationalError:
        error = OperationalError(str(cause))
        error.__cause__ = cause
        return error

    assert _is_transient(wrapped(psycopg.errors.DeadlockDetected("deadlock detected")))
    assert _is_transient(wrapped(psycopg.errors.SerializationFailure("could not serialize")))
    assert not _is_transient(wrapped(psycopg.errors.QueryCanceled("statement timeout")))
    assert not _is_transient(OperationalError("database is locked"))  # SQLite: no sqlstate


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_at_the_same_moment_is_stored_once():
    """Eight requests deliver one message at once: one ticket, one message, eight answers."""
    barrier = threading.Barrier(8)
    results: list[inbound.Received] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            results.append(receive(external_id="same-one", body="Once please"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Message.objects.filter(external_id="same-one").count() == 1
    assert Ticket.objects.count() == 1
    assert sorted(r.status for r in results).count("created") == 1
    assert {r.message.pk for r in results} == {Message.objects.get().pk}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_new_messages_of_one_customer_at_once_share_one_thread():
    """The customer's row lock: the second message sees the first one's ticket."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def thread(customer: Customer) -> int | None:
        return (
            Ticket.objects.filter(customer=customer, status__in=["new", "open"])
            .values_list("pk", flat=True)
            .first()
        )

    def deliver(n: int) -> None:
        try:
            barrier.wait()
            receive(external_id=f"burst-{n}", body=f"Part {n}", thread=thread)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 2
