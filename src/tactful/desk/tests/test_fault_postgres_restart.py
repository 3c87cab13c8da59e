"""Fault: PostgreSQL crashes and restarts in the middle of an e-mail ingest.

A private cluster (``initdb`` into a temporary directory, a free port) is migrated by a
subprocess; another subprocess ingests a batch of e-mails into it; when part of the batch is
stored the cluster is stopped in ``immediate`` mode (every backend killed, crash recovery at
the next start) and started again. The ingest dies with the database error, as a poll task
would; running it again over the whole batch (what the next IMAP poll does: the mails it had not
confirmed are fetched again) stores what was missing. Every mail is then stored exactly once,
none refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from tactful.desk.tests import faults

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MAILS = 150

#: Ingests every ``*.eml`` of a directory in name order, as the IMAP poll does with new UIDs.
INGEST = """
import sys
import django
django.setup()
from pathlib import Path
from tactful.mail.services import ingest_email
for path in sorted(Path(sys.argv[1]).glob("*.eml")):
    result = ingest_email(path.read_bytes())
    print(path.name, result.status, flush=True)
"""


@pytest.fixture
def cluster() -> Iterator[faults.PrivatePostgres]:
    bindir = faults.postgres_bin()
    if bindir is None:  # scripts/services.sh installs PostgreSQL's server package
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed")
    server = faults.PrivatePostgres(bindir)
    try:
        server.init()
        yield server
    finally:
        server.destroy()


def _env(cluster: faults.PrivatePostgres, data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "TACTFUL_CHANNELS_REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tactful.desk.settings",
        DATABASE_URL=cluster.url,
        DATABASE_CONN_MAX_AGE="0",
        SECRET_KEY="tactful-tests-only-not-secret",
        TACTFUL_DATA_DIR=str(data_dir),
    )
    return env


def _mails(directory: Path) -> list[str]:
    """``MAILS`` customer e-mails as files; returns their Message-IDs."""
    directory.mkdir()
    ids = []
    for n in range(MAILS):
        mail = EmailMessage()
        mail["From"] = f"Customer {n} <customer{n}@customers.test>"
        mail["To"] = "support@faults.test"
        mail["Subject"] = f"Order {n} never arrived"
        mail["Message-ID"] = make_msgid(domain="customers.test")
        mail.set_content(f"Hello, order {n} has still not arrived. Where is it?")
        (directory / f"{n:05d}.eml").write_bytes(mail.as_bytes())
        ids.append(str(mail["Message-ID"]).strip("<>"))
    return ids


def _stored(cluster: faults.PrivatePostgres) -> dict[str, int]:
    """How many messages each e-mail became, by external id (its Message-ID)."""
    import psycopg

    try:
        with psycopg.connect(cluster.url, connect_timeout=5, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT external_id, count(*) FROM tickets_message"
                " WHERE channel = 'email' AND kind = 'in' GROUP BY external_id"
            ).fetchall()
    except psycopg.OperationalError:
        return {}
    return {str(external_id): int(count) for external_id, count in rows}


def _refused(cluster: faults.PrivatePostgres) -> int:
    import psycopg

    with psycopg.connect(cluster.url, connect_timeout=5, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM mail_refusedmail").fetchone()
    return int(row[0]) if row else 0


def test_a_postgres_restart_mid_ingest_stores_every_mail_exactly_once(cluster, tmp_path):
    env = _env(cluster, tmp_path / "data")
    started = time.monotonic()
    migrate = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--noinput"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    print(f"private cluster migrated in {time.monotonic() - started:.1f} s")
    ids = _mails(tmp_path / "mails")

    log = (tmp_path / "first.log").open("w")
    first = subprocess.Popen(
        [sys.executable, "-c", INGEST, str(tmp_path / "mails")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert faults.wait_for(
            lambda: sum(_stored(cluster).values()) >= MAILS // 5 or first.poll() is not None,
            timeout=300,
            interval=0.05,
        )
        cluster.restart(mode="immediate")
        first.wait(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        log.close()
    first_log = (tmp_path / "first.log").read_text(errors="replace")
    at_restart = sum(_stored(cluster).values())
    print(f"PostgreSQL restarted with {at_restart} of {MAILS} mails stored")
    assert first.returncode != 0, "the ingest finished before the restart: nothing was tested"
    assert "OperationalError" in first_log or "InterfaceError" in first_log, first_log[-3000:]
    assert 0 < at_restart < MAILS

    again = subprocess.run(
        [sys.executable, "-c", INGEST, str(tmp_path / "mails")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-3000:]
    statuses = [
        line.split()[-1]
        for line in again.stdout.splitlines()
        if line.endswith(("created", "appended", "duplicate", "refused"))
    ]
    assert len(statuses) == MAILS
    assert statuses.count("duplicate") >= at_restart - 1  # the one in flight may be rolled back

    stored = _stored(cluster)
    assert sorted(stored) == sorted(ids)
    assert set(stored.values()) == {1}
    assert _refused(cluster) == 0
