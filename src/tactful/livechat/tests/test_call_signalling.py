"""Call signalling over the chat sockets, through the project's ASGI app: the relay, who may
use it, and clear error codes for everything else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db.backends.utils import CursorWrapper

from tactful.desk.asgi import application
from tactful.livechat import consumers
from tactful.livechat.models import Call, CallSettings
from tactful.livechat.tests.test_consumers import agent_headers, frame, say, started, visitor
from tactful.tickets.models import Message, MessageKind, Ticket

pytestmark = [pytest.mark.chat, pytest.mark.django_db(transaction=True)]

SDP_OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
SDP_ANSWER = SDP_OFFER.replace("o=- 1 2", "o=- 3 4")
CANDIDATE = {
    "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host generation 0",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
    "usernameFragment": "abcd",
}


def pane_socket(ticket_id: int, headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/chat/ws/agent/{ticket_id}/", headers=headers)


@pytest.fixture
def room(chat_team, desk, settings) -> dict[str, Any]:
    """A chat ticket (visitor token kept) and an agent of its team who may open its page."""
    settings.ALLOWED_HOSTS = ["testserver"]
    state: dict[str, Any] = {}

    async def first_visit() -> None:
        communicator, session = await started(chat_team.slug, name="Ada")
        state["token"] = session["token"]
        await say(communicator, "Can we talk on video?")
        await communicator.disconnect()

    async_to_sync(first_visit)()
    agent = desk.agent("emma", teams=[chat_team])
    return {
        "ticket": Ticket.objects.get(),
        "token": state["token"],
        "team": chat_team,
        "agent": agent,
        "headers": agent_headers(agent),
    }


async def back(room: dict[str, Any]) -> WebsocketCommunicator:
    """The visitor comes back (a resumed socket), past the session frame."""
    communicator = await visitor()
    await communicator.send_json_to(
        {"type": "resume", "team": room["team"].slug, "token": room["token"]}
    )
    session = await frame(communicator)
    assert session["type"] == "session", session
    return communicator


async def pane(room: dict[str, Any]) -> WebsocketCommunicator:
    communicator = pane_socket(room["ticket"].pk, room["headers"])
    assert (await communicator.connect())[0]
    state = await frame(communicator)
    assert state["type"] == "state"
    return communicator


async def next_of(communicator: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    """The next frame of this type (presence and typing notices in between are skipped)."""
    for _ in range(10):
        got = await frame(communicator)
        if got["type"] == kind:
            return got
        assert got["type"] in {"presence", "typing"}, got
    raise AssertionError(f"no {kind} frame")


async def in_a_call(room: dict[str, Any]) -> tuple[Any, Any, int]:
    """The agent calls, the visitor accepts: both sockets are in the call."""
    customer = await back(room)
    agent = await pane(room)
    await agent.send_json_to({"type": "call.offer"})
    ringing = await next_of(agent, "call.ringing")
    call_id = ringing["call"]
    assert ringing["ice_servers"] == []  # no STUN/TURN configured: loopback needs none
    invite = await next_of(customer, "call.invite")
    assert invite == {
        "type": "call.invite",
        "call": call_id,
        "from": "agent",
        "name": "Emma",
        "video": True,
        "recording": False,
    }
    await customer.send_json_to({"type": "call.accept", "call": call_id})
    assert (await next_of(customer, "call.accepted"))["call"] == call_id
    assert (await next_of(agent, "call.accepted"))["call"] == call_id
    return customer, agent, call_id


def test_signalling_flows_between_the_two_sockets_of_a_call(room):
    async def scenario() -> None:
        customer, agent, call_id = await in_a_call(room)
        offer = {
            "kind": "description",
            "description": {"type": "offer", "sdp": SDP_OFFER, "evil": "<script>"},
            "extra": "dropped",
        }
        await agent.send_json_to({"type": "call.signal", "call": call_id, "signal": offer})
        assert await frame(customer) == {
            "type": "call.signal",
            "call": call_id,
            "signal": {
                "kind": "description",
                "description": {"type": "offer", "sdp": SDP_OFFER},
                "restart": False,
            },
        }
        answer = {"kind": "description", "description": {"type": "answer", "sdp": SDP_ANSWER}}
        await customer.send_json_to({"type": "call.signal", "call": call_id, "signal": answer})
        assert (await frame(agent))["signal"]["description"]["sdp"] == SDP_ANSWER
        for candidate in (CANDIDATE, None):
            signal = {"kind": "candidate", "candidate": candidate}
            await customer.send_json_to({"type": "call.signal", "call": call_id, "signal": signal})
            assert (await frame(agent))["signal"] == signal
        await customer.send_json_to(
            {"type": "call.media", "call": call_id, "screen": True, "muted": 1, "x": "y"}
        )
        assert await frame(agent) == {
            "type": "call.media",
            "call": call_id,
            "muted": False,
            "camera": False,
            "screen": True,
        }
        await agent.send_json_to({"type": "call.connected", "call": call_id})
        await customer.send_json_to({"type": "call.connected", "call": call_id})
        await customer.send_json_to({"type": "call.hangup", "call": call_id})
        assert await frame(customer) == {"type": "call.ended", "call": call_id, "by": "visitor"}
        assert await frame(agent) == {"type": "call.ended", "call": call_id, "by": "visitor"}

        for bad in (["not", "text"], "", "nul\x00byte"):
            await agent.send_json_to({"type": "call.note", "call": call_id, "body": bad})
            error = await frame(agent)
            assert (error["code"], error["call"]) == ("invalid", call_id) and error["detail"]
        await customer.send_json_to({"type": "call.note", "call": call_id, "body": "mine!"})
        assert (await frame(customer))["code"] == "unknown_type"  # visitors write no notes
        await agent.send_json_to({"type": "call.note", "call": call_id, "body": "Went well."})
        noted = await frame(agent)
        assert noted["type"] == "call.noted" and noted["call"] == call_id
        await customer.disconnect()
        await agent.disconnect()

    async_to_sync(scenario)()
    call = Call.objects.get()
    # Four signals (offer, answer, a candidate, the end of candidates); media notices do not count.
    assert (call.state, call.screen_shared, call.signalling_messages) == ("ended", True, 4)
    assert call.started_at is not None
    note = Message.objects.get(kind=MessageKind.NOTE)
    assert note.body == "Went well." and call.note == note
    kinds = list(
        Ticket.objects.get().events.filter(kind__startswith="call_").values_list("kind", flat=True)
    )
    assert kinds == ["call_offered", "call_accepted", "call_started", "call_ended"]


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement any connection runs from now on (the consumers' database calls run
    in other contexts, with their own connection objects)."""
    seen: list[str] = []
    execute = CursorWrapper._execute_with_wrappers

    def counting(self: Any, sql: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(sql)
        return execute(self, sql, *args, **kwargs)

    monkeypatch.setattr(CursorWrapper, "_execute_with_wrappers", counting)
    return seen


def test_relaying_a_signal_touches_no_database(room, queries):
    """Candidates come in bursts: the relay runs from memory (the control frame shows the
    count does see the consumers' queries)."""

    async def scenario() -> None:
        customer, agent, call_id = await in_a_call(room)
        before = len(queries)
        for _ in range(20):
            signal = {"kind": "candidate", "candidate": CANDIDATE}
            await agent.send_json_to({"type": "call.signal", "call": call_id, "signal": signal})
            await frame(customer)
        relayed = queries[before:]
        await agent.send_json_to({"type": "call.connected", "call": call_id})
        await agent.send_json_to({"type": "ping"})
        assert (await frame(agent))["type"] == "pong"
        assert relayed == []
        assert len(queries) > before  # the control: marking the call connected is written
        await customer.disconnect()
        await agent.disconnect()

    async_to_sync(scenario)()


def test_another_conversation_or_tab_cannot_reach_a_call(room, chat_team):
    async def scenario() -> None:
        other_tab = await back(room)  # the same visitor, another tab
        customer, agent, call_id = await in_a_call(room)
        assert (await next_of(other_tab, "call.invite"))["call"] == call_id
        assert await next_of(other_tab, "call.closed") == {"type": "call.closed", "call": call_id}

        stranger, _ = await started(chat_team.slug, name="Mallory")
        anonymous = await visitor()  # no chat started on this socket
        signal = {"kind": "candidate", "candidate": CANDIDATE}
        for sock in (stranger, other_tab):
            for attempt in (
                {"type": "call.signal", "call": call_id, "signal": signal},
                {"type": "call.media", "call": call_id, "screen": True},
                {"type": "call.connected", "call": call_id},
            ):
                await sock.send_json_to(attempt)
                assert (await frame(sock))["code"] == "call_unknown"
        for attempt in ("call.accept", "call.hangup", "call.decline", "call.rejoin"):
            await stranger.send_json_to({"type": attempt, "call": call_id})
            error = await frame(stranger)
            assert (error["code"], error["call"]) == ("call_unknown", call_id)
            await anonymous.send_json_to({"type": attempt, "call": call_id})
            assert (await frame(anonymous))["code"] == "not_started"
        await anonymous.send_json_to({"type": "call.signal", "call": call_id, "signal": signal})
        assert (await frame(anonymous))["code"] == "call_unknown"
        # Nothing of it reached the call.
        assert await customer.receive_nothing(timeout=0.2)
        assert await agent.receive_nothing(timeout=0.2)
        for sock in (customer, agent, stranger, anonymous, other_tab):
            await sock.disconnect()

    async_to_sync(scenario)()
    assert Call.objects.get().state == "accepted"


def test_an_agent_socket_without_a_login_never_opens(room):
    async def scenario() -> None:
        anonymous = pane_socket(room["ticket"].pk, [(b"origin", b"http://testserver")])
        connected, code = await anonymous.connect()
        assert not connected and code == consumers.CloseCode.FORBIDDEN

    async_to_sync(scenario)()


BAD_SIGNALS: list[tuple[str, Any]] = [
    ("not an object", "offer"),
    ("unknown kind", {"kind": "hijack"}),
    ("no description", {"kind": "description"}),
    ("visitor offers", {"kind": "description", "description": {"type": "offer", "sdp": SDP_OFFER}}),
    ("not SDP", {"kind": "description", "description": {"type": "answer", "sdp": "hello"}}),
    ("SDP not text", {"kind": "description", "description": {"type": "answer", "sdp": 5}}),
    (
        "huge SDP",
        {"kind": "description", "description": {"type": "answer", "sdp": "v=0" + "a" * 60_000}},
    ),
    ("candidate list", {"kind": "candidate", "candidate": [1]}),
    ("candidate too long", {"kind": "candidate", "candidate": {"candidate": "c" * 1001}}),
    ("index not int", {"kind": "candidate", "candidate": {"sdpMLineIndex": "0"}}),
    ("index bool", {"kind": "candidate", "candidate": {"sdpMLineIndex": True}}),
    ("index huge", {"kind": "candidate", "candidate": {"sdpMLineIndex": 10**9}}),
    ("mid not text", {"kind": "candidate", "candidate": {"sdpMid": {"$gt": 1}}}),
]


@pytest.mark.parametrize(("why", "signal"), BAD_SIGNALS, ids=[case[0] for case in BAD_SIGNALS])
def test_malformed_signals_get_bad_signal_and_the_call_lives_on(room, why, signal):
    async def scenario() -> None:
        customer, agent, call_id = await in_a_call(room)
        await customer.send_json_to({"type": "call.signal", "call": call_id, "signal": signal})
        error = await frame(customer)
        assert (error["code"], error["call"]) == ("bad_signal", call_id) and error["detail"]
        assert await agent.receive_nothing(timeout=0.1)
        answer = {"kind": "description", "description": {"type": "answer", "sdp": SDP_ANSWER}}
        await customer.send_json_to({"type": "call.signal", "call": call_id, "signal": answer})
        assert (await frame(agent))["type"] == "call.signal"  # still relaying
        await customer.disconnect()
        await agent.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize(
    ("code", "raw"),
    [
        ("bad_call", {"type": "call.hangup", "call": "1"}),
        ("bad_call", {"type": "call.accept"}),
        ("bad_call", {"type": "call.decline", "call": True}),
        ("call_unknown", {"type": "call.accept", "call": 999_999}),
        ("call_unknown", {"type": "call.signal", "call": 1, "signal": {}}),
        ("calls_off", {"type": "call.offer"}),  # visitors may not call by default
        ("unknown_type", {"type": "call.record"}),
        ("too_large", {"type": "call.signal", "call": 1, "signal": "x" * 70_000}),
    ],
)
def test_malformed_call_frames_get_clear_codes(room, code, raw):
    async def scenario() -> None:
        customer = await back(room)
        await customer.send_to(text_data=json.dumps(raw))
        error = await frame(customer)
        assert error["type"] == "error" and error["code"] == code and error["detail"]
        await customer.send_json_to({"type": "ping"})
        assert (await frame(customer))["type"] == "pong"  # the socket lives on
        await customer.disconnect()

    async_to_sync(scenario)()
    assert not Call.objects.exists()


def test_call_frames_have_room_for_real_sdp_but_chat_frames_do_not(room):
    sdp = SDP_ANSWER + "a=x-padding:" + "p" * 20_000 + "\r\n"

    async def scenario() -> None:
        customer, agent, call_id = await in_a_call(room)
        answer = {"kind": "description", "description": {"type": "answer", "sdp": sdp}}
        await customer.send_json_to({"type": "call.signal", "call": call_id, "signal": answer})
        assert (await frame(agent))["signal"]["description"]["sdp"] == sdp
        await customer.send_json_to({"type": "typing", "padding": "p" * 20_000})
        assert (await frame(customer))["code"] == "too_large"
        await customer.disconnect()
        await agent.disconnect()

    async_to_sync(scenario)()


def test_a_visitors_call_rings_every_agent_and_the_first_to_answer_takes_it(room, desk):
    CallSettings.objects.create(team=room["team"], visitors_may_call=True, recording=True)
    colleague_headers = agent_headers(desk.agent("zoe", teams=[room["team"]]))

    async def scenario() -> None:
        customer = await back(room)
        emma = await pane(room)
        zoe = pane_socket(room["ticket"].pk, colleague_headers)
        assert (await zoe.connect())[0]
        await next_of(zoe, "state")
        await customer.send_json_to({"type": "call.offer", "recording": True})
        call_id = (await next_of(customer, "call.ringing"))["call"]
        for sock in (emma, zoe):
            invite = await next_of(sock, "call.invite")
            assert (invite["from"], invite["name"], invite["recording"]) == ("visitor", "Ada", True)
        await zoe.send_json_to({"type": "call.accept", "call": call_id})
        assert (await next_of(zoe, "call.accepted"))["call"] == call_id
        assert (await next_of(customer, "call.accepted"))["call"] == call_id
        assert await next_of(emma, "call.closed") == {"type": "call.closed", "call": call_id}
        await emma.send_json_to({"type": "call.accept", "call": call_id})
        assert (await next_of(emma, "error"))["code"] == "call_unknown"  # Zoe's call now
        # Zoe's browser offers; the visitor's answers.
        offer = {"kind": "description", "description": {"type": "offer", "sdp": SDP_OFFER}}
        await zoe.send_json_to({"type": "call.signal", "call": call_id, "signal": offer})
        assert (await next_of(customer, "call.signal"))["signal"]["description"]["type"] == "offer"
        for sock in (customer, emma, zoe):
            await sock.disconnect()

    async_to_sync(scenario)()
    call = Call.objects.get()
    assert call.agent.username == "zoe" and call.recording_consent == "agreed"


def test_a_dropped_socket_rejoins_the_call(room):
    async def scenario() -> None:
        customer, agent, call_id = await in_a_call(room)
        await customer.disconnect()  # a network blip
        assert await next_of(agent, "call.peer") == {
            "type": "call.peer",
            "call": call_id,
            "online": False,
        }
        again = await back(room)
        await again.send_json_to({"type": "call.rejoin", "call": call_id})
        rejoined = await next_of(again, "call.rejoined")
        assert (rejoined["state"], rejoined["ice_servers"]) == ("accepted", [])
        assert await next_of(agent, "call.peer") == {
            "type": "call.peer",
            "call": call_id,
            "online": True,
        }
        restart = {
            "kind": "description",
            "description": {"type": "offer", "sdp": SDP_OFFER},
            "restart": True,
        }
        await agent.send_json_to({"type": "call.signal", "call": call_id, "signal": restart})
        assert (await next_of(again, "call.signal"))["signal"]["restart"] is True
        await again.send_json_to(
            {"type": "call.signal", "call": call_id, "signal": {"kind": "restart"}}
        )
        assert (await next_of(agent, "call.signal"))["signal"] == {"kind": "restart"}
        await agent.send_json_to({"type": "call.hangup", "call": call_id, "reason": "lost"})
        assert (await next_of(again, "call.ended"))["by"] == "agent"
        await again.disconnect()
        await agent.disconnect()

    async_to_sync(scenario)()
    call = Call.objects.get()
    assert (call.end_reason, call.ice_restarts, call.visitor_left_at) == ("lost", 1, None)


def test_a_signalling_flood_is_limited(room, monkeypatch):
    monkeypatch.setattr(consumers, "FRAME_BURST", 6)
    monkeypatch.setattr(consumers, "FRAME_PER_SECOND", 0.0)

    async def scenario() -> None:
        customer, agent, call_id = await in_a_call(room)  # resume + accept: 2 of 6
        signal = {"kind": "candidate", "candidate": CANDIDATE}
        for _ in range(4):
            await customer.send_json_to({"type": "call.signal", "call": call_id, "signal": signal})
            assert (await frame(agent))["type"] == "call.signal"
        await customer.send_json_to({"type": "call.signal", "call": call_id, "signal": signal})
        assert (await frame(customer))["code"] == "rate_limited"
        await customer.disconnect()
        await agent.disconnect()

    async_to_sync(scenario)()
