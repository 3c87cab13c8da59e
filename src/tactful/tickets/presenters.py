"""What people read of stored ticket data: event sentences and emotion names, translated."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from tactful.tickets import events
from tactful.tickets.models import TicketEvent

_EMOTION_LABELS = {
    "anger": gettext_lazy("anger"),
    "frustration": gettext_lazy("frustration"),
    "sadness": gettext_lazy("sadness"),
    "worry": gettext_lazy("worry"),
    "confusion": gettext_lazy("confusion"),
    "gratitude": gettext_lazy("gratitude"),
    "neutral": gettext_lazy("neutral"),
}


def emotion_label(name: str) -> str:
    """The emotion's name in the active language."""
    label = _EMOTION_LABELS.get(name)
    return str(label) if label is not None else (name or "—")


def describe_event(event: TicketEvent, names: events.Names) -> str:
    """The timeline's sentence for ``event``, in the active language."""
    return events.describe(event.kind, event.data, names)


def event_label(kind: str) -> str:
    """The name of an event kind, in the active language."""
    return events.label(kind)
