"""IMAP polling against the real Dovecot: batches, UIDVALIDITY, failures, hostile mail, the
Celery task and the ``poll_mail`` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from email.utils import make_msgid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection

from tactful.mail import imap, tasks
from tactful.mail.models import Mailbox, RefusedMail
from tactful.mail.tests import servers
from tactful.tickets.models import Message

pytestmark = [pytest.mark.email]


def _mail(n: int, *, sender: str | None = None, to: str = "support@example.test") -> bytes:
    sender = sender or servers.address(f"customer{n}")
    return servers.customer_mail(
        sender=sender, to=to, subject=f"Question {n}", body=f"Question number {n}, please help."
    ).as_bytes()


def _ids(raws: list[bytes]) -> list[str]:
    from email.parser import BytesHeaderParser

    return [BytesHeaderParser().parsebytes(raw)["Message-ID"].strip("<>") for raw in raws]


@pytest.fixture
def inbox(desk):
    """A fresh mailbox, its Mailbox row and a team."""
    team = desk.team()
    username = servers.address("support")
    return servers.make_mailbox(username=username, team=team)


def test_poll_fetches_every_new_mail_in_batches_and_only_once(inbox, monkeypatch):
    monkeypatch.setattr(imap, "BATCH_SIZE", 4)
    raws = [_mail(n, to=inbox.username) for n in range(10)]
    servers.append(inbox.username, raws)

    first = imap.poll_mailbox(inbox)
    second = imap.poll_mailbox(inbox)

    assert (first.fetched, first.created, first.errors) == (10, 10, 0), first
    assert (second.fetched, second.created) == (0, 0), second
    assert set(
        Message.objects.filter(channel="email").values_list("external_id", flat=True)
    ) == set(_ids(raws))
    inbox.refresh_from_db()
    uids = [item["uid"] for item in servers.messages(inbox.username)]
    assert inbox.last_uid == max(uids)
    assert all(b"\\Seen" in item["flags"] for item in servers.messages(inbox.username))


def test_new_mail_after_a_poll_is_picked_up_by_the_next(inbox):
    servers.append(inbox.username, [_mail(1, to=inbox.username)])
    assert imap.poll_mailbox(inbox).created == 1
    later = _mail(2, to=inbox.username)
    servers.append(inbox.username, [later])

    result = imap.poll_mailbox(inbox)

    assert (result.fetched, result.created) == (1, 1), result
    assert Message.objects.filter(external_id=_ids([later])[0]).exists()


def test_a_new_uidvalidity_fetches_the_folder_again_without_doubling(inbox):
    inbox.folder = "Support"
    inbox.save(update_fields=["folder"])
    old = [_mail(n, to=inbox.username) for n in range(3)]
    servers.append(inbox.username, old, folder="Support")
    assert imap.poll_mailbox(inbox).created == 3
    inbox.refresh_from_db()
    validity_before = inbox.uid_validity

    # The folder is recreated (a migration, a restore): same mails, UIDs start again.
    with servers.imap(inbox.username, folder=None) as client:
        client.delete_folder("Support")
    time.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock (seconds)
    new = _mail(9, to=inbox.username)
    servers.append(inbox.username, [*old, new], folder="Support")

    result = imap.poll_mailbox(inbox)

    inbox.refresh_from_db()
    assert inbox.uid_validity != validity_before
    assert (result.fetched, result.duplicates, result.created) == (4, 3, 1), result
    assert Message.objects.filter(channel="email").count() == 4


def test_a_storage_failure_stops_the_batch_and_the_mail_is_retried_next_poll(inbox, monkeypatch):
    raws = [_mail(n, to=inbox.username) for n in range(5)]
    servers.append(inbox.username, raws)
    real_ingest = imap.ingest_email
    failing_id = _ids(raws)[2]

    def database_gone_for_one_mail(raw: bytes, **kwargs):
        if failing_id.encode() in raw:
            raise OperationalError("server closed the connection unexpectedly")
        return real_ingest(raw, **kwargs)

    monkeypatch.setattr(imap, "ingest_email", database_gone_for_one_mail)
    failed = imap.poll_mailbox(inbox)

    assert (failed.created, failed.errors) == (2, 1), failed
    assert "server closed the connection" in failed.error
    inbox.refresh_from_db()
    assert "OperationalError" in inbox.last_error
    uids = [item["uid"] for item in servers.messages(inbox.username)]
    assert inbox.last_uid == uids[1]  # not past the mail that failed
    flags = [b"\\Seen" in item["flags"] for item in servers.messages(inbox.username)]
    assert flags == [True, True, False, False, False]

    monkeypatch.setattr(imap, "ingest_email", real_ingest)  # the database is back
    retried = imap.poll_mailbox(inbox)

    assert (retried.created, retried.errors) == (3, 0), retried
    inbox.refresh_from_db()
    assert inbox.last_error == "" and inbox.last_uid == uids[-1]
    assert Message.objects.filter(external_id__in=_ids(raws)).count() == 5


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"password": "not-the-password"}, "LoginError"),
        ({"imap_port": servers.closed_port()}, "ConnectionRefusedError"),
        ({"folder": "No Such Folder"}, "select failed"),
        ({"use_ssl": True}, "SSL"),  # TLS spoken to a plain-text port
    ],
)
def test_server_trouble_is_recorded_on_the_mailbox_not_raised(inbox, change, expected):
    Mailbox.objects.filter(pk=inbox.pk).update(**change)
    inbox.refresh_from_db()

    result = imap.poll_mailbox(inbox)

    assert result.errors == 1 and result.fetched == 0
    inbox.refresh_from_db()
    assert expected.lower() in inbox.last_error.lower(), inbox.last_error
    assert inbox.last_polled_at is not None


def _hostile_corpus(to: str) -> list[bytes]:
    def headers(subject: str, extra: str = "") -> bytes:
        return (
            f"From: someone-{make_msgid()[1:9]}@{servers.DOMAIN}\r\nTo: {to}\r\n"
            f"Subject: {subject}\r\nMessage-ID: {make_msgid(domain='hostile.test')}\r\n{extra}"
        ).encode()

    return [
        b"\x00\xff\xfe garbage that is not an e-mail at all \x00\r\n",
        headers("8-bit h\xe9ader \xff", "Content-Type: text/plain; charset=nonsense-9\r\n")
        + b"\r\nBody in an unknown charset: \xe9\xe8\xff\r\n",
        headers("HTML", "Content-Type: text/html\r\n")
        + b"\r\n<p onclick=alert(1)>Hi</p><script>alert(document.cookie)</script>\r\n",
        headers("Out of office", "Auto-Submitted: auto-replied\r\n") + b"\r\nI am away.\r\n",
        headers("Long line") + b"\r\n" + b"x" * 2_000_000 + b"\r\n",
        headers(
            "Broken MIME",
            'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="never-closed"\r\n',
        )
        + b"\r\n--never-closed\r\nContent-Type: text/plain\r\n\r\npart one, no end\r\n",
        headers(
            "Unicode \u0436\u0430\u043b\u043e\u0431\u0430 \u2603".encode("utf-8").decode("latin-1")
        )
        + b"\r\n\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\r\n",
    ]


def test_hostile_mail_in_the_mailbox_never_stops_the_poll(inbox, settings):
    settings.TACTFUL_MAIL_MAX_BYTES = 3_000_000
    oversized = _mail(99, to=inbox.username).replace(b"please help.", b"y" * 3_100_000)
    normal = _mail(1, to=inbox.username)
    servers.append(inbox.username, [*_hostile_corpus(inbox.username), oversized, normal])

    result = imap.poll_mailbox(inbox)

    assert result.errors == 0, result.error
    assert result.fetched == 9
    assert result.created + result.refused == 9
    assert Message.objects.filter(external_id=_ids([normal])[0]).exists()
    reasons = set(RefusedMail.objects.values_list("reason", flat=True))
    assert {"auto_reply", "too_large"} <= reasons
    inbox.refresh_from_db()
    assert inbox.last_uid == servers.messages(inbox.username)[-1]["uid"]
    assert imap.poll_mailbox(inbox).fetched == 0  # nothing is stuck being retried


def test_size_bounded_groups_keep_a_fetch_under_the_memory_bound(monkeypatch):
    monkeypatch.setattr(imap, "BATCH_MAX_BYTES", 100)
    sizes = {1: 40, 2: 40, 3: 40, 4: 500, 5: 10}

    groups = list(imap._size_bounded_groups([1, 2, 3, 4, 5], sizes))

    assert groups == [[1, 2], [3], [4], [5]]  # a mail bigger than the bound goes alone


def test_the_celery_task_polls_every_active_mailbox_even_when_one_fails(desk):
    good = [servers.make_mailbox(username=servers.address("good")) for _ in range(2)]
    broken = servers.make_mailbox(username=servers.address("broken"), password="wrong")
    paused = servers.make_mailbox(username=servers.address("paused"), active=False)
    for mailbox in [*good, paused]:
        servers.append(mailbox.username, [_mail(1, to=mailbox.username)])

    summary = tasks.poll_mailboxes.delay().get()

    assert {name: result["created"] for name, result in summary.items()} == {
        good[0].name: 1,
        good[1].name: 1,
        broken.name: 0,
    }
    assert "LoginError" in summary[broken.name]["error"]
    assert Mailbox.objects.get(pk=paused.pk).last_polled_at is None


def test_poll_mail_command_polls_the_named_mailbox(inbox, desk):
    other = servers.make_mailbox(username=servers.address("other"))
    servers.append(inbox.username, [_mail(1, to=inbox.username)])
    servers.append(other.username, [_mail(2, to=other.username)])
    out = StringIO()

    call_command("poll_mail", "--mailbox", inbox.name, stdout=out)

    assert f"{inbox.name}: fetched 1, new tickets 1" in out.getvalue()
    assert Mailbox.objects.get(pk=other.pk).last_polled_at is None


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--mailbox", "nope<script>"], "No mailbox named: nope<script>"),
        (["--idle", "--interval", "0"], "must be positive"),
        (["--idle", "--refresh", "-5"], "must be positive"),
    ],
)
def test_poll_mail_command_refuses_bad_arguments(db, argv, message):
    with pytest.raises(CommandError, match=message):
        call_command("poll_mail", *argv)


def test_poll_mail_command_fails_loudly_when_a_mailbox_cannot_be_polled(desk):
    broken = servers.make_mailbox(username=servers.address("broken"), password="wrong")
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("poll_mail", stderr=err)

    assert f"{broken.name}:" in err.getvalue() and "LoginError" in err.getvalue()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_poll_mail_idle_runs_as_a_process_and_stops_cleanly_on_sigterm(desk):
    """The real command in its own process: mail arrives through IDLE, SIGTERM ends it."""
    mailbox = servers.make_mailbox(username=servers.address("support"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tactful.desk.settings",
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": "tactful-tests-only-not-secret",
    }
    env.pop("CELERY_BROKER_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "poll_mail", "--idle", "--refresh", "3600"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert servers.wait_for(
            lambda: Mailbox.objects.filter(pk=mailbox.pk, last_polled_at__isnull=False).exists(),
            timeout=60,
        ), "the command never polled"
        customer = servers.address("customer")
        mail = servers.customer_mail(
            sender=customer, to=mailbox.username, subject="Hello", body="Over IDLE."
        )
        servers.send_smtp(mail, sender=customer, to=[mailbox.username])
        assert servers.wait_for(
            lambda: Message.objects.filter(external_id=mail["Message-ID"].strip("<>")).exists(),
            timeout=60,
        ), Mailbox.objects.values("last_error").get(pk=mailbox.pk)

        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert "Stopped." in output


@pytest.mark.django_db(transaction=True)
def test_the_watcher_falls_back_to_polling_on_a_server_without_idle(desk, monkeypatch):
    import threading

    mailbox = servers.make_mailbox(username=servers.address("no-idle"))
    real_connect = imap.connect
    connections_made: list[object] = []

    def connect_without_idle(box):  # the real server, with IDLE left out of what it offers
        client = real_connect(box)
        client._cached_capabilities = tuple(c for c in client.capabilities() if c != b"IDLE")
        connections_made.append(client)
        return client

    monkeypatch.setattr(imap, "connect", connect_without_idle)
    stop = threading.Event()
    watcher = threading.Thread(
        target=imap.watch_mailbox,
        args=(mailbox.pk,),
        kwargs={"stop": stop, "refresh_seconds": 3600, "poll_seconds": 0.5},
        daemon=True,
    )
    watcher.start()
    try:
        assert servers.wait_for(
            lambda: Mailbox.objects.filter(pk=mailbox.pk, last_polled_at__isnull=False).exists()
        ), "the watcher never polled"
        raw = _mail(1, to=mailbox.username)  # arrives after the first poll: the loop's job
        servers.append(mailbox.username, [raw])
        assert servers.wait_for(
            lambda: Message.objects.filter(external_id=_ids([raw])[0]).exists(), timeout=30
        ), Mailbox.objects.values("last_error").get(pk=mailbox.pk)
    finally:
        stop.set()
        watcher.join(timeout=15)
        from django.db import connections

        connections.close_all()
    assert not watcher.is_alive()
    assert len(connections_made) >= 2  # a fresh connection per poll, no IDLE


def test_beat_runs_the_poll_task():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["poll-mailboxes"]["task"] == tasks.poll_mailboxes.name


@pytest.mark.postgres
def test_a_second_poller_leaves_a_mailbox_alone_while_another_polls_it(inbox):
    import psycopg

    servers.append(inbox.username, [_mail(1, to=inbox.username)])
    with psycopg.connect(_database_url()) as other_worker:
        other_worker.execute("SELECT pg_advisory_lock(%s, %s)", [imap._LOCK_NAMESPACE, inbox.pk])
        assert _advisory_lock_held(inbox.pk)  # the wait below looks for the right lock
        busy = imap.poll_mailbox(inbox)
    # The other worker's connection is gone, and its lock with it (a killed worker too). The
    # server drops the lock when that backend has exited, a moment after the client closed:
    # wait for that (as the next beat tick would) rather than race it.
    assert servers.wait_for(lambda: not _advisory_lock_held(inbox.pk), timeout=10)
    free = imap.poll_mailbox(inbox)

    assert busy.skipped and busy.fetched == 0
    assert not free.skipped and free.created == 1


def _advisory_lock_held(mailbox_id: int) -> bool:
    """Whether any session holds the "polling mailbox N" advisory lock (two-key form)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s AND objid = %s AND objsubid = 2)",
            [imap._LOCK_NAMESPACE, mailbox_id],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def _database_url() -> str:
    """The test database as a URL another process can use."""
    params = connection.settings_dict
    return (
        f"postgresql://{params['USER']}:{params['PASSWORD'] or ''}@{params['HOST']}:"
        f"{params['PORT'] or 5432}/{params['NAME']}"
    )
