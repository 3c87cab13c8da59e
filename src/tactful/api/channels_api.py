"""API-fed channels: social, forum, phone and video-call notes and generic integrations.

``POST /api/v1/channels/{channel}/messages`` stores one customer message from an external
system. It is idempotent on ``(channel, external_id)``; messages naming the same external
``thread_id`` join the customer's open ticket of that thread; ``ticket`` appends to a named
ticket of the same customer. Replies to these tickets leave through the channel's outgoing
webhook (:mod:`tactful.outbound.webhooks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import field_validator

from tactful.accounts.models import Agent, Team
from tactful.api.schemas import _no_nul, answers
from tactful.customers.models import Customer
from tactful.tickets import inbound, permissions, selectors
from tactful.tickets.models import ACTIVE_STATUSES, Message, MessageKind
from tactful.tickets.services import MAX_BODY_CHARS, MAX_EXTERNAL_ID, MAX_SUBJECT_CHARS

router = Router(tags=["channels"])

#: Channels fed through this endpoint; e-mail, chat and the web form have their own doors.
API_CHANNELS: tuple[str, ...] = ("api", "forum", "phone", "social", "video")
#: Notes an agent writes about a call: the token's agent is recorded as who logged them.
AGENT_LOGGED_CHANNELS: frozenset[str] = frozenset({"phone", "video"})
_OWN_ENTRY_POINTS: dict[str, str] = {
    "email": "e-mail arrives by IMAP or the inbound mail webhook",
    "chat": "chat messages arrive through the live chat widget",
    "web": "web form messages arrive through /contact/<team>/",
}


class ChannelCustomerIn(Schema):
    handle: str = Field(
        ..., min_length=1, max_length=255, description="The customer's id on the channel."
    )
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    language: str | None = Field(None, max_length=35, description="en, es, ru; others → und")

    _check = field_validator("handle", "name", "email", "language")(_no_nul)


class ChannelMessageIn(Schema):
    """One message the customer wrote (or an agent's notes of a call) on an external channel."""

    external_id: str = Field(
        ..., min_length=1, max_length=MAX_EXTERNAL_ID, description="Repeats are ignored."
    )
    body: str = Field(..., min_length=1, max_length=MAX_BODY_CHARS)
    subject: str = Field("", max_length=MAX_SUBJECT_CHARS)
    customer: ChannelCustomerIn
    thread_id: str = Field(
        "",
        max_length=MAX_EXTERNAL_ID,
        description="The external thread, post or call: its messages share one open ticket.",
    )
    ticket: int | None = Field(None, ge=1, description="Append to this ticket (same customer).")
    language: str | None = Field(None, max_length=35)
    team: str | None = Field(None, max_length=60, description="The team's public name (slug).")

    _check = field_validator("external_id", "body", "subject", "thread_id", "language", "team")(
        _no_nul
    )


class ChannelMessageOut(Schema):
    ticket: int
    message: int
    created: bool


@dataclass(frozen=True)
class ChannelMessageResult:
    message: Message
    created: bool


def _check_channel(channel: str) -> None:
    if channel in _OWN_ENTRY_POINTS:
        raise HttpError(
            400,
            f"The {channel} channel cannot be fed through this endpoint: "
            f"{_OWN_ENTRY_POINTS[channel]}. Use one of {', '.join(API_CHANNELS)}.",
        )
    if channel not in API_CHANNELS:
        raise HttpError(
            400, f"Unknown channel {channel[:40]!r}: use one of {', '.join(API_CHANNELS)}."
        )


def _team(agent: Agent, slug: str | None) -> Team | None:
    if not slug:
        return None
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise ValidationError(f"No team with the public name {slug!r}.")
    if not agent.is_admin and team.pk not in permissions.team_ids(agent):
        raise PermissionDenied("You can only file tickets into your own teams.")
    return team


def _thread_ticket_id(*, customer: Customer, channel: str, thread_id: str) -> int | None:
    """The customer's open ticket holding ``thread_id`` on ``channel``, newest first.

    Starts from the customer (indexed foreign key; a customer has few tickets) and reads the
    JSON key only on those tickets' messages, so no JSON index is needed. Scoped to the same
    customer on purpose: a thread id never lets one customer's message into another's ticket.
    """
    return (
        Message.objects.filter(
            ticket__customer=customer,
            ticket__status__in=ACTIVE_STATUSES,
            channel=channel,
            kind=MessageKind.INCOMING,
            metadata__thread_id=thread_id,
        )
        .order_by("-ticket_id")
        .values_list("ticket_id", flat=True)
        .first()
    )


def record_channel_message(
    *, agent: Agent, channel: str, payload: ChannelMessageIn
) -> ChannelMessageResult:
    """Store the message once: a new ticket, the thread's open ticket, or the named ticket.

    Raises:
        Ticket.DoesNotExist: ``payload.ticket`` does not exist or the agent cannot see it.
        HttpError: 409 when the named ticket belongs to another customer.
        ValidationError / PermissionDenied: bad team, handle, e-mail…
    """
    _check_channel(channel)
    team = _team(agent, payload.team)

    def thread(customer: Customer) -> int | None:
        if payload.ticket is not None:
            ticket = selectors.ticket_for_page(agent=agent, ticket_id=payload.ticket)
            if ticket.customer_id != customer.pk:
                raise HttpError(
                    409,
                    f"Ticket #{payload.ticket} belongs to another customer; "
                    "a message cannot be added to it.",
                )
            return int(ticket.pk)
        if payload.thread_id:
            return _thread_ticket_id(
                customer=customer, channel=channel, thread_id=payload.thread_id
            )
        return None

    received = inbound.receive(
        channel=channel,
        sender=inbound.Sender(
            handle=payload.customer.handle,
            name=payload.customer.name,
            email=payload.customer.email,
            language=payload.customer.language,
        ),
        body=payload.body,
        subject=payload.subject,
        external_id=payload.external_id,
        thread=thread,
        team=team,
        language=payload.language or payload.customer.language,
        # Phone and video messages are notes the calling agent logged.
        by=agent if channel in AGENT_LOGGED_CHANNELS else None,
        metadata={"thread_id": payload.thread_id} if payload.thread_id else {},
    )
    return ChannelMessageResult(received.message, created=received.stored)


@router.post(
    "/{channel}/messages",
    response=answers({200: ChannelMessageOut, 201: ChannelMessageOut}, 403, 409),
    summary="Store a message from an API-fed channel",
)
def post_channel_message(
    request: HttpRequest, channel: str, payload: ChannelMessageIn
) -> Status[dict[str, Any]]:
    """A customer's message from social media, a forum, a phone or video call, or any system.

    ``channel`` is one of api, forum, phone, social, video. 201 when stored, 200 with
    ``created: false`` when this ``external_id`` was already stored on the channel.
    Phone and video messages are notes the calling agent (the token's agent) logged.
    """
    agent: Agent = request.auth
    result = record_channel_message(agent=agent, channel=channel[:40], payload=payload)
    body = {
        "ticket": result.message.ticket_id,
        "message": result.message.pk,
        "created": result.created,
    }
    return Status(201 if result.created else 200, body)
