"""The WebSocket consumers through the project's ASGI application (routing, auth, origins)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection, transaction
from django.test import Client

from tactful.desk.asgi import application
from tactful.livechat import consumers
from tactful.livechat.models import ChatSession
from tactful.tickets.models import Message, MessageKind, Ticket

pytestmark = [pytest.mark.chat, pytest.mark.django_db(transaction=True)]

VISITOR = "/chat/ws/visitor/"
SITE = (b"origin", b"https://shop.example.com")


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


async def visitor(origin: tuple[bytes, bytes] = SITE) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, VISITOR, headers=[origin])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def frame(communicator: WebsocketCommunicator, *, timeout: float = 5) -> dict[str, Any]:
    return json.loads(await communicator.receive_from(timeout=timeout))


async def started(team_slug: str, **details: Any) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    communicator = await visitor()
    await communicator.send_json_to({"type": "start", "team": team_slug, **details})
    session = await frame(communicator)
    assert session["type"] == "session", session
    return communicator, session


async def say(communicator: WebsocketCommunicator, body: str, client_id: str = "") -> dict:
    await communicator.send_json_to(
        {"type": "message", "id": client_id or str(uuid.uuid4()), "body": body}
    )
    ack = await frame(communicator)
    assert ack["type"] == "ack", ack
    return ack


def agent_headers(agent: Any, origin: bytes = b"http://testserver") -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(agent)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    return [(b"cookie", cookie), (b"origin", origin), (b"host", b"testserver")]


# --- the visitor ------------------------------------------------------------------------------


def test_a_visitor_starts_chats_and_a_resent_message_is_stored_once(chat_team):
    client_id = str(uuid.uuid4())

    async def scenario() -> None:
        communicator, session = await started(
            chat_team.slug, name="Ada", email="ada@example.com", lang="es-ES"
        )
        assert session["token"] and session["history"] == []
        assert session["name"] == "Ada" and session["email"] == "ada@example.com"
        ack = await say(communicator, "¿Dónde está mi pedido?", client_id)
        assert ack["id"] == client_id and ack["message"]["from"] == "visitor"
        # The visitor's own group echoes it (other tabs); the widget deduplicates by id.
        echo = await frame(communicator)
        assert echo["type"] == "message" and echo["message"]["id"] == ack["message"]["id"]
        # The ack was lost, the widget sends it again: the same message comes back.
        again = await say(communicator, "¿Dónde está mi pedido?", client_id)
        assert again["message"]["id"] == ack["message"]["id"]
        assert await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()

    run(scenario)
    message = Message.objects.get(channel="chat")
    assert message.body == "¿Dónde está mi pedido?"
    assert Ticket.objects.get().team_id == chat_team.pk
    session = ChatSession.objects.get()
    assert session.origin == "https://shop.example.com"
    assert session.visitor_connections == 0  # connected once, then left


def test_a_reload_resumes_the_conversation_with_its_history(chat_team, desk):
    agent = desk.agent(teams=[chat_team])
    state: dict[str, Any] = {}

    async def first_visit() -> None:
        communicator, session = await started(chat_team.slug)
        state["token"] = session["token"]
        await say(communicator, "Hello?")
        await communicator.disconnect()

    run(first_visit)
    # The agent answers while the visitor is away.
    from tactful.tickets import services as ticket_services

    ticket_services.record_reply(ticket=Ticket.objects.get(), agent=agent, body="Hi! Back soon?")

    async def second_visit() -> None:
        communicator = await visitor()
        await communicator.send_json_to(
            {"type": "resume", "team": chat_team.slug, "token": state["token"]}
        )
        session = await frame(communicator)
        assert session["type"] == "session" and "token" not in session
        assert [(m["from"], m["body"]) for m in session["history"]] == [
            ("visitor", "Hello?"),
            ("agent", "Hi! Back soon?"),
        ]
        await communicator.send_json_to({"type": "resume", "team": chat_team.slug, "token": "x"})
        assert (await frame(communicator))["code"] == "already_started"
        await communicator.disconnect()

        stranger = await visitor()
        await stranger.send_json_to({"type": "resume", "team": chat_team.slug, "token": "guess"})
        assert (await frame(stranger))["code"] == "session_unknown"
        await stranger.disconnect()

    run(second_visit)


def test_an_unknown_team_gets_an_error_and_a_close_code(chat_team):
    async def scenario() -> None:
        communicator = await visitor()
        await communicator.send_json_to({"type": "start", "team": "no-such-team"})
        error = await frame(communicator)
        assert error["type"] == "error" and error["code"] == "unknown_team"
        closed = await communicator.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": consumers.CloseCode.UNKNOWN_TEAM}

    run(scenario)
    assert not ChatSession.objects.exists()


HOSTILE_FRAMES: list[tuple[str, Any]] = [
    ("bad_json", "{not json"),
    ("bad_json", "\xff\xfe garbage"),
    ("bad_frame", "[1, 2, 3]"),
    ("bad_frame", '"just a string"'),
    ("bad_frame", '{"no": "type"}'),
    ("bad_frame", '{"type": 5}'),
    ("unknown_type", '{"type": "delete_everything"}'),
    ("unknown_type", '{"type": "__init__"}'),
    ("too_large", json.dumps({"type": "message", "body": "x" * 20_000})),
    ("text_only", b"\x00\x01binary"),
]


@pytest.mark.parametrize(("code", "raw"), HOSTILE_FRAMES)
def test_hostile_frames_get_clear_errors_and_the_socket_lives_on(chat_team, code, raw):
    async def scenario() -> None:
        communicator, _ = await started(chat_team.slug)
        if isinstance(raw, bytes):
            await communicator.send_to(bytes_data=raw)
        else:
            await communicator.send_to(text_data=raw)
        error = await frame(communicator)
        assert error["type"] == "error" and error["code"] == code and error["detail"]
        await say(communicator, "still here")  # the socket still works
        await communicator.disconnect()

    run(scenario)
    assert Message.objects.filter(channel="chat").count() == 1


@pytest.mark.parametrize(
    "message",
    [
        {"type": "message", "id": "not-a-uuid", "body": "hi"},
        {"type": "message", "body": "hi"},
        {"type": "message", "id": str(uuid.uuid4()), "body": ""},
        {"type": "message", "id": str(uuid.uuid4()), "body": "x" * 2001},
        {"type": "message", "id": str(uuid.uuid4()), "body": {"html": "<b>"}},
        {"type": "message", "id": str(uuid.uuid4()), "body": "nul\x00byte"},
        {"type": "message", "id": str(uuid.uuid4())},
    ],
)
def test_invalid_messages_are_refused_with_their_id(chat_team, message):
    async def scenario() -> None:
        communicator, _ = await started(chat_team.slug)
        await communicator.send_json_to(message)
        error = await frame(communicator)
        assert error["code"] == "invalid" and error["detail"]
        assert error.get("id") == (
            message.get("id") if isinstance(message.get("id"), str) else None
        )
        await communicator.disconnect()

    run(scenario)
    assert not Message.objects.exists()


def test_a_lone_surrogate_is_refused_not_stored(chat_team):
    async def scenario() -> None:
        communicator, _ = await started(chat_team.slug)
        client_id = str(uuid.uuid4())
        await communicator.send_to(
            # json.dumps would refuse to write a lone surrogate; a hostile client does not.
            text_data=json.dumps(
                {"type": "message", "id": client_id, "body": "bad @ text"}
            ).replace("@", "\\ud800")
        )
        error = await frame(communicator)
        assert error["code"] == "invalid" and error["id"] == client_id
        await communicator.disconnect()

    run(scenario)
    assert not Message.objects.exists()


def test_messages_before_a_session_and_bad_start_details(chat_team):
    async def scenario() -> None:
        communicator = await visitor()
        client_id = str(uuid.uuid4())
        await communicator.send_json_to({"type": "message", "id": client_id, "body": "hi"})
        error = await frame(communicator)
        assert error["code"] == "not_started" and error["id"] == client_id
        await communicator.send_json_to(
            {"type": "start", "team": chat_team.slug, "email": "nope@", "name": "<b>x</b>"}
        )
        error = await frame(communicator)
        assert error["code"] == "invalid" and error["field"] == "email"
        await communicator.send_json_to({"type": "start", "team": chat_team.slug, "name": 12})
        assert (await frame(communicator))["code"] == "invalid"
        await communicator.disconnect()

    run(scenario)
    assert not ChatSession.objects.exists() and not Message.objects.exists()


def test_a_flood_is_rate_limited_then_disconnected(chat_team, monkeypatch):
    # A bucket that never refills makes the limit exact regardless of the machine's speed.
    monkeypatch.setattr(consumers, "RATE_BURST", 3)
    monkeypatch.setattr(consumers, "RATE_PER_SECOND", 0.0)
    monkeypatch.setattr(consumers, "MAX_REFUSED_FRAMES", 5)

    async def scenario() -> None:
        communicator = await visitor()
        for _ in range(3):
            await communicator.send_json_to({"type": "ping"})
            assert (await frame(communicator))["type"] == "pong"
        for _ in range(5):
            await communicator.send_json_to({"type": "ping"})
            assert (await frame(communicator))["code"] == "rate_limited"
        await communicator.send_json_to({"type": "ping"})
        closed = await communicator.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": consumers.CloseCode.FLOOD}

    run(scenario)


def test_a_rate_limited_message_is_not_lost_when_resent(chat_team, monkeypatch):
    monkeypatch.setattr(consumers, "RATE_BURST", 2)
    monkeypatch.setattr(consumers, "RATE_PER_SECOND", 0.0)
    client_id = str(uuid.uuid4())

    async def scenario() -> None:
        communicator, _ = await started(chat_team.slug)  # frame 1 of 2
        await say(communicator, "first", client_id)  # frame 2 of 2
        await frame(communicator)  # the echo
        await communicator.send_json_to({"type": "message", "id": str(uuid.uuid4()), "body": "x"})
        assert (await frame(communicator))["code"] == "rate_limited"
        await communicator.disconnect()

    run(scenario)
    assert list(Message.objects.values_list("body", flat=True)) == ["first"]


# --- agents -----------------------------------------------------------------------------------


def _agent_socket(ticket_id: int, headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/chat/ws/agent/{ticket_id}/", headers=headers)


@pytest.fixture
def chat_ticket(chat_team) -> tuple[Ticket, str]:
    """A chat with one visitor message; returns the ticket and the visitor's token."""
    state: dict[str, Any] = {}

    async def scenario() -> None:
        communicator, session = await started(chat_team.slug, name="Ada")
        state["token"] = session["token"]
        await say(communicator, "Hello, anyone?")
        await communicator.disconnect()

    run(scenario)
    return Ticket.objects.get(), state["token"]


def test_agents_who_may_not_see_the_ticket_are_refused(chat_ticket, desk, settings):
    ticket, _ = chat_ticket
    outsider = desk.agent(teams=[desk.team("Elsewhere")])
    member = desk.agent(teams=[ticket.team])
    settings.ALLOWED_HOSTS = ["testserver"]

    cases = [
        [(b"origin", b"http://testserver")],  # not logged in
        agent_headers(outsider),  # logged in, other team
        agent_headers(member, origin=b"https://evil.example"),  # a foreign page
        [h for h in agent_headers(member) if h[0] != b"origin"],  # no origin at all
    ]
    member_headers = agent_headers(member)

    async def scenario() -> None:
        for headers in cases:
            communicator = _agent_socket(ticket.pk, headers)
            connected, _ = await communicator.connect()
            assert not connected
            await communicator.disconnect()
        missing = _agent_socket(999_999, member_headers)
        assert not (await missing.connect())[0]

    run(scenario)


def test_the_agent_pane_follows_the_visitor_and_replies_reach_them(chat_ticket, desk, settings):
    ticket, token = chat_ticket
    agent = desk.agent("emma", teams=[ticket.team])
    settings.ALLOWED_HOSTS = ["testserver"]
    headers = agent_headers(agent)

    async def scenario() -> None:
        pane = _agent_socket(ticket.pk, headers)
        assert (await pane.connect())[0]
        state = await frame(pane)
        assert state == {
            "type": "state",
            "session": state["session"],
            "online": False,
            "converted": False,
            "visitor": "Ada",
            "calls": {"enabled": True, "visitors_may_call": False, "recording": False},
            "invite": None,
            "history": state["history"],
        }
        assert [m["body"] for m in state["history"]] == ["Hello, anyone?"]

        customer = await visitor()
        await customer.send_json_to({"type": "resume", "team": ticket.team.slug, "token": token})
        assert (await frame(customer))["type"] == "session"
        assert await frame(pane) == {"type": "presence", "online": True}

        await customer.send_json_to({"type": "typing"})
        assert await frame(pane) == {"type": "typing"}

        ack = await say(customer, "My parcel #42 never came")
        await frame(customer)  # own echo
        pushed = await frame(pane)
        assert pushed["type"] == "message"
        assert pushed["message"]["body"] == "My parcel #42 never came"
        assert pushed["message"]["id"] == ack["message"]["id"]

        # The pane's quick reply goes through record_reply and the chat transport.
        await pane.send_json_to({"type": "reply", "body": "So sorry! Sending a new one today."})
        seen_by_pane = [await frame(pane), await frame(pane)]
        kinds = sorted(f["type"] for f in seen_by_pane)
        assert kinds == ["message", "sent"]
        reply = await frame(customer)
        assert reply["type"] == "message" and reply["message"]["from"] == "agent"
        assert reply["message"]["author"] == "Emma"
        assert reply["message"]["body"] == "So sorry! Sending a new one today."

        await pane.send_json_to({"type": "reply", "body": "Hi {{ customer.first_name }}"})
        error = await frame(pane)
        assert error["code"] == "invalid" and "customer.first_name" in error["detail"]
        await pane.send_json_to({"type": "reply", "body": ["not", "text"]})
        assert (await frame(pane))["code"] == "invalid"

        await customer.disconnect()
        assert await frame(pane) == {"type": "presence", "online": False}
        await pane.disconnect()

    run(scenario)
    reply = Message.objects.get(kind=MessageKind.OUTGOING)
    assert reply.author_agent_id == agent.pk and reply.delivery_state == "sent"
    assert Message.objects.filter(kind=MessageKind.OUTGOING).count() == 1


def test_a_reply_from_the_reply_form_reaches_the_visitor_live(chat_ticket, desk, settings):
    ticket, token = chat_ticket
    agent = desk.agent(teams=[ticket.team])
    client = Client()
    client.force_login(agent)

    async def scenario() -> None:
        customer = await visitor()
        await customer.send_json_to({"type": "resume", "team": ticket.team.slug, "token": token})
        await frame(customer)
        post = database_sync_to_async(client.post)
        response = await post(f"/tickets/{ticket.pk}/reply/", {"body": "Found it: it ships today."})
        assert response.status_code == 302
        pushed = await frame(customer)
        assert pushed["message"]["body"] == "Found it: it ships today."
        await customer.disconnect()

    run(scenario)


def test_the_agent_pane_opens_with_the_conversation_so_far(chat_ticket, desk, settings):
    from tactful.tickets import services as ticket_services

    ticket, _token = chat_ticket
    agent = desk.agent("emma", teams=[ticket.team])
    ticket_services.record_reply(ticket=ticket, agent=agent, body="Hi Ada, looking now.")
    ticket_services.add_internal_note(ticket=ticket, agent=agent, body="Customer since 2019")
    settings.ALLOWED_HOSTS = ["testserver"]
    headers = agent_headers(agent)

    async def scenario() -> None:
        pane = _agent_socket(ticket.pk, headers)
        assert (await pane.connect())[0]
        state = await frame(pane)
        history = state["history"]
        # Oldest first, both sides, never the internal note.
        assert [(m["from"], m["body"]) for m in history] == [
            ("visitor", "Hello, anyone?"),
            ("agent", "Hi Ada, looking now."),
        ]
        assert history[1]["author"] == "Emma"
        await pane.disconnect()

    run(scenario)


def test_the_visitor_sees_the_agent_typing_at_most_every_two_seconds(
    chat_ticket, desk, settings, monkeypatch
):
    ticket, token = chat_ticket
    agent = desk.agent("emma", teams=[ticket.team])
    settings.ALLOWED_HOSTS = ["testserver"]
    headers = agent_headers(agent)

    async def scenario() -> None:
        customer = await visitor()
        await customer.send_json_to({"type": "resume", "team": ticket.team.slug, "token": token})
        assert (await frame(customer))["type"] == "session"
        pane = _agent_socket(ticket.pk, headers)
        assert (await pane.connect())[0]
        await frame(pane)  # state
        for _ in range(5):
            await pane.send_json_to({"type": "typing"})
        assert await frame(customer) == {"type": "typing", "name": "Emma"}
        assert await customer.receive_nothing(timeout=0.3)  # the other four were held back
        # The agent's own notices never come back to the pane.
        assert await pane.receive_nothing(timeout=0.1)
        # Once the interval has passed, the next keystroke tells the visitor again.
        monkeypatch.setattr(consumers, "TYPING_EVERY", 0.0)
        await pane.send_json_to({"type": "typing"})
        assert await frame(customer) == {"type": "typing", "name": "Emma"}
        await pane.disconnect()
        await customer.disconnect()

    run(scenario)


def test_agent_typing_reaches_nobody_when_the_chat_went_to_email(chat_ticket, desk, settings):
    from django.utils import timezone

    ticket, _token = chat_ticket
    agent = desk.agent("emma", teams=[ticket.team])
    ChatSession.objects.update(converted_to_email_at=timezone.now())
    from tactful.livechat import services

    assert services.agent_typing_target(agent=agent, ticket_id=ticket.pk) is None
    outsider = desk.agent(teams=[desk.team("Elsewhere")])
    ChatSession.objects.update(converted_to_email_at=None)
    assert services.agent_typing_target(agent=outsider, ticket_id=ticket.pk) is None
    assert services.agent_typing_target(agent=agent, ticket_id=ticket.pk) is not None
    assert services.agent_typing_target(agent=agent, ticket_id=999_999) is None


def test_a_visitor_over_their_limit_gets_a_clear_error_and_nothing_is_stored(chat_team, settings):
    from django.core.cache import cache

    settings.TACTFUL_CHAT_RATE_PER_VISITOR = 1
    cache.clear()
    client_id = str(uuid.uuid4())

    async def scenario() -> None:
        communicator, _ = await started(chat_team.slug, email="troll@example.com")
        await say(communicator, "first")
        await frame(communicator)  # the echo
        await communicator.send_json_to({"type": "message", "id": client_id, "body": "second"})
        error = await frame(communicator)
        assert error["code"] == "rate_limited" and error["id"] == client_id
        assert error["retry_after"] == settings.TACTFUL_CHAT_RATE_WINDOW
        assert "wait a minute" in error["detail"]
        await communicator.disconnect()

    try:
        run(scenario)
    finally:
        cache.clear()
    assert list(Message.objects.values_list("body", flat=True)) == ["first"]


# --- a real server: the visitor leaves while the desk is answering ----------------------------


def _blocked_database_session() -> int:
    """The pid of the server's database session once it waits for a row this test has locked."""
    from django.db import connection

    with connection.cursor() as cursor:
        for _ in range(200):
            # pg_stat_activity is a snapshot per transaction: look afresh each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            row = cursor.fetchone()
            if row is not None:
                return int(row[0])
            time.sleep(0.05)
    raise AssertionError("the server never waited for the chat's row")


def _visitor_socket(desk_url: str) -> Any:
    from websockets.sync.client import connect

    return connect(desk_url.replace("http://", "ws://") + VISITOR, origin=SITE[1].decode())


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.postgres
def test_a_visitor_who_leaves_before_the_ack_is_no_error_and_their_message_is_kept(
    asgi_desk, chat_team, caplog
):
    caplog.set_level(logging.INFO)
    with _visitor_socket(asgi_desk) as socket:
        socket.send(json.dumps({"type": "start", "team": chat_team.slug}))
        assert json.loads(socket.recv(timeout=30))["type"] == "session"
        with transaction.atomic():
            # Holding the chat's row, the server can store the message only once the visitor
            # has gone: its acknowledgement then goes to a closed socket.
            ChatSession.objects.select_for_update().get()
            socket.send(json.dumps({"type": "message", "id": str(uuid.uuid4()), "body": "Bye!"}))
            _blocked_database_session()
            socket.close()
    # The server's disconnect handler, which runs after the failed ack, marks the visitor gone.
    for _ in range(300):
        if ChatSession.objects.filter(visitor_connections=0).exists():
            break
        time.sleep(0.05)

    assert _errors(caplog) == []
    assert list(Message.objects.values_list("body", flat=True)) == ["Bye!"]
    assert ChatSession.objects.get().visitor_connections == 0
    assert any("left before the 'ack' frame" in r.getMessage() for r in caplog.records)


@pytest.mark.postgres
def test_a_real_failure_while_answering_is_still_logged_as_an_error(asgi_desk, chat_team, caplog):
    client_id = str(uuid.uuid4())
    message = json.dumps({"type": "message", "id": client_id, "body": "Still there?"})
    with _visitor_socket(asgi_desk) as socket:
        socket.send(json.dumps({"type": "start", "team": chat_team.slug}))
        assert json.loads(socket.recv(timeout=30))["type"] == "session"
        with transaction.atomic():
            ChatSession.objects.select_for_update().get()
            socket.send(message)
            blocked = _blocked_database_session()
            # The database drops the server's session mid-query: a real outage, not a visitor.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [blocked])
            error = json.loads(socket.recv(timeout=30))
        assert error["type"] == "error" and error["code"] == "server_error"
        assert error["id"] == client_id
        # The widget sends the unacknowledged message again: nothing was lost.
        socket.send(message)
        ack = json.loads(socket.recv(timeout=30))
        assert ack["type"] == "ack" and ack["id"] == client_id

    assert any("chat frame 'message' failed" in text for text in _errors(caplog))
    assert list(Message.objects.values_list("body", flat=True)) == ["Still there?"]
