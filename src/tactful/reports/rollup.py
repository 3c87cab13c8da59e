"""Keeping :class:`DailyFigures` true: count each event into its day's row, or rebuild days
from the messages themselves (after an import, or to check the counts)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.reports.models import COUNTERS, DailyFigures
from tactful.sla import services as sla_services
from tactful.tickets.models import Message, MessageKind

BALANCES = ("too_little", "balanced", "too_much")


@dataclass(frozen=True)
class Key:
    """Which row a count goes into."""

    day: date
    team_id: int
    agent_id: int
    channel: str
    language: str

    def lookup(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "team_id": self.team_id,
            "agent_id": self.agent_id,
            "channel": self.channel,
            "language": self.language,
        }


def key_for(
    *, at: datetime, team_id: int | None, agent_id: int | None, channel: str, language: str
) -> Key:
    return Key(
        day=timezone.localdate(at),
        team_id=team_id or 0,
        agent_id=agent_id or 0,
        channel=channel[:10],
        language=language[:3],
    )


def review_counts(review: Any) -> dict[str, int]:
    """What one reply adds, from the coach's review kept with it (empty: not reviewed)."""
    counts = {"replies": 1}
    if not isinstance(review, dict):
        return counts
    counts["reviewed"] = 1
    balance = review.get("balance")
    if balance in BALANCES:
        counts[str(balance)] = 1
    next_step = review.get("next_step")
    if isinstance(next_step, dict) and next_step.get("present") is True:
        counts["with_next_step"] = 1
    findings = review.get("findings")
    if isinstance(findings, list) and any(
        isinstance(f, dict) and f.get("kind") == "over_apology" for f in findings
    ):
        counts["over_apology"] = 1
    return counts


def add(key: Key, counts: Mapping[str, int]) -> None:
    """Add ``counts`` to the row for ``key`` (created on first use)."""
    add_many([(key, counts)])


def add_many(rows: Iterable[tuple[Key, Mapping[str, int]]]) -> None:
    """Add each ``(key, counts)`` to its row, in one statement whatever the number of rows
    (an upsert: safe when two writers race to create the same row)."""
    summed: dict[Key, Counter[str]] = {}
    for key, counts in rows:
        summed.setdefault(key, Counter()).update(
            {name: n for name, n in counts.items() if n and name in COUNTERS}
        )
    sla_services.add_counts(
        DailyFigures,
        [(key.lookup(), dict(counts)) for key, counts in summed.items()],
        counters=COUNTERS,
    )


def _day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def rebuild(first: date, last: date, *, chunk: int = 5000) -> int:
    """Recount the days ``first``..``last`` from the messages and analyses (deleting their
    rows first); returns the rows written.

    Messages are read with their ticket's current team and channel, and customer-side
    counts with its current assignee: a rebuild cannot know who held the ticket back then.
    """
    start, end = _day_bounds(first, last)
    rows: dict[Key, Counter[str]] = {}

    def count(key: Key, counts: Mapping[str, int]) -> None:
        rows.setdefault(key, Counter()).update(counts)

    replies = (
        Message.objects.filter(
            kind=MessageKind.OUTGOING,
            author_agent__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
        )
        .values_list(
            "created_at",
            "ticket__team_id",
            "author_agent_id",
            "channel",
            "ticket__language",
            "review",
        )
        .iterator(chunk_size=chunk)
    )
    for at, team_id, agent_id, channel, language, review in replies:
        key = key_for(at=at, team_id=team_id, agent_id=agent_id, channel=channel, language=language)
        count(key, review_counts(review))
    incoming = (
        Message.objects.filter(kind=MessageKind.INCOMING, created_at__gte=start, created_at__lt=end)
        .values_list(
            "created_at", "ticket__team_id", "ticket__assignee_id", "channel", "ticket__language"
        )
        .iterator(chunk_size=chunk)
    )
    for at, team_id, agent_id, channel, language in incoming:
        key = key_for(at=at, team_id=team_id, agent_id=agent_id, channel=channel, language=language)
        count(key, {"customer_messages": 1})
    hostile = (
        MessageAnalysis.objects.filter(
            Q(abuse=True) | Q(threat=True),
            status=AnalysisStatus.DONE,
            message__created_at__gte=start,
            message__created_at__lt=end,
        )
        .values_list(
            "message__created_at",
            "message__ticket__team_id",
            "message__ticket__assignee_id",
            "message__channel",
            "message__ticket__language",
        )
        .iterator(chunk_size=chunk)
    )
    for at, team_id, agent_id, channel, language in hostile:
        key = key_for(at=at, team_id=team_id, agent_id=agent_id, channel=channel, language=language)
        count(key, {"abusive_messages": 1})
    with transaction.atomic():
        DailyFigures.objects.filter(day__gte=first, day__lte=last).delete()
        DailyFigures.objects.bulk_create(
            [DailyFigures(**key.lookup(), **dict(counts)) for key, counts in rows.items()],
            batch_size=2000,
        )
    return len(rows)


def rebuild_all() -> int:
    """Recount every day that has messages."""
    bounds = Message.objects.order_by("created_at").values_list("created_at", flat=True)
    first = bounds.first()
    last = Message.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    if first is None or last is None:
        DailyFigures.objects.all().delete()
        return 0
    return rebuild(timezone.localdate(first), timezone.localdate(last))
