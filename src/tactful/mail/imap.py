"""Fetching new mail from IMAP mailboxes into tickets: one poll, every mailbox, or IDLE.

How a poll stays "every mail once" without a transaction spanning IMAP and the database:

* ``Mailbox.last_uid`` is advanced right after each mail's ingest has committed. A poller
  killed between the two leaves ``last_uid`` one mail behind; the next poll fetches that mail
  again and ``ingest_email`` (idempotent on Message-ID) answers ``duplicate``. Nothing is
  skipped and nothing is doubled.
* A mail whose ingest *raises* (the database went away) is not skipped: the batch stops there,
  ``last_error`` says why, and the next poll starts again at that mail.
* A new ``UIDVALIDITY`` (the folder was recreated, the server restored from backup) makes the
  old UIDs meaningless: ``last_uid`` starts again from 0 and the dedup absorbs the repeats.
* Mail is fetched with ``BODY.PEEK[]`` and flagged ``\\Seen`` only after it is stored, so a
  person looking at the mailbox sees what Tactful has taken.

The first poll of a mailbox imports everything already in its folder: point Tactful at a
dedicated support mailbox (or folder).
"""

from __future__ import annotations

import imaplib
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.db import close_old_connections, connection, connections
from django.utils import timezone
from imapclient import IMAPClient

from tactful.coaching.tasks import analyses_in_batches
from tactful.mail.models import Mailbox
from tactful.mail.services import ingest_email

logger = logging.getLogger(__name__)

#: Mails per FETCH round trip (each round trip also flags its mails \Seen).
BATCH_SIZE = 50
#: Bodies fetched in one go stay under this many bytes, so a folder full of 25 MB attachments
#: does not load a whole batch into memory (a bigger single mail is fetched alone).
BATCH_MAX_BYTES = 32 * 1024 * 1024
#: Seconds a silent server may take before the connection counts as dead.
SOCKET_TIMEOUT = 60.0
#: IDLE: re-poll this often even when the server says nothing (a lost EXISTS, a dead NAT).
IDLE_REFRESH_SECONDS = 240.0
#: How often a watcher checks whether it was asked to stop while idling.
IDLE_CHECK_SECONDS = 1.0
MAX_ERROR_CHARS = 2000
#: PostgreSQL advisory-lock namespace for "someone is polling mailbox N" (arbitrary constant).
_LOCK_NAMESPACE = 0x7AC7


@dataclass
class PollResult:
    """What one poll of one mailbox did."""

    fetched: int = 0
    created: int = 0
    appended: int = 0
    duplicates: int = 0
    refused: int = 0
    errors: int = 0
    #: The error that stopped the poll ("" when it finished).
    error: str = ""
    #: Another poller held the mailbox, so this one did nothing.
    skipped: bool = False

    def add(self, status: str) -> None:
        attribute = {
            "created": "created",
            "appended": "appended",
            "duplicate": "duplicates",
            "refused": "refused",
        }.get(status)
        if attribute is not None:
            setattr(self, attribute, getattr(self, attribute) + 1)


def connect(mailbox: Mailbox) -> IMAPClient:
    """Log in to the mailbox's server (raises on connection or authentication errors)."""
    client = IMAPClient(
        mailbox.imap_host, port=mailbox.imap_port, ssl=mailbox.use_ssl, timeout=SOCKET_TIMEOUT
    )
    try:
        client.login(mailbox.username, mailbox.password)
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # already broken: just drop the socket
        with suppress(Exception):
            client.shutdown()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]


def _record(mailbox: Mailbox, *, error: str) -> None:
    """Remember when the mailbox was polled and how it went (without touching other fields,
    so an admin editing the mailbox meanwhile keeps their change)."""
    now = timezone.now()
    mailbox.last_polled_at, mailbox.last_error = now, error
    try:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=now, last_error=error)
    except Exception:  # the database itself is down; the log is all we have
        logger.exception("could not record the poll of mailbox %s", mailbox.pk)


@contextmanager
def _polling_lock(mailbox: Mailbox) -> Iterator[bool]:
    """Whether this process may poll the mailbox now (one poller per mailbox at a time).

    Two pollers would not double anything (ingest is idempotent) but would fetch everything
    twice. On PostgreSQL a session advisory lock keeps them apart; it is released with the
    connection, so a killed worker cannot leave it stuck. SQLite has a single writer anyway.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_NAMESPACE, mailbox.pk])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            try:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_unlock(%s, %s)", [_LOCK_NAMESPACE, mailbox.pk]
                    )
            except Exception:  # connection lost: the server dropped the lock with it
                logger.warning("could not release the polling lock of mailbox %s", mailbox.pk)


def _size_bounded_groups(uids: Sequence[int], sizes: dict[int, int]) -> Iterator[list[int]]:
    group: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if group and total + size > BATCH_MAX_BYTES:
            yield group
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        yield group


def _check_uid_validity(client: IMAPClient, mailbox: Mailbox) -> None:
    selected = client.select_folder(mailbox.folder)
    raw = selected.get(b"UIDVALIDITY")
    validity = int(raw) if raw is not None else None
    if validity == mailbox.uid_validity:
        return
    if mailbox.uid_validity is not None:
        logger.warning(
            "mailbox %s: UIDVALIDITY changed from %s to %s; fetching the folder again",
            mailbox.pk,
            mailbox.uid_validity,
            validity,
        )
        mailbox.last_uid = 0
    mailbox.uid_validity = validity
    Mailbox.objects.filter(pk=mailbox.pk).update(uid_validity=validity, last_uid=mailbox.last_uid)


def _advance(mailbox: Mailbox, uid: int) -> None:
    mailbox.last_uid = uid
    # Never backwards: a slower concurrent poller must not undo a faster one's progress.
    Mailbox.objects.filter(pk=mailbox.pk, last_uid__lt=uid).update(last_uid=uid)


def _fetch_new(client: IMAPClient, mailbox: Mailbox, result: PollResult) -> None:
    _check_uid_validity(client, mailbox)
    # "N:*" always matches the newest mail, even when its UID is below N: filter.
    uids = sorted(uid for uid in client.search(["UID", f"{mailbox.last_uid + 1}:*"]))
    uids = [uid for uid in uids if uid > mailbox.last_uid]
    for start in range(0, len(uids), BATCH_SIZE):
        batch = uids[start : start + BATCH_SIZE]
        sizes = {
            uid: int(data.get(b"RFC822.SIZE", 0))
            for uid, data in client.fetch(batch, ["RFC822.SIZE"]).items()
        }
        for group in _size_bounded_groups(batch, sizes):
            fetched = client.fetch(group, ["BODY.PEEK[]"])
            stored: list[int] = []
            # The coach reads the group's messages as one batch (one encoder call for all),
            # queued once the group is stored.
            with analyses_in_batches():
                try:
                    for uid in group:
                        raw = fetched.get(uid, {}).get(b"BODY[]")
                        if raw is None:  # expunged by someone else since the SEARCH
                            _advance(mailbox, uid)
                            continue
                        result.fetched += 1
                        try:
                            outcome = ingest_email(bytes(raw), mailbox=mailbox, team=mailbox.team)
                        except Exception as exc:
                            # Not bad input (ingest refuses that itself): the database or a
                            # bug. Stop here so this mail is retried next poll, not skipped.
                            logger.exception("mailbox %s: storing UID %s failed", mailbox.pk, uid)
                            result.errors += 1
                            result.error = _describe(exc)
                            return
                        result.add(outcome.status)
                        _advance(mailbox, uid)
                        stored.append(uid)
                finally:
                    if stored:
                        client.add_flags(stored, [b"\\Seen"], silent=True)


def poll_mailbox(mailbox: Mailbox, *, client: IMAPClient | None = None) -> PollResult:
    """Fetch the mailbox's new mail into tickets; never raises for server or mail trouble.

    Args:
        mailbox: the mailbox to poll (its progress is re-read from the database first).
        client: an already logged-in connection to reuse (the IDLE watcher's); when omitted,
            one is opened and closed here.

    Returns:
        The counts; ``error``/``errors`` say what stopped it (also kept in ``last_error``).
    """
    result = PollResult()
    try:
        mailbox.refresh_from_db(fields=["uid_validity", "last_uid", "folder", "team"])
    except Mailbox.DoesNotExist:
        result.errors, result.error = 1, "mailbox deleted"
        return result
    with _polling_lock(mailbox) as acquired:
        if not acquired:
            result.skipped = True
            return result
        own_client = client is None
        try:
            if client is None:
                client = connect(mailbox)
            _fetch_new(client, mailbox, result)
        except Exception as exc:  # connection, authentication, protocol, a missing folder…
            if not isinstance(exc, imaplib.IMAP4.error | OSError):
                logger.exception("mailbox %s: poll failed", mailbox.pk)
            else:
                logger.warning("mailbox %s: poll failed: %s", mailbox.pk, exc)
            result.errors += 1
            result.error = result.error or _describe(exc)
        finally:
            if own_client and client is not None:
                _close(client)
    _record(mailbox, error=result.error)
    return result


def poll_active_mailboxes(*, names: Iterable[str] | None = None) -> dict[str, PollResult]:
    """Poll every active mailbox (or the named ones) once; one failing mailbox stops nothing."""
    mailboxes = Mailbox.objects.select_related("team").order_by("name")
    if names is not None:
        mailboxes = mailboxes.filter(name__in=list(names))
    else:
        mailboxes = mailboxes.filter(active=True)
    results: dict[str, PollResult] = {}
    for mailbox in mailboxes:
        try:
            results[mailbox.name] = poll_mailbox(mailbox)
        except Exception as exc:  # pragma: no cover - poll_mailbox already catches
            logger.exception("mailbox %s: poll crashed", mailbox.pk)
            results[mailbox.name] = PollResult(errors=1, error=_describe(exc))
    return results


def _new_mail_announced(responses: Iterable[object]) -> bool:
    return any(
        isinstance(response, tuple) and len(response) >= 2 and response[1] == b"EXISTS"
        for response in responses
    )


def watch_mailbox(
    mailbox_id: int,
    *,
    stop: threading.Event,
    refresh_seconds: float = IDLE_REFRESH_SECONDS,
    poll_seconds: float = 60.0,
) -> None:
    """Keep one mailbox's mail flowing in until ``stop`` is set (run one per thread).

    With IDLE (the server announces it) a poll runs as soon as the server reports new mail,
    and every ``refresh_seconds`` as a safety net; without IDLE, every ``poll_seconds``.
    Connection trouble is recorded on the mailbox and retried with a growing pause.
    """
    backoff = 1.0
    try:
        while not stop.is_set():
            try:
                close_old_connections()
                mailbox = Mailbox.objects.select_related("team").filter(pk=mailbox_id).first()
            except Exception as exc:  # the database is away: wait for it, do not die
                logger.warning("mailbox %s: cannot read its settings: %s", mailbox_id, exc)
                stop.wait(backoff)
                backoff = min(backoff * 2, 300.0)
                continue
            if mailbox is None:
                return
            if not mailbox.active:
                stop.wait(poll_seconds)
                continue
            try:
                client = connect(mailbox)
            except Exception as exc:
                logger.warning("mailbox %s: cannot connect: %s", mailbox_id, exc)
                _record(mailbox, error=_describe(exc))
                stop.wait(backoff)
                backoff = min(backoff * 2, 300.0)
                continue
            try:
                if not client.has_capability("IDLE"):
                    result = poll_mailbox(mailbox, client=client)
                    if not result.error:
                        backoff = 1.0
                    stop.wait(poll_seconds)
                    continue
                _idle_until_stopped(client, mailbox, stop=stop, refresh_seconds=refresh_seconds)
                backoff = 1.0
            except Exception as exc:
                logger.warning("mailbox %s: connection lost: %s", mailbox_id, exc)
                _record(mailbox, error=_describe(exc))
                stop.wait(backoff)
                backoff = min(backoff * 2, 300.0)
            finally:
                _close(client)
    finally:
        connections.close_all()  # this thread's connection must not outlive it


def _unfetched_mail(client: IMAPClient, mailbox: Mailbox) -> bool:
    """Whether mail arrived after the poll's SEARCH (its EXISTS was answered to the FETCH)."""
    return any(
        uid > mailbox.last_uid for uid in client.search(["UID", f"{mailbox.last_uid + 1}:*"])
    )


def _idle_until_stopped(
    client: IMAPClient, mailbox: Mailbox, *, stop: threading.Event, refresh_seconds: float
) -> None:
    """Poll, IDLE until new mail or the refresh time, repeat; returns when ``stop`` is set.

    Raises on connection trouble (the caller reconnects).
    """
    while not stop.is_set():
        close_old_connections()
        result = poll_mailbox(mailbox, client=client)
        if result.error:
            raise ConnectionError(result.error)
        if not result.skipped and _unfetched_mail(client, mailbox):
            continue
        # Mail arriving between that SEARCH and IDLE is announced when IDLE starts: after the
        # server's "+ idling" (idle_check sees it) or just before it, where imaplib files the
        # line away instead; count those filed lines to notice the latter.
        exists_before = len(client._imap.untagged_responses.get("EXISTS", []))
        client.idle()
        idle_since = time.monotonic()
        announced = len(client._imap.untagged_responses.get("EXISTS", [])) > exists_before
        try:
            while not stop.is_set() and not announced:
                announced = _new_mail_announced(client.idle_check(timeout=IDLE_CHECK_SECONDS))
                if time.monotonic() - idle_since >= refresh_seconds:
                    break
        finally:
            client.idle_done()
