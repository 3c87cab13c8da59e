"""SLA tasks, for Celery's discovery: the minute check and re-timing after a policy change.

They live beside the code they run, in :mod:`tactful.sla.services`.
"""

from __future__ import annotations

from tactful.sla.services import check_deadlines_task, retime_open_tickets_task

__all__ = ["check_deadlines_task", "retime_open_tickets_task"]
