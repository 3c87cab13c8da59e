"""The coach's readings, kept per process: each customer message is read once, each
conversation reviewed once until it changes.

The live review runs on every pause in typing; reading the customer's message again each time
would cost more than the rest of the review. Keys include a digest of the text, so an edited
or merged message is read again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from typing import Generic, TypeVar

from django.conf import settings

from tactful import coach
from tactful.tickets.rendering import plain_text

#: How much of a customer's message the live coach reads (the start holds the questions).
CUSTOMER_READ_CHARS = 20_000

K = TypeVar("K")
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """A small thread-safe LRU: the live server and gunicorn threads share one per process."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        # Computed outside the lock: two threads may both compute a cold key, which is cheaper
        # than making every other reader wait on the coach.
        value = compute()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)


_readings: LRUCache[tuple[int | None, str], coach.MessageAnalysis] = LRUCache(
    getattr(settings, "TACTFUL_COACH_LIVE_CACHE_SIZE", 2048)
)
_conversations: LRUCache[tuple[int, str], coach.ConversationReview | None] = LRUCache(
    getattr(settings, "TACTFUL_COACH_LIVE_CACHE_SIZE", 2048) // 4
)


def clear_caches() -> None:
    """Forget every cached reading (tests; a new coach model deployed in place)."""
    _readings.clear()
    _conversations.clear()


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def customer_reading(*, message_id: int | None, body: str) -> coach.MessageAnalysis:
    """The coach's reading of a customer message, computed once per (message, body).

    The body is part of the key so an edited or merged message is read again.
    """

    return _readings.get_or_compute(
        (message_id, digest(body)),
        lambda: coach.analyze_message(plain_text(body)[:CUSTOMER_READ_CHARS]),
    )


@cache
def coach_version() -> str | None:
    """The installed Tactful version, stored with each review so old ones can be told apart."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tactful")
    except PackageNotFoundError:
        return None


def conversation_reading(
    key: tuple[int, str], compute: Callable[[], coach.ConversationReview | None]
) -> coach.ConversationReview | None:
    """The review of a conversation under ``key`` (ticket, digest of its turns), computed once."""
    return _conversations.get_or_compute(key, compute)
