"""Chat services: sessions, visitor messages (idempotent), the chat transport, e-mail conversion."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from tactful.customers.models import CustomerIdentity
from tactful.livechat import services, transport
from tactful.livechat.models import ChatSession
from tactful.livechat.tasks import convert_unanswered_chats_task
from tactful.outbound import transports
from tactful.tickets import services as ticket_services
from tactful.tickets.models import EventKind, Message, MessageKind, Ticket, TicketEvent

pytestmark = [pytest.mark.chat, pytest.mark.django_db]


def _start(team: Any, **kwargs: Any) -> tuple[services.SessionInfo, str]:
    return services.start_session(team_slug=team.slug, **kwargs)


def _say(info: services.SessionInfo, body: str, client_id: str | None = None) -> Any:
    return services.receive_visitor_message(
        session_id=info.session_id, client_id=client_id or str(uuid.uuid4()), body=body
    )


# --- sessions ---------------------------------------------------------------------------------


def test_a_session_keeps_only_the_hash_of_the_visitor_token(chat_team):
    info, token = _start(chat_team, name=" Ada ", email="Ada@Example.com", language="es-MX")
    session = ChatSession.objects.get(pk=info.session_id)
    assert len(token) >= 40
    assert token not in session.token_hash
    assert session.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (session.visitor_name, session.visitor_email, session.language) == (
        "Ada",
        "ada@example.com",
        "es",
    )
    assert session.ticket_id is None  # the ticket waits for the first message


def test_resume_needs_the_right_token_for_the_right_team(chat_team, desk):
    info, token = _start(chat_team)
    other = desk.team("Sales")
    assert services.resume_session(team_slug=chat_team.slug, token=token).session_id == (
        info.session_id
    )
    assert services.resume_session(team_slug=other.slug, token=token) is None
    assert services.resume_session(team_slug=chat_team.slug, token=token + "x") is None
    for hostile in (None, "", 42, ["a"], "x" * 10_000, "\ud800"):
        assert services.resume_session(team_slug=chat_team.slug, token=hostile) is None
    ChatSession.objects.filter(pk=info.session_id).update(ended_at=timezone.now())
    assert services.resume_session(team_slug=chat_team.slug, token=token) is None


@pytest.mark.parametrize(
    "slug", ["nope", "", None, 7, "../admin", "a" * 61, "<script>", {"slug": "support"}]
)
def test_an_unknown_team_is_refused(chat_team, slug):
    with pytest.raises(services.UnknownTeam):
        services.start_session(team_slug=slug)
    assert not ChatSession.objects.exists()


@pytest.mark.parametrize(
    ("name", "email"),
    [
        ("x" * 201, ""),
        ("nul\x00", ""),
        ({"a": 1}, ""),
        ("", "not-an-address"),
        ("", "a@b.c\x00"),
        ("", ["a@b.co"]),
        ("\udcff", ""),
    ],
)
def test_bad_visitor_details_are_refused_clearly(chat_team, name, email):
    with pytest.raises(ValidationError) as error:
        _start(chat_team, name=name, email=email)
    assert error.value.messages and all(error.value.messages)
    assert not ChatSession.objects.exists()


# --- visitor messages -------------------------------------------------------------------------


def test_the_first_message_opens_a_chat_ticket_and_later_ones_join_it(chat_team):
    info, _ = _start(chat_team, name="Ada Lovelace", email="ada@example.com", language="en")
    first = _say(info, "Hello, my parcel is late.")
    ticket = Ticket.objects.get(pk=first.ticket_id)
    assert (ticket.channel, ticket.team_id, ticket.subject) == (
        "chat",
        chat_team.pk,
        "Hello, my parcel is late.",
    )
    assert ticket.customer.name == "Ada Lovelace"
    assert ticket.customer.email == "ada@example.com"
    assert CustomerIdentity.objects.filter(
        customer=ticket.customer, channel="chat", handle="ada@example.com"
    ).exists()
    message = Message.objects.get(pk=first.payload["id"])
    assert message.metadata["chat_session"] == info.session_id
    assert message.channel == "chat" and message.kind == MessageKind.INCOMING

    second = _say(info, "It was due on Monday.")
    assert second.created and second.ticket_id == ticket.pk
    assert ticket.messages.filter(kind=MessageKind.INCOMING).count() == 2
    assert ChatSession.objects.get(pk=info.session_id).ticket_id == ticket.pk


def test_an_anonymous_visitor_gets_a_customer_of_their_own(chat_team):
    info, _ = _start(chat_team)
    received = _say(info, "Just a question")
    ticket = Ticket.objects.get(pk=received.ticket_id)
    assert ticket.customer.email == ""
    assert CustomerIdentity.objects.get(customer=ticket.customer).handle == (
        f"chat:{info.session_id}"
    )


def test_a_resent_message_is_stored_once(chat_team):
    info, _ = _start(chat_team, email="bo@example.com")
    client_id = str(uuid.uuid4())
    first = _say(info, "Where is my refund?", client_id)
    again = _say(info, "Where is my refund?", client_id.upper())  # same UUID, other spelling
    assert first.created and not again.created
    assert again.payload["id"] == first.payload["id"]
    assert Message.objects.filter(channel="chat").count() == 1
    assert Ticket.objects.count() == 1
    # The next message with a new id is stored.
    _say(info, "Hello?")
    assert Message.objects.filter(channel="chat").count() == 2


def test_the_same_message_id_in_two_sessions_does_not_cross_over(chat_team):
    one, _ = _start(chat_team)
    two, _ = _start(chat_team)
    client_id = str(uuid.uuid4())
    a = _say(one, "mine", client_id)
    b = _say(two, "theirs", client_id)
    assert a.ticket_id != b.ticket_id and b.created


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   \n ",
        "x" * (services.MAX_CHAT_MESSAGE_CHARS + 1),
        None,
        42,
        ["hi"],
        "a\x00b",
        "\ud800",
    ],
)
def test_bad_message_bodies_are_refused_and_nothing_is_stored(chat_team, body):
    info, _ = _start(chat_team)
    with pytest.raises(ValidationError):
        services.receive_visitor_message(
            session_id=info.session_id, client_id=str(uuid.uuid4()), body=body
        )
    assert not Message.objects.exists()


@pytest.mark.parametrize("client_id", [None, "", "not-a-uuid", 5, "x" * 500, {"id": 1}])
def test_a_message_needs_a_uuid(chat_team, client_id):
    info, _ = _start(chat_team)
    with pytest.raises(ValidationError):
        services.receive_visitor_message(
            session_id=info.session_id, client_id=client_id, body="hello"
        )
    assert not Message.objects.exists()


def test_html_is_stored_as_text_exactly(chat_team):
    info, _ = _start(chat_team)
    body = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    received = _say(info, body)
    assert Message.objects.get(pk=received.payload["id"]).body == body
    assert received.payload["body"] == body  # the widget and the pane set it as textContent


def test_history_has_the_conversation_but_never_internal_notes(chat_team, desk):
    agent = desk.agent(teams=[chat_team])
    info, _ = _start(chat_team)
    received = _say(info, "Hi there")
    ticket = Ticket.objects.get(pk=received.ticket_id)
    ticket_services.add_internal_note(ticket=ticket, agent=agent, body="secret note")
    ticket_services.record_reply(ticket=ticket, agent=agent, body="Hello! How can I help?")
    history = services.history(info.session_id)
    assert [(m["from"], m["body"]) for m in history] == [
        ("visitor", "Hi there"),
        ("agent", "Hello! How can I help?"),
    ]
    assert history[1]["author"] == agent.first_name


def test_history_is_read_in_a_fixed_number_of_queries(chat_team, desk, django_assert_num_queries):
    agent = desk.agent(teams=[chat_team])
    info, _ = _start(chat_team)
    ticket = Ticket.objects.get(pk=_say(info, "one").ticket_id)
    for n in range(5):
        ticket_services.record_reply(ticket=ticket, agent=agent, body=f"reply {n}")
        _say(info, f"more {n}")
    with django_assert_num_queries(3):  # session → ticket id, merge check, messages + agents
        assert len(services.history(info.session_id)) == 11


# --- the chat transport -----------------------------------------------------------------------


def _listen(group: str) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def _next(channel: str) -> dict[str, Any]:
    return async_to_sync(get_channel_layer().receive)(channel)


def test_an_agent_reply_is_pushed_to_the_visitor_and_the_agents(chat_team, desk, deliver):
    agent = desk.agent(teams=[chat_team])
    info, _ = _start(chat_team)
    ticket = Ticket.objects.get(pk=_say(info, "Is anyone there?").ticket_id)
    visitor = _listen(services.visitor_group(info.session_id))
    pane = _listen(services.agent_group(ticket.pk))

    reply = deliver(ticket=ticket, agent=agent, body="Yes! I'm here.")

    reply.refresh_from_db()
    assert reply.delivery_state == "sent"
    assert reply.metadata["provider_id"] == f"chat:{info.session_id}:{reply.pk}"
    for channel in (visitor, pane):
        event = _next(channel)
        assert event["type"] == "chat.message"
        assert event["message"]["body"] == "Yes! I'm here."
        assert event["message"]["from"] == "agent" and event["message"]["id"] == reply.pk


@pytest.mark.django_db(transaction=True)
def test_a_reply_recorded_in_a_thread_running_an_event_loop_still_reaches_the_visitor(
    chat_team, desk, allow_orm_next_to_playwright
):
    agent = desk.agent(teams=[chat_team])
    info, _ = _start(chat_team)
    ticket = Ticket.objects.get(pk=_say(info, "Is anyone there?").ticket_id)
    visitor = _listen(services.visitor_group(info.session_id))
    pane = _listen(services.agent_group(ticket.pk))

    async def reply_under_a_running_loop() -> Message:
        # Synchronous code called from a coroutine: how a test seeds next to Playwright's sync
        # API, whose event loop runs in the test's thread. The reply is delivered right after
        # its commit (tasks run in-process), inside this loop. The ORM has a connection of its
        # own in the loop's context: closed here, or it would outlive the test.
        try:
            return ticket_services.record_reply(ticket=ticket, agent=agent, body="Still here!")
        finally:
            connections.close_all()

    reply = asyncio.run(reply_under_a_running_loop())

    reply.refresh_from_db()
    assert reply.delivery_state == "sent", reply.delivery_error
    for channel in (visitor, pane):
        event = _next(channel)
        assert event["type"] == "chat.message" and event["message"]["body"] == "Still here!"


def test_a_chat_reply_without_a_session_fails_permanently(desk, deliver):
    agent = desk.agent()
    ticket = desk.ticket(channel="chat")  # logged by hand, no widget session behind it
    reply = deliver(ticket=ticket, agent=agent, body="Hello")
    reply.refresh_from_db()
    assert reply.delivery_state == "failed"
    assert "no chat" in reply.delivery_error
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.DELIVERY_FAILED).exists()


# --- unanswered chats become e-mail -----------------------------------------------------------


@pytest.fixture
def email_outbox():
    """The ``email`` transport, recorded: the mail app's own tests cover SMTP itself."""
    sent: list[Message] = []
    previous = transports._registry.get("email")

    def send(message: Message) -> str:
        sent.append(message)
        return f"<{message.pk}@tactful.test>"

    transports.register("email", send)
    yield sent
    if previous is None:
        transports.unregister("email")
    else:
        transports._registry["email"] = previous


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """record_reply, then what runs after the commit (the delivery, tasks in-process)."""

    def reply(**kwargs: Any) -> Message:
        with django_capture_on_commit_callbacks(execute=True):
            return ticket_services.record_reply(**kwargs)

    return reply


def _leave(info: services.SessionInfo, minutes: float) -> None:
    ChatSession.objects.filter(pk=info.session_id).update(
        last_seen_at=timezone.now() - timedelta(minutes=minutes), visitor_connections=0
    )


def test_a_left_unanswered_chat_with_an_email_continues_by_email(
    chat_team, desk, email_outbox, deliver
):
    agent = desk.agent(teams=[chat_team])
    info, _ = _start(chat_team, name="Ada", email="ada@example.com")
    ticket = Ticket.objects.get(pk=_say(info, "Can you call me back?").ticket_id)
    _leave(info, minutes=6)

    assert convert_unanswered_chats_task.delay().get() == 1

    session = ChatSession.objects.get(pk=info.session_id)
    assert session.converted
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CHANNEL_CHANGED)
    assert (event.data["from"], event.data["to"]) == ("chat", "email")
    assert services.convert_unanswered_chats() == 0  # done once

    reply = deliver(ticket=ticket, agent=agent, body="Of course, at 5 pm.")
    reply.refresh_from_db()
    assert [m.pk for m in email_outbox] == [reply.pk]
    assert reply.delivery_state == "sent" and reply.channel == "email"
    assert reply.metadata["provider_id"] == f"<{reply.pk}@tactful.test>"


def test_a_converted_chat_waits_when_email_delivery_is_missing(
    chat_team, desk, email_outbox, deliver
):
    agent = desk.agent(teams=[chat_team])
    info, _ = _start(chat_team, email="ada@example.com")
    ticket = Ticket.objects.get(pk=_say(info, "Hello?").ticket_id)
    _leave(info, minutes=30)
    services.convert_unanswered_chats()
    transports.unregister("email")
    reply = deliver(ticket=ticket, agent=agent, body="Sorry for the wait")
    reply.refresh_from_db()
    # Retried later (when e-mail is configured), never lost or sent into the void.
    assert reply.delivery_state == "retrying" and reply.channel == "chat"
    assert "e-mail" in reply.delivery_error


@pytest.mark.parametrize(
    "case", ["anonymous", "answered", "still_here", "solved", "no_message", "recently_left"]
)
def test_chats_that_must_stay_chats(chat_team, desk, email_outbox, case):
    agent = desk.agent(teams=[chat_team])
    info, _ = _start(chat_team, email="" if case == "anonymous" else "ada@example.com")
    if case != "no_message":
        ticket = Ticket.objects.get(pk=_say(info, "Hello?").ticket_id)
        if case == "answered":
            ticket_services.record_reply(ticket=ticket, agent=agent, body="Hi! Here.")
        if case == "solved":
            ticket_services.change_status(ticket=ticket, status="solved", by=agent)
    if case == "still_here":
        services.visitor_connected(info.session_id)
    else:
        _leave(info, minutes=2 if case == "recently_left" else 60)
    assert services.convert_unanswered_chats() == 0
    assert not ChatSession.objects.get(pk=info.session_id).converted
    assert not TicketEvent.objects.filter(kind=EventKind.CHANNEL_CHANGED).exists()


def test_a_new_visitor_message_after_an_answer_makes_the_chat_unanswered_again(
    chat_team, desk, email_outbox
):
    agent = desk.agent(teams=[chat_team])
    info, _ = _start(chat_team, email="ada@example.com")
    ticket = Ticket.objects.get(pk=_say(info, "Hello?").ticket_id)
    ticket_services.record_reply(ticket=ticket, agent=agent, body="Hi! How can I help?")
    Message.objects.filter(ticket=ticket).update(created_at=timezone.now() - timedelta(minutes=9))
    _say(info, "My order 1234 is missing.")
    _leave(info, minutes=6)
    assert services.convert_unanswered_chats() == 1


def test_a_visitor_who_comes_back_and_writes_is_answered_in_the_chat_again(
    chat_team, desk, email_outbox, deliver
):
    agent = desk.agent(teams=[chat_team])
    info, _ = _start(chat_team, email="ada@example.com")
    ticket = Ticket.objects.get(pk=_say(info, "Hello?").ticket_id)
    _leave(info, minutes=6)
    services.convert_unanswered_chats()
    _say(info, "I'm back!")
    assert not ChatSession.objects.get(pk=info.session_id).converted
    kinds = list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CHANNEL_CHANGED)
        .order_by("id")
        .values_list("data__to", flat=True)
    )
    assert kinds == ["email", "chat"]
    reply = deliver(ticket=ticket, agent=agent, body="Welcome back")
    reply.refresh_from_db()
    assert reply.channel == "chat" and reply.delivery_state == "sent" and not email_outbox


def test_the_conversion_sweep_uses_a_fixed_number_of_queries(
    chat_team, desk, email_outbox, django_assert_max_num_queries
):
    infos = []
    for n in range(4):
        info, _ = _start(chat_team, email=f"v{n}@example.com")
        _say(info, f"question {n}")
        _leave(info, minutes=10)
        infos.append(info)
    # One select, then per converted chat: lock, update, event (3 writes + savepoint pairs),
    # and the SLA clocks replaying the ticket (the channel changed: a clock may move) —
    # 4 × 5 before them, 4 × 15 with them.
    with django_assert_max_num_queries(1 + 4 * 15):
        assert services.convert_unanswered_chats() == 4


def test_the_transport_is_registered_for_chat():
    registered = transports._registry.get("chat")
    assert registered is not None and registered.send is transport.send_chat


def test_a_converted_chat_is_answered_through_the_real_mail_transport(
    chat_team, desk, deliver, mailoutbox
):
    pytest.importorskip("tactful.mail.transport")
    agent = desk.agent(teams=[chat_team])
    info, _ = _start(chat_team, name="Ada", email="ada@example.com")
    ticket = Ticket.objects.get(pk=_say(info, "Please call me back about order 77").ticket_id)
    _leave(info, minutes=6)
    assert services.convert_unanswered_chats() == 1
    reply = deliver(ticket=ticket, agent=agent, body="We tried to reach you: it ships today.")
    reply.refresh_from_db()
    assert reply.delivery_state == "sent" and reply.channel == "email"
    [mail] = mailoutbox
    assert mail.to == ["ada@example.com"]
    assert "it ships today" in mail.body
    assert f"#{ticket.pk}" in mail.subject


# --- limits per visitor and per IP ------------------------------------------------------------


@pytest.fixture
def chat_limits(settings: Any) -> Any:
    from django.core.cache import cache

    settings.TACTFUL_CHAT_RATE_PER_VISITOR = 3
    settings.TACTFUL_CHAT_RATE_PER_IP = 5
    cache.clear()
    yield settings
    cache.clear()


def _say_from(info: services.SessionInfo, address: str, client_id: str | None = None) -> Any:
    return services.receive_visitor_message(
        session_id=info.session_id,
        client_id=client_id or str(uuid.uuid4()),
        body="Hello?",
        address=address,
    )


def test_one_visitor_writing_from_many_ips_and_chats_is_limited(chat_team, chat_limits):
    sessions = [_start(chat_team, email="troll@example.com")[0] for _ in range(3)]
    for n, info in enumerate(sessions):
        _say_from(info, f"203.0.113.{n + 1}")
    with pytest.raises(services.ChatRateLimited) as refused:
        _say_from(sessions[0], "198.51.100.9")
    assert refused.value.retry_after == chat_limits.TACTFUL_CHAT_RATE_WINDOW
    assert Message.objects.count() == 3  # the refused one was not stored
    # Another visitor is not affected.
    _say_from(_start(chat_team, email="lucia@example.com")[0], "198.51.100.9")


def test_many_visitors_from_one_ip_are_limited(chat_team, chat_limits):
    results = []
    for _ in range(7):
        info = _start(chat_team)[0]  # no address: each chat is its own visitor
        try:
            _say_from(info, "2001:db8:5:6::1")
            results.append("stored")
        except services.ChatRateLimited:
            results.append("refused")
    assert results == ["stored"] * 5 + ["refused"] * 2
    # The same /64: the same client.
    with pytest.raises(services.ChatRateLimited):
        _say_from(_start(chat_team)[0], "2001:db8:5:6::ffff")


def test_a_resend_of_a_stored_message_is_not_counted(chat_team, chat_limits):
    info = _start(chat_team, email="troll@example.com")[0]
    client_id = str(uuid.uuid4())
    for _ in range(10):
        assert _say_from(info, "203.0.113.1", client_id).payload["body"] == "Hello?"
    assert Message.objects.count() == 1
    _say_from(info, "203.0.113.1")
