"""Each SLA rule of docs/sla.md, on the pure replay: a history in, the clocks out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tactful.sla.hours import WeeklyHours
from tactful.sla.replay import (
    FIRST_RESPONSE,
    MET,
    MISSED,
    NEXT_RESPONSE,
    PAUSED,
    RESOLUTION,
    RUNNING,
    STOPPED,
    History,
    StatusMove,
    Targets,
    Turn,
    replay,
)

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday
HOUR = 3600
TARGETS = Targets(first_response=HOUR, next_response=2 * HOUR, resolution=8 * HOUR)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def customer(minutes: float, message_id: int) -> Turn:
    return Turn(at=at(minutes), message_id=message_id, customer=True)


def reply(minutes: float, message_id: int, agent_id: int = 7) -> Turn:
    return Turn(at=at(minutes), message_id=message_id, customer=False, agent_id=agent_id)


def move(minutes: float, status: str, by_id: int | None = 7) -> StatusMove:
    return StatusMove(at=at(minutes), status=status, by_id=by_id)


def clocks(history: History, targets: Targets = TARGETS) -> dict[tuple[str, int], object]:
    return {(c.target, c.sequence): c for c in replay(history, targets)}


def only(history: History, target: str, targets: Targets = TARGETS) -> list:
    return [c for c in replay(history, targets) if c.target == target]


def test_first_response_runs_from_opening_to_the_first_public_reply():
    history = History(opened_at=at(0), turns=[customer(0, 1), reply(40, 2)])
    [first] = only(history, FIRST_RESPONSE)
    assert (first.state, first.elapsed_seconds, first.agent_id) == (MET, 40 * 60, 7)
    assert first.ended_at == at(40)
    assert first.message_id == 1


def test_a_late_first_response_is_missed():
    history = History(opened_at=at(0), turns=[customer(0, 1), reply(75, 2)])
    [first] = only(history, FIRST_RESPONSE)
    assert first.state == MISSED
    assert first.due_at == at(60)


def test_a_running_clock_is_due_and_warns_at_its_share():
    history = History(opened_at=at(0), turns=[customer(0, 1)])
    [first] = only(history, FIRST_RESPONSE)
    assert first.state == RUNNING
    assert first.due_at == at(60)
    assert first.warn_at == at(48)  # 80 % of an hour
    half = Targets(first_response=HOUR, warning_share=0.5)
    assert only(history, FIRST_RESPONSE, half)[0].warn_at == at(30)


def test_next_response_waits_from_the_first_unanswered_message():
    history = History(
        opened_at=at(0),
        turns=[customer(0, 1), reply(10, 2), customer(30, 3), customer(50, 4), reply(90, 5)],
    )
    [wait] = only(history, NEXT_RESPONSE)
    assert wait.sequence == 3 and wait.message_id == 3  # the second message did not restart it
    assert (wait.started_at, wait.ended_at, wait.state) == (at(30), at(90), MET)
    assert wait.elapsed_seconds == 60 * 60


def test_messages_before_the_first_response_wait_on_the_first_response():
    history = History(opened_at=at(0), turns=[customer(0, 1), customer(5, 2), reply(20, 3)])
    assert only(history, NEXT_RESPONSE) == []
    assert only(history, FIRST_RESPONSE)[0].ended_at == at(20)


def test_every_wait_is_its_own_clock():
    history = History(
        opened_at=at(0),
        turns=[customer(0, 1), reply(5, 2), customer(10, 3), reply(20, 4), customer(30, 5)],
    )
    waits = only(history, NEXT_RESPONSE)
    assert [(w.sequence, w.state) for w in waits] == [(3, MET), (5, RUNNING)]
    assert waits[1].due_at == at(30 + 120)


def test_pending_pauses_every_clock_and_moves_the_deadline():
    history = History(
        opened_at=at(0),
        turns=[customer(0, 1)],
        moves=[move(0.5, "open"), move(10, "pending"), move(70, "open")],
    )
    by_target = {c.target: c for c in replay(history, TARGETS)}
    first = by_target[FIRST_RESPONSE]
    assert first.state == RUNNING
    assert first.elapsed_seconds == 10 * 60  # up to the pause
    assert first.due_at == at(70 + 50)  # 50 minutes were left when it paused
    assert by_target[RESOLUTION].due_at == at(70 + 8 * 60 - 10)


def test_a_paused_clock_has_no_deadline():
    history = History(opened_at=at(0), turns=[customer(0, 1)], moves=[move(10, "pending")])
    first = only(history, FIRST_RESPONSE)[0]
    assert (first.state, first.due_at) == (PAUSED, None)


def test_a_deadline_passed_before_a_pause_stays_passed():
    history = History(opened_at=at(0), turns=[customer(0, 1)], moves=[move(90, "pending")])
    first = only(history, FIRST_RESPONSE)[0]
    assert first.state == PAUSED
    assert first.due_at == at(60)


def test_solving_stops_the_reply_clocks_and_meets_the_resolution():
    history = History(
        opened_at=at(0),
        turns=[customer(0, 1), reply(10, 2), customer(20, 3)],
        moves=[move(30, "solved", by_id=9)],
    )
    found = clocks(history)
    wait = found[(NEXT_RESPONSE, 3)]
    assert (wait.state, wait.ended_at) == (STOPPED, at(30))
    resolution = found[(RESOLUTION, 0)]
    assert (resolution.state, resolution.agent_id, resolution.elapsed_seconds) == (MET, 9, 1800)


def test_solving_without_any_reply_stops_the_first_response_without_counting():
    history = History(opened_at=at(0), turns=[customer(0, 1)], moves=[move(120, "closed")])
    assert only(history, FIRST_RESPONSE)[0].state == STOPPED


def test_the_solver_defaults_to_the_assignee_when_tactful_solved_it():
    history = History(
        opened_at=at(0), turns=[customer(0, 1)], moves=[move(5, "solved", None)], assignee_id=4
    )
    assert only(history, RESOLUTION)[0].agent_id == 4


def test_a_reopened_ticket_continues_its_resolution_time():
    history = History(
        opened_at=at(0),
        turns=[customer(0, 1), reply(10, 2), customer(120, 3)],
        moves=[move(60, "solved"), move(120.01, "open")],
    )
    first_cycle, second_cycle = only(history, RESOLUTION)
    assert (first_cycle.state, first_cycle.superseded) == (MET, True)
    assert second_cycle.sequence == 1 and second_cycle.state == RUNNING
    assert second_cycle.carried_seconds == 3600
    # One hour was used before the reopen, so seven are left.
    assert second_cycle.due_at == at(120.01 + 7 * 60)
    # The customer's message that reopened it waits for a reply (paused while solved).
    [wait] = only(history, NEXT_RESPONSE)
    assert (wait.sequence, wait.state, wait.started_at) == (3, RUNNING, at(120))
    assert wait.due_at == at(120.01 + 120)


def test_reopening_to_pending_starts_paused():
    history = History(
        opened_at=at(0), turns=[customer(0, 1)], moves=[move(10, "solved"), move(20, "pending")]
    )
    assert only(history, RESOLUTION)[-1].state == PAUSED


def test_closing_a_solved_ticket_changes_nothing():
    history = History(opened_at=at(0), moves=[move(10, "solved"), move(20, "closed")])
    [resolution] = only(history, RESOLUTION)
    assert (resolution.state, resolution.ended_at) == (MET, at(10))


def test_a_merged_ticket_stops_its_clocks():
    history = History(
        opened_at=at(0),
        turns=[customer(0, 1), reply(10, 2), customer(20, 3)],
        moves=[move(31, "closed")],
        merged_at=at(30),
    )
    found = clocks(history)
    assert found[(NEXT_RESPONSE, 3)].state == STOPPED
    assert found[(RESOLUTION, 0)].state == STOPPED
    assert found[(RESOLUTION, 0)].ended_at == at(30)


def test_the_merge_target_answers_the_messages_moved_into_it():
    """The customer's unanswered message from the merged ticket now waits on the target."""
    history = History(
        opened_at=at(0),
        # 1–2: the target's own; 3: moved in from the merged ticket (written at 25).
        turns=[customer(0, 1), reply(5, 2), customer(25, 3), customer(-30, 4)],
    )
    [wait] = only(history, NEXT_RESPONSE)
    assert (wait.sequence, wait.started_at) == (3, at(25))
    # A message older than the target itself was the merged ticket's to answer.
    assert all(c.message_id != 4 for c in replay(history, TARGETS))


def test_no_target_still_measures_the_time():
    history = History(opened_at=at(0), turns=[customer(0, 1), reply(500, 2)])
    [first] = only(history, FIRST_RESPONSE, Targets())
    assert (first.state, first.target_seconds, first.due_at) == (MET, None, None)
    assert first.elapsed_seconds == 500 * 60


def test_business_hours_skip_the_night_and_the_weekend():
    office = WeeklyHours(zone="UTC", week={d: [(9 * 60, 17 * 60)] for d in range(5)})
    targets = Targets(first_response=2 * HOUR, hours=office)
    friday_4pm = datetime(2026, 12, 11, 16, tzinfo=UTC)
    history = History(
        opened_at=friday_4pm,
        turns=[Turn(at=friday_4pm, message_id=1, customer=True)],
    )
    [first] = only(history, FIRST_RESPONSE, targets)
    assert first.due_at == datetime(2026, 12, 14, 10, tzinfo=UTC)
    answered = History(
        opened_at=friday_4pm,
        turns=[
            Turn(at=friday_4pm, message_id=1, customer=True),
            Turn(at=datetime(2026, 12, 14, 9, 30, tzinfo=UTC), message_id=2, customer=False),
        ],
    )
    [first] = only(answered, FIRST_RESPONSE, targets)
    assert (first.state, first.elapsed_seconds) == (MET, 1.5 * HOUR)


steps = st.lists(
    st.tuples(
        st.floats(0.1, 600),
        st.sampled_from(["customer", "reply", "new", "open", "pending", "solved", "closed"]),
    ),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(steps=steps)
def test_any_history_gives_consistent_clocks(steps):
    """Whatever happens: one first-response clock, at most one open wait and one open
    resolution, working time never above the time that passed, done clocks have an end."""
    turns, moves, clock = [], [], 0.0
    for index, (gap, what) in enumerate(steps, start=1):
        clock += gap
        if what == "customer":
            turns.append(customer(clock, index))
        elif what == "reply":
            turns.append(reply(clock, index))
        else:
            moves.append(move(clock, what))
    result = replay(History(opened_at=at(0), turns=turns, moves=moves), TARGETS)
    assert sum(1 for c in result if c.target == FIRST_RESPONSE) == 1
    assert sum(1 for c in result if c.target == NEXT_RESPONSE and c.is_open) <= 1
    assert sum(1 for c in result if c.target == RESOLUTION and c.is_open) <= 1
    assert sum(1 for c in result if c.target == RESOLUTION and not c.superseded) == 1
    for c in result:
        end = c.ended_at or at(clock)
        assert c.elapsed_seconds - c.carried_seconds <= (end - c.started_at).total_seconds() + 1e-6
        assert (c.ended_at is None) == c.is_open
        if c.state == RUNNING and c.target_seconds is not None:
            assert c.due_at is not None and c.warn_at is not None and c.warn_at <= c.due_at
