"""Request and response shapes of the REST API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from ninja import Field, Schema
from pydantic import field_validator

from tactful.tickets.selectors import DEFAULT_SORT
from tactful.tickets.services import MAX_BODY_CHARS, MAX_EXTERNAL_ID, MAX_SUBJECT_CHARS

MAX_LIMIT = 100
MAX_OFFSET = 10_000


class ChannelName(StrEnum):
    email = "email"
    chat = "chat"
    web = "web"
    api = "api"
    social = "social"
    forum = "forum"
    phone = "phone"
    video = "video"


class StatusName(StrEnum):
    new = "new"
    open = "open"
    pending = "pending"
    solved = "solved"
    closed = "closed"


class PriorityName(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


PRIORITY_VALUES = {"low": 1, "normal": 2, "high": 3, "urgent": 4}
PRIORITY_NAMES = {value: name for name, value in PRIORITY_VALUES.items()}


class MessageKindName(StrEnum):
    incoming = "in"
    outgoing = "out"
    note = "note"


def _no_nul(value: Any) -> Any:
    # Lists too (``?language=%00``): PostgreSQL refuses NUL in text, which was a 500.
    items = value if isinstance(value, list) else [value]
    if any(isinstance(item, str) and "\x00" in item for item in items):
        raise ValueError("may not contain NUL characters")
    return value


class ErrorOut(Schema):
    detail: Any


#: What every operation may answer besides its own: a body or query too large or with too
#: many fields (400), no valid token (401), input the schema or a service refuses (422), and
#: an address locked out after wrong tokens (429). Documented so a client can rely on the
#: list of statuses (the schema test checks that nothing else is ever answered).
COMMON_ERRORS = (400, 401, 422, 429)


def answers(ok: Any, *errors: int) -> dict[int, Any]:
    """An operation's ``response=``: its success schema(s), the common errors and ``errors``.

    ``ok`` is the 200 schema, or a ``{status: schema}`` mapping for other successes.
    """
    documented: dict[int, Any] = dict(ok) if isinstance(ok, dict) else {200: ok}
    for status in (*COMMON_ERRORS, *errors):
        documented.setdefault(status, ErrorOut)
    return documented


# --- shared pieces ----------------------------------------------------------------------------


class TeamRef(Schema):
    id: int
    name: str


class AgentRef(Schema):
    id: int
    username: str
    name: str


class CustomerRef(Schema):
    id: int
    name: str
    email: str


class IdentityOut(Schema):
    channel: str
    handle: str


class CustomerOut(Schema):
    id: int
    name: str
    email: str
    preferred_language: str
    identities: list[IdentityOut]
    created_at: datetime


class CustomerIn(Schema):
    channel: ChannelName
    handle: str = Field(..., min_length=1, max_length=255, description="E-mail, phone, handle…")
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    language: str | None = Field(None, max_length=35, description="en, es, ru; others → und")

    _check = field_validator("handle", "name", "email", "language")(_no_nul)


class TicketOut(Schema):
    number: int
    subject: str
    status: str
    priority: str
    channel: str
    language: str
    customer: CustomerRef
    team: TeamRef | None
    assignee: AgentRef | None
    tags: list[str]
    emotion: str
    intensity: float | None
    abuse: bool
    threat: bool
    company_fault: bool
    coach_state: str
    merged_into: int | None
    created_at: datetime
    updated_at: datetime


class TicketCreateIn(Schema):
    """A conversation arriving from an external channel (social, forum, phone, video call…)."""

    channel: ChannelName
    customer: CustomerIn
    body: str = Field(..., min_length=1, max_length=MAX_BODY_CHARS)
    subject: str = Field("", max_length=MAX_SUBJECT_CHARS)
    language: str | None = Field(None, max_length=35)
    priority: PriorityName = PriorityName.normal
    team: int | None = Field(None, ge=1)
    tags: list[str] = Field(default_factory=list, max_length=20)
    external_id: str = Field("", max_length=MAX_EXTERNAL_ID)

    _check = field_validator("body", "subject", "language", "external_id")(_no_nul)


class TicketUpdateIn(Schema):
    """Only the fields present change; ``null`` clears the assignee or team."""

    status: StatusName | None = None
    priority: PriorityName | None = None
    assignee: int | None = Field(None, ge=1)
    team: int | None = Field(None, ge=1)
    tags: list[str] | None = Field(None, max_length=20)
    subject: str | None = Field(None, min_length=1, max_length=MAX_SUBJECT_CHARS)
    language: str | None = Field(None, max_length=35)

    _check = field_validator("subject", "language")(_no_nul)


class MergeIn(Schema):
    into: int = Field(..., ge=1)


class AnalysisOut(Schema):
    status: str
    attempts: int
    error: str
    language: str
    emotion: str
    emotions: dict[str, float]
    intensity: float | None
    formality: str
    abuse: bool
    threat: bool
    company_fault: bool


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    ticket: int
    kind: str
    channel: str
    author: str
    body: str = Field(..., description="Exactly as received (may contain HTML).")
    body_html: str = Field(..., description="Safe to display: sanitised HTML.")
    external_id: str
    created_at: datetime
    attachments: list[AttachmentOut]
    analysis: AnalysisOut | None


class MessageIn(Schema):
    """``in``: the customer wrote (from an external channel); ``out``: a reply; ``note``."""

    kind: MessageKindName = MessageKindName.incoming
    body: str = Field(..., min_length=1, max_length=MAX_BODY_CHARS)
    channel: ChannelName | None = None
    external_id: str = Field("", max_length=MAX_EXTERNAL_ID)
    status: StatusName | None = Field(None, description="For replies: the status afterwards.")

    _check = field_validator("body", "external_id")(_no_nul)


class EventOut(Schema):
    id: int
    kind: str
    actor: str | None
    data: dict[str, Any]
    message: int | None
    created_at: datetime


class TicketQuery(Schema):
    status: list[StatusName] = Field(default_factory=list)
    any_status: bool = False
    channel: list[ChannelName] = Field(default_factory=list)
    team: str = Field("", max_length=12, pattern=r"^(|none|\d{1,11})$")
    assignee: str = Field("", max_length=12, pattern=r"^(|none|me|\d{1,11})$")
    priority: list[PriorityName] = Field(default_factory=list)
    language: list[str] = Field(default_factory=list)
    emotion: list[str] = Field(default_factory=list)
    min_intensity: float | None = Field(None, ge=0, le=1)
    abuse: bool | None = None
    q: str = Field("", max_length=200)
    sort: str = Field(DEFAULT_SORT, pattern=r"^-?(updated|created|priority|intensity)$")
    limit: int = Field(25, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)

    _check = field_validator("q", "language", "emotion")(_no_nul)


class PageQuery(Schema):
    limit: int = Field(25, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class TicketPage(Schema):
    items: list[TicketOut]
    limit: int
    offset: int
    next_offset: int | None


class MessagePage(Schema):
    items: list[MessageOut]
    limit: int
    offset: int
    next_offset: int | None


class CustomerPage(Schema):
    items: list[CustomerOut]
    limit: int
    offset: int
    next_offset: int | None


class EventPage(Schema):
    items: list[EventOut]
    limit: int
    offset: int
    next_offset: int | None


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: str
    language: str
    teams: list[TeamRef]
