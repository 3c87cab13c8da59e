"""The shared Redis cache, made optional at run time: with Redis down the desk keeps serving.

Nothing Tactful keeps in the cache is the only copy — sessions are in the database too
(``cached_db``), the canned library's version and the webhook subscriptions are rebuilt from the
database, rate-limit windows simply restart — so a cache that cannot be reached behaves as an
empty one: reads miss, writes are dropped, ``incr`` says the key is gone. Without this, every
signed-in page was a 500 while Redis was down (the session middleware reads the cache first).

After a failure the cache is not tried again for ``RETRY_AFTER`` seconds, so a Redis that drops
packets costs one connect timeout now and then, not one per cache call. Readiness
(``/ready/``) reports the cache as down meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: Seconds during which a cache that just failed is treated as empty without being asked.
RETRY_AFTER = 5.0
_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)

T = TypeVar("T")


class ResilientRedisCache(RedisCache):
    """Django's Redis cache; an outage makes it an empty cache instead of an exception."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _try(self, call: Callable[[], T], fallback: T) -> T:
        if self.is_down:
            return fallback
        try:
            return call()
        except _OUTAGE as exc:
            with self._lock:
                first = not self.is_down
                self._down_until = time.monotonic() + RETRY_AFTER
            if first:  # one line per outage window, not one per request
                logger.warning("cache unreachable, serving without it: %s", exc)
            return fallback

    def ping(self) -> None:
        """Raise if Redis does not answer now (for readiness: asks even while marked down)."""
        self._cache.get_client(write=True).ping()
        self._down_until = 0.0

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._try(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False
        )

    def get(self, key: Any, default: Any | None = None, version: int | None = None) -> Any:
        return self._try(
            lambda: super(ResilientRedisCache, self).get(key, default, version), default
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._try(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._try(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._try(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._try(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._try(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        missing = object()
        result = self._try(
            lambda: super(ResilientRedisCache, self).incr(key, delta, version), missing
        )
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")
        return int(result)  # type: ignore[call-overload]

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._try(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), list(data)
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._try(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def clear(self) -> bool:
        return self._try(lambda: super(ResilientRedisCache, self).clear(), False)
