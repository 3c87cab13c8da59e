"""Fault: the disk that holds attachments is full.

The attachment storage is put on a tiny tmpfs the test mounts and fills. A customer's mail with
an attachment then cannot be stored whole, and it is not stored half: the IMAP poll stops at it
(the mailbox's last error says why, for the admin) and the inbound webhook answers 503 so the
sender delivers again. Neither refuses it (a refusal would keep only its first bytes, and the
poll would move past it). Once space is freed, the next poll and the webhook's retry store each
mail exactly once, attachment included.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from tactful.mail.imap import poll_mailbox
from tactful.mail.models import RefusedMail
from tactful.mail.tests import servers
from tactful.tickets.models import Attachment, Message

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.email,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ATTACHMENT = os.urandom(300 * 1024)  # random: no compression anywhere makes it fit
WEBHOOK_SECRET = "disk-full-webhook-secret"


@pytest.fixture
def full_disk(settings) -> Iterator[Path]:
    """Attachment storage on a 1 MiB tmpfs, filled up; ``<mount>/filler`` frees it."""
    mount = Path(tempfile.mkdtemp(prefix="tactful-faults-disk-"))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        mount.rmdir()
        pytest.skip(f"cannot mount a tmpfs here (needs root/CAP_SYS_ADMIN): {done.stderr.strip()}")
    try:
        settings.MEDIA_ROOT = str(mount / "media")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(mount / "media")},
            },
        }
        (mount / "media").mkdir()
        with (mount / "filler").open("wb") as filler:
            try:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True)
        mount.rmdir()


def _mail_with_attachment(to: str, n: int) -> EmailMessage:
    mail = servers.customer_mail(
        sender=servers.address(f"disk{n}"),
        to=to,
        subject=f"Invoice {n} attached",
        body="The invoice is attached; it charges me twice.",
        message_id=make_msgid(domain=servers.DOMAIN),
    )
    mail.add_attachment(
        ATTACHMENT, maintype="application", subtype="pdf", filename=f"invoice-{n}.pdf"
    )
    return mail


def _stored_attachments(message_id: str) -> list[bytes]:
    message = Message.objects.get(channel="email", external_id=message_id)
    stored = []
    for item in Attachment.objects.filter(message=message):
        with item.file.open("rb") as handle:
            stored.append(handle.read())
    return stored


def test_a_full_attachment_disk_delays_the_mail_and_loses_nothing(full_disk, desk):
    mailbox = servers.make_mailbox(username=servers.address("disk-full"), team=desk.team())
    mails = [_mail_with_attachment(mailbox.username, n) for n in range(2)]
    servers.append(mailbox.username, [mail.as_bytes() for mail in mails])
    ids = [str(mail["Message-ID"]).strip("<>") for mail in mails]

    for _poll in range(2):  # every poll stops at the first mail, nothing half stored
        result = poll_mailbox(mailbox)
        assert result.errors == 1
        assert "No space left on device" in result.error
        mailbox.refresh_from_db()
        assert "No space left on device" in mailbox.last_error  # the mailbox's admin page
        assert mailbox.last_uid == 0
        assert not Message.objects.filter(channel="email", external_id__in=ids).exists()
        assert not RefusedMail.objects.exists()

    (full_disk / "filler").unlink()
    result = poll_mailbox(mailbox)
    assert (result.errors, result.created) == (0, 2), result
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""
    assert poll_mailbox(mailbox).created == 0  # polled again: nothing new, nothing doubled
    for message_id in ids:
        assert Message.objects.filter(channel="email", external_id=message_id).count() == 1
        assert _stored_attachments(message_id) == [ATTACHMENT]
    assert not RefusedMail.objects.exists()


def _signed_post(client, payload: dict[str, object]):
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    digest = hmac.new(
        WEBHOOK_SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return client.post(
        "/mail/inbound/",
        body,
        content_type="application/json",
        HTTP_X_TACTFUL_TIMESTAMP=stamp,
        HTTP_X_TACTFUL_SIGNATURE=f"sha256={digest}",
    )


def test_the_inbound_webhook_asks_for_a_retry_while_the_disk_is_full(full_disk, client, settings):
    settings.TACTFUL_MAIL_WEBHOOK_SECRET = WEBHOOK_SECRET
    payload = {
        "message_id": "<disk-full-hook@customers.test>",
        "from": "Casey <casey@customers.test>",
        "to": ["support@tactful.test"],
        "subject": "Screenshot of the error",
        "text": "The screenshot is attached.",
        "attachments": [
            {
                "filename": "screenshot.png",
                "content_type": "image/png",
                "content_base64": base64.b64encode(ATTACHMENT).decode(),
            }
        ],
    }
    response = _signed_post(client, payload)
    assert response.status_code == 503
    assert "again later" in response.json()["detail"]
    assert not Message.objects.filter(external_id="disk-full-hook@customers.test").exists()
    assert not RefusedMail.objects.exists()

    (full_disk / "filler").unlink()
    assert _signed_post(client, payload).status_code == 201  # the sender's retry
    assert _signed_post(client, payload).status_code == 200  # and a late duplicate of it
    assert Message.objects.filter(external_id="disk-full-hook@customers.test").count() == 1
    assert _stored_attachments("disk-full-hook@customers.test") == [ATTACHMENT]
