"""A fetched batch of messages is read with one encoder call and stored as one by one."""

from __future__ import annotations

from typing import Any

import pytest

import tactful.coach
from tactful.coach import _encoder
from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.coaching.tasks import analyses_in_batches, analyze_messages_task
from tactful.tickets.models import EventKind, Ticket
from tactful.tickets.rendering import plain_text

pytestmark = pytest.mark.django_db

BODIES = [
    "This is the THIRD time you charged me twice!!! I am furious, fix it now.",
    "Me cobraron dos veces y nadie me responde, estoy muy preocupada.",
    "Спасибо большое, всё заработало, вы очень помогли!",
]


@pytest.fixture
def encoder_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many texts each call to the encoder carried (the real encoder still runs)."""
    calls: list[int] = []
    real = _encoder.encode

    def counted(texts: list[str]) -> Any:
        calls.append(len(texts))
        return real(texts)

    monkeypatch.setattr(_encoder, "encode", counted)
    return calls


def test_a_batch_is_encoded_once_and_stored_as_one_by_one(
    desk, django_capture_on_commit_callbacks, encoder_calls
):
    customer = desk.customer(language=None)
    with analyses_in_batches():
        for body in BODIES:
            with django_capture_on_commit_callbacks(execute=True):
                desk.ticket(body=body, customer=customer, language=None)
        assert MessageAnalysis.objects.filter(status=AnalysisStatus.DONE).count() == 0
    assert encoder_calls == [3]
    for reading in MessageAnalysis.objects.select_related("message__ticket"):
        alone = tactful.coach.analyze_message(plain_text(reading.message.body))
        assert reading.status == AnalysisStatus.DONE and reading.attempts == 1
        assert reading.language == alone.language
        assert reading.top_emotion == alone.emotions.top()
        assert reading.intensity == pytest.approx(float(alone.intensity), abs=1e-3)
        assert reading.abuse == alone.abuse.present
        ticket = reading.message.ticket
        assert (ticket.coach_state, ticket.language) == ("done", alone.language)
        assert ticket.events.filter(kind=EventKind.ANALYSED).count() == 1


def test_a_block_that_raises_still_sends_what_was_stored(desk, django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError), analyses_in_batches():
        with django_capture_on_commit_callbacks(execute=True):
            ticket = desk.ticket(body=BODIES[0])
        raise RuntimeError("the mailbox went away")
    assert MessageAnalysis.objects.get(message__ticket=ticket).status == AnalysisStatus.DONE


@pytest.mark.parametrize(
    "ids",
    [[], [None, "1", True, -5, 10**12], ["DROP TABLE"], [1.5, [2], {"id": 3}]],
    ids=["empty", "mixed", "text", "shapes"],
)
def test_the_batch_task_ignores_what_is_not_a_message_id(desk, ids):
    assert analyze_messages_task.apply(args=[ids]).get() == {"done": 0, "unread": 0}


def test_the_batch_task_skips_messages_already_read_and_passes_on_notes(
    desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(body=BODIES[1])
    message = ticket.messages.get()
    assert analyze_messages_task.apply(args=[[message.pk]]).get() == {"done": 0, "unread": 0}
    assert MessageAnalysis.objects.get(message=message).attempts == 1
    assert Ticket.objects.get(pk=ticket.pk).coach_state == "done"


ABUSIVE = "You are useless idiots, I will find where you live and you will regret it."
CALM = "Thank you so much, it works now!"


def _stored_unread(desk, bodies, *, same_ticket=False):
    """Customer messages stored with their analysis pending (no worker ran): their ids."""
    from tactful.tickets import inbound

    ids = []
    ticket = None
    for body in bodies:
        if same_ticket and ticket is not None:
            ids.append(inbound.record_incoming_message(ticket=ticket, body=body).pk)
        else:
            ticket = desk.ticket(body=body, language=None)
            ids.append(ticket.messages.get().pk)
    return ids


def test_a_batch_of_tickets_is_stored_in_one_transaction_and_indexed_once(
    desk, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids = _stored_unread(desk, BODIES)
    with CaptureQueriesContext(connection) as queries:
        assert analyze_messages_task.apply(args=[ids]).get() == {"done": 3, "unread": 0}
    sql = [q["sql"] for q in queries.captured_queries]
    # Each ticket took the language its message was read in (three LanguageChanged), yet the
    # search index was rebuilt once, for the three together; the rules' fingerprint read once.
    from tactful.tickets.search import FTS_TABLE

    reindexed = [s for s in sql if "SET search_vector" in s or f"INTO {FTS_TABLE}(" in s]
    assert len(reindexed) == 1
    assert sum("COUNT(*)" in s and "automation_rule" in s for s in sql) <= 1
    for message_id in ids:
        reading = MessageAnalysis.objects.select_related("message__ticket").get(
            message_id=message_id
        )
        assert reading.status == AnalysisStatus.DONE and reading.attempts == 1
        ticket = reading.message.ticket
        assert (ticket.coach_state, ticket.language) == ("done", reading.language)
        assert ticket.events.filter(kind=EventKind.ANALYSED).count() == 1


def test_a_tickets_two_messages_in_one_batch_are_each_acted_on_as_alone(desk):
    # The abusive message is followed in the same batch by a calm one: the protection rule
    # still fires for the abusive one (its handlers see its own reading), and the ticket ends
    # with the newest reading's signals.
    from tactful.automation.services import install_default_rules

    install_default_rules()  # a transactional test elsewhere may have flushed them
    first, second = _stored_unread(desk, [ABUSIVE, CALM], same_ticket=True)
    assert analyze_messages_task.apply(args=[[first, second]]).get() == {
        "done": 2,
        "unread": 0,
    }
    ticket = Ticket.objects.get(messages__pk=first)
    fired = ticket.events.filter(kind=EventKind.RULE_FIRED, data__rule="Protect agents")
    assert fired.get().message_id == first
    calm = MessageAnalysis.objects.get(message_id=second)
    assert (ticket.abuse, ticket.threat, ticket.emotion) == (False, False, calm.top_emotion)
    assert ticket.events.filter(kind=EventKind.ANALYSED).count() == 2


def test_a_batch_whose_transaction_fails_is_stored_one_by_one(desk, monkeypatch):
    from django.db import OperationalError

    from tactful.coaching.events import MessageAnalysed
    from tactful.tickets import events

    calls = []

    def fails_once(event):
        calls.append(event.message.pk)
        if len(calls) == 1:
            raise OperationalError("deadlock detected (simulated)")

    events.subscribe(MessageAnalysed)(fails_once)
    try:
        ids = _stored_unread(desk, BODIES)
        assert analyze_messages_task.apply(args=[ids]).get() == {"done": 3, "unread": 0}
    finally:
        events.unsubscribe(fails_once)
    # The batch's transaction was rolled back whole, then each reading stored on its own,
    # once: one attempt, one event each; nothing lost, nothing doubled.
    assert len(calls) == 1 + len(ids)
    for message_id in ids:
        reading = MessageAnalysis.objects.get(message_id=message_id)
        assert reading.status == AnalysisStatus.DONE and reading.attempts == 1
        ticket = Ticket.objects.get(messages__pk=message_id)
        assert ticket.coach_state == "done"
        assert ticket.events.filter(kind=EventKind.ANALYSED).count() == 1
