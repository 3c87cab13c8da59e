"""The "breaches soonest" inbox pages by seeking from a row (keyset), not by OFFSET: every
ticket once and in order across pages, ties on a deadline split correctly, the way back, damaged
links refused, and the same queries on page 1 and page 5, for ten tickets or a thousand."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from tactful.desk.testing import assert_same_query_count, bulk_tickets
from tactful.sla.models import TicketSla
from tactful.sla.selectors import DueCursor

pytestmark = pytest.mark.django_db

#: Queries of one "breaches soonest" page, first or deeper (raise only on purpose).
BUDGET = 8
NUMBER = re.compile(r'data-ticket="(\d+)"')
NEXT = re.compile(r'href="\?([^"]*after=[^"]*)"')
PREVIOUS = re.compile(r'href="\?([^"]*before=[^"]*)"')


@pytest.fixture
def people(desk):
    team = desk.team("Billing")
    return {"team": team, "agent": desk.agent("ana", teams=[team])}


def client_for(agent):
    client = Client()
    client.force_login(agent)
    return client


def shown(page: str) -> list[int]:
    return [int(n) for n in NUMBER.findall(page)]


def link(pattern: re.Pattern[str], page: str) -> str:
    match = pattern.search(page)
    assert match, "no such link on the page"
    return match[1].replace("&amp;", "&")


def due_in_order(ticket_ids: list[int]) -> list[int]:
    return list(
        TicketSla.objects.filter(ticket_id__in=ticket_ids, due_at__isnull=False)
        .order_by("due_at", "ticket_id")
        .values_list("ticket_id", flat=True)
    )


def test_next_pages_show_every_running_ticket_once_in_order(people):
    ids = bulk_tickets(60, teams=[people["team"]], agents=[people["agent"]], with_sla=True)
    # Ties on one deadline across a page boundary: the ticket id breaks them.
    same = datetime(2030, 1, 1, tzinfo=UTC)
    TicketSla.objects.filter(ticket_id__in=ids[20:35], due_at__isnull=False).update(due_at=same)
    expected = due_in_order(ids)
    assert len(expected) > 25
    client = client_for(people["agent"])
    seen: list[int] = []
    query = "sort=sla_due"
    for _ in range(10):
        page = client.get(f"{reverse('inbox:inbox')}?{query}").content.decode()
        seen += shown(page)
        if not NEXT.search(page):
            break
        query = link(NEXT, page)
    assert seen == expected
    assert "page=" in query


def test_previous_goes_back_to_the_same_rows(people):
    ids = bulk_tickets(70, teams=[people["team"]], agents=[people["agent"]], with_sla=True)
    TicketSla.objects.filter(ticket_id__in=ids[30:50], due_at__isnull=False).update(
        due_at=datetime(2030, 1, 1, tzinfo=UTC)
    )
    client = client_for(people["agent"])
    url = reverse("inbox:inbox")
    first = client.get(f"{url}?sort=sla_due&size=25").content.decode()
    second = client.get(f"{url}?{link(NEXT, first)}").content.decode()
    assert "Tickets 26–" in second
    back = client.get(f"{url}?{link(PREVIOUS, second)}").content.decode()
    assert shown(back) == shown(first)
    assert "Tickets 1–25" in back
    assert not PREVIOUS.search(back)  # the first page has no page before it


def test_the_sorted_inbox_without_running_targets_is_empty_not_broken(people, desk):
    desk.ticket(team=people["team"], subject="No policy, nothing due")
    page = client_for(people["agent"]).get(reverse("inbox:inbox") + "?sort=sla_due")
    assert page.status_code == 200
    assert "No tickets match." in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "after=garbage",
        "after=1.2.3",
        "after=.5",
        "after=5.",
        "before=-.1",
        "after=999999999999999999.1",  # past the year 9999: no date Python can hold
        "after=-999999999999999999.1",  # before the year 1
        "after=1234567890123456789.1",  # nineteen digits
        "after=1.1234567890123",  # thirteen-digit id
        "after=%D9%A1%D9%A2.%D9%A3",  # Arabic-Indic digits are digits to \d, not to us
        "after=1%00.2",
        "after=" + "1" * 50,
        "after=1.1&before=2.2",
        "after=1.1&after=zz",
        "page=0&after=1.1",
        "page=401&after=1.1",
    ],
)
def test_damaged_page_links_are_refused(people, query):
    response = client_for(people["agent"]).get(f"{reverse('inbox:inbox')}?sort=sla_due&{query}")
    assert response.status_code == 400


def test_a_cursor_on_another_order_is_ignored(people):
    bulk_tickets(5, teams=[people["team"]], agents=[people["agent"]], with_sla=True)
    client = client_for(people["agent"])
    plain = client.get(reverse("inbox:inbox") + "?sort=-updated").content.decode()
    page = client.get(reverse("inbox:inbox") + "?sort=-updated&after=0.1").content.decode()
    assert shown(page) == shown(plain) != []


def test_a_cursor_before_1970_still_seeks():
    cursor = DueCursor(datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), 7)
    assert cursor.token() == "-1.7"
    assert DueCursor.parse("-1.7") == cursor


@settings(deadline=None)  # a shared, busy test machine
@given(
    st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2999, 12, 31),
        timezones=st.just(UTC),
    ),
    st.integers(min_value=1, max_value=10**12 - 1),
)
def test_cursors_survive_the_link(due_at, ticket_id):
    cursor = DueCursor(due_at, ticket_id)
    assert DueCursor.parse(cursor.token()) == cursor


@pytest.mark.parametrize("query", ["?sort=sla_due", "?sort=sla_due&page=5&after=0.1"])
def test_sorted_pages_cost_the_same_for_ten_or_a_thousand_tickets(people, query):
    teams, agents = [people["team"]], [people["agent"]]
    bulk_tickets(10, teams=teams, agents=agents, with_sla=True, seed=5)
    client = client_for(people["agent"])
    count = assert_same_query_count(
        lambda: client.get(reverse("inbox:inbox") + query),
        lambda: bulk_tickets(990, teams=teams, agents=agents, with_sla=True, seed=6),
    )
    assert count <= BUDGET


def test_a_deep_page_costs_what_the_first_costs(people):
    teams, agents = [people["team"]], [people["agent"]]
    ids = bulk_tickets(300, teams=teams, agents=agents, with_sla=True, seed=5)
    client = client_for(people["agent"])
    first = client.get(reverse("inbox:inbox") + "?sort=sla_due").content.decode()
    deep = TicketSla.objects.get(ticket_id=due_in_order(ids)[-30])
    assert deep.due_at is not None
    cursor = DueCursor(deep.due_at, deep.ticket_id).token()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as on_first:
        client.get(reverse("inbox:inbox") + "?sort=sla_due")
    with CaptureQueriesContext(connection) as on_deep:
        page = client.get(reverse("inbox:inbox") + f"?sort=sla_due&page=300&after={cursor}")
    assert page.status_code == 200
    assert len(on_deep.captured_queries) == len(on_first.captured_queries)
    # Seeking, not skipping: no OFFSET in any query of either page.
    assert not any("OFFSET" in q["sql"] for q in on_deep.captured_queries)
    assert shown(first) and len(shown(page.content.decode())) == 25


def test_a_page_number_without_a_cursor_still_opens_that_page(people):
    ids = bulk_tickets(150, teams=[people["team"]], agents=[people["agent"]], with_sla=True)
    expected = due_in_order(ids)
    assert len(expected) >= 75
    client = client_for(people["agent"])
    url = reverse("inbox:inbox")
    second = client.get(f"{url}?sort=sla_due&page=2").content.decode()
    assert shown(second) == expected[25:50]
    assert "Tickets 26–50" in second
    third = client.get(f"{url}?{link(NEXT, second)}").content.decode()
    assert shown(third) == expected[50:75]
    back = client.get(f"{url}?{link(PREVIOUS, second)}").content.decode()
    assert shown(back) == expected[:25]
