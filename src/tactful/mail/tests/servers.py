"""Helpers for the tests that talk to the real Postfix + Dovecot (scripts/mailserver.sh).

Every address in the test domain is a mailbox with the same password, so each test makes its
own throw-away addresses and never shares a mailbox with another test (or an earlier run).
"""

from __future__ import annotations

import os
import smtplib
import socket
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from typing import Any

from django.utils import timezone
from imapclient import IMAPClient

SMTP_HOST = os.environ.get("TACTFUL_TEST_SMTP_HOST", "127.0.0.1")
SMTP_PORT = int(os.environ.get("TACTFUL_TEST_SMTP_PORT") or 0)
IMAP_HOST = os.environ.get("TACTFUL_TEST_IMAP_HOST", "127.0.0.1")
IMAP_PORT = int(os.environ.get("TACTFUL_TEST_IMAP_PORT") or 0)
DOMAIN = os.environ.get("TACTFUL_TEST_MAIL_DOMAIN", "example.test")
PASSWORD = os.environ.get("TACTFUL_TEST_MAIL_PASSWORD", "tactful")


def address(prefix: str) -> str:
    """A fresh mailbox address nobody else uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}@{DOMAIN}"


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def customer_mail(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A plain customer e-mail with a unique Message-ID."""
    mail = EmailMessage()
    mail["From"] = f"Casey Customer <{sender}>"
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(timezone.now())
    mail["Message-ID"] = message_id or make_msgid(domain=DOMAIN)
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    return mail


def send_smtp(mail: EmailMessage | bytes, *, sender: str, to: Sequence[str]) -> None:
    """Hand a mail to the test Postfix (which delivers it to Dovecot over LMTP)."""
    raw = mail if isinstance(mail, bytes) else mail.as_bytes()
    with smtplib.SMTP(SMTP_HOST, SMTP_PORT, timeout=30) as smtp:
        smtp.sendmail(sender, list(to), raw)


@contextmanager
def imap(mailbox_address: str, *, folder: str | None = "INBOX") -> Iterator[IMAPClient]:
    """A logged-in IMAP connection to a test mailbox (with ``folder`` selected)."""
    client = IMAPClient(IMAP_HOST, port=IMAP_PORT, ssl=False, timeout=30)
    client.login(mailbox_address, PASSWORD)
    try:
        if folder:
            client.select_folder(folder)
        yield client
    finally:
        client.logout()


def append(mailbox_address: str, raws: Sequence[bytes], *, folder: str = "INBOX") -> None:
    """Put mails straight into a mailbox (IMAP APPEND), as if they had been delivered."""
    with imap(mailbox_address, folder=None) as client:
        if folder != "INBOX" and not client.folder_exists(folder):
            client.create_folder(folder)
        for raw in raws:
            client.append(folder, raw)


def messages(mailbox_address: str, *, folder: str = "INBOX") -> list[dict[str, Any]]:
    """Every mail in the mailbox: uid, flags, raw bytes and parsed message."""
    with imap(mailbox_address, folder=folder) as client:
        uids = client.search(["ALL"])
        fetched = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"]) if uids else {}
    parser = BytesParser(policy=default_policy)
    return [
        {
            "uid": uid,
            "flags": fetched[uid][b"FLAGS"],
            "raw": fetched[uid][b"BODY[]"],
            "mail": parser.parsebytes(fetched[uid][b"BODY[]"]),
        }
        for uid in sorted(fetched)
    ]


def wait_for_mail(mailbox_address: str, count: int = 1, *, timeout: float = 30.0) -> list[dict]:
    """The mailbox's mails once at least ``count`` have arrived (Postfix delivers async)."""
    deadline = time.monotonic() + timeout
    while True:
        found = messages(mailbox_address)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def wait_for(predicate: Any, *, timeout: float = 30.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def make_mailbox(*, name: str | None = None, username: str, team: Any = None, **fields: Any) -> Any:
    """A Mailbox row pointing at the test Dovecot."""
    from tactful.mail.models import Mailbox

    return Mailbox.objects.create(
        name=name or username,
        team=team,
        imap_host=IMAP_HOST,
        imap_port=IMAP_PORT,
        use_ssl=False,
        username=username,
        password=fields.pop("password", PASSWORD),
        **fields,
    )
