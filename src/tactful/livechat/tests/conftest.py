"""Fixtures for the chat tests: a team with a public name, and a clean channel layer."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> Any:
    """Each test starts with an empty in-memory layer (no groups or messages left over)."""
    layer = get_channel_layer()
    yield layer
    if hasattr(layer, "flush"):
        async_to_sync(layer.flush)()


@pytest.fixture
def chat_team(desk: Any) -> Any:
    return desk.team("Support")
