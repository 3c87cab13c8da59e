"""Calibration: several reviewers grade the same conversations, and the desk measures how far
they agree with each other and with the coach.

Per criterion: percent agreement and Krippendorff's alpha (ordinal) for the group of reviewers,
Cohen's kappa for every pair, and each reviewer against the coach (percent agreement and kappa).
Every scorecard also carries its **coach agreement**: every person's grade of a whole
conversation set against the coach's grade of the same agent's work with the same scorecard.
This is how a team decides whether to trust the automatic reviews.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent
from tactful.quality import agreement, auto_review, selectors
from tactful.quality.models import CalibrationRound, Criterion, Rating, Review, Scorecard, Source
from tactful.tickets import permissions
from tactful.tickets.models import Ticket

MAX_BATCH = 20
MAX_REVIEWERS = 12
#: The rater key of the coach in agreement tables.
COACH = "coach"


def create_round(
    *,
    by: Agent,
    name: str,
    scorecard: Scorecard,
    tickets: Sequence[Ticket],
    reviewers: Sequence[Agent],
) -> CalibrationRound:
    """Start a round: the same batch of conversations for every reviewer.

    The coach grades each conversation with the round's scorecard now, if it has not already,
    so that every reviewer can be compared with it.
    """
    if not by.is_lead:
        raise PermissionDenied(_("Leads start calibration rounds."))
    if not name.strip():
        raise ValidationError(_("Give the round a name."))
    if not scorecard.active or not selectors.usable_scorecards(by).filter(pk=scorecard.pk).exists():
        raise ValidationError(_("Pick one of your active scorecards."))
    tickets = list(dict.fromkeys(tickets))
    reviewers = list(dict.fromkeys(reviewers))
    if not 1 <= len(tickets) <= MAX_BATCH:
        raise ValidationError(_("A round grades 1 to %(n)s conversations.") % {"n": MAX_BATCH})
    if not 2 <= len(reviewers) <= MAX_REVIEWERS:
        raise ValidationError(_("A round needs 2 to %(n)s reviewers.") % {"n": MAX_REVIEWERS})
    for ticket in tickets:
        permissions.check_can_view(by, ticket)
        reviewee = reviewee_of(ticket)
        if reviewee is None:
            raise ValidationError(
                _("Nobody has replied in #%(n)s yet: there is nothing to grade.") % {"n": ticket.pk}
            )
        for reviewer in reviewers:
            if not reviewer.is_active or not permissions.can_view(reviewer, ticket):
                raise ValidationError(
                    _("%(agent)s cannot see #%(n)s.") % {"agent": reviewer, "n": ticket.pk}
                )
            if reviewer.pk == reviewee.pk:
                raise ValidationError(
                    _("%(agent)s answered #%(n)s: nobody grades their own work.")
                    % {"agent": reviewer, "n": ticket.pk}
                )
    with transaction.atomic():
        round = CalibrationRound.objects.create(
            name=name.strip()[:100], scorecard=scorecard, created_by=by
        )
        round.tickets.set(tickets)
        round.reviewers.set(reviewers)
    if scorecard.criteria.filter(active=True).exclude(coach_rubric="").exists():
        for ticket in tickets:
            auto_review.review_automatically(ticket=ticket, scorecards=[scorecard])
    return round


def reviewee_of(ticket: Ticket) -> Agent | None:
    """Whose work a calibration round grades: the agent with the most replies."""
    found = selectors.repliers(ticket)
    return found[0] if found else None


# --- agreement in a round -----------------------------------------------------------------------


@dataclass(frozen=True)
class VersusCoach:
    reviewer: Agent
    agreement: agreement.PairAgreement


@dataclass(frozen=True)
class CriterionRow:
    """One criterion of the round: the reviewers among themselves, and each against the coach."""

    criterion: Criterion
    among: agreement.CriterionAgreement
    versus_coach: tuple[VersusCoach, ...]
    coach_kappa: float | None
    coach_percent: float | None


@dataclass(frozen=True)
class RoundAgreement:
    rows: tuple[CriterionRow, ...]
    reviewers: tuple[Agent, ...]
    tickets: tuple[Ticket, ...]
    #: reviewer id → ticket ids they graded
    graded: dict[int, set[int]]
    #: The mean over criteria of the reviewers-vs-coach kappa, and of the group's alpha.
    coach_kappa: float | None
    alpha: float | None


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def round_agreement(round: CalibrationRound) -> RoundAgreement:
    """Agreement per criterion in a round, in a constant number of queries."""
    reviewers = tuple(round.reviewers.order_by("first_name", "username"))
    tickets = tuple(round.tickets.order_by("id"))
    criteria = list(
        Criterion.objects.filter(scorecard_id=round.scorecard_id, active=True)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "id")
    )
    ratings = Prefetch(
        "ratings", queryset=Rating.objects.only("review_id", "criterion_id", "value")
    )
    human = list(Review.objects.filter(round=round).prefetch_related(ratings))
    coach = list(
        Review.objects.filter(
            source=Source.COACH,
            scorecard_id=round.scorecard_id,
            ticket_id__in=[t.pk for t in tickets],
        ).prefetch_related(ratings)
    )
    coach_by_unit = {(r.ticket_id, r.reviewee_id): r for r in coach}
    # criterion → rater → ticket → value
    table: dict[int, dict[object, dict[int, int | None]]] = defaultdict(lambda: defaultdict(dict))
    graded: dict[int, set[int]] = defaultdict(set)
    for review in human:
        graded[review.reviewer_id].add(review.ticket_id)  # type: ignore[index]
        for rating in review.ratings.all():
            table[rating.criterion_id][review.reviewer_id][review.ticket_id] = rating.value
        automatic = coach_by_unit.get((review.ticket_id, review.reviewee_id))
        if automatic is not None:
            for rating in automatic.ratings.all():
                table[rating.criterion_id][COACH][review.ticket_id] = rating.value
    rows = []
    for criterion in criteria:
        by_rater = table.get(criterion.pk, {})
        people = {r.pk: by_rater.get(r.pk, {}) for r in reviewers}
        among = agreement.criterion_agreement(
            people, level="ordinal" if criterion.scale != "binary" else "nominal"
        )
        versus = []
        if criterion.coach_rubric:
            coach_values = by_rater.get(COACH, {})
            units = [t.pk for t in tickets]
            for reviewer in reviewers:
                mine = people[reviewer.pk]
                a = [mine.get(u) for u in units]
                b = [coach_values.get(u) if u in mine else None for u in units]
                versus.append(
                    VersusCoach(
                        reviewer,
                        agreement.PairAgreement(
                            first=reviewer.pk,
                            second=COACH,
                            units=sum(
                                x is not None and y is not None for x, y in zip(a, b, strict=True)
                            ),
                            percent=agreement.percent_agreement(a, b),
                            kappa=agreement.cohen_kappa(a, b),
                        ),
                    )
                )
        rows.append(
            CriterionRow(
                criterion=criterion,
                among=among,
                versus_coach=tuple(versus),
                coach_kappa=_mean([v.agreement.kappa for v in versus]),
                coach_percent=_mean([v.agreement.percent for v in versus]),
            )
        )
    return RoundAgreement(
        rows=tuple(rows),
        reviewers=reviewers,
        tickets=tickets,
        graded=dict(graded),
        coach_kappa=_mean([row.coach_kappa for row in rows if row.criterion.coach_rubric]),
        alpha=_mean([row.among.alpha for row in rows]),
    )


# --- every scorecard's coach agreement ------------------------------------------------------------


@dataclass(frozen=True)
class CoachAgreement:
    """How far people's grades agree with the coach's on one scorecard's criteria."""

    kappa: float | None
    percent: float | None
    pairs: int
    #: criterion id → (kappa, percent agreement, pairs)
    per_criterion: dict[int, tuple[float | None, float | None, int]]


def coach_agreement(scorecard_ids: Sequence[int]) -> dict[int, CoachAgreement]:
    """Every person's grade of a whole conversation against the coach's grade of the same work,
    per scorecard and criterion.

    One query that counts the pairs in the database (a contingency table per criterion: at
    most 25 rows each), whatever the number of reviews.
    """
    if not scorecard_ids:
        return {}
    # A join, not a correlated subquery per rating: measured at 50,000 reviews on PostgreSQL
    # the subquery took seconds, the join a fraction of that (benchmarks/quality_bench.py).
    review, rating, criterion = (
        Review._meta.db_table,
        Rating._meta.db_table,
        Criterion._meta.db_table,
    )
    marks = ", ".join(["%s"] * len(scorecard_ids))
    sql = f"""
        SELECT person.scorecard_id, mine.criterion_id, mine.value, theirs.value, COUNT(*)
        FROM {rating} mine
        JOIN {review} person ON person.id = mine.review_id
        JOIN {criterion} c ON c.id = mine.criterion_id
        JOIN {review} machine ON machine.ticket_id = person.ticket_id
            AND machine.scorecard_id = person.scorecard_id
            AND machine.reviewee_id = person.reviewee_id
            AND machine.source = %s
        JOIN {rating} theirs ON theirs.review_id = machine.id
            AND theirs.criterion_id = mine.criterion_id
        WHERE person.source = %s AND person.message_id IS NULL AND NOT person.withdrawn
            AND person.scorecard_id IN ({marks}) AND c.coach_rubric <> ''
            AND mine.value IS NOT NULL AND theirs.value IS NOT NULL
        GROUP BY person.scorecard_id, mine.criterion_id, mine.value, theirs.value
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [Source.COACH.value, Source.HUMAN.value, *[int(i) for i in scorecard_ids]]
        )
        rows = cursor.fetchall()
    tables: dict[int, dict[int, dict[tuple[int, int], int]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for card_id, criterion_id, person_value, coach_value, n in rows:
        tables[card_id][criterion_id][(person_value, coach_value)] = n
    result = {}
    for card_id in scorecard_ids:
        per: dict[int, tuple[float | None, float | None, int]] = {}
        agree = total = 0
        for criterion_id, table in tables.get(card_id, {}).items():
            pairs = sum(table.values())
            same = sum(n for (person, machine), n in table.items() if person == machine)
            per[criterion_id] = (agreement.cohen_kappa_from_counts(table), same / pairs, pairs)
            agree += same
            total += pairs
        result[card_id] = CoachAgreement(
            kappa=_mean([k for k, _p, _n in per.values()]),
            percent=agree / total if total else None,
            pairs=total,
            per_criterion=per,
        )
    return result


def rounds_for(agent: Agent) -> list[CalibrationRound]:
    """Rounds the agent takes part in or can see as a lead, newest first."""
    rounds = CalibrationRound.objects.select_related("scorecard", "created_by")
    if not agent.is_lead:
        rounds = rounds.filter(reviewers=agent)
    elif not agent.is_admin:
        team_ids = sorted(permissions.team_ids(agent))
        rounds = (
            rounds.filter(scorecard__team__isnull=True)
            | rounds.filter(scorecard__team_id__in=team_ids)
            | rounds.filter(reviewers=agent)
        )
    return list(rounds.distinct().order_by("-created_at", "-id")[:100])
