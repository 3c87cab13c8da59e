"""The customer page: tickets page by page, identities, answers, feelings; the same queries at
1,000 tickets as at 10."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tactful.coaching.models import MessageAnalysis
from tactful.customers import services as customer_services
from tactful.customers.models import Customer
from tactful.desk.testing import assert_same_query_count
from tactful.profiles import selectors
from tactful.satisfaction.models import Survey
from tactful.tickets.models import Message, MessageKind, Ticket

pytestmark = pytest.mark.django_db

EMOTIONS = ["anger", "frustration", "worry", "gratitude"]


def grow(customer: Customer, count: int, *, team=None, start: int = 0) -> list[int]:
    """``count`` tickets of ``customer``, each with a read message and every 5th an answer."""
    now = timezone.now()
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(subject=f"Parcel {start + i}", channel="email", customer=customer, team=team)
            for i in range(count)
        ]
    )
    messages = Message.objects.bulk_create(
        [
            Message(
                ticket=t,
                kind=MessageKind.INCOMING,
                channel="email",
                author_customer=customer,
                body="Where is it?",
            )
            for t in tickets
        ]
    )
    MessageAnalysis.objects.bulk_create(
        [
            MessageAnalysis(
                message=m,
                status="done",
                top_emotion=EMOTIONS[(start + i) % len(EMOTIONS)],
                intensity=((start + i) % 10) / 10,
            )
            for i, m in enumerate(messages)
        ]
    )
    Survey.objects.bulk_create(
        [
            Survey(
                ticket=t,
                channel="email",
                language="en",
                scale="five",
                nonce=f"n{t.pk}",
                sent_at=now - timedelta(days=1),
                expires_at=now + timedelta(days=7),
                status="answered",
                rating=4,
                sentiment="good",
                comment="Thanks!",
                answered_at=now,
            )
            for i, t in enumerate(tickets)
            if i % 5 == 0
        ]
    )
    return [t.pk for t in tickets]


@pytest.fixture
def setup(desk, client):
    team = desk.team("Billing")
    agent = desk.agent("ana", teams=[team])
    client.force_login(agent)
    customer = desk.customer("lucia@example.com", name="Lucía Pérez")
    customer_services.get_or_create_customer(
        channel="chat", handle="visitor-42", email="lucia@example.com"
    )
    return team, agent, customer


def test_the_page_shows_tickets_identities_answers_and_feelings(setup, client):
    team, _agent, customer = setup
    grow(customer, 8, team=team)
    response = client.get(f"/customers/{customer.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lucía Pérez" in html and "visitor-42" in html and "lucia@example.com" in html
    assert html.count('class="num">#') == 8
    assert "Thanks!" in html
    # Two messages read as anger (0 and 4), two as frustration: anger first by name on a tie.
    feelings = response.context["feelings"]
    assert [(f.emotion, f.messages) for f, _name in feelings] == [
        ("anger", 2),
        ("frustration", 2),
        ("gratitude", 2),
        ("worry", 2),
    ]
    assert feelings[0][0].intensity == pytest.approx((0.0 + 0.4) / 2)
    assert response.context["months"][-1].messages == 8


def test_tickets_come_a_page_at_a_time_newest_first(setup, client):
    team, _agent, customer = setup
    ids = grow(customer, selectors.PAGE_SIZE + 3, team=team)
    first = client.get(f"/customers/{customer.pk}/")
    shown = [row["pk"] for row in first.context["page"].rows]
    assert shown == sorted(ids, reverse=True)[: selectors.PAGE_SIZE]
    nxt = first.context["page"].next_before
    second = client.get(f"/customers/{customer.pk}/?before={nxt}")
    assert [row["pk"] for row in second.context["page"].rows] == sorted(ids, reverse=True)[
        selectors.PAGE_SIZE :
    ]
    assert second.context["page"].next_before is None


@pytest.mark.parametrize("before", ["abc", "-1", "1e9", "9" * 40, "' OR 1=1 --", "\x00"])
def test_a_malformed_page_mark_shows_the_first_page(setup, client, before):
    team, _agent, customer = setup
    grow(customer, 3, team=team)
    response = client.get(f"/customers/{customer.pk}/", {"before": before})
    assert response.status_code == 200
    assert len(response.context["page"].rows) == 3


def test_someone_else_s_team_s_customer_is_not_found(setup, desk, client):
    _team, _agent, _customer = setup
    other = desk.customer("boris@example.com")
    grow(other, 2, team=desk.team("Elsewhere"))
    assert client.get(f"/customers/{other.pk}/").status_code == 404
    assert client.get("/customers/999999999/").status_code == 404


def test_tickets_of_other_teams_are_left_out(setup, desk, client):
    team, _agent, customer = setup
    mine = grow(customer, 2, team=team)
    grow(customer, 3, team=desk.team("Elsewhere"), start=2)
    response = client.get(f"/customers/{customer.pk}/")
    assert sorted(row["pk"] for row in response.context["page"].rows) == sorted(mine)
    assert response.context["totals"]["total"] == 2
    assert sum(f.messages for f, _n in response.context["feelings"]) == 2


def test_anonymous_visitors_are_sent_to_log_in(desk, client):
    customer = desk.customer()
    response = client.get(f"/customers/{customer.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_ticket_page_and_the_inbox_link_to_the_customer(setup, desk, client):
    team, _agent, customer = setup
    ticket = desk.ticket(customer=customer, team=team)
    link = f'href="/customers/{customer.pk}/"'
    assert link in client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert link in client.get("/inbox/").content.decode()


@pytest.mark.postgres
def test_the_page_at_1000_tickets_makes_the_queries_it_makes_at_10(setup, client):
    team, _agent, customer = setup
    grow(customer, 10, team=team)
    count = assert_same_query_count(
        lambda: client.get(f"/customers/{customer.pk}/"),
        lambda: grow(customer, 990, team=team, start=10),
    )
    assert count <= 16
    print(f"customer page: {count} queries at 10 tickets and at 1,000")
