"""Checking and cleaning what an export says: dates, text, ids, names, files.

Every reader calls these, so a date, an over-long field or a hostile file name is judged the
same way whatever the source; a value that cannot be used raises :class:`RecordError`, which
the reader turns into a refusal of that one record.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone

from tactful.customers.models import normalize_language
from tactful.tickets.models import Priority, Status
from tactful.tickets.rendering import plain_text

#: Source ids longer than this are refused (the key column's width).
MAX_KEY = 255
MAX_SUBJECT = 200
MAX_NAME = 200
MAX_TAG = 50
MAX_TAGS = 100
MAX_MESSAGES = 10_000
#: Text of one message; a longer one refuses its ticket (an export that big is broken).
MAX_BODY = 2_000_000
MAX_FILENAME = 200


class RecordError(ValueError):
    """A value in the export that cannot be imported; the message says which and why."""


def text(value: Any, *, limit: int | None = None, what: str = "text") -> str:
    """A string from an export value: NUL characters dropped (PostgreSQL cannot store them)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RecordError(f"{what} is not text")
    result = str(value).replace("\x00", "")
    if limit is not None and len(result) > limit:
        raise RecordError(f"{what} is {len(result):,} characters long (at most {limit:,})")
    return result


def short_text(value: Any, *, limit: int, what: str = "text") -> str:
    """One line of display text (a subject, a name): trimmed, cut to ``limit`` with an ellipsis."""
    result = " ".join(text(value, what=what).split())
    return result if len(result) <= limit else result[: limit - 1] + "…"


def key(value: Any, *, what: str = "id") -> str:
    """A source id as text: required, at most :data:`MAX_KEY` characters."""
    if isinstance(value, bool) or value is None:
        raise RecordError(f"{what} is missing")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = text(value, what=what).strip()
    if not result:
        raise RecordError(f"{what} is missing")
    if len(result) > MAX_KEY:
        raise RecordError(f"{what} is {len(result):,} characters long (at most {MAX_KEY})")
    return result


def optional_key(value: Any, *, what: str = "id") -> str:
    return "" if value is None or value == "" else key(value, what=what)


def body(value: Any, *, what: str = "body") -> str:
    return text(value, limit=MAX_BODY, what=what)


def reply_body(*, plain: Any, html: Any, what: str = "body") -> tuple[str, str]:
    """(text, original) of a reply or note: the desk shows replies as the plain text agents
    type, so an HTML body becomes its text and the HTML is kept as the original."""
    html_text = body(html, what=what) if html else ""
    text_value = body(plain, what=what) if plain else ""
    if not text_value and html_text:
        text_value = re.sub(r"\n{3,}", "\n\n", plain_text(html_text)).strip()
    return text_value, html_text if html_text and html_text != text_value else ""


def zone(name: str) -> tzinfo:
    """The time zone for dates written without one (``--timezone``)."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RecordError(f"unknown time zone {name!r}") from exc


_EPOCH_MIN = datetime(1970, 1, 1, tzinfo=UTC)


def when(value: Any, *, naive_zone: tzinfo = UTC, what: str = "date") -> datetime:
    """A timezone-aware datetime from ISO 8601 text (``Z``, offsets, or none: ``naive_zone``)
    or Unix seconds. Dates before 1970 or more than a day ahead are refused."""
    if isinstance(value, bool) or value is None or value == "":
        raise RecordError(f"{what} is missing")
    if isinstance(value, int | float):
        try:
            result = datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise RecordError(f"{what} {value!r} is not a time") from exc
    elif isinstance(value, str):
        raw = value.strip()
        if len(raw) > 40:
            raise RecordError(f"{what} is not a date")
        try:
            result = datetime.fromisoformat(raw.replace(" UTC", "Z"))
        except ValueError as exc:
            raise RecordError(f"{what} {raw!r} is not an ISO 8601 date") from exc
        if timezone.is_naive(result):
            result = result.replace(tzinfo=naive_zone)
    else:
        raise RecordError(f"{what} is not a date")
    result = result.astimezone(UTC)
    if result < _EPOCH_MIN:
        raise RecordError(f"{what} {value!r} is before 1970")
    if result > timezone.now() + timedelta(days=1):
        raise RecordError(f"{what} {value!r} is in the future")
    return result


def optional_when(value: Any, *, naive_zone: tzinfo = UTC, what: str = "date") -> datetime | None:
    if value is None or value == "":
        return None
    return when(value, naive_zone=naive_zone, what=what)


def language(value: Any) -> str:
    """en/es/ru from any tag (``es-MX``, ``ru``), ``und`` otherwise."""
    return normalize_language(value if isinstance(value, str) else None)


def tags(values: Any) -> tuple[str, ...]:
    """Tags: lower-case, trimmed, unique, in order; over-long ones are cut to the column."""
    if values is None or values == "":
        return ()
    if isinstance(values, str):
        values = re.split(r"[,;|]", values)
    if not isinstance(values, list | tuple):
        raise RecordError("tags are not a list")
    seen: dict[str, None] = {}
    for value in values:
        if isinstance(value, dict):  # Help Scout: {"id": 1, "tag": "vip"}
            value = value.get("tag") or value.get("name")
        name = " ".join(text(value, what="tag").split()).lower()[:MAX_TAG]
        if name:
            seen.setdefault(name, None)
    if len(seen) > MAX_TAGS:
        raise RecordError(f"{len(seen)} tags (at most {MAX_TAGS})")
    return tuple(seen)


#: Generic names for statuses and priorities (the generic format, and fallbacks).
STATUS_NAMES = {
    "new": Status.NEW,
    "open": Status.OPEN,
    "active": Status.OPEN,
    "pending": Status.PENDING,
    "hold": Status.PENDING,
    "on hold": Status.PENDING,
    "on-hold": Status.PENDING,
    "waiting": Status.PENDING,
    "solved": Status.SOLVED,
    "resolved": Status.SOLVED,
    "closed": Status.CLOSED,
}
PRIORITY_NAMES = {
    "low": Priority.LOW,
    "normal": Priority.NORMAL,
    "medium": Priority.NORMAL,
    "high": Priority.HIGH,
    "urgent": Priority.URGENT,
}
PRIORITY_LABELS = {int(v): k for k, v in PRIORITY_NAMES.items() if k != "medium"}


def status(value: Any, *, table: dict[Any, str] | None = None) -> str:
    """A Tactful status from the source's value, through its documented table."""
    lookup = value.strip().lower() if isinstance(value, str) else value
    found = (table or {}).get(lookup) or STATUS_NAMES.get(lookup)
    if found is None:
        raise RecordError(f"unknown status {value!r}")
    return str(found)


def priority(value: Any, *, table: dict[Any, int] | None = None) -> int:
    """A Tactful priority from the source's value; missing means normal."""
    if value is None or value == "":
        return int(Priority.NORMAL)
    lookup = value.strip().lower() if isinstance(value, str) else value
    found = (table or {}).get(lookup) or PRIORITY_NAMES.get(lookup)
    if found is None:
        raise RecordError(f"unknown priority {value!r}")
    return int(found)


_UNSAFE_FILENAME = re.compile(r"[^\w.\- ()\[\]+@]", re.UNICODE)


def safe_filename(value: Any) -> str:
    """A file name that cannot leave its folder: the last path part, no control characters,
    no leading dots; ``attachment`` when nothing usable is left."""
    name = unicodedata.normalize("NFC", text(value, what="file name"))
    name = name.replace("\\", "/").split("/")[-1]
    name = _UNSAFE_FILENAME.sub("_", name).strip(" .")
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: MAX_FILENAME - 10] + dot + extension[:8]) if dot else name[:MAX_FILENAME]
    return name or "attachment"


def inside(folder: str, relative: Any, *, what: str = "attachment") -> str:
    """The path of ``relative`` under ``folder``; refused if it would lead outside it (by
    ``..``, an absolute path or a symbolic link)."""
    rel = text(relative, what=f"{what} path")
    if not rel or os.path.isabs(rel):
        raise RecordError(f"{what} path {rel!r} is not relative to the export")
    root = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(root, rel))
    if os.path.commonpath([root, target]) != root:
        raise RecordError(f"{what} path {rel!r} leads outside the export folder")
    return target


def max_attachment_bytes() -> int:
    return int(getattr(settings, "TACTFUL_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))
