"""Full-text search in English, Spanish, Russian and unknown languages, on either database."""

from __future__ import annotations

import pytest
from django.db import connection

from tactful.tickets import search
from tactful.tickets.inbound import record_incoming_message
from tactful.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(desk):
    return {
        "en": desk.ticket(
            language="en",
            subject="Billing problem",
            body="You charged my card twice for the same order.",
        ),
        "es": desk.ticket(
            language="es", subject="Problema de pago", body="Me cobraron dos veces el mismo pedido."
        ),
        "ru": desk.ticket(
            language="ru",
            subject="Проблема с оплатой",
            body="С меня дважды списали деньги за заказ.",
        ),
        "und": desk.ticket(
            language="fr",
            subject="Problème",
            body="Vous avez débité ma carte deux fois, charged twice.",
        ),
    }


def found(text: str) -> set[int]:
    return set(search.search(Ticket.objects.all(), text).values_list("id", flat=True))


def test_words_in_subject_or_any_message_match(tickets):
    assert found("twice") >= {tickets["en"].pk}
    assert found("pedido") == {tickets["es"].pk}
    assert found("заказ") == {tickets["ru"].pk}
    assert found("Problème") == {tickets["und"].pk}
    record_incoming_message(ticket=tickets["en"], body="Also the invoice number is wrong.")
    assert found("invoice") == {tickets["en"].pk}


@pytest.mark.parametrize(
    "text", ['"', "AND OR NOT (", "*", "NEAR(", "a'b", "\\", "x" * 500, "   ", "💳"]
)
def test_hostile_queries_do_not_crash(tickets, text):
    assert isinstance(found(text), set)


@pytest.mark.postgres
def test_postgres_stems_in_the_tickets_language(tickets):
    assert connection.vendor == "postgresql"
    assert tickets["en"].pk in found("charging cards")  # english: charging → charg, cards → card
    assert found("pedidos") == {tickets["es"].pk}  # spanish: pedidos → pedid
    assert found("заказы") == {tickets["ru"].pk}  # russian: заказы → заказ
    assert found("списали") == {tickets["ru"].pk}
    # `und` uses the simple configuration: no stemming, exact words only.
    assert tickets["und"].pk not in found("charging")
    assert tickets["und"].pk in found("charged")


@pytest.mark.postgres
def test_postgres_vector_uses_the_language_configuration(tickets):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text FROM tickets_ticket WHERE id = %s", [tickets["ru"].pk]
        )
        vector = cursor.fetchone()[0]
    assert "'заказ'" in vector and "'списа'" in vector


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_uses_fts5_prefixes(tickets):
    assert found("charg") >= {tickets["en"].pk}  # prefix match stands in for stemming
    assert search.fts5_query('say "hi" OR (x)') == '"say"* "hi"* "OR"* "x"*'
