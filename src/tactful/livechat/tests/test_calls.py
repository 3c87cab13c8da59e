"""Video calls as the desk keeps them: who may call, each step on the timeline, the notes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tactful.automation import selectors as automation_selectors
from tactful.coach.tests.cases import ABUSIVE
from tactful.livechat import calls, services
from tactful.livechat.calls import Asker, CallError
from tactful.livechat.models import Call, CallSettings, CallState
from tactful.tickets import events
from tactful.tickets.models import CALL_NOTE_KEY, MessageKind, Ticket

pytestmark = [pytest.mark.chat, pytest.mark.django_db]


@pytest.fixture
def chat(chat_team, desk) -> dict[str, Any]:
    """A visitor online in a chat that has its ticket, and an agent of the team."""
    info, _token = services.start_session(team_slug=chat_team.slug, name="Ada Lovelace")
    services.receive_visitor_message(
        session_id=info.session_id, client_id=str(uuid.uuid4()), body="My parcel never came."
    )
    services.visitor_connected(info.session_id)
    ticket = Ticket.objects.get()
    return {
        "session": info.session_id,
        "ticket": ticket,
        "team": chat_team,
        "agent": desk.agent("emma", teams=[chat_team]),
        "visitor": Asker.visitor(info.session_id),
    }


def kinds(ticket: Ticket) -> list[str]:
    return list(
        ticket.events.filter(kind__startswith="call_").order_by("id").values_list("kind", flat=True)
    )


def described(ticket: Ticket) -> list[str]:
    names = events.Names()
    return [
        events.describe(row.kind, row.data, names)
        for row in ticket.events.filter(kind__startswith="call_").order_by("id")
    ]


def agent_call(chat: dict[str, Any]) -> calls.CallInfo:
    return calls.offer_by_agent(agent=chat["agent"], ticket_id=chat["ticket"].pk, channel="a.1")


def test_an_agents_call_from_offer_to_end_is_on_the_timeline(chat):
    ticket, agent = chat["ticket"], chat["agent"]
    offered = agent_call(chat)
    assert offered.invite_frame() == {
        "type": "call.invite",
        "call": offered.call_id,
        "from": "agent",
        "name": "Emma",
        "video": True,
        "recording": False,
    }
    accepted = calls.accept(call_id=offered.call_id, asker=chat["visitor"], channel="v.1")
    assert (accepted.agent_channel, accepted.visitor_channel) == ("a.1", "v.1")
    me = Asker.agent_on(agent, ticket.pk)
    assert calls.connected(call_id=offered.call_id, asker=me) is True
    assert calls.connected(call_id=offered.call_id, asker=chat["visitor"]) is False  # once
    Call.objects.filter(pk=offered.call_id).update(
        started_at=timezone.now() - timedelta(minutes=3, seconds=5)
    )
    calls.hang_up(call_id=offered.call_id, asker=chat["visitor"], relayed=9)

    call = Call.objects.get()
    assert (call.state, call.end_reason, call.ended_by) == ("ended", "hangup", "visitor")
    assert call.duration_seconds == 185 and call.signalling_messages == 9
    assert kinds(ticket) == ["call_offered", "call_accepted", "call_started", "call_ended"]
    assert described(ticket) == [
        "Video call offered by the agent",
        "Video call accepted by the visitor",
        "Video call connected",
        "Video call ended after 3 min 05 s — Emma, Ada Lovelace (hung up by the visitor)",
    ]
    ended = ticket.events.get(kind="call_ended")
    assert ended.data["participants"] == ["Emma", "Ada Lovelace"] and ended.data["duration"] == 185
    assert ticket.events.get(kind="call_offered").actor == agent


def test_refusals_before_any_call(chat, desk):
    ticket = chat["ticket"]
    outsider = desk.agent("otto", teams=[desk.team("Sales")])
    with pytest.raises(CallError) as refused:
        calls.offer_by_agent(agent=outsider, ticket_id=ticket.pk, channel="x")
    assert refused.value.code == "call_unknown"  # may not see the ticket: as if it did not exist

    services.visitor_disconnected(chat["session"])
    with pytest.raises(CallError) as refused:
        agent_call(chat)
    assert refused.value.code == "visitor_away"
    services.visitor_connected(chat["session"])

    CallSettings.objects.create(team=chat["team"], calls_enabled=False)
    with pytest.raises(CallError) as refused:
        agent_call(chat)
    assert refused.value.code == "calls_off"
    CallSettings.objects.filter(team=chat["team"]).update(calls_enabled=True)

    email_ticket = desk.ticket(team=chat["team"])
    with pytest.raises(CallError) as refused:
        calls.offer_by_agent(agent=chat["agent"], ticket_id=email_ticket.pk, channel="x")
    assert refused.value.code == "no_chat"

    agent_call(chat)
    with pytest.raises(CallError) as refused:
        agent_call(chat)
    assert refused.value.code == "call_busy"
    assert Call.objects.count() == 1 and kinds(ticket) == ["call_offered"]


def test_visitors_call_only_where_the_team_allows_it(chat):
    with pytest.raises(CallError) as refused:
        calls.offer_by_visitor(session_id=chat["session"], channel="v.1")
    assert refused.value.code == "calls_off"  # off by default

    CallSettings.objects.create(team=chat["team"], visitors_may_call=True)
    offered = calls.offer_by_visitor(session_id=chat["session"], channel="v.1")
    assert offered.invite_frame()["name"] == "Ada Lovelace"
    assert calls.ticket_frame(chat["ticket"].pk)["invite"]["call"] == offered.call_id

    me = Asker.agent_on(chat["agent"], chat["ticket"].pk)
    with pytest.raises(CallError) as refused:
        calls.accept(call_id=offered.call_id, asker=chat["visitor"], channel="v.2")
    assert refused.value.code == "own_call"
    taken = calls.accept(call_id=offered.call_id, asker=me, channel="a.9")
    assert taken.agent_id == chat["agent"].pk and taken.agent_channel == "a.9"
    assert calls.ticket_frame(chat["ticket"].pk)["invite"] is None


def test_a_visitor_without_a_conversation_writes_first(chat_team):
    CallSettings.objects.create(team=chat_team, visitors_may_call=True)
    info, _token = services.start_session(team_slug=chat_team.slug)
    with pytest.raises(CallError) as refused:
        calls.offer_by_visitor(session_id=info.session_id, channel="v")
    assert refused.value.code == "no_conversation"


@pytest.mark.parametrize(
    ("recording", "answer", "kept"),
    [
        (True, True, "agreed"),
        (True, False, "refused"),
        (True, None, "refused"),  # no answer is a no
        (True, "yes", "refused"),  # only a real true agrees
        (False, True, ""),  # never asked where the team does not record
    ],
)
def test_recording_needs_the_team_and_the_visitors_yes(chat, recording, answer, kept):
    CallSettings.objects.create(team=chat["team"], recording=recording)
    offered = agent_call(chat)
    assert offered.recording is recording
    calls.accept(
        call_id=offered.call_id, asker=chat["visitor"], channel="v", recording_consent=answer
    )
    assert Call.objects.get().recording_consent == kept
    accepted = chat["ticket"].events.get(kind="call_accepted")
    assert accepted.data.get("recording", "") == kept


def test_declined_and_cancelled_calls(chat):
    offered = agent_call(chat)
    calls.decline(call_id=offered.call_id, asker=chat["visitor"])
    assert Call.objects.get().state == CallState.DECLINED
    offered = agent_call(chat)  # a declined call no longer blocks the chat
    me = Asker.agent_on(chat["agent"], chat["ticket"].pk)
    with pytest.raises(CallError):
        calls.decline(call_id=offered.call_id, asker=me)  # the caller cannot "decline"
    calls.hang_up(call_id=offered.call_id, asker=me)
    assert described(chat["ticket"]) == [
        "Video call offered by the agent",
        "Video call declined by the visitor",
        "Video call offered by the agent",
        "Video call cancelled before an answer",
    ]


def test_another_conversation_cannot_touch_a_call(chat, chat_team, desk):
    offered = agent_call(chat)
    other, _token = services.start_session(team_slug=chat_team.slug)
    stranger = Asker.visitor(other.session_id)
    colleague = desk.agent("zoe", teams=[chat_team])  # may see the ticket, not in the call
    other_ticket = desk.ticket(team=chat_team)
    for asker in (
        stranger,
        Asker.agent_on(colleague, chat["ticket"].pk),
        Asker.agent_on(chat["agent"], other_ticket.pk),  # the right agent, the wrong page
    ):
        for step in (calls.decline, calls.hang_up):
            with pytest.raises(CallError) as refused:
                step(call_id=offered.call_id, asker=asker)
            assert refused.value.code == "call_unknown"
        with pytest.raises(CallError):
            calls.accept(call_id=offered.call_id, asker=asker, channel="evil")
        with pytest.raises(CallError):
            calls.rejoin(call_id=offered.call_id, asker=asker, channel="evil")
    assert Call.objects.get().state == CallState.RINGING
    assert Call.objects.get().visitor_channel == ""


@pytest.mark.parametrize("call_id", [None, "1", 1.5, True, -1, 0, 2**63, [1], {"id": 1}])
def test_malformed_call_ids_are_refused(chat, call_id):
    with pytest.raises(CallError) as refused:
        calls.hang_up(call_id=call_id, asker=chat["visitor"])
    assert refused.value.code == "bad_call"


def test_abandoned_calls_end_by_themselves(chat):
    now = timezone.now()
    ringing = agent_call(chat)
    Call.objects.filter(pk=ringing.call_id).update(offered_at=now - timedelta(minutes=2))
    assert calls.end_abandoned_calls(now=now) == 1
    assert Call.objects.get(pk=ringing.call_id).end_reason == "unanswered"

    live = agent_call(chat)
    calls.accept(call_id=live.call_id, asker=chat["visitor"], channel="v.1")
    me = Asker.agent_on(chat["agent"], chat["ticket"].pk)
    calls.connected(call_id=live.call_id, asker=me)
    calls.left(call_id=live.call_id, side="visitor", channel="v.1")
    assert calls.end_abandoned_calls(now=timezone.now()) == 0  # it may still come back
    calls.rejoin(call_id=live.call_id, asker=chat["visitor"], channel="v.2")
    calls.left(call_id=live.call_id, side="visitor", channel="v.1")  # the old socket: ignored
    assert Call.objects.get(pk=live.call_id).visitor_left_at is None

    calls.left(call_id=live.call_id, side="visitor", channel="v.2")
    left_at = Call.objects.get(pk=live.call_id).visitor_left_at
    later = timezone.now() + timedelta(seconds=calls.REJOIN_SECONDS + 1)
    assert calls.end_abandoned_calls(now=later) == 1
    call = Call.objects.get(pk=live.call_id)
    assert (call.end_reason, call.ended_by, call.ended_at) == ("lost", "", left_at)
    assert described(chat["ticket"])[-1].startswith("Video call ended after")
    assert described(chat["ticket"])[-1].endswith("(connection lost)")


def ended_call(chat: dict[str, Any]) -> int:
    offered = agent_call(chat)
    calls.accept(call_id=offered.call_id, asker=chat["visitor"], channel="v")
    calls.hang_up(call_id=offered.call_id, asker=chat["visitor"])
    return offered.call_id


def test_the_agent_notes_a_call_once_as_an_internal_note(chat, desk):
    ticket, agent = chat["ticket"], chat["agent"]
    live = agent_call(chat)
    with pytest.raises(CallError):  # not before the end
        calls.add_note(call_id=live.call_id, agent=agent, ticket_id=ticket.pk, body="early")
    calls.hang_up(call_id=live.call_id, asker=Asker.agent_on(agent, ticket.pk))
    with pytest.raises(CallError):  # another agent may not write this call's notes
        calls.add_note(
            call_id=live.call_id,
            agent=desk.agent("zoe", teams=[chat["team"]]),
            ticket_id=ticket.pk,
            body="mine",
        )
    note = calls.add_note(
        call_id=live.call_id, agent=agent, ticket_id=ticket.pk, body="  Showed the tracking page.  "
    )
    assert (note.kind, note.body, note.author_agent) == (
        MessageKind.NOTE,
        "Showed the tracking page.",
        agent,
    )
    assert note.metadata == {CALL_NOTE_KEY: live.call_id} and note.is_call_note
    assert Call.objects.get().note == note
    with pytest.raises(CallError) as refused:
        calls.add_note(call_id=live.call_id, agent=agent, ticket_id=ticket.pk, body="again")
    assert refused.value.code == "call_noted"


@pytest.mark.parametrize("body", ["", "   ", None, ["x"], "x" * 100_001, "nul\x00"])
def test_malformed_notes_are_refused(chat, body):
    call_id = ended_call(chat)
    with pytest.raises((ValidationError, CallError)):
        calls.add_note(call_id=call_id, agent=chat["agent"], ticket_id=chat["ticket"].pk, body=body)
    assert not chat["ticket"].messages.filter(kind=MessageKind.NOTE).exists()


def test_a_hostile_calls_notes_weigh_in_the_agents_emotional_load(
    chat, django_capture_on_commit_callbacks
):
    ticket, agent = chat["ticket"], chat["agent"]
    call_id = ended_call(chat)
    assert automation_selectors.emotional_loads([agent.pk]) == {}
    with django_capture_on_commit_callbacks(execute=True):
        note = calls.add_note(
            call_id=call_id,
            agent=agent,
            ticket_id=ticket.pk,
            body=f"The customer on the call: “{ABUSIVE['en']}”",
        )
    note.refresh_from_db()
    assert note.analysis.status == "done" and note.analysis.abuse
    load = automation_selectors.emotional_loads([agent.pk])[agent.pk]
    assert (load.load, load.conversations, load.hostile) == (3, 1, 1)
    ticket.refresh_from_db()
    # The ticket's signals stay those of the customer's own messages.
    assert ticket.abuse is False


@pytest.mark.parametrize(
    ("language", "offered", "ended"),
    [
        ("es", "El agente ofreció una videollamada", "Videollamada terminada tras 0 s"),
        ("ru", "Оператор предложил видеозвонок", "Видеозвонок завершён через 0 с"),
    ],
)
def test_the_timeline_reads_in_the_agents_language(chat, language, offered, ended):
    ended_call(chat)
    with translation.override(language):
        lines = described(chat["ticket"])
    assert lines[0] == offered
    assert lines[-1].startswith(ended) and "Emma, Ada Lovelace" in lines[-1]


def test_what_sockets_learn_on_joining_takes_the_same_queries_after_many_calls(chat):
    """The widget's session frame and the pane's state frame do not grow with past calls."""

    def count(read: Any) -> int:
        with CaptureQueriesContext(connection) as queries:
            read()
        return len(queries.captured_queries)

    def reads() -> tuple[int, int]:
        return (
            count(lambda: calls.session_frame(chat["session"])),
            count(lambda: calls.ticket_frame(chat["ticket"].pk)),
        )

    ended_call(chat)
    few = reads()
    for _ in range(20):
        ended_call(chat)
    agent_call(chat)  # and one ringing now
    assert reads() == few
