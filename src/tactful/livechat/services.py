"""Live chat actions: start and resume sessions, store visitor messages, convert left chats.

Everything here is synchronous Django code; the WebSocket consumers call it through
``database_sync_to_async``. Visitor messages go through the door, ``tickets.inbound``, with channel
``chat`` and an external id made from the session and the widget's message id, so a resent
frame is stored once. Pushing to sockets goes through the channel layer (see ``groups``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.accounts import security
from tactful.accounts.models import Agent, Team
from tactful.customers.models import Channel, normalize_language
from tactful.livechat.models import ChatSession, ChatSettings, SpanishAddress
from tactful.tickets import events, inbound, permissions, timeline
from tactful.tickets import services as ticket_services
from tactful.tickets.models import ACTIVE_STATUSES, Message, MessageKind, Ticket
from tactful.tickets.services import check_text

#: Longest chat message a visitor may send, in characters (the widget enforces it too).
MAX_CHAT_MESSAGE_CHARS = 2000
#: Messages sent to a visitor when their conversation is (re)loaded.
HISTORY_LIMIT = 100
MAX_NAME_CHARS = 200
MAX_EMAIL_CHARS = 254
MAX_TOKEN_CHARS = 100
#: A visitor socket that has been silent this long is no longer counted as "online".
ONLINE_WINDOW = timedelta(minutes=2)
_SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")


class UnknownTeam(ValidationError):
    """The widget names a team that does not exist (or has no public name)."""


# --- channel layer groups ---------------------------------------------------------------------


def visitor_group(session_id: int) -> str:
    """Every socket of one visitor (several tabs) listens here."""
    return f"chat.visitor.{session_id}"


def agent_group(ticket_id: int) -> str:
    """Every agent with the ticket page open listens here."""
    return f"chat.ticket.{ticket_id}"


# --- validation -------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """The stored form of a visitor token (tokens are 256 random bits: no salt needed)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _check_text(value: Any, *, field: str, max_chars: int, required: bool) -> str:
    """The tickets' text check on the visitor's input, after trimming it (``None`` is empty)."""
    if value is None:
        value = ""
    if isinstance(value, str):
        value = value.strip()
    return check_text(value, field=field, max_chars=max_chars, required=required)


def check_message_body(value: Any) -> str:
    """A visitor's chat message: text, not empty, at most MAX_CHAT_MESSAGE_CHARS."""
    return _check_text(value, field=_("Message"), max_chars=MAX_CHAT_MESSAGE_CHARS, required=True)


def check_client_id(value: Any) -> str:
    """The widget's id for a message: a UUID, returned in canonical form."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValidationError(_("A chat message needs an id (a UUID)."))
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise ValidationError(_("A chat message needs an id (a UUID).")) from exc


def _check_email(value: Any) -> str:
    email = _check_text(value, field=_("E-mail"), max_chars=MAX_EMAIL_CHARS, required=False)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError(_("That e-mail address does not look right.")) from exc
    return email.lower()


def find_team(slug: Any) -> Team:
    """The team behind the widget's ``data-team``; ``UnknownTeam`` otherwise."""
    if not isinstance(slug, str) or not _SLUG_RE.match(slug):
        raise UnknownTeam(_("This chat is not available."))
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise UnknownTeam(_("This chat is not available."))
    return team


# --- sessions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionInfo:
    """What a visitor socket keeps about its session (plain values, safe across threads)."""

    session_id: int
    team_slug: str
    ticket_id: int | None
    visitor_name: str
    visitor_email: str
    language: str
    converted: bool

    def as_frame(self) -> dict[str, Any]:
        return {
            "session": self.session_id,
            "name": self.visitor_name,
            "email": self.visitor_email,
            "converted": self.converted,
        }


def _info(session: ChatSession, team_slug: str) -> SessionInfo:
    return SessionInfo(
        session_id=session.pk,
        team_slug=team_slug,
        ticket_id=session.ticket_id,
        visitor_name=session.visitor_name,
        visitor_email=session.visitor_email,
        language=session.language,
        converted=session.converted,
    )


def start_session(
    *, team_slug: Any, name: Any = "", email: Any = "", language: Any = "", origin: str = ""
) -> tuple[SessionInfo, str]:
    """Open a chat for a visitor; returns the session and the visitor's token (shown once).

    Name and e-mail are optional: a visitor who gives neither stays anonymous.
    """
    team = find_team(team_slug)
    name = _check_text(name, field=_("Name"), max_chars=MAX_NAME_CHARS, required=False)
    email = _check_email(email)
    lang = normalize_language(language if isinstance(language, str) else "")
    token = secrets.token_urlsafe(32)
    session = ChatSession.objects.create(
        team=team,
        token_hash=hash_token(token),
        visitor_name=name,
        visitor_email=email,
        language=lang,
        origin=origin[:200],
        last_seen_at=timezone.now(),
    )
    return _info(session, team.slug or ""), token


def resume_session(*, team_slug: Any, token: Any) -> SessionInfo | None:
    """The visitor's session for ``token`` on this team, or ``None`` (unknown, ended)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        return None
    session = (
        ChatSession.objects.select_related("team")
        .filter(token_hash=hash_token(token), ended_at__isnull=True)
        .first()
    )
    # The hash is looked up, never the token: timing reveals nothing about a stored token.
    if session is None or not isinstance(team_slug, str) or session.team.slug != team_slug:
        return None
    return _info(session, team_slug)


def visitor_connected(session_id: int) -> None:
    ChatSession.objects.filter(pk=session_id).update(
        visitor_connections=F("visitor_connections") + 1, last_seen_at=timezone.now()
    )


def visitor_disconnected(session_id: int) -> None:
    ChatSession.objects.filter(pk=session_id, visitor_connections__gt=0).update(
        visitor_connections=F("visitor_connections") - 1
    )
    ChatSession.objects.filter(pk=session_id).update(last_seen_at=timezone.now())


def touch(session_id: int) -> None:
    """The visitor is still there (any frame, at most every half minute)."""
    ChatSession.objects.filter(pk=session_id).update(last_seen_at=timezone.now())


def is_online(session: ChatSession, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return session.visitor_connections > 0 and session.last_seen_at >= now - ONLINE_WINDOW


# --- messages ---------------------------------------------------------------------------------


def message_payload(message: Message) -> dict[str, Any]:
    """A message as the widget and the agent pane receive it (plain text, rendered as text)."""
    if message.kind == MessageKind.INCOMING:
        sender, author = "visitor", ""
    else:
        sender = "agent"
        agent = message.author_agent
        author = (agent.first_name or agent.username) if agent is not None else ""
    payload = {
        "id": message.pk,
        "from": sender,
        "author": author,
        "body": message.body,
        "at": message.created_at.isoformat(),
        "client_id": (message.metadata or {}).get("client_id", ""),
        "channel": message.channel,
    }
    survey = (message.metadata or {}).get("survey") if message.author_agent_id is None else None
    if isinstance(survey, dict):
        # The satisfaction survey: the widget draws its rating buttons under the message.
        payload["survey"] = survey
    return payload


def conversation_ticket_id(ticket_id: int) -> int:
    """A merged chat continues in the ticket it was merged into."""
    seen = {ticket_id}
    while True:
        target = (
            Ticket.objects.filter(pk=ticket_id).values_list("merged_into_id", flat=True).first()
        )
        if target is None or target in seen:
            return ticket_id
        seen.add(target)
        ticket_id = target


def history(session_id: int) -> list[dict[str, Any]]:
    """The latest messages of the visitor's conversation (customer and replies; never notes)."""
    ticket_id = (
        ChatSession.objects.filter(pk=session_id).values_list("ticket_id", flat=True).first()
    )
    if ticket_id is None:
        return []
    return ticket_history(conversation_ticket_id(ticket_id))


def ticket_history(ticket_id: int) -> list[dict[str, Any]]:
    """The ticket's latest customer messages and replies, oldest first (what both sides of
    the chat show when they connect: the agent pane as well as the widget)."""
    messages = list(
        Message.objects.filter(
            ticket_id=ticket_id, kind__in=[MessageKind.INCOMING, MessageKind.OUTGOING]
        )
        .select_related("author_agent")
        .order_by("-created_at", "-id")[:HISTORY_LIMIT]
    )
    return [message_payload(message) for message in reversed(messages)]


@dataclass(frozen=True)
class ReceivedMessage:
    payload: dict[str, Any]
    ticket_id: int
    created: bool


class ChatRateLimited(Exception):
    """Over the per-visitor or per-IP message limit: nothing was stored (the widget keeps the
    unacknowledged text and can send it again after ``retry_after`` seconds)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def check_chat_rate(*, visitor: str, address: str) -> None:
    """Count one message for ``visitor`` (their address or chat) and for the client IP.

    Raises:
        ChatRateLimited: either is over its limit in the window. The per-connection bucket in
            the consumer cannot see a visitor writing from many tabs or connections, nor many
            visitors from one address; these counts are shared by every process.
    """
    window = settings.TACTFUL_CHAT_RATE_WINDOW
    by_visitor = security.count_in_window("chat-visitor", visitor, window=window)
    by_address = (
        security.count_in_window("chat-ip", security.network_key(address), window=window)
        if address
        else 0
    )
    if (
        by_visitor > settings.TACTFUL_CHAT_RATE_PER_VISITOR
        or by_address > settings.TACTFUL_CHAT_RATE_PER_IP
    ):
        raise ChatRateLimited(window)


def receive_visitor_message(
    *, session_id: int, client_id: Any, body: Any, address: str = ""
) -> ReceivedMessage:
    """Store a visitor's chat message; the first one opens the ticket.

    The same ``client_id`` sent again (a resend after a lost ack) returns the stored message,
    uncounted. ``address``: the visitor's IP, counted with the visitor (``check_chat_rate``).

    Raises:
        ValidationError: bad text or id, or the chat has ended.
        ChatRateLimited: too many messages from this visitor or address; nothing stored.
    """
    body = check_message_body(body)
    client_id = check_client_id(client_id)
    external_id = f"chat:{session_id}:{client_id}"
    existing = (
        Message.objects.filter(channel=Channel.CHAT, external_id=external_id)
        .select_related("author_agent")
        .first()
    )
    if existing is not None:
        return ReceivedMessage(message_payload(existing), existing.ticket_id, created=False)
    with events.atomic():
        # The row lock orders two tabs sending their first message at once: one ticket.
        session = (
            ChatSession.objects.select_for_update(of=("self",), no_key=True)
            .select_related("team")
            .get(pk=session_id)
        )
        if session.ended_at is not None:
            raise ValidationError(_("This chat has ended."))
        check_chat_rate(visitor=session.visitor_email or f"chat:{session.pk}", address=address)
        received = inbound.receive(
            channel=Channel.CHAT,
            sender=inbound.Sender(
                handle=session.visitor_email or f"chat:{session.pk}",
                name=session.visitor_name,
                email=session.visitor_email,
                language=session.language if session.language != "und" else None,
            ),
            body=body,
            external_id=external_id,
            thread=lambda _customer: session.ticket_id,
            team=session.team,
            metadata={"chat_session": session_id, "client_id": client_id},
        )
        message = received.message
        session.ticket = received.ticket
        fields = ["ticket", "last_seen_at"]
        session.last_seen_at = timezone.now()
        if session.converted_to_email_at is not None:
            # The visitor is back in the chat: replies follow them there again.
            session.converted_to_email_at = None
            fields.append("converted_to_email_at")
            timeline.record(
                events.ChannelChanged(
                    ticket=received.ticket,
                    previous=Channel.EMAIL,
                    channel=Channel.CHAT,
                    details={"chat_session": session.pk},
                )
            )
        session.save(update_fields=fields)
    return ReceivedMessage(message_payload(message), message.ticket_id, created=received.stored)


# --- agents -----------------------------------------------------------------------------------


def session_for_ticket(ticket_id: int) -> ChatSession | None:
    """The chat session whose visitor wrote last in this ticket (follows merges)."""
    metadata = (
        Message.objects.filter(ticket_id=ticket_id, kind=MessageKind.INCOMING, channel=Channel.CHAT)
        .order_by("-created_at", "-id")
        .values_list("metadata", flat=True)
        .first()
    )
    session_id = (metadata or {}).get("chat_session") if isinstance(metadata, dict) else None
    if session_id is None:
        return ChatSession.objects.filter(ticket_id=ticket_id).first()
    return ChatSession.objects.filter(pk=session_id).first()


def agent_ticket_state(*, agent: Agent, ticket_id: int) -> dict[str, Any] | None:
    """What the agent pane shows on connect, or ``None`` when the agent may not see the ticket."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or not permissions.can_view(agent, ticket):
        return None
    session = session_for_ticket(ticket_id)
    # The conversation so far, from every channel of this ticket: the pane is where the agent
    # reads the chat, so it starts with what was said before the page was opened.
    recent = ticket_history(ticket_id)
    if session is None:
        return {
            "session": None,
            "online": False,
            "converted": False,
            "visitor": "",
            "history": recent,
        }
    return {
        "session": session.pk,
        "online": is_online(session),
        "converted": session.converted,
        "visitor": session.visitor_name or session.visitor_email,
        "history": recent,
    }


def agent_typing_target(*, agent: Agent, ticket_id: int) -> int | None:
    """The visitor session to tell that ``agent`` is typing on ``ticket_id`` (None: nobody)."""
    ticket = Ticket.objects.filter(pk=ticket_id).only("pk", "team_id").first()
    if ticket is None or not permissions.can_view(agent, ticket):
        return None
    session = session_for_ticket(ticket_id)
    if session is None or session.converted or session.ended_at is not None:
        return None
    return int(session.pk)


def agent_reply(*, agent: Agent, ticket_id: int, body: Any) -> Message:
    """The chat pane's quick reply: the same service as the reply form (review, delivery)."""
    if not isinstance(body, str):
        raise ValidationError(_("Reply must be text."))
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        raise ValidationError(_("No such ticket."))
    return ticket_services.record_reply(ticket=ticket, agent=agent, body=body)


# --- unanswered chats become e-mail -----------------------------------------------------------


def _latest(kind: str) -> Subquery:
    return Subquery(
        Message.objects.filter(ticket_id=OuterRef("ticket_id"), kind=kind)
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )


def unanswered_left_chats(*, now: datetime | None = None) -> Any:
    """Sessions whose visitor left with a question nobody answered and an e-mail to reach."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.TACTFUL_CHAT_UNANSWERED_MINUTES)
    return (
        ChatSession.objects.filter(
            converted_to_email_at__isnull=True,
            ticket__isnull=False,
            ended_at__isnull=True,
            last_seen_at__lt=cutoff,
            ticket__status__in=ACTIVE_STATUSES,
            ticket__merged_into__isnull=True,
        )
        .exclude(visitor_email="")
        .annotate(last_in=_latest(MessageKind.INCOMING), last_out=_latest(MessageKind.OUTGOING))
        .filter(last_in__isnull=False)
        .filter(Q(last_out__isnull=True) | Q(last_out__lt=F("last_in")))
        .order_by("last_seen_at")
    )


def convert_to_email(*, session_id: int) -> bool:
    """Continue a left chat by e-mail: replies from now on reach the visitor's inbox."""
    with events.atomic():
        session = (
            ChatSession.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk=session_id, converted_to_email_at__isnull=True, ticket__isnull=False)
            .exclude(visitor_email="")
            .select_related("ticket")
            .first()
        )
        if session is None or session.ticket is None:
            return False
        session.converted_to_email_at = timezone.now()
        session.save(update_fields=["converted_to_email_at"])
        timeline.record(
            events.ChannelChanged(
                ticket=session.ticket,
                previous=Channel.CHAT,
                channel=Channel.EMAIL,
                details={"chat_session": session.pk, "reason": "visitor left an unanswered chat"},
            )
        )
    return True


def convert_unanswered_chats(*, now: datetime | None = None, limit: int = 500) -> int:
    """Convert every left, unanswered chat with a visitor e-mail; returns how many."""
    ids = list(unanswered_left_chats(now=now).values_list("pk", flat=True)[:limit])
    return sum(convert_to_email(session_id=session_id) for session_id in ids)


# --- how the widget speaks --------------------------------------------------------------------


def spanish_address(team_slug: Any) -> str:
    """The register of the team's widget in Spanish (``usted`` unless the team chose ``tu``)."""
    if not isinstance(team_slug, str) or not _SLUG_RE.match(team_slug):
        return SpanishAddress.USTED
    chosen = (
        ChatSettings.objects.filter(team__slug=team_slug)
        .values_list("spanish_address", flat=True)
        .first()
    )
    return chosen or SpanishAddress.USTED


def set_spanish_address(*, team: Team, address: str) -> ChatSettings:
    if address not in SpanishAddress.values:
        raise ValidationError(_("Choose usted or tú."))
    settings_row, _created = ChatSettings.objects.update_or_create(
        team=team, defaults={"spanish_address": address}
    )
    return settings_row
