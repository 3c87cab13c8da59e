"""The nightly retention pass, for Celery's discovery (the work is in :mod:`.erasure`)."""

from __future__ import annotations

from celery import shared_task

from tactful.profiles import erasure


@shared_task(acks_late=True, name="tactful.profiles.apply_retention")
def apply_retention_task() -> dict[str, int]:
    """Erase old closed tickets and old attachments; returns the counts (also logged)."""
    run = erasure.apply_retention()
    return {"tickets": run.tickets, "attachments": run.attachments}
