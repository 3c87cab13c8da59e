"""Real servers the fault tests start, break and bring back: an SMTP server whose answers the test
chooses, and a private ``redis-server`` on a free port.

They are the test's own: nothing the rest of the suite (or another engineer's run) talks to is
stopped or slowed. Each one is bounded in time and torn down by its fixture.
"""

from __future__ import annotations

import os
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


# --- SMTP ------------------------------------------------------------------------------------

#: What the server answers, by mode: at the greeting, at RCPT TO, or after the DATA was sent.
ACCEPT = "accept"
GREETING_421 = "421 at the greeting"
RCPT_450 = "450 at RCPT"
DATA_451 = "451 after DATA"
RCPT_550 = "550 at RCPT"


class _Handler(socketserver.StreamRequestHandler):
    timeout = 10  # a stuck client must not keep a handler thread for ever

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        server: ScriptedSMTPServer = self.server  # type: ignore[assignment]
        server.connections += 1
        if server.mode_for("") == GREETING_421:
            self.reply("421 4.3.2 service not available, closing channel")
            return
        self.reply("220 faults.test ESMTP")
        recipients: list[str] = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("ascii", "replace").strip()
            upper = command.upper()
            if upper.startswith(("EHLO", "HELO")):
                self.reply("250 faults.test")
            elif upper.startswith("MAIL FROM"):
                recipients = []
                self.reply("250 OK")
            elif upper.startswith("RCPT TO"):
                recipient = command.split(":", 1)[1].strip().strip("<>").lower()
                mode = server.mode_for(recipient)
                if mode == RCPT_450:
                    self.reply("450 4.2.1 mailbox busy, try later")
                elif mode == RCPT_550:
                    self.reply("550 5.1.1 no such user here")
                else:
                    recipients.append(recipient)
                    self.reply("250 OK")
            elif upper == "DATA":
                self.reply("354 go ahead")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                if any(server.mode_for(item) == DATA_451 for item in recipients):
                    self.reply("451 4.3.0 local error in processing")  # read, then not kept
                else:
                    server.received.append(data[:-5])
                    self.reply("250 2.0.0 queued")
            elif upper == "RSET":
                recipients = []
                self.reply("250 OK")
            elif upper == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class ScriptedSMTPServer(socketserver.ThreadingTCPServer):
    """An SMTP server on a fixed port that answers as the test says (``mode``, or per
    recipient in ``modes``); ``received`` keeps every mail it accepted. ``stop()`` closes the
    port (clients get "connection refused"), ``start()`` opens it again."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler, bind_and_activate=False)
        self.socket.close()  # start() opens a fresh one each time the port comes back
        self.port = port
        self.mode = ACCEPT
        self.modes: dict[str, str] = {}
        self.received: list[bytes] = []
        self.connections = 0
        self._thread: threading.Thread | None = None

    def mode_for(self, recipient: str) -> str:
        return self.modes.get(recipient, self.mode)

    def start(self) -> None:
        self.socket = socket.socket(self.address_family, self.socket_type)
        self.server_bind()
        self.server_activate()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)
        self._thread = None

    def message_ids(self) -> Counter[str]:
        """How many times each Message-ID arrived."""
        return Counter(
            str(message_from_bytes(raw, policy=policy.default)["Message-ID"]).strip("<>")
            for raw in self.received
        )


# --- Redis -----------------------------------------------------------------------------------

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class PrivateRedis:
    """A ``redis-server`` of the test's own, on a free port, that it may stop and start."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.workdir / f"redis-{self.port}.log").open("ab")
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        if not wait_for(self.answers, timeout=20):
            raise RuntimeError(f"redis-server did not start on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """SIGKILL: the server is gone at once, as when its machine fails."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)
        self.process = None


# --- Celery ----------------------------------------------------------------------------------


def database_url() -> str:
    """The test database, as a URL for a worker process."""
    from django.db import connection

    params = connection.settings_dict
    return (
        f"postgresql://{params['USER']}:{params['PASSWORD'] or ''}@{params['HOST'] or '127.0.0.1'}"
        f":{params['PORT'] or 5432}/{params['NAME']}"
    )


class Worker:
    """``celery worker`` in its own process, on the test database and the given broker.

    ``extra_env`` adds settings for the worker (the crash test's short delivery lease);
    ``name`` starts its hostname, so its lines can be told apart in a broker's view.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        broker_url: str,
        smtp_port: int,
        smtp_host: str = "127.0.0.1",
        extra_env: dict[str, str] | None = None,
        name: str = "faults",
    ) -> None:
        self.log_path = workdir / f"worker-{uuid.uuid4().hex[:6]}.log"
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"REDIS_URL", "TACTFUL_CHANNELS_REDIS_URL"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="tactful.desk.settings",
            DATABASE_URL=database_url(),
            DATABASE_CONN_MAX_AGE="0",
            CELERY_BROKER_URL=broker_url,
            SECRET_KEY="tactful-tests-only-not-secret",  # our Message-IDs are signed with it
            TACTFUL_DATA_DIR=str(workdir / "data"),
            TACTFUL_SMTP_URL=f"smtp://{smtp_host}:{smtp_port}",
            **(extra_env or {}),
        )
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tactful.desk.celery_app",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--hostname",
                f"{name}-{uuid.uuid4().hex[:6]}@%h",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgement, whatever the worker was doing."""
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        self.log.close()

    def tail(self, lines: int = 40) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


# --- PostgreSQL ------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory (``initdb``, ``pg_ctl``), if any."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (``initdb`` into a temporary directory, a free port,
    trust authentication, a superuser named ``root``) that the test may restart or crash.

    PostgreSQL refuses to run as root, so as root the cluster belongs to ``postgres``.
    """

    def __init__(self, bindir: Path) -> None:
        import pwd
        import tempfile

        self.bindir = bindir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="tactful-faults-pg-"))
        self.data = self.dir / "data"
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql://root@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> None:
        subprocess.run(
            [*self.prefix, *args],
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def init(self) -> None:
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "root", "-N"
        )
        self.start()

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c max_connections=20 -c shared_buffers=16MB"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "server.log"),
            "-w",
            "start",
        )

    def restart(self, *, mode: str = "immediate") -> None:
        """Stop (``immediate``: every backend killed, crash recovery at start) and start."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        self.start()

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [
                    *self.prefix,
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                timeout=60,
                check=False,
                capture_output=True,
            )
        shutil.rmtree(self.dir, ignore_errors=True)
