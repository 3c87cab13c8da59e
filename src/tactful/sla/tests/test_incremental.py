"""The clocks moved incrementally (a new ticket, a customer message, a fact a policy reads) are
exactly what replaying the whole history gives; a policy change reaches the cached policies
at the next ticket; and a customer message costs the clocks one query."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tactful.sla import services
from tactful.sla.models import BusinessHours, Clock, ClockDay, Policy, Target, TicketSla
from tactful.tickets import inbound
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Priority, Status, Ticket

pytestmark = pytest.mark.django_db

_IGNORED = {"id", "ticket"}


def kept(ticket: Ticket) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Everything the clocks store about ``ticket`` (its clocks, every daily row, its summary)."""
    clocks = [
        {k: v for k, v in row.items() if k not in _IGNORED}
        for row in Clock.objects.filter(ticket=ticket).order_by("target", "sequence").values()
    ]
    days = [
        {k: v for k, v in row.items() if k != "id"}
        for row in ClockDay.objects.order_by(
            "day", "target", "team_id", "dimension", "value"
        ).values()
    ]
    summary = TicketSla.objects.filter(ticket=ticket).values().first() or {}
    return clocks, days, summary


def assert_same_as_full_replay(ticket: Ticket) -> None:
    before = kept(ticket)
    with transaction.atomic():
        services.refresh_tickets([ticket.pk], announce=False)
        replayed = kept(ticket)
        transaction.set_rollback(True)
    assert before == replayed


@pytest.mark.parametrize("business_hours", [False, True], ids=["calendar", "business-hours"])
def test_incremental_clocks_are_what_the_full_replay_gives(desk, business_hours):
    if business_hours:
        BusinessHours.objects.create(
            name="Desk",
            time_zone="Europe/Madrid",
            week={str(d): [["09:00", "17:00"]] for d in range(5)},
        )
    Policy.objects.create(
        name="Standard",
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=24 * 60,
        business_hours=business_hours,
    )
    agent = desk.agent()
    ticket = desk.ticket()  # a new ticket: clocks started without reading any history
    assert_same_as_full_replay(ticket)
    inbound.record_incoming_message(ticket=ticket, body="Also, my invoice is wrong.")
    assert_same_as_full_replay(ticket)  # waits on the first response: nothing moved
    ticket_services.record_reply(ticket=ticket, agent=agent, body="Refund sent today.")
    inbound.record_incoming_message(ticket=ticket, body="Nothing arrived yet.")
    assert Clock.objects.filter(ticket=ticket, target=Target.NEXT_RESPONSE).count() == 1
    assert_same_as_full_replay(ticket)  # a next response wait started from the message
    inbound.record_incoming_message(ticket=ticket, body="Hello?")
    assert_same_as_full_replay(ticket)
    ticket_services.change_language(ticket=ticket, language="es", by=None)
    assert_same_as_full_replay(ticket)  # the open clocks count under the new language
    ticket_services.change_priority(ticket=ticket, priority=Priority.HIGH, by=None)
    ticket_services.set_tags(ticket=ticket, names=["refund"], by=None)
    assert_same_as_full_replay(ticket)
    ticket_services.change_status(ticket=ticket, status=Status.SOLVED, by=agent)
    inbound.record_incoming_message(ticket=ticket, body="It came back, charged again.")
    assert_same_as_full_replay(ticket)  # reopened (replayed in full), then written to


def test_a_language_that_picks_another_policy_retimes_every_clock(desk):
    Policy.objects.create(name="Any", first_response_minutes=60, business_hours=False)
    spanish = Policy.objects.create(
        name="Spanish",
        position=1,
        languages=["es"],
        first_response_minutes=30,
        business_hours=False,
    )
    ticket = desk.ticket()
    ticket_services.change_language(ticket=ticket, language="es", by=None)
    first = Clock.objects.get(ticket=ticket, target=Target.FIRST_RESPONSE)
    assert first.policy == spanish
    assert first.due_at == ticket.created_at + timedelta(minutes=30)
    assert TicketSla.objects.get(ticket=ticket).policy == spanish
    assert_same_as_full_replay(ticket)


def test_a_policy_saved_since_the_last_ticket_is_the_one_applied(desk):
    """The policies are cached per process; a change reaches the very next ticket."""
    desk.ticket()  # fills the cache
    fast = Policy.objects.create(name="Fast", first_response_minutes=5, business_hours=False)
    ticket = desk.ticket()
    assert Clock.objects.get(ticket=ticket, target=Target.FIRST_RESPONSE).policy == fast
    fast.first_response_minutes = 7
    fast.save()  # the same number of policies, the same highest id: `updated` moved
    ticket = desk.ticket()
    first = Clock.objects.get(ticket=ticket, target=Target.FIRST_RESPONSE)
    assert first.due_at == ticket.created_at + timedelta(minutes=7)
    fast.delete()
    ticket = desk.ticket()
    assert Clock.objects.get(ticket=ticket, target=Target.FIRST_RESPONSE).policy is None


def _sla_queries(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries if '"sla_' in q["sql"]]


def test_a_customer_message_waiting_on_an_open_wait_costs_the_clocks_one_query(desk):
    Policy.objects.create(name="Any", first_response_minutes=60, business_hours=False)
    ticket = desk.ticket()
    with CaptureQueriesContext(connection) as context:
        inbound.record_incoming_message(ticket=ticket, body="Any news?")
    # One read: the ticket with its policy, its open waits and the policies' fingerprint.
    assert len(_sla_queries(context)) == 1


def test_a_new_ticket_costs_the_clocks_four_queries(desk):
    Policy.objects.create(name="Any", first_response_minutes=60, business_hours=False)
    desk.ticket()  # the policies are cached from here on
    with CaptureQueriesContext(connection) as context:
        desk.ticket()
    # The ticket read, the two new clocks, the daily rows and the summary (one statement each).
    assert len(_sla_queries(context)) == 4


def test_daily_rows_are_created_then_added_to_in_one_statement(db):
    from datetime import date

    from tactful.sla import stats

    counters = (*stats.COUNTS, *stats.HISTOGRAM)
    english = {"day": date(2026, 1, 5), "target": "resolution", "team_id": 0}
    english |= {"dimension": "language", "value": "en"}
    spanish = english | {"value": "es"}
    with CaptureQueriesContext(connection) as context:
        services.add_counts(
            ClockDay,
            [(english, {"started": 2, "h3": 1}), (spanish, {"ended": 1})],
            counters=counters,
        )
        services.add_counts(ClockDay, [(english, {"started": -1, "h3": 1})], counters=counters)
        services.add_counts(ClockDay, [(spanish, {"ended": 0})], counters=counters)  # nothing
    assert len(context.captured_queries) == 2
    row = ClockDay.objects.get(**english)
    assert (row.started, row.h3, row.ended) == (1, 2, 0)
    assert ClockDay.objects.get(**spanish).ended == 1


def test_changed_clocks_are_written_back_in_one_statement_with_every_field(desk):
    """The clocks' own UPDATE (not ``bulk_update``) stores each replayed field exactly, NULLs
    included (a column NULL in every row), and leaves other tickets' clocks alone."""
    policy = Policy.objects.create(
        name="Any", first_response_minutes=60, resolution_minutes=600, business_hours=False
    )
    ticket, other = desk.ticket(), desk.ticket()
    untouched = list(Clock.objects.filter(ticket=other).order_by("pk").values())
    clocks = list(Clock.objects.filter(ticket=ticket).order_by("pk"))
    assert len(clocks) == 2 and all(c.policy_id == policy.pk for c in clocks)
    later = clocks[0].started_at + timedelta(minutes=3)
    for n, clock in enumerate(clocks):
        clock.policy = None
        clock.state = "met"
        clock.ended_at = later
        clock.target_seconds = None
        clock.elapsed_seconds = 180.5 + n
        clock.carried_seconds = 2.25
        clock.due_at = clock.warn_at = clock.alarm_at = None
        clock.superseded = n == 1
        clock.agent_id = 4_000_000_000 + n  # beyond a 32-bit integer
        clock.language = "ru"
        clock.achieved_at = later
    with CaptureQueriesContext(connection) as context:
        services._update_clocks(clocks)
    if connection.vendor == "postgresql":
        assert len(context.captured_queries) == 1
    for n, stored in enumerate(Clock.objects.filter(ticket=ticket).order_by("pk")):
        assert stored.policy_id is None and stored.target_seconds is None
        assert (stored.state, stored.ended_at, stored.achieved_at) == ("met", later, later)
        assert (stored.elapsed_seconds, stored.carried_seconds) == (180.5 + n, 2.25)
        assert stored.due_at is None and stored.warn_at is None and stored.alarm_at is None
        assert stored.superseded is (n == 1)
        assert (stored.agent_id, stored.language) == (4_000_000_000 + n, "ru")
    assert list(Clock.objects.filter(ticket=other).order_by("pk").values()) == untouched


def test_a_policy_or_hours_changed_behind_the_orm_reach_the_next_ticket(desk):
    """The cached policies key on the rows' content: a queryset ``.update()`` and raw SQL move
    no ``updated_at``, no count and no highest id, and are seen all the same."""
    policy = Policy.objects.create(name="Any", first_response_minutes=60, business_hours=True)
    desk.ticket()  # fills the cache
    Policy.objects.filter(pk=policy.pk).update(first_response_minutes=5)
    ticket = desk.ticket()
    first = Clock.objects.get(ticket=ticket, target=Target.FIRST_RESPONSE)
    assert first.target_seconds == 5 * 60
    BusinessHours.objects.create(
        name="Desk", time_zone="UTC", week={str(d): [["09:00", "17:00"]] for d in range(7)}
    )
    desk.ticket()  # caches the hours in UTC
    with connection.cursor() as cursor:
        # Nine to five in UTC+14: no working minute in common with the cached hours.
        table = connection.ops.quote_name(BusinessHours._meta.db_table)
        cursor.execute(f"UPDATE {table} SET time_zone = %s", ["Pacific/Kiritimati"])
    ticket = desk.ticket()
    assert_same_as_full_replay(ticket)  # the replay reads the hours afresh


def test_a_language_change_moves_the_open_clocks_and_their_daily_rows_in_three_queries(desk):
    """Only the open clocks follow the ticket's language (a finished one keeps the language
    it ended with), and the daily figures follow them: what a recount from the clocks gives.
    On PostgreSQL the clocks' share is the ticket's read, one UPDATE returning the clocks as
    they were, and the daily rows."""
    Policy.objects.create(
        name="Any", first_response_minutes=60, resolution_minutes=600, business_hours=False
    )
    agent = desk.agent()
    ticket = desk.ticket(language="en")
    ticket_services.record_reply(ticket=ticket, agent=agent, body="On it.")  # first response met
    with CaptureQueriesContext(connection) as context:
        ticket_services.change_language(ticket=ticket, language="es", by=None)
    if connection.vendor == "postgresql":
        assert len(_sla_queries(context)) == 3
    languages = dict(Clock.objects.filter(ticket=ticket).values_list("target", "language"))
    assert languages == {Target.FIRST_RESPONSE: "en", Target.RESOLUTION: "es"}
    days = _counting(kept(ticket)[1])
    assert any(d["value"] == "es" and d["started"] == 1 for d in days)
    with transaction.atomic():
        services.rebuild_days()
        recounted = _counting(kept(ticket)[1])
        transaction.set_rollback(True)
    assert days == recounted
    assert_same_as_full_replay(ticket)


def _counting(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The daily rows that count something (a moved count leaves its old row at zero)."""
    keys = {"day", "target", "team_id", "dimension", "value"}
    return [d for d in days if any(v for k, v in d.items() if k not in keys)]
