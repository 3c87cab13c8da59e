"""WebSocket consumers: the visitor's widget socket and the agent's ticket pane socket.

Both speak small JSON text frames ``{"type": …}``. The visitor socket accepts any origin (the
widget runs on the customer's own site) and trusts nothing it receives: every frame is size-
and rate-limited, parsed defensively and answered with an ``error`` frame carrying a stable
``code`` the widget translates. Only a hopeless client is disconnected (see ``CloseCode``).
The agent socket requires a logged-in agent who may see the ticket, and its origin is checked
(see ``routing``).

Visitor → server: ``start`` (team, name, email, lang), ``resume`` (team, token),
``message`` (id: a UUID made by the widget, body), ``typing``, ``ping``.
Server → visitor: ``session`` (token on start, history), ``ack`` (id, message), ``message``,
``error`` (code, detail, id), ``pong``.
Server → visitor also: ``typing`` (name: the agent's first name) while an agent types.
Agent → server: ``reply`` (body), ``typing``, ``ping``. Server → agent: ``state`` (with the
conversation's ``history``), ``message``, ``typing``, ``presence``, ``sent``, ``error``, ``pong``.
Both sockets also carry video calls: the ``call.*`` frames of ``signalling``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from enum import IntEnum
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from tactful.accounts import security
from tactful.livechat import calls, services
from tactful.livechat.models import CallSide
from tactful.livechat.signalling import MAX_SIGNAL_FRAME_CHARS, CallFrames
from tactful.tickets.transient import is_transient

logger = logging.getLogger(__name__)

#: Largest text frame read, in characters (a full message plus JSON overhead fits easily).
MAX_FRAME_CHARS = 16_000
#: Token bucket per connection: a burst of this many frames …
RATE_BURST = 20
#: … refilled at this many frames per second.
RATE_PER_SECOND = 2.0
#: Every frame, chat or call, also takes from a wider bucket: a call's ICE candidates come in
#: bursts that chat's limit would refuse.
FRAME_BURST = 120
FRAME_PER_SECOND = 30.0
#: A connection that keeps flooding after this many refused frames is closed.
MAX_REFUSED_FRAMES = 100
#: Times a frame is handled when the database rolls it back as a deadlock's victim.
TRANSIENT_ATTEMPTS = 3
#: The visitor's last-seen time is written at most this often (seconds).
TOUCH_EVERY = 30.0
#: Typing notices are passed on at most this often (seconds).
TYPING_EVERY = 2.0


class CloseCode(IntEnum):
    """Application close codes (4000–4999) the widget understands."""

    UNKNOWN_TEAM = 4404  # the widget's data-team names no team: do not reconnect
    FLOOD = 4429  # far over the rate limit: reconnect later
    FORBIDDEN = 4403  # agent socket: not logged in or may not see the ticket


def _error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


class TokenBucket:
    """Per-connection rate limit: ``burst`` frames at once, ``rate`` per second after that."""

    def __init__(self, *, burst: int, rate: float) -> None:
        self.burst = burst
        self.rate = rate
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class _JsonFrames(AsyncWebsocketConsumer):
    """Shared frame handling: size check, rate limit, JSON parsing, dispatch, error frames."""

    handlers: dict[str, str] = {}

    async def connect(self) -> None:
        self.bucket = TokenBucket(burst=RATE_BURST, rate=RATE_PER_SECOND)
        self.frames = TokenBucket(burst=FRAME_BURST, rate=FRAME_PER_SECOND)
        self.refused = 0
        await self.accept()

    async def send_frame(self, frame: dict[str, Any]) -> None:
        try:
            await self.send(text_data=json.dumps(frame, ensure_ascii=False))
        except OSError:
            # ASGI servers raise an OSError subclass (uvicorn's ClientDisconnected) when a frame
            # is sent on a socket the client has closed: a visitor closing the tab while we
            # answer is normal, not an error. The frame is lost (a message stays stored; the
            # widget resends what was not acknowledged) and the server's disconnect event, next
            # in line, still runs ``disconnect``.
            logger.info(
                "%s left before the %r frame reached it", type(self).__name__, frame.get("type")
            )

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        try:
            await super().close(code=code, reason=reason)
        except OSError:  # already closed by the client (see send_frame)
            logger.info("%s left before it was disconnected (%s)", type(self).__name__, code)

    async def send_error(self, code: str, detail: str = "", **extra: Any) -> None:
        await self.send_frame({"type": "error", "code": code, "detail": detail, **extra})

    async def refuse(self, code: str, detail: str = "") -> None:
        self.refused += 1
        if self.refused > MAX_REFUSED_FRAMES:
            await self.close(code=CloseCode.FLOOD)
            return
        await self.send_error(code, detail)

    def language(self) -> str:
        return "en"

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.frames.take():
            await self.refuse("rate_limited", _("Too many messages at once; slow down."))
            return
        if text_data is None:
            await self.refuse("text_only", _("Only JSON text frames are accepted."))
            return
        if len(text_data) > MAX_SIGNAL_FRAME_CHARS:
            await self.refuse(
                "too_large",
                _("Frames are limited to %(n)d characters.") % {"n": MAX_SIGNAL_FRAME_CHARS},
            )
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.refuse("bad_json", _("Frames must be JSON objects."))
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.refuse("bad_frame", _('Frames must be JSON objects with a "type".'))
            return
        if not frame["type"].startswith("call."):
            # Chat frames keep chat's own, tighter limits (a call's SDP needs more room).
            if len(text_data) > MAX_FRAME_CHARS:
                await self.refuse(
                    "too_large",
                    _("Frames are limited to %(n)d characters.") % {"n": MAX_FRAME_CHARS},
                )
                return
            if not self.bucket.take():
                await self.refuse("rate_limited", _("Too many messages at once; slow down."))
                return
        handler_name = self.handlers.get(frame["type"])
        if handler_name is None:
            await self.refuse("unknown_type", _("Unknown frame type."))
            return
        for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
            try:
                with translation.override(self.language()):
                    await getattr(self, handler_name)(frame)
                return
            except Exception as error:
                # A deadlock victim was rolled back whole: the same frame, handled again, passes
                # (a message is stored once by its id, so running it twice stores nothing new).
                if is_transient(error) and attempt < TRANSIENT_ATTEMPTS:
                    continue
                # A bug or a database outage must not kill the socket or lose the visitor's
                # text: the widget keeps an unacknowledged message and sends it again, and the
                # id says which one failed.
                logger.exception("chat frame %r failed", frame.get("type"))
                client_id = frame.get("id") if isinstance(frame.get("id"), str) else None
                await self.send_error(
                    "server_error", _("Something went wrong; try again shortly."), id=client_id
                )
                return


class VisitorConsumer(CallFrames, _JsonFrames):
    """The widget's socket (``/chat/ws/visitor/``): any origin, no cookies, a token instead."""

    side = CallSide.VISITOR
    handlers = {
        "start": "on_start",
        "resume": "on_resume",
        "message": "on_message",
        "typing": "on_typing",
        "ping": "on_ping",
        "call.offer": "on_call_offer",
        "call.accept": "on_call_accept",
        "call.decline": "on_call_decline",
        "call.signal": "on_call_signal",
        "call.media": "on_call_media",
        "call.connected": "on_call_connected",
        "call.hangup": "on_call_hangup",
        "call.rejoin": "on_call_rejoin",
    }

    async def connect(self) -> None:
        self.info: services.SessionInfo | None = None
        self.call = None
        self.last_touch = 0.0
        self.last_typing = 0.0
        self.origin = ""
        forwarded = ""
        for name, value in self.scope.get("headers", []):
            if name == b"origin":
                self.origin = value.decode("latin-1")[:200]
            elif name == b"x-forwarded-for":
                forwarded = value.decode("latin-1")[:1000]
        client = self.scope.get("client") or ("", 0)
        #: The visitor's IP, as the HTTP views read it (counted by the chat's per-IP limit).
        self.address = security.address_behind_proxies(str(client[0] or ""), forwarded)
        await super().connect()

    def language(self) -> str:
        return self.info.language if self.info and self.info.language != "und" else "en"

    def asker(self) -> calls.Asker | None:
        return calls.Asker.visitor(self.info.session_id) if self.info is not None else None

    def own_group(self, info: calls.CallInfo) -> str:
        return services.visitor_group(info.session_id)

    def peer_group(self, info: calls.CallInfo) -> str:
        return services.agent_group(info.ticket_id)

    def offer_call(self, *, asker: calls.Asker, video: bool, request: dict[str, Any]) -> Any:
        assert asker.session_id is not None
        return calls.offer_by_visitor(
            session_id=asker.session_id,
            channel=self.channel_name,
            video=video,
            recording_consent=request.get("recording"),
        )

    async def disconnect(self, code: int) -> None:
        if self.info is None:
            return
        await self.leave_call()
        await self.channel_layer.group_discard(
            services.visitor_group(self.info.session_id), self.channel_name
        )
        await database_sync_to_async(services.visitor_disconnected)(self.info.session_id)
        await self._tell_agents({"type": "chat.presence", "online": False})

    async def _tell_agents(self, event: dict[str, Any]) -> None:
        if self.info is not None and self.info.ticket_id is not None:
            await self.channel_layer.group_send(services.agent_group(self.info.ticket_id), event)

    async def _joined(self, info: services.SessionInfo, token: str | None) -> None:
        self.info = info
        await self.channel_layer.group_add(
            services.visitor_group(info.session_id), self.channel_name
        )
        await database_sync_to_async(services.visitor_connected)(info.session_id)
        self.last_touch = time.monotonic()
        messages = await database_sync_to_async(services.history)(info.session_id)
        frame: dict[str, Any] = {
            "type": "session",
            **info.as_frame(),
            "history": messages,
            **await database_sync_to_async(calls.session_frame)(info.session_id),
        }
        if token is not None:
            frame["token"] = token
        await self.send_frame(frame)
        await self._tell_agents({"type": "chat.presence", "online": True})

    async def on_start(self, frame: dict[str, Any]) -> None:
        if self.info is not None:
            await self.send_error("already_started", _("This connection already has a chat."))
            return
        try:
            info, token = await database_sync_to_async(services.start_session)(
                team_slug=frame.get("team"),
                name=frame.get("name"),
                email=frame.get("email"),
                language=frame.get("lang"),
                origin=self.origin,
            )
        except services.UnknownTeam as error:
            await self.send_error("unknown_team", _error_text(error))
            await self.close(code=CloseCode.UNKNOWN_TEAM)
            return
        except ValidationError as error:
            field = "email" if "mail" in _error_text(error).lower() else "name"
            await self.send_error("invalid", _error_text(error), field=field)
            return
        await self._joined(info, token)

    async def on_resume(self, frame: dict[str, Any]) -> None:
        if self.info is not None:
            await self.send_error("already_started", _("This connection already has a chat."))
            return
        info = await database_sync_to_async(services.resume_session)(
            team_slug=frame.get("team"), token=frame.get("token")
        )
        if info is None:
            # Unknown, ended or for another team: the widget forgets the token and starts anew.
            await self.send_error("session_unknown", _("This chat is not known (any more)."))
            return
        await self._joined(info, None)

    async def on_message(self, frame: dict[str, Any]) -> None:
        client_id = frame.get("id") if isinstance(frame.get("id"), str) else None
        if self.info is None:
            await self.send_error("not_started", _("Start or resume a chat first."), id=client_id)
            return
        try:
            received = await database_sync_to_async(services.receive_visitor_message)(
                session_id=self.info.session_id,
                client_id=frame.get("id"),
                body=frame.get("body"),
                address=self.address,
            )
        except services.ChatRateLimited as limited:
            await self.send_error(
                "rate_limited",
                _("Too many messages; please wait a minute and send it again."),
                id=client_id,
                retry_after=limited.retry_after,
            )
            return
        except ValidationError as error:
            await self.send_error("invalid", _error_text(error), id=client_id)
            return
        self.last_touch = time.monotonic()
        if self.info.ticket_id != received.ticket_id:
            self.info = dataclasses.replace(
                self.info, ticket_id=received.ticket_id, converted=False
            )
            await self._tell_agents({"type": "chat.presence", "online": True})
        await self.send_frame(
            {"type": "ack", "id": received.payload["client_id"], "message": received.payload}
        )
        if received.created:
            event = {
                "type": "chat.message",
                "message": received.payload,
                "ticket": received.ticket_id,
            }
            # The visitor's other tabs, then the agents with the ticket open.
            await self.channel_layer.group_send(services.visitor_group(self.info.session_id), event)
            await self._tell_agents(event)

    async def on_typing(self, frame: dict[str, Any]) -> None:
        now = time.monotonic()
        if self.info is None or now - self.last_typing < TYPING_EVERY:
            return
        self.last_typing = now
        await self._tell_agents({"type": "chat.typing"})
        await self._touch(now)

    async def on_ping(self, frame: dict[str, Any]) -> None:
        await self.send_frame({"type": "pong"})
        await self._touch(time.monotonic())

    async def _touch(self, now: float) -> None:
        if self.info is not None and now - self.last_touch >= TOUCH_EVERY:
            self.last_touch = now
            await database_sync_to_async(services.touch)(self.info.session_id)

    # Channel-layer events.

    async def chat_message(self, event: dict[str, Any]) -> None:
        ticket_id = event.get("ticket")
        if (
            self.info is not None
            and isinstance(ticket_id, int)
            and self.info.ticket_id != ticket_id
        ):
            # Another tab of this visitor opened the ticket: typing and presence go there now.
            self.info = dataclasses.replace(self.info, ticket_id=ticket_id)
        await self.send_frame({"type": "message", "message": event["message"]})

    async def chat_presence(self, event: dict[str, Any]) -> None:
        """Agents' presence events are not for visitors (they share no group; kept for safety)."""

    async def chat_typing(self, event: dict[str, Any]) -> None:
        """An agent is typing in this visitor's conversation (already throttled per agent)."""
        if event.get("from") != "agent":
            return
        await self.send_frame({"type": "typing", "name": str(event.get("name") or "")[:60]})


class AgentConsumer(CallFrames, _JsonFrames):
    """The ticket page's chat pane (``/chat/ws/agent/<ticket_id>/``): session-authenticated."""

    side = CallSide.AGENT
    handlers = {
        "reply": "on_reply",
        "typing": "on_typing",
        "ping": "on_ping",
        "call.offer": "on_call_offer",
        "call.accept": "on_call_accept",
        "call.decline": "on_call_decline",
        "call.signal": "on_call_signal",
        "call.media": "on_call_media",
        "call.connected": "on_call_connected",
        "call.hangup": "on_call_hangup",
        "call.rejoin": "on_call_rejoin",
        "call.note": "on_call_note",
    }

    async def connect(self) -> None:
        self.call = None
        self.last_typing = 0.0
        self.ticket_id = int(self.scope["url_route"]["kwargs"]["ticket_id"])
        self.user = self.scope.get("user")
        state = None
        if self.user is not None and self.user.is_authenticated:
            state = await database_sync_to_async(services.agent_ticket_state)(
                agent=self.user, ticket_id=self.ticket_id
            )
        if state is None:
            # Refused during the handshake: the browser sees the socket fail, nothing leaks.
            await self.close(code=CloseCode.FORBIDDEN)
            return
        self.group = services.agent_group(self.ticket_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await super().connect()
        call_state = await database_sync_to_async(calls.ticket_frame)(self.ticket_id)
        await self.send_frame({"type": "state", **state, **call_state})

    async def disconnect(self, code: int) -> None:
        group = getattr(self, "group", None)
        if group is not None:
            await self.leave_call()
            await self.channel_layer.group_discard(group, self.channel_name)

    def asker(self) -> calls.Asker | None:
        return calls.Asker.agent_on(self.user, self.ticket_id)

    def own_group(self, info: calls.CallInfo) -> str:
        return services.agent_group(info.ticket_id)

    def peer_group(self, info: calls.CallInfo) -> str:
        return services.visitor_group(info.session_id)

    def offer_call(self, *, asker: calls.Asker, video: bool, request: dict[str, Any]) -> Any:
        return calls.offer_by_agent(
            agent=self.user, ticket_id=self.ticket_id, channel=self.channel_name, video=video
        )

    async def on_call_note(self, frame: dict[str, Any]) -> None:
        note = await self._call_step(
            frame,
            lambda asker, **kwargs: calls.add_note(agent=self.user, **kwargs),
            call_id=frame.get("call"),
            ticket_id=self.ticket_id,
            body=frame.get("body"),
        )
        if note is not None:
            await self.send_frame(
                {"type": "call.noted", "call": frame.get("call"), "note": note.pk}
            )

    def language(self) -> str:
        return getattr(self.user, "language", "") or "en"

    async def on_reply(self, frame: dict[str, Any]) -> None:
        try:
            message = await database_sync_to_async(services.agent_reply)(
                agent=self.user, ticket_id=self.ticket_id, body=frame.get("body")
            )
        except (ValidationError, PermissionDenied) as error:
            detail = _error_text(error) if isinstance(error, ValidationError) else str(error)
            await self.send_error("invalid", detail)
            return
        await self.send_frame({"type": "sent", "message": message.pk})

    async def on_typing(self, frame: dict[str, Any]) -> None:
        """Tell the visitor an agent is typing: at most every ``TYPING_EVERY`` seconds per
        socket, whatever the page sends (one database read per notice, none in between)."""
        now = time.monotonic()
        if now - self.last_typing < TYPING_EVERY:
            return
        self.last_typing = now
        session_id = await database_sync_to_async(services.agent_typing_target)(
            agent=self.user, ticket_id=self.ticket_id
        )
        if session_id is None:
            return
        name = getattr(self.user, "first_name", "") or getattr(self.user, "username", "")
        await self.channel_layer.group_send(
            services.visitor_group(session_id),
            {"type": "chat.typing", "from": "agent", "name": name},
        )

    async def on_ping(self, frame: dict[str, Any]) -> None:
        await self.send_frame({"type": "pong"})

    # Channel-layer events.

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send_frame({"type": "message", "message": event["message"]})

    async def chat_presence(self, event: dict[str, Any]) -> None:
        await self.send_frame({"type": "presence", "online": bool(event.get("online"))})

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if event.get("from") == "agent":
            return  # another agent's tab on the same ticket; the pane shows the visitor's only
        await self.send_frame({"type": "typing"})
