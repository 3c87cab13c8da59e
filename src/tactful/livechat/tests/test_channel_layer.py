"""A chat connection with nothing to receive for a while stays open on the Redis channel layer.

channels_redis waits for a message with a blocking pop of ``brpop_timeout`` seconds (5), and
redis-py's default read timeout is also 5 s: with the settings as they were, every wait that
ended with nothing to receive raised ``redis.exceptions.TimeoutError`` in the consumer, which
closed the visitor's socket (the load test saw it as dropped chats). Real Redis, no mocks.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from channels_redis.core import RedisChannelLayer

from tactful.livechat.layer_config import redis_channel_layer

pytestmark = [pytest.mark.chat, pytest.mark.slow]


def _layer() -> RedisChannelLayer:
    url = os.environ.get("TACTFUL_TEST_REDIS_URL")
    if not url:
        pytest.skip("TACTFUL_TEST_REDIS_URL is not set")
    config = redis_channel_layer(url)["CONFIG"]
    return RedisChannelLayer(**{**config, "prefix": "tactful-layer-test"})


def test_a_message_after_a_quiet_spell_longer_than_the_blocking_wait_is_received():
    layer = _layer()
    quiet_seconds = layer.brpop_timeout + 2

    async def scenario() -> dict[str, str]:
        channel = await layer.new_channel()

        async def reply_later() -> None:
            await asyncio.sleep(quiet_seconds)
            await layer.send(channel, {"type": "chat.reply", "text": "Here is your refund"})

        sender = asyncio.create_task(reply_later())
        try:
            return await asyncio.wait_for(layer.receive(channel), timeout=quiet_seconds + 15)
        finally:
            await sender
            await layer.flush()

    assert asyncio.run(scenario()) == {"type": "chat.reply", "text": "Here is your refund"}
