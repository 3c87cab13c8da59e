"""The coach runs after commit, stores its reading on the ticket, and never blocks a message."""

from __future__ import annotations

import pytest

from tactful.coaching import analysis, services
from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.tickets import inbound
from tactful.tickets import services as ticket_services
from tactful.tickets.models import CALL_NOTE_KEY, EventKind, Priority

pytestmark = pytest.mark.django_db

ANGRY = "This is the THIRD time you charged me twice!!! I am furious, fix it now."


def test_analysis_runs_after_commit_and_updates_the_ticket(
    desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(body=ANGRY, language=None)
    ticket.refresh_from_db()
    analysis = MessageAnalysis.objects.get(message__ticket=ticket)
    assert analysis.status == AnalysisStatus.DONE
    assert analysis.attempts == 1
    assert set(analysis.emotions) >= {"anger", "frustration", "neutral"}
    assert ticket.coach_state == "done"
    assert ticket.emotion == analysis.top_emotion
    assert ticket.intensity == analysis.intensity
    assert ticket.events.filter(kind=EventKind.ANALYSED).exists()


def test_unknown_ticket_language_is_set_from_the_coach(desk, django_capture_on_commit_callbacks):
    customer = desk.customer(language=None)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = inbound.create_ticket(
            customer=customer,
            body="Здравствуйте! Я не могу войти в свой аккаунт уже два дня, помогите пожалуйста.",
            channel="chat",
        )
    ticket.refresh_from_db()
    assert ticket.language == "ru"
    assert ticket.events.filter(kind=EventKind.LANGUAGE_CHANGED).exists()


def test_a_coach_failure_keeps_the_message_and_is_visible(
    desk, monkeypatch, django_capture_on_commit_callbacks
):
    import tactful.coach

    def broken(text, *, language=None):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(tactful.coach, "analyze_message", broken)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(body="Hello?")
    ticket.refresh_from_db()
    message = ticket.messages.get()
    assert message.body == "Hello?"
    assert message.analysis.status == AnalysisStatus.FAILED
    assert "model exploded" in message.analysis.error
    assert ticket.coach_state == "failed"
    assert ticket.events.filter(kind=EventKind.ANALYSIS_FAILED).count() == 1

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_analysis(message=message)
    message.analysis.refresh_from_db()
    ticket.refresh_from_db()
    assert message.analysis.status == AnalysisStatus.DONE
    assert message.analysis.attempts == 2
    assert ticket.coach_state == "done"


def test_analysis_is_idempotent(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(body="Thank you so much, that fixed it!")
    message = ticket.messages.get()
    again = analysis.analyze_incoming_message(message=message)
    assert again.attempts == 1
    assert ticket.events.filter(kind=EventKind.ANALYSED).count() == 1


def test_html_is_read_as_text(desk):
    from tactful.tickets.rendering import plain_text

    assert plain_text("<p>Hello<br>there &amp; you</p><script>x</script>") == "Hello\nthere & you\n"


def test_abuse_goes_to_a_lead_at_high_priority(
    desk, monkeypatch, django_capture_on_commit_callbacks
):
    import tactful.coach

    real = tactful.coach.analyze_message

    def abusive(text, *, language=None):
        from dataclasses import replace

        from tactful.coach._types import Signal

        result = real(text, language=language)
        return replace(result, abuse=Signal(present=True, score=0.99, spans=()))

    monkeypatch.setattr(tactful.coach, "analyze_message", abusive)
    team = desk.team(auto_assign=True)
    agent = desk.agent(teams=[team])
    lead = desk.lead(teams=[team])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(team=team, body="You are useless idiots.")
    ticket.refresh_from_db()
    assert ticket.abuse is True
    assert ticket.priority == Priority.HIGH
    assert ticket.assignee == lead
    assert agent != lead


def test_latest_message_wins(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(body=ANGRY)
    with django_capture_on_commit_callbacks(execute=True):
        inbound.record_incoming_message(
            ticket=ticket, body="Thank you so much, all fixed, you are wonderful!"
        )
    ticket.refresh_from_db()
    latest = ticket.messages.order_by("-id").first().analysis
    assert ticket.emotion == latest.top_emotion
    assert ticket.intensity == latest.intensity


def test_analysis_bookkeeping_query_count(desk, django_assert_max_num_queries):
    # What one worker spends per customer message besides the coach: load the message and its
    # analysis row, store the reading, lock the ticket with both questions about its other
    # analyses (one query), update the ticket, the timeline event, the language follow-up
    # (search index: two statements on SQLite, and an event), and the automation rules (no
    # outer savepoint). The language the coach read moves the open SLA clocks (their reports
    # count them under the language; the same policy applies, so no replay): the ticket read
    # with its clocks, then on PostgreSQL one UPDATE returning the clocks as they were (on
    # SQLite a read and a write), their daily rows: 14 on PostgreSQL, 16 on SQLite (29 with
    # the replay, 15 with the clocks read before they were written). The reading's timeline
    # row and the language's are one INSERT: 13 and 15.
    from django.db import connection

    from tactful.coaching import tasks

    customer = desk.customer(language=None)
    ticket = inbound.create_ticket(
        customer=customer, body="I can't log in to my account since yesterday.", channel="email"
    )
    first = ticket.messages.get()
    with django_assert_max_num_queries(13 if connection.vendor == "postgresql" else 15):
        tasks.analyze_message_task.apply(args=[first.pk])
    ticket.refresh_from_db()
    assert ticket.language == "en"
    assert ticket.coach_state == "done"
    assert ticket.events.filter(kind=EventKind.LANGUAGE_CHANGED).count() == 1

    # A calm follow-up: no rule fires (a firing rule's actions cost their own queries).
    second = inbound.record_incoming_message(ticket=ticket, body="Thank you so much, it works now!")
    # 9, and the thank-you joining the uplifting feed (satisfaction) and the reports' figures.
    with django_assert_max_num_queries(12):
        tasks.analyze_message_task.apply(args=[second.pk])
    second.analysis.refresh_from_db()
    ticket.refresh_from_db()
    assert second.analysis.status == AnalysisStatus.DONE
    assert ticket.emotion == second.analysis.top_emotion
    assert ticket.coach_state == "done"


def test_a_calls_notes_are_read_but_plain_notes_and_the_tickets_signals_are_left(
    desk, django_capture_on_commit_callbacks
):
    agent = desk.agent()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(body="Thanks, that helps.")
    with django_capture_on_commit_callbacks(execute=True):
        plain = ticket_services.add_internal_note(ticket=ticket, agent=agent, body="You idiots!")
        call_note = ticket_services.add_internal_note(
            ticket=ticket,
            agent=agent,
            body="On the call he said: you useless idiots, I hate you!",
            metadata={CALL_NOTE_KEY: 7},
        )
    assert not MessageAnalysis.objects.filter(message=plain).exists()
    reading = MessageAnalysis.objects.get(message=call_note)
    assert reading.status == AnalysisStatus.DONE and reading.abuse
    ticket.refresh_from_db()
    assert ticket.abuse is False and ticket.coach_state == "done"
    assert not ticket.events.filter(kind=EventKind.ANALYSED, message=call_note).exists()


def test_a_new_message_gets_its_pending_reading_and_marks_the_ticket_in_one_statement(desk):
    """The analysis row (every column at its default) and the ticket's "analysing" state
    are written together: one statement on PostgreSQL, and nothing else changes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tactful.tickets.models import Ticket

    ticket = desk.ticket(body="Where is my parcel?")
    other = desk.ticket(body="Another conversation")
    Ticket.objects.filter(pk__in=[ticket.pk, other.pk]).update(coach_state="done", emotion="joy")
    message = ticket.messages.create(kind="in", channel="email", body="Hello again?")
    with CaptureQueriesContext(connection) as context:
        row = services.request_analysis(message=message, new_message=True)
    if connection.vendor == "postgresql":
        assert len(context.captured_queries) == 1
    stored = MessageAnalysis.objects.get(message=message)
    assert row.pk == stored.pk and not row._state.adding
    assert (stored.status, stored.attempts, stored.error) == (AnalysisStatus.PENDING, 0, "")
    assert stored.emotions == {} and stored.spans == {} and stored.intensity is None
    assert stored.created_at is not None and stored.analysed_at is None
    ticket.refresh_from_db()
    assert (ticket.coach_state, ticket.emotion) == ("pending", "joy")
    assert Ticket.objects.get(pk=other.pk).coach_state == "done"  # another ticket: untouched


@pytest.mark.parametrize(
    "body, language",
    [
        ("I can't log in to my account since yesterday, please help.", "en"),
        ("No puedo entrar en mi cuenta desde ayer, por favor ayúdenme.", "es"),
        ("Не могу войти в свой аккаунт со вчерашнего дня, помогите пожалуйста.", "ru"),
    ],
)
def test_the_reading_and_the_language_it_set_are_on_the_timeline_and_heard_in_order(
    desk, body, language
):
    """Written in one INSERT, the two rows keep their order and each subscriber hears both,
    with their stored rows."""
    from tactful.coaching.events import MessageAnalysed
    from tactful.tickets import events

    heard: list = []

    def listen(change) -> None:
        heard.append(change)

    events.subscribe(MessageAnalysed, events.LanguageChanged)(listen)
    try:
        ticket = inbound.create_ticket(
            customer=desk.customer(language=None), body=body, channel="email"
        )
        analysis.analyze_incoming_message(message=ticket.messages.get())
    finally:
        events.unsubscribe(listen)
    assert [type(change) for change in heard] == [MessageAnalysed, events.LanguageChanged]
    assert heard[1].language == language and heard[1].previous == "und"
    rows = list(ticket.events.filter(kind__in=[EventKind.ANALYSED, EventKind.LANGUAGE_CHANGED]))
    assert [row.pk for row in sorted(rows, key=lambda r: r.pk)] == [c.row.pk for c in heard]
    assert [r.kind for r in sorted(rows, key=lambda r: r.pk)] == [
        EventKind.ANALYSED,
        EventKind.LANGUAGE_CHANGED,
    ]
    assert sorted(rows, key=lambda r: r.pk)[1].data == {"from": "und", "to": language}
