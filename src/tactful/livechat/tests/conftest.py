"""Fixtures for the chat tests: a team with a public name, a clean channel layer, and for the
browser tests the desk in a real uvicorn server beside a shop site on another origin."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
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


@pytest.fixture(autouse=True)
def fresh_rate_windows() -> Iterator[None]:
    """Chat's limits per visitor and per address count in the cache: each test starts with
    none counted (every test's visitor comes from the same test address)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def chat_team(desk: Any) -> Any:
    return desk.team("Support")


SITE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme shop</title>
<style>
  /* A careless site stylesheet: none of this may reach inside the widget. */
  * {{ color: red !important; font-size: 40px !important; }}
  button, input, textarea, ol, li {{ display: none !important; }}
  tactful-chat, div {{ display: none !important; opacity: 0 !important; }}
</style></head>
<body><h1>Acme shop</h1><p>Products…</p>
<script src="{desk}/chat/widget.js" data-team="{team}" data-lang="en" async></script>
</body></html>
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int) -> None:
    for _ in range(200):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture
def asgi_desk(close_stray_database_sessions: Any) -> Iterator[str]:
    """The desk's ASGI application in a real uvicorn server (pages and WebSockets)."""
    import uvicorn

    from tactful.desk.asgi import application

    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    _wait_for_port(port)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def shop_site(tmp_path: Path, asgi_desk: str, chat_team: Any) -> Iterator[str]:
    """Another origin (``localhost`` and its own port) with the widget's one tag on it."""
    (tmp_path / "index.html").write_text(
        SITE_PAGE.format(desk=asgi_desk, team=chat_team.slug), encoding="utf-8"
    )

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
