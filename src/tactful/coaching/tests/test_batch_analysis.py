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
