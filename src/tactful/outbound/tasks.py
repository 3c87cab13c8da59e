"""Delivery tasks, for Celery's discovery: one per reply, and the periodic sweep.

They live beside the code they run, in :mod:`tactful.outbound.delivery`.
"""

from __future__ import annotations

from tactful.outbound.delivery import deliver_task, sweep_deliveries_task

__all__ = ["deliver_task", "sweep_deliveries_task"]
