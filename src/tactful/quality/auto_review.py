"""The coach's automatic review of a solved conversation, with the same scorecards people use.

Each agent's replies are reviewed by ``tactful.coach.review_reply`` in context (the customer's
message before each reply, the earlier replies for stock phrases); every criterion that names a
coach rubric gets that rubric's 1–5 score (mean over the agent's replies) on its own scale, and
the evidence: the words of the findings that pulled it down, or of what earned it. Criteria the
coach cannot judge are left N/A. A review is stored once per (conversation, scorecard, agent)
and made again only when what it was made from changes: the coach's version, the scorecard, or
the replies (a reopened conversation solved again).
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import F, Prefetch, Q

from tactful import coach
from tactful.accounts.models import Agent
from tactful.coaching.readings import coach_version, customer_reading
from tactful.quality import events as quality_events
from tactful.quality import scoring
from tactful.quality.models import Criterion, Rating, Review, Scorecard, Source
from tactful.tickets import events, timeline
from tactful.tickets.models import Message, MessageKind, Ticket
from tactful.tickets.rendering import plain_text

logger = logging.getLogger(__name__)

#: The longest reply and customer message the coach reads here (as in the live review).
MAX_REPLY_CHARS = 20_000
MAX_CUSTOMER_CHARS = 20_000
#: Evidence kept per rating: enough to show why, bounded for the page and the row.
MAX_EVIDENCE = 8
MAX_QUOTE_CHARS = 200

#: Where each rubric finds its evidence when nothing pulled it down.
_POSITIVE_EVIDENCE = {
    "awareness": ("emotional_reaction", "interpretation", "exploration"),
    "empathy": ("emotional_reaction", "interpretation", "exploration"),
    "empowerment": ("action", "next_step"),
    "precision": ("next_step",),
}


@cache
def coach_fingerprint() -> str:
    """The coach's version: the package version and a digest of its trained heads and language
    data, so a retrained model counts as a new coach even before a release."""
    digest = hashlib.blake2b(digest_size=6)
    root = Path(coach.__file__).parent
    for path in sorted([*root.glob("models/*.npz"), *root.glob("lang/*/*.json")]):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return f"{coach_version() or '0'}+{digest.hexdigest()}"


@dataclass(frozen=True)
class ReplyVerdict:
    """The coach's review of one agent reply."""

    message_id: int
    agent_id: int
    review: coach.ReplyReview


def review_replies(ticket: Ticket) -> list[ReplyVerdict]:
    """The coach's review of every agent reply in the conversation, in order."""
    messages = list(
        Message.objects.filter(
            ticket_id=ticket.pk, kind__in=[MessageKind.INCOMING, MessageKind.OUTGOING]
        )
        .only("id", "kind", "body", "author_agent_id")
        .order_by("created_at", "id")
    )
    verdicts: list[ReplyVerdict] = []
    customer: coach.MessageAnalysis | None = None
    unread: Message | None = None  # the customer's latest message, read once a reply needs it
    earlier: list[coach.ConversationMessage] = []
    for message in messages:
        if message.kind == MessageKind.INCOMING:
            unread, customer = message, None
            continue
        reply = plain_text(message.body)[:MAX_REPLY_CHARS]
        if message.author_agent_id is None or not reply.strip():
            continue  # automatic answers are Tactful's, not an agent's work
        if unread is not None:
            customer, unread = _read(unread), None
        try:
            review = coach.review_reply(reply, customer_message=customer, conversation=earlier)
        except coach.CoachError:
            logger.info("the coach cannot review reply %s", message.pk)
            continue
        verdicts.append(ReplyVerdict(message.pk, message.author_agent_id, review))
        earlier = [*earlier, coach.ConversationMessage("agent", reply)]
    return verdicts


def _read(message: Message) -> coach.MessageAnalysis | None:
    """The coach's reading of a customer message, through the process's cache of readings
    (the live review may have read it already)."""
    if not message.body.strip():
        return None
    try:
        return customer_reading(message_id=message.pk, body=message.body)
    except coach.CoachError:
        return None


def _quote(text: str, start: int, end: int) -> str:
    return text[max(0, start) : max(0, min(end, start + MAX_QUOTE_CHARS))]


def _evidence(verdict: ReplyVerdict, rubric: str) -> list[dict[str, Any]]:
    review = verdict.review
    score: coach.RubricScore = getattr(review, rubric)
    found: list[dict[str, Any]] = []
    for finding in review.findings:
        if finding.kind in score.because:
            spans = [[s.start, s.end] for s in finding.spans]
            found.append(
                {
                    "message": verdict.message_id,
                    "kind": finding.kind,
                    "quote": " … ".join(_quote(review.text, s, e) for s, e in spans[:3]),
                    "note": finding.message[:MAX_QUOTE_CHARS],
                    "spans": spans,
                    "positive": False,
                }
            )
    for because in score.because:
        if because.startswith("balance:"):  # a verdict, not a finding: its reason is the evidence
            found.append(
                {
                    "message": verdict.message_id,
                    "kind": because,
                    "quote": "",
                    "note": review.balance_reason[:MAX_QUOTE_CHARS],
                    "spans": [],
                    "positive": False,
                }
            )
    if not found:
        for name in _POSITIVE_EVIDENCE.get(rubric, ()):
            signal = getattr(review, name)
            spans = [[s.start, s.end] for s in signal.spans]
            if spans:
                found.append(
                    {
                        "message": verdict.message_id,
                        "kind": name,
                        "quote": " … ".join(_quote(review.text, s, e) for s, e in spans[:3]),
                        "note": "",
                        "spans": spans,
                        "positive": True,
                    }
                )
    return found


def coach_ratings(
    criteria: Sequence[Criterion], verdicts: Sequence[ReplyVerdict]
) -> list[tuple[Criterion, int | None, list[dict[str, Any]]]]:
    """Each criterion's value from the coach (``None``: N/A) and its evidence."""
    rated: list[tuple[Criterion, int | None, list[dict[str, Any]]]] = []
    for criterion in criteria:
        rubric = criterion.coach_rubric
        if not rubric or not verdicts:
            rated.append((criterion, None, []))
            continue
        scores = [int(getattr(v.review, rubric).score) for v in verdicts]
        mean = math.floor(sum(scores) / len(scores) + 0.5)
        evidence = [item for v in verdicts for item in _evidence(v, rubric)][:MAX_EVIDENCE]
        rated.append((criterion, scoring.from_rubric(criterion.scale, mean), evidence))
    return rated


def _basis(fingerprint: str, scorecard: Scorecard, verdicts: Sequence[ReplyVerdict]) -> str:
    key = f"{fingerprint}|{scorecard.pk}:{scorecard.revision}|" + ",".join(
        str(v.message_id) for v in verdicts
    )
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def applicable_scorecards(ticket: Ticket) -> list[Scorecard]:
    """Active scorecards for the ticket's team (or every team) that the coach can score."""
    cards = (
        Scorecard.objects.filter(active=True)
        .filter(Q(team__isnull=True) | Q(team_id=ticket.team_id))
        .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.filter(active=True)))
        .order_by("id")
    )
    # Two plain queries: the scorecards, then their criteria (a join with DISTINCT cost more).
    return [card for card in cards if any(c.coach_rubric for c in card.criteria.all())]


def review_automatically(
    *, ticket: Ticket, scorecards: Sequence[Scorecard] | None = None
) -> list[Review]:
    """Review each agent's part of the conversation with every applicable scorecard.

    Idempotent: a review made from the same coach, scorecard revision and replies is kept as
    it is. Returns the reviews made or made again.
    """
    cards = list(scorecards) if scorecards is not None else applicable_scorecards(ticket)
    if not cards:
        return []
    verdicts = review_replies(ticket)
    by_agent: dict[int, list[ReplyVerdict]] = defaultdict(list)
    for verdict in verdicts:
        by_agent[verdict.agent_id].append(verdict)
    fingerprint = coach_fingerprint()
    existing = {
        (review.scorecard_id, review.reviewee_id): review
        for review in Review.objects.filter(ticket_id=ticket.pk, source=Source.COACH)
    }
    names = {pk: str(agent) for pk, agent in Agent.objects.in_bulk(list(by_agent)).items()}
    made: list[Review] = []
    with events.atomic():
        for card in cards:
            criteria = [c for c in card.criteria.all() if c.active]
            for agent_id, mine in by_agent.items():
                basis = _basis(fingerprint, card, mine)
                review = existing.get((card.pk, agent_id))
                if review is not None and review.basis == basis:
                    continue
                made.append(
                    _store(
                        ticket,
                        card,
                        (agent_id, names.get(agent_id, "")),
                        criteria,
                        mine,
                        review,
                        fingerprint,
                        basis,
                    )
                )
    return made


def _store(
    ticket: Ticket,
    card: Scorecard,
    agent: tuple[int, str],
    criteria: Sequence[Criterion],
    verdicts: Sequence[ReplyVerdict],
    review: Review | None,
    fingerprint: str,
    basis: str,
) -> Review:
    agent_id, name = agent
    rated = coach_ratings(criteria, verdicts)
    score = scoring.review_score(
        [
            scoring.CriterionRating(c.scale, c.weight, value, critical=c.critical)
            for c, value, _evidence in rated
        ]
    )
    again = review is not None
    if review is None:
        review = Review(ticket=ticket, scorecard=card, source=Source.COACH, reviewee_id=agent_id)
    review.score = score
    review.coach_version = fingerprint
    review.scorecard_revision = card.revision
    review.basis = basis
    review.save()
    Rating.objects.filter(review=review).delete()
    Rating.objects.bulk_create(
        [
            Rating(
                review=review,
                criterion=criterion,
                value=value,
                score=None if value is None else scoring.normalise(criterion.scale, value),
                evidence=evidence,
            )
            for criterion, value, evidence in rated
        ]
    )
    timeline.record(
        quality_events.CoachReviewed(
            ticket=ticket,
            review_id=review.pk,
            scorecard=card.name,
            reviewee_id=agent_id,
            reviewee_name=name,
            score=score,
            coach_version=fingerprint,
            again=again,
        )
    )
    return review


def outdated_tickets(*, limit: int) -> list[int]:
    """Conversations whose automatic reviews were made by another coach version or with an
    older revision of their scorecard (the sweep reviews them again, ``limit`` at a time)."""
    fingerprint = coach_fingerprint()
    stale = (
        Review.objects.filter(source=Source.COACH)
        .filter(~Q(coach_version=fingerprint) | Q(scorecard_revision__lt=F("scorecard__revision")))
        .values_list("ticket_id", flat=True)
        .distinct()
        .order_by("ticket_id")[:limit]
    )
    return list(stale)
