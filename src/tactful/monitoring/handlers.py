"""What monitoring counts when something happens: messages in, the coach's latency, tasks."""

from __future__ import annotations

import time
from typing import Any

from celery import signals

from tactful.coaching.events import MessageAnalysed
from tactful.monitoring import metrics
from tactful.tickets import events

_task_started: dict[str, float] = {}


def count_message(event: events.TicketOpened | events.CustomerWrote) -> None:
    metrics.MESSAGES_RECEIVED.labels(
        channel=event.message.channel if event.message is not None else "",
        opened_ticket=str(isinstance(event, events.TicketOpened)).lower(),
    ).inc()


def time_the_coach(event: MessageAnalysed) -> None:
    if event.coach_seconds is not None:
        metrics.COACH_SECONDS.observe(event.coach_seconds)


def task_started(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _task_started[task_id] = time.perf_counter()


def task_finished(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any
) -> None:
    started = _task_started.pop(task_id or "", None)
    if started is None or task is None:
        return
    metrics.TASK_SECONDS.labels(task=task.name, outcome=(state or "unknown").lower()).observe(
        time.perf_counter() - started
    )


def register() -> None:
    # After the commit: a rolled-back delivery was never stored, so it is not counted.
    events.subscribe(events.TicketOpened, events.CustomerWrote, after_commit=True)(count_message)
    events.subscribe(MessageAnalysed, after_commit=True)(time_the_coach)
    signals.task_prerun.connect(task_started, weak=False, dispatch_uid="tactful.task_started")
    signals.task_postrun.connect(task_finished, weak=False, dispatch_uid="tactful.task_finished")
