"""Events: every change is one timeline row and one emitted event; handlers see finished work,
rolled-back work is never heard of, after-commit handlers wait for the commit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from tactful.tickets import assignment, events, inbound, services, timeline
from tactful.tickets.models import Priority, Status, TicketEvent

pytestmark = pytest.mark.django_db


class Heard(list[tuple[str, events.TicketChange]]):
    """Every event the test's handlers heard, in order, as ``(when, event)``."""

    def __init__(self) -> None:
        super().__init__()
        self.handlers: list[Any] = []

    def listen(self, *kinds: type[events.TicketChange], after_commit: bool = False) -> Any:
        def handler(event: events.TicketChange) -> None:
            self.append(("after" if after_commit else "now", event))

        events.subscribe(*kinds, after_commit=after_commit)(handler)
        self.handlers.append(handler)
        return handler


@pytest.fixture
def heard() -> Iterator[Heard]:
    """A log of heard events; its handlers are removed after the test."""
    log = Heard()
    yield log
    for handler in log.handlers:
        events.unsubscribe(handler)


def test_a_change_is_one_row_and_one_event(desk, heard):
    ticket = desk.ticket()
    heard.listen(events.PriorityChanged)
    row = services.change_priority(ticket=ticket, priority=Priority.HIGH, by=None)
    assert row is not None and row.kind == "priority"
    assert row.data == {"from": Priority.NORMAL, "to": Priority.HIGH}
    [(when, event)] = heard
    assert when == "now"
    assert isinstance(event, events.PriorityChanged)
    assert event.row == row and event.ticket == ticket
    assert (event.previous, event.priority) == (Priority.NORMAL, Priority.HIGH)


def test_handlers_run_when_the_service_has_finished(desk, heard):
    """A new ticket's handlers see it assigned and tagged, though the opening came first."""
    team = desk.team(auto_assign=True)
    agent = desk.agent(teams=[team])
    seen: list[tuple[Any, list[str]]] = []

    def look(event: events.TicketOpened) -> None:
        seen.append(
            (event.ticket.assignee_id, list(event.ticket.tags.values_list("name", flat=True)))
        )

    events.subscribe(events.TicketOpened)(look)
    try:
        desk.ticket(team=team, tags=["vip"])
    finally:
        events.unsubscribe(look)
    assert seen == [(agent.pk, ["vip"])]


def test_the_timeline_keeps_the_order_things_happened(desk):
    team = desk.team(auto_assign=True)
    desk.agent(teams=[team])
    ticket = desk.ticket(team=team, tags=["vip"])
    kinds = list(ticket.events.order_by("id").values_list("kind", flat=True))
    assert kinds[:3] == ["created", "tags", "assigned"]


def test_events_of_a_rolled_back_block_are_never_heard(desk, heard):
    ticket = desk.ticket()
    heard.listen(events.PriorityChanged, events.StatusChanged)
    with events.atomic():
        services.change_status(ticket=ticket, status=Status.OPEN, by=None)
        with pytest.raises(RuntimeError), events.atomic():
            services.change_priority(ticket=ticket, priority=Priority.URGENT, by=None)
            raise RuntimeError("changed my mind")
        assert heard == []  # nothing is dispatched before the outermost block ends
    assert [type(event) for _when, event in heard] == [events.StatusChanged]
    assert not TicketEvent.objects.filter(ticket=ticket, kind="priority").exists()


def test_a_failing_outer_block_drops_every_event(desk, heard):
    ticket = desk.ticket()
    heard.listen(events.StatusChanged)
    with pytest.raises(RuntimeError), events.atomic():
        services.change_status(ticket=ticket, status=Status.PENDING, by=None)
        raise RuntimeError("boom")
    assert heard == []
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_after_commit_handlers_wait_for_the_commit(desk, heard, django_capture_on_commit_callbacks):
    ticket = desk.ticket()
    heard.listen(events.StatusChanged, after_commit=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.change_status(ticket=ticket, status=Status.SOLVED, by=None)
    assert heard == []
    for callback in callbacks:
        callback()
    assert [(when, type(event)) for when, event in heard] == [("after", events.StatusChanged)]


def test_events_emitted_by_handlers_are_dispatched_in_the_same_pass(desk, heard):
    """A handler's own changes (a rule raising the priority) reach other subscribers."""
    ticket = desk.ticket()
    heard.listen(events.PriorityChanged)

    def escalate(event: events.StatusChanged) -> None:
        services.bump_priority(ticket=event.ticket, to=Priority.HIGH, by=None)

    events.subscribe(events.StatusChanged)(escalate)
    try:
        services.change_status(ticket=ticket, status=Status.OPEN, by=None)
    finally:
        events.unsubscribe(escalate)
    assert [type(event) for _when, event in heard] == [events.PriorityChanged]


def test_batch_handlers_hear_a_whole_change_once(desk):
    """The search index is rebuilt once for a change that touched the text several times."""
    ticket = desk.ticket()
    batches: list[list[str]] = []

    def collect(changes: Any) -> None:
        batches.append([change.kind for change in changes])

    events.subscribe_batch(events.NoteAdded, events.SubjectChanged)(collect)
    try:
        with events.atomic():
            services.add_internal_note(ticket=ticket, agent=None, body="one")
            services.change_subject(ticket=ticket, subject="A new subject", by=None)
    finally:
        events.unsubscribe(collect)
    assert batches == [["note", "subject"]]


def test_subscribing_twice_registers_once(desk, heard):
    ticket = desk.ticket()
    handler = heard.listen(events.PriorityChanged)
    events.subscribe(events.PriorityChanged)(handler)
    services.change_priority(ticket=ticket, priority=Priority.LOW, by=None)
    assert len(heard) == 1


def test_subclasses_are_heard_by_subscribers_of_their_base(desk, heard):
    ticket = desk.ticket()
    heard.listen(events.TicketChange)
    services.change_subject(ticket=ticket, subject="Anything at all", by=None)
    assert [type(event) for _when, event in heard] == [events.SubjectChanged]


def test_other_apps_add_kinds_the_timeline_describes():
    @dataclass(frozen=True, kw_only=True)
    class SurveyAnswered(events.TicketChange):
        kind = "test_survey"
        label = "Survey answered"
        rating: int

        def data(self) -> dict[str, Any]:
            return {"rating": self.rating}

        @classmethod
        def describe(cls, data: dict[str, Any], names: events.Names) -> str:
            return f"Rated {data.get('rating')}"

    assert events.event_class("test_survey") is SurveyAnswered
    assert events.describe("test_survey", {"rating": 5}, events.Names()) == "Rated 5"
    assert events.label("test_survey") == "Survey answered"
    assert events.describe("never_heard_of", {}, events.Names()) == "never_heard_of"


def test_a_kind_longer_than_the_column_is_refused():
    with pytest.raises(ValueError, match="longer than 16"):

        @dataclass(frozen=True, kw_only=True)
        class TooLong(events.TicketChange):
            kind = "x" * 17
            label = "too long"


def test_old_rows_keep_reading_after_the_code_moved(desk):
    """Descriptions read the stored data, so rows written before this code still read."""
    names = events.Names(agents={7: "Ana"}, teams={3: "Billing"})
    assert "Ana" in events.describe("assigned", {"from": None, "to": 7, "round_robin": True}, names)
    assert "Billing" in events.describe("team", {"from": None, "to": 3}, names)
    assert events.describe("status", {"from": "new", "to": "open"}, names) == "Status: New → Open"
    assert events.describe("status", "not a dict", names) == "Status: ? → ?"  # type: ignore[arg-type]


def test_every_subscriber_is_known(desk):
    """Who hears what (the map in docs/desk.md): a new subscriber shows up here."""
    assert events.subscribers(events.TicketOpened) == [
        "read_the_customer",
        "on_ticket_opened",
        "count_message",
        "count_customer_message",
        "reindex_changed",
        "retime_tickets",
        "queue_event_webhooks",
    ]
    assert events.subscribers(events.CustomerWrote) == [
        "read_the_customer",
        "on_customer_wrote",
        "tell_the_owner_the_customer_wrote",
        "count_message",
        "count_customer_message",
        "reindex_changed",
        "retime_tickets",
        "queue_event_webhooks",
    ]
    assert events.subscribers(events.ReplyRecorded) == [
        "queue_new_reply",
        "count_reply",
        "reindex_changed",
        "retime_tickets",
        "queue_event_webhooks",
    ]
    assert events.subscribers(events.StatusChanged) == [
        "on_status_changed",
        "review_solved_conversation",
        "retime_tickets",
        "queue_event_webhooks",
    ]
    # Internal notes never move an SLA clock; the coach reads a call's notes.
    assert events.subscribers(events.NoteAdded) == [
        "read_the_call_note",
        "reindex_changed",
        "queue_event_webhooks",
    ]
    assert events.subscribers(events.Assigned) == ["tell_the_new_assignee", "queue_event_webhooks"]


def test_emitting_outside_a_block_dispatches_at_once(desk, heard):
    ticket = desk.ticket()
    heard.listen(events.NoteAdded)
    with transaction.atomic():
        timeline.record(events.NoteAdded(ticket=ticket))
        assert len(heard) == 1


def test_assignment_is_one_writer(desk, heard):
    team = desk.team()
    agent = desk.agent(teams=[team])
    ticket = desk.ticket(team=team)
    heard.listen(events.Assigned)
    assignment.assign_ticket(ticket=ticket, assignee=agent, by=agent)
    assert assignment.assign_ticket(ticket=ticket, assignee=agent, by=agent) is None
    [(_when, event)] = heard
    assert (event.previous_id, event.assignee_id) == (None, agent.pk)


def test_a_registered_strategy_chooses_for_its_mode(desk):
    team = desk.team(auto_assign=True)
    first, second = desk.agent(teams=[team]), desk.agent(teams=[team])
    team.assignment_mode = "test_mode"
    team.save()

    assignment.register_strategy("test_mode", lambda team, ticket, members: members[-1])
    try:
        ticket = desk.ticket(team=team)
    finally:
        assignment._strategies.pop("test_mode")
    assert ticket.assignee_id == second.pk != first.pk


def test_history_is_written_without_a_sound(desk, heard):
    ticket = desk.ticket()
    heard.listen(events.TicketChange)
    [row] = timeline.record_history([TicketEvent(ticket=ticket, kind="status", data={})])
    assert row.pk is not None
    assert heard == []


def test_the_door_is_the_way_in(desk):
    received = inbound.receive(
        channel="api", sender=inbound.Sender(handle="h1"), body="Hello", external_id="x-1"
    )
    assert received.status == "created"
    again = inbound.receive(
        channel="api", sender=inbound.Sender(handle="h1"), body="Hello", external_id="x-1"
    )
    assert again.status == "duplicate" and again.message == received.message


@pytest.mark.django_db(transaction=True)
def test_work_done_after_a_real_commit_is_heard_too(desk, heard):
    """The coach's analysis runs after the commit (in-process without a broker); what it
    records must reach its subscribers, not vanish into the unit that already dispatched."""
    ticket = desk.ticket()
    heard.listen(events.PriorityChanged)

    def later(event: events.StatusChanged) -> None:
        services.change_priority(ticket=event.ticket, priority=Priority.URGENT, by=None)

    events.subscribe(events.StatusChanged, after_commit=True)(later)
    try:
        services.change_status(ticket=ticket, status=Status.OPEN, by=None)
    finally:
        events.unsubscribe(later)
    assert [type(event) for _when, event in heard] == [events.PriorityChanged]
