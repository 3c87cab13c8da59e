"""Event delivery tasks, for Celery's discovery (they live in :mod:`tactful.webhooks.delivery`)."""

from __future__ import annotations

from tactful.webhooks.delivery import deliver_task, sweep_task

__all__ = ["deliver_task", "sweep_task"]
