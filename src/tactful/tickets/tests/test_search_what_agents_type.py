"""Search finds what agents type: a customer's name or address, a ticket number, and the
conjugated or declined forms the stemmers cannot join (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from tactful.customers.models import CustomerIdentity
from tactful.tickets import search
from tactful.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def found(text: str) -> set[int]:
    return set(search.search(Ticket.objects.all(), text).values_list("id", flat=True))


@pytest.fixture
def tickets(desk):
    maria = desk.customer("maria.fernandez@example.com", name="María Fernández", language="es")
    # Her handle on another channel, indexed with her tickets too.
    CustomerIdentity.objects.create(customer=maria, channel="social", handle="@mariaf_shop")
    boris = desk.customer("b.ivanov@example.ru", name="Борис Иванов", language="ru")
    return {
        "es": desk.ticket(
            customer=maria,
            language="es",
            subject="Pedido dañado",
            body="El paquete llegó roto. ¿Me devuelven el dinero o lo cambian?",
        ),
        "ru": desk.ticket(
            customer=boris,
            language="ru",
            subject="Двойное списание",
            body="Верните деньги, вы списали оплату два раза.",
        ),
        "en": desk.ticket(
            language="en",
            subject="Parcel",
            body="I paid last week and you sent nothing.",
        ),
    }


def test_a_customers_name_and_address_find_their_tickets(tickets):
    assert found("maria.fernandez@example.com") == {tickets["es"].pk}
    assert found("Fernández") == {tickets["es"].pk}
    assert found("Иванов") == {tickets["ru"].pk}
    assert found("b.ivanov@example.ru") == {tickets["ru"].pk}


@pytest.mark.parametrize("typed", ["#{n}", "{n}", "# {n}"])
def test_a_ticket_number_finds_the_ticket(tickets, typed):
    number = tickets["ru"].pk
    assert number in found(typed.format(n=number))


def test_a_number_in_the_text_is_still_found(desk):
    ticket = desk.ticket(language="en", subject="Order 48213", body="Where is order 48213?")
    assert ticket.pk in found("48213")


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("вернуть деньги", "ru"),  # the infinitive finds "Верните деньги"
        ("возврат денег", "ru"),  # the noun and another case
        ("devolver", "es"),  # the infinitive finds "devuelven"
        ("devolución", "es"),
        ("pay", "en"),  # irregular: paid
        ("send", "en"),  # irregular: sent
    ],
)
def test_word_families_join_forms_the_stemmer_keeps_apart(tickets, typed, language):
    assert tickets[language].pk in found(typed)


def test_every_word_must_match_with_or_without_a_family(tickets):
    assert found("вернуть посылку") == set()
    assert found("devolver tarjeta") == set()


def test_families_are_read_from_the_data_files():
    families = search.word_families()
    assert "верните" in families["вернуть"] and "возврат" in families["вернуть"]
    assert search.expand("вернёте") == search.expand("вернете")  # ё folded to е
    assert "devuelve" in families["devolver"]
    assert search.expand("Вернуть")[0] == "вернуть"
    assert search.expand("unrelated") == ("unrelated",)


@pytest.mark.parametrize("text", ["#", "# ", "#-1", "#99999999999999999999", "## 5", "5 OR 1=1"])
def test_hostile_numbers_do_not_crash(tickets, text):
    assert isinstance(found(text), set)


def test_the_sqlite_expression_ors_a_family(tickets):
    if connection.vendor != "sqlite":
        pytest.skip("FTS5 is SQLite's")
    expression = search.fts5_query("вернуть деньги")
    assert expression.startswith('("вернуть"* OR "верну"*')
    assert ' AND ("деньги"* OR "денег"*' in expression


@pytest.mark.postgres
def test_postgres_searches_what_agents_type(tickets):
    assert connection.vendor == "postgresql"
    # Without the family the stems differ: вернуть → вернут, верните → верн; деньги ≠ денег.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_tsvector('russian', 'Верните') @@ plainto_tsquery('russian', 'вернуть')"
        )
        assert cursor.fetchone()[0] is False
    assert found("вернуть деньги") == {tickets["ru"].pk}
    assert found("devolver dinero") == {tickets["es"].pk}
    assert found("maria.fernandez@example.com") == {tickets["es"].pk}
    assert found("@mariaf_shop") >= {tickets["es"].pk}
    assert found(f"#{tickets['en'].pk}") == {tickets["en"].pk}
