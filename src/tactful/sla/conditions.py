"""Which policy applies to a ticket: its conditions as a pure check, and their validation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

CHANNELS = ("email", "chat", "web", "api", "social", "forum", "phone", "video")
LANGUAGES = ("en", "es", "ru", "und")
PRIORITIES = (1, 2, 3, 4)
MAX_ITEMS = 50
#: The longest target a policy may set: a year, in minutes.
MAX_TARGET_MINUTES = 366 * 24 * 60


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What a policy's conditions look at."""

    team_id: int | None
    channel: str
    priority: int
    language: str
    tags: frozenset[str]
    customer_id: int


class Conditions(Protocol):
    teams: Any
    channels: Any
    priorities: Any
    languages: Any
    tags: Any
    customers: Any


def _listed(values: Any) -> list[Any]:
    return list(values) if isinstance(values, list | tuple) else []


def matches(policy: Conditions, facts: TicketFacts) -> bool:
    """Every non-empty condition holds (tags: any of them)."""
    teams = _listed(policy.teams)
    if teams and facts.team_id not in teams:
        return False
    channels = _listed(policy.channels)
    if channels and facts.channel not in channels:
        return False
    priorities = _listed(policy.priorities)
    if priorities and facts.priority not in priorities:
        return False
    languages = _listed(policy.languages)
    if languages and facts.language not in languages:
        return False
    tags = _listed(policy.tags)
    if tags and not facts.tags.intersection(tags):
        return False
    customers = _listed(policy.customers)
    return not (customers and facts.customer_id not in customers)


def reads_tags(policies: Iterable[Conditions]) -> bool:
    return any(_listed(policy.tags) for policy in policies)


def first_match(policies: Sequence[Any], facts: TicketFacts) -> Any | None:
    """The first policy (in order) whose conditions hold, or ``None``."""
    return next((policy for policy in policies if matches(policy, facts)), None)


def check_list(
    values: Any, *, allowed: Sequence[Any] | None, name: str, integers: bool = False
) -> list[Any]:
    """A condition list, validated: raises ValueError naming the field and the bad value."""
    if values in (None, ""):
        return []
    if not isinstance(values, list | tuple):
        raise ValueError(f"{name} must be a list")
    if len(values) > MAX_ITEMS:
        raise ValueError(f"{name}: at most {MAX_ITEMS} values")
    clean: list[Any] = []
    for value in values:
        if integers and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{name}: not an id: {value!r}")
        if not integers and not isinstance(value, str):
            raise ValueError(f"{name}: not text: {value!r}")
        if allowed is not None and value not in allowed:
            raise ValueError(f"{name}: unknown value {value!r}")
        if value not in clean:
            clean.append(value)
    return clean


def check_minutes(value: Any, *, name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of minutes, at least 1")
    if value > MAX_TARGET_MINUTES:
        raise ValueError(f"{name}: at most {MAX_TARGET_MINUTES} minutes (a year)")
    return int(value)
