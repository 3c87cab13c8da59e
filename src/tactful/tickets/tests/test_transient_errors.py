"""A real deadlock is recognised as worth running the same work again; other errors are not."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction

from tactful.tickets.models import Ticket
from tactful.tickets.transient import is_transient


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_victim_of_a_real_deadlock_is_transient(desk):
    if connection.vendor != "postgresql":
        pytest.skip("deadlock detection is PostgreSQL's")
    first, second = desk.ticket(), desk.ticket()
    both_locked_one = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def lock_in_order(one: int, other: int) -> None:
        try:
            with transaction.atomic():
                Ticket.objects.filter(pk=one).update(subject="mine")
                both_locked_one.wait()
                Ticket.objects.filter(pk=other).update(subject="mine")
        except OperationalError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=lock_in_order, args=(first.pk, second.pk)),
        threading.Thread(target=lock_in_order, args=(second.pk, first.pk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(errors) == 1  # PostgreSQL rolled one back and let the other finish
    assert is_transient(errors[0])


@pytest.mark.django_db
def test_other_database_errors_are_not_transient(desk):
    ticket = desk.ticket()
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        Ticket.objects.create(id=ticket.pk, customer=ticket.customer, subject="again")
    assert not is_transient(raised.value)
    assert not is_transient(OperationalError("the server closed the connection"))
    assert not is_transient(ValueError("not a database error at all"))
