"""Call signalling over the chat sockets: the frames both consumers speak, and the relay.

A call joins two sockets: the visitor's widget and one agent's ticket page. Once the called
side accepts, each consumer knows the other's channel-layer name and passes the browsers'
signalling (SDP offer and answer, ICE candidates, ICE restarts) straight to it, without
touching the database; a frame that arrives from any other channel is dropped. The agent's
browser always makes the SDP offer and the visitor's answers, whoever asked for the call, so
the two never offer at once. Signals are rebuilt from their known fields before they leave:
nothing a browser adds reaches the other side.

Browser → desk: ``call.offer`` (video), ``call.accept`` (call, recording), ``call.decline``,
``call.signal`` (call, signal), ``call.media`` (call, muted, camera, screen),
``call.connected``, ``call.hangup`` (call, reason), ``call.rejoin`` (call), and from agents
``call.note`` (call, body).
Desk → browser: ``call.invite``, ``call.ringing``, ``call.accepted``, ``call.declined``,
``call.closed`` (answered elsewhere), ``call.signal``, ``call.media``, ``call.peer`` (the
other side's socket dropped or came back), ``call.rejoined``, ``call.ended``, ``call.noted``,
and ``error`` frames with ``call`` and a code: ``call_unknown``, ``bad_call``,
``bad_signal``, ``call_busy``, ``call_over``, ``calls_off``, ``visitor_away``, ``no_chat``,
``no_conversation``, ``not_ready``, ``call_noted``, ``invalid``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tactful.livechat import calls, ice
from tactful.livechat.calls import CallError
from tactful.livechat.models import CallSide

#: Largest frame a call may send (an SDP offer with several codecs is ~6–12 KB).
MAX_SIGNAL_FRAME_CHARS = 64_000
MAX_SDP_CHARS = 60_000
MAX_CANDIDATE_CHARS = 1_000
MAX_MID_CHARS = 64
MAX_UFRAG_CHARS = 256

SIGNAL_TYPES = ("description", "candidate", "restart")


def _bad(detail: str) -> CallError:
    return CallError("bad_signal", detail)


def _optional_text(value: Any, *, limit: int, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise _bad(_("The %(field)s of a candidate is not valid.") % {"field": name})
    return value


def check_signal(signal: Any, *, side: str) -> dict[str, Any]:
    """A browser's signal, rebuilt from its known fields; ``bad_signal`` when malformed.

    Only the agent's browser offers and only the visitor's answers (see the module's note).
    """
    if not isinstance(signal, dict) or signal.get("kind") not in SIGNAL_TYPES:
        raise _bad(_("A signal is an object whose kind is description, candidate or restart."))
    kind = signal["kind"]
    if kind == "restart":
        if side != CallSide.VISITOR:
            raise _bad(_("Only the visitor's browser asks for a restart."))
        return {"kind": "restart"}
    if kind == "description":
        description = signal.get("description")
        if not isinstance(description, dict):
            raise _bad(_("A description needs its type and SDP."))
        expected = "offer" if side == CallSide.AGENT else "answer"
        sdp = description.get("sdp")
        if description.get("type") != expected:
            raise _bad(_("This side of the call sends an SDP %(type)s.") % {"type": expected})
        if not isinstance(sdp, str) or not sdp.startswith("v=0") or len(sdp) > MAX_SDP_CHARS:
            raise _bad(_("The SDP is missing, malformed or too long."))
        return {
            "kind": "description",
            "description": {"type": expected, "sdp": sdp},
            "restart": signal.get("restart") is True,
        }
    candidate = signal.get("candidate")
    if candidate is None:  # the end of this generation's candidates
        return {"kind": "candidate", "candidate": None}
    if not isinstance(candidate, dict):
        raise _bad(_("A candidate is an object (or null at the end)."))
    text = _optional_text(candidate.get("candidate"), limit=MAX_CANDIDATE_CHARS, name="candidate")
    index = candidate.get("sdpMLineIndex")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
        raise _bad(_("The %(field)s of a candidate is not valid.") % {"field": "sdpMLineIndex"})
    if isinstance(index, int) and not 0 <= index < 64:
        raise _bad(_("The %(field)s of a candidate is not valid.") % {"field": "sdpMLineIndex"})
    return {
        "kind": "candidate",
        "candidate": {
            "candidate": text or "",
            "sdpMid": _optional_text(candidate.get("sdpMid"), limit=MAX_MID_CHARS, name="sdpMid"),
            "sdpMLineIndex": index,
            "usernameFragment": _optional_text(
                candidate.get("usernameFragment"), limit=MAX_UFRAG_CHARS, name="usernameFragment"
            ),
        },
    }


def check_media(frame: dict[str, Any]) -> dict[str, bool]:
    """What one side's media is doing (shown to the other): only three booleans pass."""
    return {name: frame.get(name) is True for name in ("muted", "camera", "screen")}


@dataclass
class ActiveCall:
    """The call a socket is in: the other socket's channel once both sides are in."""

    call_id: int
    peer: str = ""
    relayed: int = 0
    screen_noted: bool = False


class CallFrames:
    """The call frames of a chat consumer (mixed into both; ``side`` says which one).

    The consumer provides ``asker()`` (who is asking, for ``calls``), ``send_frame``,
    ``send_error``, ``channel_layer`` and ``channel_name``, plus ``called_group()`` /
    ``own_group()`` for the sockets that are rung and those to tell an invite is taken.
    """

    side: str
    call: ActiveCall | None = None

    if TYPE_CHECKING:  # provided by the consumer (``_JsonFrames``), which comes later in the MRO
        channel_layer: Any
        channel_name: str

        async def send_frame(self, frame: dict[str, Any]) -> None: ...

        async def send_error(self, code: str, detail: str = "", **extra: Any) -> None: ...

    def asker(self) -> calls.Asker | None:
        """Who this socket is, for ``calls`` (``None``: a visitor without a chat yet)."""
        raise NotImplementedError

    def own_group(self, info: calls.CallInfo) -> str:
        """The sockets of this side that may have been rung (other tabs, other agents)."""
        raise NotImplementedError

    def peer_group(self, info: calls.CallInfo) -> str:
        """The sockets of the other side, rung by an offer from this one."""
        raise NotImplementedError

    def offer_call(self, *, asker: calls.Asker, video: bool, request: dict[str, Any]) -> Any:
        """This side's ``calls.offer_by_*`` (synchronous: run in a thread)."""
        raise NotImplementedError

    @property
    def other_side(self) -> str:
        return CallSide.VISITOR if self.side == CallSide.AGENT else CallSide.AGENT

    def ice_for(self, call_id: int, side: str) -> list[dict[str, Any]]:
        return ice.ice_servers(user=f"call{call_id}-{side}")

    async def _tell(self, channel: str, frame: dict[str, Any], **extra: Any) -> None:
        if channel:
            await self.channel_layer.send(
                channel, {"type": "call.frame", "frame": frame, "from": self.channel_name, **extra}
            )

    async def _call_step(self, frame: dict[str, Any], step: Any, **kwargs: Any) -> Any:
        """Run a ``calls`` step for this socket; errors become error frames (``None`` back)."""
        asker = self.asker()
        call_id = frame.get("call")
        if asker is None:
            await self.send_error("not_started", _("Start or resume a chat first."))
            return None
        try:
            return await database_sync_to_async(step)(asker=asker, **kwargs)
        except CallError as error:
            await self.send_error(error.code, error.detail, call=call_id)
        except ValidationError as error:
            detail = " ".join(str(message) for message in error.messages)
            await self.send_error("invalid", detail, call=call_id)
        return None

    def _mine(self, frame: dict[str, Any]) -> ActiveCall | None:
        call_id = frame.get("call")
        if self.call is not None and call_id == self.call.call_id and not isinstance(call_id, bool):
            return self.call
        return None

    # --- frames from this socket's browser ------------------------------------------------

    async def on_call_offer(self, frame: dict[str, Any]) -> None:
        if self.call is not None:
            await self.send_error("call_busy", _("You are already in a call."), call=None)
            return
        info = await self._call_step(
            frame, self.offer_call, video=frame.get("video") is not False, request=frame
        )
        if info is None:
            return
        self.call = ActiveCall(info.call_id)
        await self.send_frame(
            {
                "type": "call.ringing",
                "call": info.call_id,
                "ice_servers": self.ice_for(info.call_id, self.side),
            }
        )
        await self.channel_layer.group_send(
            self.peer_group(info), {"type": "call.frame", "frame": info.invite_frame()}
        )

    async def on_call_accept(self, frame: dict[str, Any]) -> None:
        if self.call is not None:
            await self.send_error("call_busy", _("You are already in a call."), call=None)
            return
        info = await self._call_step(
            frame,
            calls.accept,
            call_id=frame.get("call"),
            channel=self.channel_name,
            recording_consent=frame.get("recording"),
        )
        if info is None:
            return
        peer = info.channel_of(self.other_side)
        self.call = ActiveCall(info.call_id, peer=peer)
        await self.send_frame(
            {
                "type": "call.accepted",
                "call": info.call_id,
                "ice_servers": self.ice_for(info.call_id, self.side),
            }
        )
        await self._tell(
            peer,
            {
                "type": "call.accepted",
                "call": info.call_id,
                "ice_servers": self.ice_for(info.call_id, self.other_side),
            },
            bind={"call": info.call_id, "peer": self.channel_name},
        )
        # The other tabs or agents that were rung: the invite is taken.
        await self.channel_layer.group_send(
            self.own_group(info),
            {
                "type": "call.frame",
                "frame": {"type": "call.closed", "call": info.call_id},
                "skip": self.channel_name,
            },
        )

    async def on_call_decline(self, frame: dict[str, Any]) -> None:
        info = await self._call_step(frame, calls.decline, call_id=frame.get("call"))
        if info is None:
            return
        ended = {"type": "call.declined", "call": info.call_id}
        await self.send_frame(ended)
        await self._tell(info.channel_of(self.other_side), ended)
        await self.channel_layer.group_send(
            self.own_group(info),
            {
                "type": "call.frame",
                "frame": {"type": "call.closed", "call": info.call_id},
                "skip": self.channel_name,
            },
        )

    async def on_call_signal(self, frame: dict[str, Any]) -> None:
        active = self._mine(frame)
        if active is None:
            await self.send_error("call_unknown", _("This call is not known here."))
            return
        if not active.peer:
            await self.send_error(
                "not_ready", _("The other side has not joined the call yet."), call=active.call_id
            )
            return
        try:
            signal = check_signal(frame.get("signal"), side=self.side)
        except CallError as error:
            await self.send_error(error.code, error.detail, call=active.call_id)
            return
        await self._tell(
            active.peer, {"type": "call.signal", "call": active.call_id, "signal": signal}
        )
        active.relayed += 1
        if signal.get("restart"):
            await database_sync_to_async(calls.ice_restarted)(call_id=active.call_id)

    async def on_call_media(self, frame: dict[str, Any]) -> None:
        active = self._mine(frame)
        if active is None:
            await self.send_error("call_unknown", _("This call is not known here."))
            return
        media = check_media(frame)
        await self._tell(active.peer, {"type": "call.media", "call": active.call_id, **media})
        if media["screen"] and self.side == CallSide.VISITOR and not active.screen_noted:
            active.screen_noted = True
            await database_sync_to_async(calls.screen_shared)(call_id=active.call_id)

    async def on_call_connected(self, frame: dict[str, Any]) -> None:
        if self._mine(frame) is None:
            await self.send_error("call_unknown", _("This call is not known here."))
            return
        await self._call_step(frame, calls.connected, call_id=frame.get("call"))

    async def on_call_hangup(self, frame: dict[str, Any]) -> None:
        active = self._mine(frame)
        info = await self._call_step(
            frame,
            calls.hang_up,
            call_id=frame.get("call"),
            reason=frame.get("reason"),
            relayed=active.relayed if active else 0,
        )
        if info is None:
            return
        self.call = None
        ended = {"type": "call.ended", "call": info.call_id, "by": self.side}
        await self.send_frame(ended)
        peer = info.channel_of(self.other_side)
        if peer:
            await self._tell(peer, ended)
        else:  # still ringing: take the invite off every screen it is on
            await self.channel_layer.group_send(
                self.peer_group(info), {"type": "call.frame", "frame": ended}
            )

    async def on_call_rejoin(self, frame: dict[str, Any]) -> None:
        info = await self._call_step(
            frame, calls.rejoin, call_id=frame.get("call"), channel=self.channel_name
        )
        if info is None:
            return
        peer = info.channel_of(self.other_side)
        relayed = self.call.relayed if self.call and self.call.call_id == info.call_id else 0
        self.call = ActiveCall(info.call_id, peer=peer, relayed=relayed)
        await self.send_frame(
            {
                "type": "call.rejoined",
                "call": info.call_id,
                "state": info.state,
                "ice_servers": self.ice_for(info.call_id, self.side),
            }
        )
        await self._tell(
            peer,
            {"type": "call.peer", "call": info.call_id, "online": True},
            bind={"call": info.call_id, "peer": self.channel_name},
        )

    # --- frames from the channel layer ----------------------------------------------------

    async def call_frame(self, event: dict[str, Any]) -> None:
        if event.get("skip") == self.channel_name:
            return
        frame = event.get("frame") or {}
        call_id = frame.get("call")
        bind = event.get("bind")
        if isinstance(bind, dict) and self.call is not None and self.call.call_id == call_id:
            self.call.peer = str(bind.get("peer") or "")
        sender = event.get("from")
        mine = self.call if self.call is not None and self.call.call_id == call_id else None
        relayed_type = frame.get("type") in {"call.signal", "call.media", "call.peer"}
        if sender is not None and relayed_type and (mine is None or mine.peer != sender):
            return  # only the socket this one is in a call with may reach its browser
        if mine is not None and frame.get("type") in {"call.ended", "call.declined"}:
            self.call = None
            await database_sync_to_async(calls.count_relayed)(
                call_id=mine.call_id, relayed=mine.relayed
            )
        await self.send_frame(frame)

    async def leave_call(self) -> None:
        """This socket is closing: the other side hears, and the call waits for a rejoin."""
        active = self.call
        if active is None:
            return
        self.call = None
        await database_sync_to_async(calls.left)(
            call_id=active.call_id, side=self.side, channel=self.channel_name
        )
        await database_sync_to_async(calls.count_relayed)(
            call_id=active.call_id, relayed=active.relayed
        )
        await self._tell(
            active.peer, {"type": "call.peer", "call": active.call_id, "online": False}
        )
