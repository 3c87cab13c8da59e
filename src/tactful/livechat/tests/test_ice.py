"""STUN/TURN settings and per-call TURN credentials, checked against coturn itself."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tactful.livechat import ice


def _openssl_password(secret: str, username: str) -> str:
    """The documented algorithm, computed by another implementation: openssl's HMAC-SHA1."""
    digest = subprocess.run(
        ["openssl", "dgst", "-sha1", "-hmac", secret, "-binary"],
        input=username.encode(),
        capture_output=True,
        check=True,
    ).stdout
    return (
        subprocess.run(["base64"], input=digest, capture_output=True, check=True)
        .stdout.decode()
        .strip()
    )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
@pytest.mark.parametrize(
    ("secret", "user", "expires_at"),
    [
        ("north", "call1-agent", 1_796_563_050),
        ("a long secret with spaces and ünïcode", "call42-visitor", 2_000_000_000),
        ("s", "", 1),
    ],
)
def test_turn_credentials_follow_the_turn_rest_scheme(secret, user, expires_at):
    username, password = ice.turn_credentials(secret=secret, user=user, expires_at=expires_at)
    assert username == f"{expires_at}:{user}"  # expiry first, then the user, as coturn parses
    assert password == _openssl_password(secret, username)
    assert len(password) == 28  # base64 of a 20-byte SHA-1 digest


def test_without_servers_browsers_use_host_candidates_only(settings):
    settings.TACTFUL_ICE_SERVERS = []
    assert ice.ice_servers(user="call1-agent") == []


def test_stun_needs_no_credentials_and_turn_gets_a_fresh_expiring_one(settings):
    settings.TACTFUL_ICE_SERVERS = [
        "stun:stun.example.com:3478",
        "turn:turn.example.com:3478?transport=udp",
        "turns:turn.example.com:5349",
    ]
    settings.TACTFUL_TURN_SECRET = "s3cret"
    settings.TACTFUL_TURN_TTL = 600
    stun, turn = ice.ice_servers(user="call7-visitor", now=1_000_000.0)
    assert stun == {"urls": ["stun:stun.example.com:3478"]}
    assert turn["urls"] == [
        "turn:turn.example.com:3478?transport=udp",
        "turns:turn.example.com:5349",
    ]
    assert turn["username"] == "1000600:call7-visitor"
    assert (turn["username"], turn["credential"]) == ice.turn_credentials(
        secret="s3cret", user="call7-visitor", expires_at=1_000_600
    )


def test_turn_without_a_secret_is_left_out_and_the_check_says_why(settings):
    settings.TACTFUL_ICE_SERVERS = ["turn:turn.example.com:3478"]
    settings.TACTFUL_TURN_SECRET = ""
    assert ice.ice_servers(user="x") == []
    assert [problem.id for problem in ice.check_ice_settings()] == ["tactful.livechat.W001"]


@pytest.mark.parametrize(
    "url", ["http://turn.example.com", "turn:", "stun:a b", "turn:" + "x" * 300, "javascript:1"]
)
def test_a_malformed_server_url_fails_the_system_check(settings, url):
    settings.TACTFUL_ICE_SERVERS = [url]
    settings.TACTFUL_TURN_SECRET = "s"
    assert "tactful.livechat.E001" in [problem.id for problem in ice.check_ice_settings()]


def test_the_environment_variable_takes_commas_or_spaces():
    assert ice.parse_urls(" stun:a:1, turn:b:2\nturns:c:3 ,") == [
        "stun:a:1",
        "turn:b:2",
        "turns:c:3",
    ]


# --- a real coturn ----------------------------------------------------------------------------


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """coturn on loopback with ``use-auth-secret`` (as docs/calls.md runs it)."""
    if shutil.which("turnserver") is None:
        if os.environ.get("TACTFUL_REQUIRE_SERVICES"):
            pytest.fail("coturn (turnserver) is not installed: scripts/services.sh installs it")
        pytest.skip("coturn (turnserver) is not installed")
    port, secret = _free_udp_port(), "coturn-test-secret"
    process = subprocess.Popen(
        [
            "turnserver",
            "-n",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            f"--listening-port={port}",
            "--min-port=40000",
            "--max-port=40200",
            "--use-auth-secret",
            f"--static-auth-secret={secret}",
            "--realm=tactful.test",
            "--no-cli",
            "--no-tls",
            "--no-dtls",
            "--allow-loopback-peers",
            "--fingerprint",
            f"--pidfile={tmp_path / 'turnserver.pid'}",
            f"--log-file={tmp_path / 'turn.log'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    try:
        yield port, secret
    finally:
        process.terminate()
        process.wait(timeout=10)


def _allocate(port: int, username: str, password: str) -> bool:
    """Ask coturn for a relay with these credentials (its own test client)."""
    done = subprocess.run(
        [
            *("turnutils_uclient", "-p", str(port), "-u", username, "-w", password),
            *("-n", "2", "-m", "1", "-y", "-e", "127.0.0.1", "127.0.0.1"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = done.stdout + done.stderr
    return "Cannot complete Allocation" not in output and "tot_recv_bytes" in output


@pytest.mark.slow
def test_coturn_accepts_our_credentials_and_refuses_expired_or_forged_ones(coturn, settings):
    port, secret = coturn
    settings.TACTFUL_ICE_SERVERS = [f"turn:127.0.0.1:{port}"]
    settings.TACTFUL_TURN_SECRET = secret
    settings.TACTFUL_TURN_TTL = 600
    [server] = ice.ice_servers(user="call1-agent")
    assert _allocate(port, server["username"], server["credential"])

    expired, password = ice.turn_credentials(
        secret=secret, user="call1-agent", expires_at=int(time.time()) - 5
    )
    assert not _allocate(port, expired, password)
    assert not _allocate(port, server["username"], "forged" + server["credential"][6:])
    other_secret = ice.turn_credentials(
        secret="not-the-secret", user="call1-agent", expires_at=int(time.time()) + 600
    )
    assert not _allocate(port, *other_secret)
