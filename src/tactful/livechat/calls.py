"""Video calls in a chat: offer, answer, connect, end, and the agent's notes afterwards.

Synchronous Django code; the WebSocket consumers call it through ``database_sync_to_async``
and relay the browsers' signalling themselves (see ``signalling``). Every step is checked
against the socket asking — the visitor's chat session, or an agent who may see the ticket
and is (or may become) the call's agent — so a socket can only ever act on its own
conversation's call; anything else is ``call_unknown``. Each step is recorded on the ticket's
timeline (``livechat.events``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent
from tactful.livechat import services
from tactful.livechat.events import (
    CallAccepted,
    CallDeclined,
    CallEnded,
    CallOffered,
    CallStarted,
)
from tactful.livechat.models import (
    LIVE_CALL_STATES,
    Call,
    CallEndReason,
    CallSettings,
    CallSide,
    CallState,
    ChatSession,
    RecordingConsent,
)
from tactful.tickets import events, permissions, timeline
from tactful.tickets import services as ticket_services
from tactful.tickets.models import CALL_NOTE_KEY, Message, Ticket

#: An offer nobody answered in this many seconds is over ("not answered").
RING_SECONDS = 60
#: A side whose socket dropped mid-call has this long to come back before the call is lost.
REJOIN_SECONDS = 45
#: Reasons a browser may give when it ends a call.
CLIENT_END_REASONS = {CallEndReason.HANGUP, CallEndReason.FAILED, CallEndReason.LOST}


class CallError(Exception):
    """A call step that cannot happen; ``code`` is stable (the browsers translate it)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _unknown() -> CallError:
    # One answer for "no such call" and "not yours": a socket learns nothing about others.
    return CallError("call_unknown", _("This call is not known here."))


@dataclass(frozen=True)
class CallPolicy:
    """What a team allows (``CallSettings``, or the defaults for a team without a row)."""

    enabled: bool = True
    visitors_may_call: bool = False
    recording: bool = False

    def as_frame(self) -> dict[str, bool]:
        return {
            "enabled": self.enabled,
            "visitors_may_call": self.enabled and self.visitors_may_call,
            "recording": self.recording,
        }


def policy_for(team_id: int | None) -> CallPolicy:
    row = CallSettings.objects.filter(team_id=team_id).first() if team_id else None
    if row is None:
        return CallPolicy()
    return CallPolicy(
        enabled=row.calls_enabled, visitors_may_call=row.visitors_may_call, recording=row.recording
    )


@dataclass(frozen=True)
class CallInfo:
    """A call as the consumers need it (plain values, safe to hand between threads)."""

    call_id: int
    session_id: int
    ticket_id: int
    offered_by: str
    state: str
    video: bool
    recording: bool
    agent_id: int | None
    agent_name: str
    visitor_name: str
    agent_channel: str
    visitor_channel: str

    def channel_of(self, side: str) -> str:
        return self.agent_channel if side == CallSide.AGENT else self.visitor_channel

    def invite_frame(self) -> dict[str, Any]:
        """What the side being called is shown."""
        caller = self.agent_name if self.offered_by == CallSide.AGENT else self.visitor_name
        return {
            "type": "call.invite",
            "call": self.call_id,
            "from": self.offered_by,
            "name": caller,
            "video": self.video,
            "recording": self.recording,
        }


def _agent_name(agent: Agent | None) -> str:
    if agent is None:
        return ""
    return agent.first_name or agent.get_username()


def _visitor_name(session: ChatSession) -> str:
    return session.visitor_name or session.visitor_email


def _info(call: Call, *, policy: CallPolicy | None = None) -> CallInfo:
    session = call.session
    if policy is None:
        policy = policy_for(session.team_id)
    return CallInfo(
        call_id=call.pk,
        session_id=call.session_id,
        ticket_id=call.ticket_id,
        offered_by=call.offered_by,
        state=call.state,
        video=call.video,
        recording=policy.recording,
        agent_id=call.agent_id,
        agent_name=_agent_name(call.agent),
        visitor_name=_visitor_name(session),
        agent_channel=call.agent_channel,
        visitor_channel=call.visitor_channel,
    )


def check_call_id(value: Any) -> int:
    """A call id from a frame: a positive integer (booleans and strings are not ids)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise CallError("bad_call", _("A call frame needs the call's id (a number)."))
    return int(value)


# --- offering ---------------------------------------------------------------------------------


def _create(*, session: ChatSession, ticket: Ticket, **fields: Any) -> Call:
    if Call.objects.filter(session=session, state__in=LIVE_CALL_STATES).exists():
        raise CallError("call_busy", _("A call is already going on in this chat."))
    try:
        with events.atomic():
            return Call.objects.create(session=session, ticket=ticket, **fields)
    except IntegrityError as exc:  # a second offer at the same moment
        raise CallError("call_busy", _("A call is already going on in this chat.")) from exc


def offer_by_agent(*, agent: Agent, ticket_id: int, channel: str, video: bool = True) -> CallInfo:
    """The agent with the ticket open calls the visitor of its chat."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or not permissions.can_view(agent, ticket):
        raise _unknown()
    session = services.session_for_ticket(ticket_id)
    if session is None:
        raise CallError("no_chat", _("This ticket has no chat to call from."))
    policy = policy_for(session.team_id)
    if not policy.enabled:
        raise CallError("calls_off", _("Video calls are turned off for this team."))
    if session.ended_at is not None or session.converted or not services.is_online(session):
        raise CallError("visitor_away", _("The visitor is not in the chat right now."))
    with events.atomic():
        session = ChatSession.objects.select_for_update(no_key=True).get(pk=session.pk)
        call = _create(
            session=session,
            ticket=ticket,
            offered_by=CallSide.AGENT,
            agent=agent,
            agent_channel=channel,
            video=bool(video),
        )
        timeline.record(
            CallOffered(
                ticket=ticket, by=agent, call_id=call.pk, side=CallSide.AGENT, video=call.video
            )
        )
    return _info(call, policy=policy)


def offer_by_visitor(
    *, session_id: int, channel: str, video: bool = True, recording_consent: Any = None
) -> CallInfo:
    """The visitor asks for a call (where the team allows it); agents on the ticket are rung."""
    session = ChatSession.objects.filter(pk=session_id).first()
    if session is None or session.ended_at is not None:
        raise _unknown()
    policy = policy_for(session.team_id)
    if not (policy.enabled and policy.visitors_may_call):
        raise CallError("calls_off", _("Video calls are not offered in this chat."))
    if session.ticket_id is None:
        raise CallError("no_conversation", _("Write a message first, then ask for a call."))
    ticket = Ticket.objects.get(pk=services.conversation_ticket_id(session.ticket_id))
    with events.atomic():
        session = ChatSession.objects.select_for_update(no_key=True).get(pk=session.pk)
        call = _create(
            session=session,
            ticket=ticket,
            offered_by=CallSide.VISITOR,
            visitor_channel=channel,
            video=bool(video),
            recording_consent=_consent(policy, recording_consent),
        )
        timeline.record(
            CallOffered(
                ticket=ticket, by=None, call_id=call.pk, side=CallSide.VISITOR, video=call.video
            )
        )
    return _info(call, policy=policy)


def _consent(policy: CallPolicy, answer: Any) -> str:
    """The visitor's answer, kept only when the team asks; anything but ``True`` is a no."""
    if not policy.recording:
        return RecordingConsent.NOT_ASKED
    return RecordingConsent.AGREED if answer is True else RecordingConsent.REFUSED


# --- one call, from the side asking ------------------------------------------------------------


@dataclass(frozen=True)
class Asker:
    """The socket asking: the visitor's session, or an agent on a ticket's page."""

    side: str
    session_id: int | None = None
    agent: Agent | None = None
    ticket_id: int | None = None

    @classmethod
    def visitor(cls, session_id: int) -> Asker:
        return cls(side=CallSide.VISITOR, session_id=session_id)

    @classmethod
    def agent_on(cls, agent: Agent, ticket_id: int) -> Asker:
        return cls(side=CallSide.AGENT, agent=agent, ticket_id=ticket_id)


def _locked_call(call_id: Any, asker: Asker) -> Call:
    """The call, row-locked, if it belongs to the asker's conversation; ``call_unknown`` else."""
    pk = check_call_id(call_id)
    # No select_related under FOR UPDATE: the agent is a nullable join PostgreSQL won't lock.
    call = Call.objects.select_for_update(no_key=True).filter(pk=pk).first()
    if call is None:
        raise _unknown()
    if asker.side == CallSide.VISITOR:
        if call.session_id != asker.session_id:
            raise _unknown()
    else:
        agent = asker.agent
        if (
            agent is None
            or call.ticket_id != asker.ticket_id
            or (call.agent_id is not None and call.agent_id != agent.pk)
            or not permissions.can_view(agent, call.ticket)
        ):
            raise _unknown()
    return call


def accept(*, call_id: Any, asker: Asker, channel: str, recording_consent: Any = None) -> CallInfo:
    """The side being called picks up (the first agent to accept a visitor's call takes it)."""
    with events.atomic():
        call = _locked_call(call_id, asker)
        if call.state != CallState.RINGING:
            raise CallError("call_over", _("This call is no longer ringing."))
        if call.offered_by == asker.side:
            raise CallError("own_call", _("The other side answers this call."))
        policy = policy_for(call.session.team_id)
        if asker.side == CallSide.AGENT:
            call.agent = asker.agent
            call.agent_channel = channel
        else:
            call.visitor_channel = channel
            call.recording_consent = _consent(policy, recording_consent)
        call.state = CallState.ACCEPTED
        call.answered_at = timezone.now()
        call.save()
        timeline.record(
            CallAccepted(
                ticket=call.ticket,
                by=asker.agent,
                call_id=call.pk,
                side=asker.side,
                recording=call.recording_consent,
            )
        )
    return _info(call, policy=policy)


def decline(*, call_id: Any, asker: Asker) -> CallInfo:
    """The side being called says no."""
    with events.atomic():
        call = _locked_call(call_id, asker)
        if call.state != CallState.RINGING or call.offered_by == asker.side:
            raise CallError("call_over", _("This call is no longer ringing."))
        if asker.side == CallSide.AGENT:
            call.agent = asker.agent
        call.state = CallState.DECLINED
        call.end_reason = CallEndReason.DECLINED
        call.ended_by = asker.side
        call.answered_at = call.ended_at = timezone.now()
        call.save()
        timeline.record(
            CallDeclined(ticket=call.ticket, by=asker.agent, call_id=call.pk, side=asker.side)
        )
    return _info(call)


def connected(*, call_id: Any, asker: Asker) -> bool:
    """A browser says media flows; the first such report records the start. Returns whether
    this report was the first."""
    with events.atomic():
        call = _locked_call(call_id, asker)
        if call.state != CallState.ACCEPTED:
            return False
        call.state = CallState.CONNECTED
        call.started_at = timezone.now()
        call.save(update_fields=["state", "started_at"])
        timeline.record(CallStarted(ticket=call.ticket, by=None, call_id=call.pk))
    return True


def _participants(call: Call) -> list[str]:
    names = [_agent_name(call.agent) if call.agent_id else ""]
    if call.answered_at is not None or call.offered_by == CallSide.VISITOR:
        names.append(_visitor_name(call.session) or str(_("visitor")))
    return [name for name in names if name]


def _finish(call: Call, *, reason: str, by: str, at: datetime | None = None) -> None:
    call.state = CallState.ENDED
    call.end_reason = reason
    call.ended_by = by
    call.ended_at = at or timezone.now()
    call.save()
    timeline.record(
        CallEnded(
            ticket=call.ticket,
            by=call.agent if by == CallSide.AGENT else None,
            call_id=call.pk,
            reason=reason,
            ended_by=by,
            duration_seconds=call.duration_seconds,
            participants=_participants(call),
            screen_shared=call.screen_shared,
            ice_restarts=call.ice_restarts,
        )
    )


def hang_up(*, call_id: Any, asker: Asker, reason: Any = None, relayed: int = 0) -> CallInfo:
    """One side ends the call (or withdraws its offer; the called side's "no" is
    :func:`decline`). ``relayed``: signalling frames this side's socket passed on."""
    with events.atomic():
        call = _locked_call(call_id, asker)
        if not call.live:
            raise CallError("call_over", _("This call has already ended."))
        call.signalling_messages += max(0, int(relayed))
        if call.state == CallState.RINGING:
            if call.offered_by != asker.side:
                raise CallError("call_over", _("This call is no longer ringing."))
            # The caller's browser gives up after a while: nobody answered.
            gave_up = reason == CallEndReason.UNANSWERED
            _finish(
                call,
                reason=CallEndReason.UNANSWERED if gave_up else CallEndReason.CANCELLED,
                by=asker.side,
            )
        else:
            chosen = reason if reason in CLIENT_END_REASONS else CallEndReason.HANGUP
            _finish(call, reason=chosen, by=asker.side)
    return _info(call)


def count_relayed(*, call_id: int, relayed: int) -> None:
    """Add the frames a socket relayed (the side that did not hang up, when it hears)."""
    if relayed > 0:
        Call.objects.filter(pk=call_id).update(
            signalling_messages=F("signalling_messages") + relayed
        )


def ice_restarted(*, call_id: int) -> None:
    Call.objects.filter(pk=call_id).update(ice_restarts=F("ice_restarts") + 1)


def screen_shared(*, call_id: int) -> None:
    Call.objects.filter(pk=call_id, screen_shared=False).update(screen_shared=True)


def rejoin(*, call_id: Any, asker: Asker, channel: str) -> CallInfo:
    """A side's socket came back (a network blip): signalling follows its new socket."""
    with events.atomic():
        call = _locked_call(call_id, asker)
        if not call.live:
            raise CallError("call_over", _("This call has already ended."))
        if asker.side == CallSide.AGENT:
            call.agent_channel, call.agent_left_at = channel, None
        else:
            call.visitor_channel, call.visitor_left_at = channel, None
        call.save()
    return _info(call)


def left(*, call_id: int, side: str, channel: str) -> None:
    """A side's socket closed mid-call; unless it rejoins in time, the call is lost."""
    field = "agent" if side == CallSide.AGENT else "visitor"
    Call.objects.filter(
        pk=call_id, state__in=LIVE_CALL_STATES, **{f"{field}_channel": channel}
    ).update(**{f"{field}_left_at": timezone.now()})


def session_frame(session_id: int) -> dict[str, Any]:
    """What the widget learns about calls when it joins: the team's policy, a ringing invite."""
    session = ChatSession.objects.filter(pk=session_id).only("team_id").first()
    policy = policy_for(session.team_id if session else None)
    return {"calls": policy.as_frame(), "invite": live_invite_for_session(session_id, policy)}


def ticket_frame(ticket_id: int) -> dict[str, Any]:
    """What the agent's pane learns about calls when it connects."""
    session = services.session_for_ticket(ticket_id)
    policy = policy_for(session.team_id if session else None)
    return {"calls": policy.as_frame(), "invite": live_invite_for_ticket(ticket_id, policy)}


def live_invite_for_session(
    session_id: int, policy: CallPolicy | None = None
) -> dict[str, Any] | None:
    """An agent's call still ringing for this visitor (shown again after a reload)."""
    call = (
        Call.objects.filter(
            session_id=session_id, state=CallState.RINGING, offered_by=CallSide.AGENT
        )
        .select_related("agent", "session")
        .first()
    )
    return _info(call, policy=policy).invite_frame() if call is not None else None


def live_invite_for_ticket(
    ticket_id: int, policy: CallPolicy | None = None
) -> dict[str, Any] | None:
    """A visitor's call still ringing on this ticket (shown to an agent who opens the page)."""
    call = (
        Call.objects.filter(ticket_id=ticket_id, state=CallState.RINGING, offered_by="visitor")
        .select_related("session")
        .first()
    )
    return _info(call, policy=policy).invite_frame() if call is not None else None


def end_abandoned_calls(*, now: datetime | None = None) -> int:
    """End calls nobody answered in time and calls a side left without coming back."""
    now = now or timezone.now()
    ring_cutoff = now - timedelta(seconds=RING_SECONDS)
    left_cutoff = now - timedelta(seconds=REJOIN_SECONDS)
    ids = list(
        Call.objects.filter(
            Q(state=CallState.RINGING, offered_at__lt=ring_cutoff)
            | Q(
                Q(agent_left_at__lt=left_cutoff) | Q(visitor_left_at__lt=left_cutoff),
                state__in=[CallState.ACCEPTED, CallState.CONNECTED],
            )
        ).values_list("pk", flat=True)[:500]
    )
    ended = 0
    for pk in ids:
        with events.atomic():
            call = Call.objects.select_for_update(no_key=True).filter(pk=pk).first()
            if call is None or not call.live:
                continue
            if call.state == CallState.RINGING:
                _finish(call, reason=CallEndReason.UNANSWERED, by="")
            else:
                gone = [at for at in (call.agent_left_at, call.visitor_left_at) if at]
                if not gone or min(gone) >= left_cutoff:
                    continue
                _finish(call, reason=CallEndReason.LOST, by="", at=min(gone))
            ended += 1
    return ended


# --- notes --------------------------------------------------------------------------------------


def add_note(*, call_id: Any, agent: Agent, ticket_id: int, body: Any) -> Message:
    """The agent's notes after the call: an internal note the coach reads (see CALL_NOTE_KEY)."""
    if not isinstance(body, str):
        raise ValidationError(_("Notes must be text."))
    with events.atomic():
        call = _locked_call(call_id, Asker.agent_on(agent, ticket_id))
        if call.agent_id != agent.pk or call.state != CallState.ENDED:
            raise _unknown()
        if call.note_id is not None:
            raise CallError("call_noted", _("This call already has its notes."))
        note = ticket_services.add_internal_note(
            ticket=call.ticket,
            agent=agent,
            body=body.strip(),
            metadata={CALL_NOTE_KEY: call.pk},
        )
        call.note = note
        call.save(update_fields=["note"])
    return note
