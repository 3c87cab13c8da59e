"""The Redis channel layer's settings, kept apart so the settings module can import them.

No Django here: ``tactful.desk.settings`` imports this while it is being read.
"""

from __future__ import annotations

from typing import Any

#: channels_redis waits for a message with a blocking ``BZPOPMIN`` of 5 s (its
#: ``brpop_timeout``), and redis-py reads every reply with a 5 s socket timeout by default
#: (since redis 6): the read gave up at the very moment Redis answered "nothing came", so a
#: chat connection with nothing to receive for 5 s died with ``redis.exceptions.TimeoutError``
#: and the visitor's socket closed. The socket timeout must be longer than the blocking wait,
#: with room for a busy Redis.
SOCKET_TIMEOUT_SECONDS = 20


def redis_channel_layer(url: str) -> dict[str, Any]:
    """``CHANNEL_LAYERS["default"]`` for the Redis layer at ``url``."""
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": url, "socket_timeout": SOCKET_TIMEOUT_SECONDS}],
            "prefix": "tactful-chat",
        },
    }
