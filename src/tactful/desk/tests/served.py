"""``tactful serve`` in a subprocess for tests that need the real server (gunicorn + uvicorn)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

TACTFUL = Path(sys.executable).with_name("tactful")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(**settings: str) -> dict[str, str]:
    """This process's environment for a served desk, minus the test run's own Django settings,
    broker and cache (the server reads its settings from ``settings`` instead)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    env.update(settings)
    return env


@contextmanager
def tactful_serve(env: dict[str, str], *, workers: int) -> Iterator[str]:
    """Start ``tactful serve`` with ``env`` on a free loopback port; yield its base URL once
    ``/health/`` answers, and stop it afterwards whatever happened."""
    port = free_port()
    server = subprocess.Popen(
        [str(TACTFUL), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/health/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            server.terminate()
            pytest.fail(f"tactful serve did not start: {server.communicate(timeout=10)[1][-3000:]}")
        yield base
    finally:
        server.terminate()
        try:
            # gunicorn gives its workers 30 s (its graceful timeout) to stop before it kills
            # them: wait past that, so a slow stop on a loaded machine is not a test error.
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
        finally:
            if server.stderr is not None:
                server.stderr.close()  # also when the wait failed: no pipe left to the GC
