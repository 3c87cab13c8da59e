"""Background work: the coach's review of a solved conversation, the sweep that reviews again
after a new coach version, and the weekly sample (in-process when no broker is configured)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from tactful.quality import auto_review, sampling
from tactful.tickets.models import Ticket

logger = logging.getLogger(__name__)

#: Conversations the sweep reviews again per run (the rest wait for the next run).
SWEEP_BATCH = 200


@shared_task(acks_late=True, name="tactful.quality.review_solved_conversation")
def review_solved_conversation_task(ticket_id: int) -> int:
    """The coach reviews a solved conversation; returns how many reviews it made or renewed."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return 0
    return len(auto_review.review_automatically(ticket=ticket))


@shared_task(acks_late=True, name="tactful.quality.review_outdated")
def review_outdated_task(limit: int = SWEEP_BATCH) -> int:
    """Review again what an older coach version or scorecard revision reviewed."""
    done = 0
    for ticket in Ticket.objects.filter(pk__in=auto_review.outdated_tickets(limit=limit)):
        try:
            done += len(auto_review.review_automatically(ticket=ticket))
        except Exception:  # one bad conversation must not stop the sweep
            logger.exception("the coach could not review ticket %s again", ticket.pk)
    return done


@shared_task(acks_late=True, name="tactful.quality.draw_weekly_samples")
def draw_weekly_samples_task() -> int:
    """Monday morning: draw last week's conversations for every team's reviewers."""
    last_week = sampling.week_start(timezone.localdate()) - timedelta(days=7)
    return sampling.draw_all(week=last_week)


def enqueue_review(ticket_id: int) -> None:
    """Queue the coach's review; a broker outage leaves it to the sweep, never breaks the change."""
    try:
        review_solved_conversation_task.delay(ticket_id)
    except Exception:
        logger.exception("could not queue the coach's review of ticket %s", ticket_id)
