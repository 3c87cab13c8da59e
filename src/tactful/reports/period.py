"""The period a report covers, the one before it, and how it is cut into days, weeks or
months (in the desk's time zone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

BUCKETS = ("day", "week", "month")
#: The longest period a report covers (two years: the previous period doubles the reading).
MAX_DAYS = 731


@dataclass(frozen=True)
class Period:
    """``first``..``last`` (inclusive local dates), cut into ``bucket``-sized slices."""

    first: date
    last: date
    bucket: str

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period ends after it starts")
        if self.days > MAX_DAYS:
            raise ValueError(f"a report covers at most {MAX_DAYS} days")
        if self.bucket not in BUCKETS:
            raise ValueError(f"unknown bucket {self.bucket!r}")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def previous(self) -> Period:
        """The same number of days just before."""
        last = self.first - timedelta(days=1)
        return Period(first=last - timedelta(days=self.days - 1), last=last, bucket=self.bucket)

    @property
    def start(self) -> datetime:
        return _midnight(self.first)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after ``last``."""
        return _midnight(self.last + timedelta(days=1))

    def bucket_of(self, day: date) -> date:
        """The first day of the slice ``day`` falls in."""
        if self.bucket == "week":
            return day - timedelta(days=day.weekday())
        if self.bucket == "month":
            return day.replace(day=1)
        return day

    def buckets(self) -> list[date]:
        """Every slice of the period in order (those with no data included)."""
        seen: list[date] = []
        day = self.first
        while day <= self.last:
            slot = self.bucket_of(day)
            if not seen or seen[-1] != slot:
                seen.append(slot)
            day += timedelta(days=1)
        return seen


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def default_bucket(days: int) -> str:
    if days <= 31:
        return "day"
    return "week" if days <= 186 else "month"


def last_days(days: int, *, today: date | None = None, bucket: str | None = None) -> Period:
    today = today or timezone.localdate()
    return Period(
        first=today - timedelta(days=days - 1),
        last=today,
        bucket=bucket or default_bucket(days),
    )
