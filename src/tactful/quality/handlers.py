"""What quality does when something happens to a ticket: the coach reviews a solved one."""

from __future__ import annotations

from tactful.quality import tasks
from tactful.tickets import events
from tactful.tickets.models import Status


def review_solved_conversation(event: events.StatusChanged) -> None:
    """After the commit, a worker has the coach review the conversation that was solved."""
    if event.status == Status.SOLVED:
        tasks.enqueue_review(event.ticket.pk)


def register() -> None:
    events.subscribe(events.StatusChanged, after_commit=True)(review_solved_conversation)
