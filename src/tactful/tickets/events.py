"""Something happened to a ticket: the event value objects, and who hears about them.

Every change to a ticket is one :class:`TicketChange` (``StatusChanged``, ``CustomerWrote``…).
``tactful.tickets.timeline.record`` writes it as a ``TicketEvent`` row and hands it to
:func:`emit`; apps above ``tickets`` (coaching, automation, outbound, and later satisfaction,
SLA clocks, quality sampling) :func:`subscribe` to the kinds they care about in their
``AppConfig.ready()``. ``tickets`` itself never imports them.

When handlers run. Events emitted inside an :func:`atomic` block are collected and handed to
their handlers when the *outermost* such block ends, still inside the transaction: by then the
service that emitted them has finished (the ticket is assigned, tagged and saved), so a
handler sees the final state, and whatever it writes commits or rolls back with the change.
Handlers subscribed with ``after_commit=True`` run once the transaction commits (queueing a
task, anything that talks to the network). A block that fails takes its events with it, so
nobody hears of a change that was rolled back. Events emitted by handlers are dispatched in
the same pass, after the ones before them.

Other apps add their own kinds by subclassing :class:`TicketChange` with a new ``kind``; the
timeline describes every kind through its class (:func:`describe`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.accounts.models import Agent
from tactful.tickets.models import EventKind, Message, Priority, Status, Ticket, TicketEvent

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Names:
    """Display names the timeline resolved for the ids events keep (agents, teams)."""

    agents: dict[int, str] = field(default_factory=dict)
    teams: dict[int, str] = field(default_factory=dict)

    def agent(self, pk: Any) -> str:
        return self.agents.get(pk, _("nobody")) if pk else _("nobody")

    def team(self, pk: Any) -> str:
        return self.teams.get(pk, _("nobody")) if pk else _("nobody")


#: kind → the class that records and describes it.
_KINDS: dict[str, type[TicketChange]] = {}


@dataclass(frozen=True, kw_only=True)
class TicketChange:
    """One thing that happened to a ticket: who did it, and the message it is about.

    Subclasses set ``kind`` (the ``TicketEvent.kind`` stored, at most 16 characters) and
    ``label`` and say what goes into the row's ``data`` (:meth:`data`) and how the timeline
    puts it in words (:meth:`describe`, which reads stored data, so old rows keep reading).
    """

    kind: ClassVar[str]
    label: ClassVar[_StrOrPromise]

    ticket: Ticket
    by: Agent | None = None
    message: Message | None = None
    #: The ``TicketEvent`` row, once :func:`tactful.tickets.timeline.record` has written it.
    row: TicketEvent | None = field(default=None, compare=False, repr=False)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if isinstance(kind, str):
            if len(kind) > 16:
                raise ValueError(f"event kind {kind!r} is longer than 16 characters")
            if kind in _KINDS and _KINDS[kind].__qualname__ != cls.__qualname__:
                raise ValueError(f"event kind {kind!r} is already {_KINDS[kind].__name__}")
            _KINDS[kind] = cls

    @property
    def ticket_id(self) -> int:
        return int(self.ticket.pk)

    def data(self) -> dict[str, Any]:
        """What the row keeps of this change (JSON)."""
        return {}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        """The timeline's sentence for a stored event of this kind, in the active language."""
        return str(cls.label)


def event_class(kind: str) -> type[TicketChange] | None:
    return _KINDS.get(kind)


def label(kind: str) -> str:
    """The name of an event kind in the active language (the kind itself when unknown)."""
    cls = _KINDS.get(kind)
    return str(cls.label) if cls is not None else kind


def describe(kind: str, data: dict[str, Any] | None, names: Names) -> str:
    """The timeline's sentence for a stored event."""
    cls = _KINDS.get(kind)
    if cls is None:
        return kind
    return cls.describe(data if isinstance(data, dict) else {}, names)


# --- the core kinds ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TicketOpened(TicketChange):
    """A customer's first message opened the ticket (``message`` is that message)."""

    kind = EventKind.CREATED.value
    label = gettext_lazy("Ticket created")
    channel: str
    subject: str

    def data(self) -> dict[str, Any]:
        return {"channel": self.channel, "subject": self.subject}


@dataclass(frozen=True, kw_only=True)
class CustomerWrote(TicketChange):
    """The customer's next message arrived (``message``)."""

    kind = EventKind.MESSAGE_RECEIVED.value
    label = gettext_lazy("Customer wrote")


@dataclass(frozen=True, kw_only=True)
class MessageHeld(TicketChange):
    """A message from a blocked or suspended customer arrived and was stored, held back.

    Recorded instead of ``TicketOpened`` / ``CustomerWrote`` on purpose: nothing that hears of
    a customer writing (rules and their auto-replies, the coach, notifications, SLA clocks)
    hears of it. ``opened``: the message opened the (held) ticket.
    """

    kind = "message_held"
    label = gettext_lazy("Message held: customer blocked")
    block_id: int
    block_kind: str
    opened: bool = False

    def data(self) -> dict[str, Any]:
        return {"block": self.block_id, "kind": self.block_kind, "opened": self.opened}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        if data.get("kind") == "suspend":
            return _("Message held: the customer is suspended")
        return _("Message held: the customer is blocked")


@dataclass(frozen=True, kw_only=True)
class ReplyRecorded(TicketChange):
    """A reply to the customer was written (``by`` the agent; ``None``: Tactful itself)."""

    kind = EventKind.REPLIED.value
    label = gettext_lazy("Agent replied")

    def data(self) -> dict[str, Any]:
        return {"system": True} if self.by is None else {}


@dataclass(frozen=True, kw_only=True)
class NoteAdded(TicketChange):
    """An internal note (``by`` the agent; ``None``: a note from Tactful itself)."""

    kind = EventKind.NOTE_ADDED.value
    label = gettext_lazy("Internal note added")

    def data(self) -> dict[str, Any]:
        return {"system": True} if self.by is None else {}


@dataclass(frozen=True, kw_only=True)
class StatusChanged(TicketChange):
    kind = EventKind.STATUS_CHANGED.value
    label = gettext_lazy("Status changed")
    previous: str
    status: str

    def data(self) -> dict[str, Any]:
        return {"from": self.previous, "to": self.status}

    @property
    def reopened(self) -> bool:
        """A solved or closed ticket became active again."""
        return self.previous in {Status.SOLVED, Status.CLOSED} and self.status in {
            Status.NEW,
            Status.OPEN,
            Status.PENDING,
        }

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        def status(value: Any) -> str:
            return str(Status(value).label) if value in Status.values else "?"

        return _("Status: %(from)s → %(to)s") % {
            "from": status(data.get("from")),
            "to": status(data.get("to")),
        }


@dataclass(frozen=True, kw_only=True)
class PriorityChanged(TicketChange):
    kind = EventKind.PRIORITY_CHANGED.value
    label = gettext_lazy("Priority changed")
    previous: int
    priority: int

    def data(self) -> dict[str, Any]:
        return {"from": self.previous, "to": self.priority}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        labels: dict[Any, Any] = dict(Priority.choices)
        return _("Priority: %(from)s → %(to)s") % {
            "from": labels.get(data.get("from"), "?"),
            "to": labels.get(data.get("to"), "?"),
        }


@dataclass(frozen=True, kw_only=True)
class Assigned(TicketChange):
    """The assignee changed (``assignee_id`` ``None``: unassigned).

    ``round_robin``: a team's assignment strategy chose; ``rebalanced``: moved again once the
    coach had read the customer; ``handover``: a person handed the conversation over.
    """

    kind = EventKind.ASSIGNED.value
    label = gettext_lazy("Assignee changed")
    previous_id: int | None
    assignee_id: int | None
    round_robin: bool = False
    rebalanced: bool = False
    handover: bool = False
    reason: str = ""

    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"from": self.previous_id, "to": self.assignee_id}
        for flag in ("round_robin", "rebalanced", "handover"):
            if getattr(self, flag):
                data[flag] = True
        if self.reason:
            data["reason"] = self.reason
        return data

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        text = _("Assigned: %(from)s → %(to)s") % {
            "from": names.agent(data.get("from")),
            "to": names.agent(data.get("to")),
        }
        if data.get("round_robin"):
            text += " " + _("(round-robin)")
        if data.get("reason") == "no_language_match":
            # The fallback is visible: a lead sees the team lacks someone for this language.
            text += " " + _("— nobody in the team answers this language, so anyone available")
        return text


@dataclass(frozen=True, kw_only=True)
class TeamChanged(TicketChange):
    kind = EventKind.TEAM_CHANGED.value
    label = gettext_lazy("Team changed")
    previous_id: int | None
    team_id: int | None

    def data(self) -> dict[str, Any]:
        return {"from": self.previous_id, "to": self.team_id}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("Team: %(from)s → %(to)s") % {
            "from": names.team(data.get("from")),
            "to": names.team(data.get("to")),
        }


@dataclass(frozen=True, kw_only=True)
class TagsChanged(TicketChange):
    kind = EventKind.TAGS_CHANGED.value
    label = gettext_lazy("Tags changed")
    previous: Sequence[str]
    tags: Sequence[str]

    def data(self) -> dict[str, Any]:
        return {"from": list(self.previous), "to": list(self.tags)}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("Tags: %(tags)s") % {"tags": ", ".join(data.get("to", [])) or "—"}


@dataclass(frozen=True, kw_only=True)
class SubjectChanged(TicketChange):
    kind = EventKind.SUBJECT_CHANGED.value
    label = gettext_lazy("Subject changed")
    previous: str
    subject: str

    def data(self) -> dict[str, Any]:
        return {"from": self.previous, "to": self.subject}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("Subject changed to “%(to)s”") % {"to": str(data.get("to", ""))[:200]}


@dataclass(frozen=True, kw_only=True)
class LanguageChanged(TicketChange):
    kind = EventKind.LANGUAGE_CHANGED.value
    label = gettext_lazy("Language changed")
    previous: str
    language: str

    def data(self) -> dict[str, Any]:
        return {"from": self.previous, "to": self.language}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("Language: %(from)s → %(to)s") % {"from": data.get("from"), "to": data.get("to")}


@dataclass(frozen=True, kw_only=True)
class Merged(TicketChange):
    """This ticket's conversation moved into ``into_id`` (and this ticket closed)."""

    kind = EventKind.MERGED.value
    label = gettext_lazy("Merged into another ticket")
    into_id: int
    messages: int

    def data(self) -> dict[str, Any]:
        return {"into": self.into_id, "messages": self.messages}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("Merged into #%(n)s") % {"n": data.get("into")}


@dataclass(frozen=True, kw_only=True)
class MergedFrom(TicketChange):
    """Ticket ``source_id``'s conversation moved into this one."""

    kind = EventKind.MERGED_FROM.value
    label = gettext_lazy("Another ticket merged in")
    source_id: int
    messages: int

    def data(self) -> dict[str, Any]:
        return {"from": self.source_id, "messages": self.messages}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("Ticket #%(n)s merged in") % {"n": data.get("from")}


@dataclass(frozen=True, kw_only=True)
class ChannelChanged(TicketChange):
    """Replies now go another way (a chat the visitor left continues by e-mail, and back)."""

    kind = EventKind.CHANNEL_CHANGED.value
    label = gettext_lazy("Channel changed")
    previous: str
    channel: str
    details: dict[str, Any] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        return {"from": self.previous, "to": self.channel, **self.details}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("Channel: %(from)s → %(to)s") % {"from": data.get("from"), "to": data.get("to")}


# --- subscribing and emitting -----------------------------------------------------------------

E = TypeVar("E", bound=TicketChange)


@dataclass(frozen=True, eq=False)
class _Subscription:
    handler: Callable[[Any], None]
    after_commit: bool
    batch: bool

    @property
    def name(self) -> str:
        return getattr(self.handler, "__qualname__", repr(self.handler))


_subscriptions: dict[type[TicketChange], list[_Subscription]] = {}


def subscribe(
    *kinds: type[E], after_commit: bool = False
) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Register the decorated function for these event classes (and their subclasses).

    Args:
        kinds: the event classes to hear about.
        after_commit: run once the transaction has committed (for work that leaves the
            database: queueing a task, a network call). Otherwise the handler runs inside the
            transaction, after the change that emitted the event has finished.

    Registering the same function twice for a class has no further effect (``ready()`` may
    run more than once in tests).
    """

    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        for kind in kinds:
            _add(kind, _Subscription(handler, after_commit=after_commit, batch=False))
        return handler

    return register


def subscribe_batch(
    *kinds: type[E],
) -> Callable[[Callable[[Sequence[E]], None]], Callable[[Sequence[E]], None]]:
    """Register the decorated function to run once per dispatch with every matching event.

    For work that should happen once however many changes a service made (rebuilding a
    ticket's search entry after a message, a status change and a tag change). Runs inside the
    transaction, after the other handlers of the same pass.
    """

    def register(handler: Callable[[Sequence[E]], None]) -> Callable[[Sequence[E]], None]:
        for kind in kinds:
            _add(kind, _Subscription(handler, after_commit=False, batch=True))
        return handler

    return register


def _add(kind: type[TicketChange], subscription: _Subscription) -> None:
    current = _subscriptions.setdefault(kind, [])
    if any(existing.handler is subscription.handler for existing in current):
        return
    current.append(subscription)


def unsubscribe(handler: Callable[..., None]) -> None:
    """Forget ``handler`` everywhere (tests)."""
    for kind, current in list(_subscriptions.items()):
        _subscriptions[kind] = [s for s in current if s.handler is not handler]


def subscribers(kind: type[TicketChange]) -> list[str]:
    """Who hears about ``kind``, in the order they run (for the docs and tests)."""
    matching = _matching(kind)
    return [s.name for s in matching if not s.batch] + [s.name for s in matching if s.batch]


def _matching(kind: type[TicketChange]) -> list[_Subscription]:
    found: list[_Subscription] = []
    for cls in kind.__mro__:
        for subscription in _subscriptions.get(cls, []):
            if subscription not in found:
                found.append(subscription)
    return found


@dataclass
class _Unit:
    """The events of one outermost :func:`atomic` block, waiting for its end."""

    pending: list[TicketChange] = field(default_factory=list)
    #: Reads the whole unit may share (see :func:`unit_memo`).
    memo: dict[str, Any] = field(default_factory=dict)


_unit: ContextVar[_Unit | None] = ContextVar("tactful_ticket_events", default=None)


@contextmanager
def atomic(*, savepoint: bool = True) -> Iterator[None]:
    """``transaction.atomic()`` that also owns the events emitted inside it.

    The outermost block hands its events to the handlers when it ends (inside the
    transaction); a block that raises drops the events emitted inside it, as the database
    drops its rows. Use it instead of ``transaction.atomic()`` around ticket changes.

    ``savepoint=False``: a nested block without a savepoint of its own (two round trips
    fewer), for a caller that rolls the whole outer block back on any error.
    """
    unit = _unit.get()
    if unit is not None:
        mark = len(unit.pending)
        try:
            with transaction.atomic(savepoint=savepoint):
                yield
        except BaseException:
            # Whatever was emitted in here is not dispatched yet (dispatch waits for the
            # outermost block, or for the handler running it to return): drop it.
            del unit.pending[mark:]
            raise
        return
    unit = _Unit()
    with transaction.atomic():
        token = _unit.set(unit)
        try:
            yield
            _dispatch(unit)
        finally:
            # Before the commit: work that runs after it (on_commit callbacks, such as the
            # coach's analysis in-process) starts a unit of its own, dispatched on its own.
            _unit.reset(token)


def unit_memo() -> dict[str, Any] | None:
    """A dict that lives as long as the outermost :func:`atomic` block (``None`` outside one).

    For reads the whole unit may take as of their first use — a configuration fingerprint
    read once per transaction rather than once per handler call (automation's rules cache):
    a change another process commits meanwhile is seen by the next unit. The owner of a key
    keeps it right when its own process changes what the key stands for.
    """
    unit = _unit.get()
    return None if unit is None else unit.memo


def emit(event: TicketChange) -> None:
    """Hand ``event`` to its subscribers (at the end of the surrounding :func:`atomic`)."""
    unit = _unit.get()
    if unit is None:
        with atomic():
            emit(event)
        return
    unit.pending.append(event)


def _dispatch(unit: _Unit) -> None:
    # Keyed by the handler: one subscribed to several kinds hears them all in one call.
    batches: dict[Callable[[Any], None], list[TicketChange]] = {}
    position = 0
    while True:
        while position < len(unit.pending):
            event = unit.pending[position]
            position += 1
            for subscription in _matching(type(event)):
                if subscription.batch:
                    batches.setdefault(subscription.handler, []).append(event)
                elif subscription.after_commit:
                    transaction.on_commit(_later(subscription, event), robust=True)
                else:
                    subscription.handler(event)
        if not batches:
            break
        # Batch handlers last: whatever they emit goes round once more.
        current, batches = batches, {}
        for handler, changes in current.items():
            handler(changes)
        if position >= len(unit.pending):
            break


def _later(subscription: _Subscription, event: TicketChange) -> Callable[[], None]:
    def run() -> None:
        subscription.handler(event)

    run.__qualname__ = f"after commit: {subscription.name}"
    return run
