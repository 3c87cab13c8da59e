"""``tactful serve`` runs ASGI: the chat's WebSockets work behind gunicorn's uvicorn workers.

The multi-process test is the production shape: two web workers and a separate process that
records and delivers the agent's reply (as a Celery worker would). Only the Redis channel
layer carries the reply from that process to the worker holding the visitor's socket: the
run's own Redis database (``TACTFUL_TEST_REDIS_URL``, as the Celery tests use it), so runs
given different databases never read each other's chat frames.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tactful.desk.cli import gunicorn_argv
from tactful.desk.tests.served import TACTFUL, server_env, tactful_serve

pytestmark = [pytest.mark.chat]


def test_serve_runs_the_asgi_app_on_uvicorn_workers():
    argv = gunicorn_argv(bind="0.0.0.0:9000", workers=3)
    assert argv[-1] == "tactful.desk.asgi:application"
    assert argv[argv.index("--worker-class") + 1] == "uvicorn.workers.UvicornWorker"
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:9000"
    assert argv[argv.index("--workers") + 1] == "3"
    # Longer than a load balancer's idle timeout for the connections it keeps (60 s).
    assert int(argv[argv.index("--keep-alive") + 1]) > 60


def _redis_url() -> str | None:
    """The Redis database this run was given, as it was given (``None``: not configured)."""
    return os.environ.get("TACTFUL_TEST_REDIS_URL") or None


def test_the_served_desk_uses_the_redis_database_this_run_was_given(monkeypatch):
    monkeypatch.setenv("TACTFUL_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
    assert _redis_url() == "redis://127.0.0.1:6379/9"
    monkeypatch.delenv("TACTFUL_TEST_REDIS_URL")
    assert _redis_url() is None


@pytest.fixture
def served_desk(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    redis_url = _redis_url()
    if redis_url is None:
        pytest.skip("TACTFUL_TEST_REDIS_URL is not set (several processes need the Redis layer)")
    env = server_env(
        TACTFUL_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        SECRET_KEY="serve-test-only",
        ALLOWED_HOSTS="127.0.0.1",
        TACTFUL_CHANNELS_REDIS_URL=redis_url,
    )
    setup = (
        "from tactful.accounts import services as s;"
        "team = s.create_team(name='Support');"
        "s.create_agent(username='emma', password='pw-for-tests-only', teams=[team], first_name='Emma')"
    )
    for command in (["migrate", "--verbosity", "0"], ["shell", "-c", setup]):
        done = subprocess.run(
            [str(TACTFUL), "manage", *command], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
    with tactful_serve(env, workers=2) as base:
        yield base, env


def _frame(ws: Any) -> dict[str, Any]:
    return json.loads(ws.recv(timeout=15))


@pytest.mark.slow
def test_a_reply_from_another_process_reaches_the_visitor_through_redis(served_desk):
    from websockets.sync.client import connect

    base, env = served_desk
    with urllib.request.urlopen(f"{base}/chat/widget.js", timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/javascript")
    url = base.replace("http", "ws", 1) + "/chat/ws/visitor/"
    with connect(url, origin="https://shop.example.com") as ws:
        ws.send(json.dumps({"type": "start", "team": "support", "name": "Ada"}))
        assert _frame(ws)["type"] == "session"
        ws.send(
            json.dumps(
                {"type": "message", "id": "0d9c3f7e-9a6b-4c57-8a5e-1b2c3d4e5f60", "body": "Hi"}
            )
        )
        ack = _frame(ws)
        assert ack["type"] == "ack"
        assert _frame(ws)["type"] == "message"  # the echo to the visitor's own group

        reply = (
            "from tactful.tickets.models import Ticket;"
            "from tactful.accounts.models import Agent;"
            "from tactful.tickets.services import record_reply;"
            "m = record_reply(ticket=Ticket.objects.get(), agent=Agent.objects.get(username='emma'),"
            " body='Hello from the other process');"
            "m.refresh_from_db(); print(m.delivery_state)"
        )
        done = subprocess.run(
            [str(TACTFUL), "manage", "shell", "-c", reply],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert done.stdout.strip().endswith("sent")
        pushed = _frame(ws)
        assert pushed["type"] == "message" and pushed["message"]["from"] == "agent"
        assert pushed["message"]["body"] == "Hello from the other process"
        assert pushed["message"]["author"] == "Emma"

    with connect(url, origin="https://shop.example.com") as ws:
        ws.send(json.dumps({"type": "start", "team": "nobody"}))
        assert _frame(ws)["code"] == "unknown_team"
        with pytest.raises(Exception) as closed:
            ws.recv(timeout=15)
        assert "4404" in str(closed.value)
