"""Celery tasks for e-mail: the periodic poll of every active IMAP mailbox."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import shared_task

from tactful.mail.imap import poll_active_mailboxes


@shared_task(acks_late=True, name="tactful.mail.poll_mailboxes")
def poll_mailboxes() -> dict[str, dict[str, Any]]:
    """Poll every active mailbox once (beat runs this; see CELERY_BEAT_SCHEDULE).

    ``acks_late``: a worker killed mid-poll leaves the task to be redelivered; the next poll
    resumes at the mailbox's ``last_uid`` and ingest drops whatever was already stored.
    """
    return {name: asdict(result) for name, result in poll_active_mailboxes().items()}
