"""Quality reviews: scorecards, grading a conversation or a reply, disputes and their decision.

Every review and every dispute is a ticket event (``tactful.quality.events``), recorded with
the change in one ``events.atomic()`` block. Permissions are checked here, so the pages and any
future API agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent, Team
from tactful.quality import events as quality_events
from tactful.quality import scoring, selectors
from tactful.quality.defaults import DEFAULT_SCORECARDS
from tactful.quality.models import (
    CalibrationRound,
    Criterion,
    Dispute,
    DisputeStatus,
    Rating,
    Review,
    ReviewAssignment,
    Scorecard,
    Section,
    Source,
)
from tactful.tickets import events, permissions, timeline
from tactful.tickets.models import Message, MessageKind, Ticket

MAX_COMMENT_CHARS = 5000
MAX_RATING_COMMENT_CHARS = 2000
MAX_CRITERIA = 40
MAX_WEIGHT = 100


# --- scorecards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionSpec:
    """A criterion as an editor (or the defaults) describes it; ``id`` for an existing one."""

    section: str
    name: str
    scale: str = "five"
    weight: int = 1
    description: str = ""
    allow_na: bool = False
    critical: bool = False
    coach_rubric: str = ""
    id: int | None = None


@dataclass(frozen=True)
class ScorecardSpec:
    name: str
    description: str = ""
    team: Team | None = None
    active: bool = True
    criteria: Sequence[CriterionSpec] = field(default_factory=tuple)


def _check_criteria(criteria: Sequence[CriterionSpec]) -> None:
    if not criteria:
        raise ValidationError(_("A scorecard needs at least one criterion."))
    if len(criteria) > MAX_CRITERIA:
        raise ValidationError(_("A scorecard has at most %(n)s criteria.") % {"n": MAX_CRITERIA})
    seen: set[tuple[str, str]] = set()
    for spec in criteria:
        if not spec.name.strip() or not spec.section.strip():
            raise ValidationError(_("Every criterion needs a name and a section."))
        if spec.scale not in scoring.SCALE_VALUES:
            raise ValidationError(_("Unknown scale: %(scale)s") % {"scale": spec.scale[:20]})
        if not 1 <= spec.weight <= MAX_WEIGHT:
            raise ValidationError(
                _("Weights are whole numbers from 1 to %(max)s.") % {"max": MAX_WEIGHT}
            )
        key = (spec.section.strip().casefold(), spec.name.strip().casefold())
        if key in seen:
            raise ValidationError(
                _("“%(name)s” appears twice in “%(section)s”.")
                % {"name": spec.name[:100], "section": spec.section[:100]}
            )
        seen.add(key)


def save_scorecard(
    *, by: Agent | None, scorecard: Scorecard | None, spec: ScorecardSpec, default_key: str = ""
) -> Scorecard:
    """Create or change a scorecard and its criteria (``by`` ``None``: the shipped defaults).

    Sections come from the criteria's section names, in the order they first appear. A
    criterion left out is deleted, or archived when reviews already rated it (their scores
    stay as they were). Any change raises the scorecard's revision, so the coach reviews with
    it again.
    """
    # Both the scorecard as it is and as it would become: a lead cannot move a shared
    # scorecard into another lead's team, nor take one out of a team they do not lead.
    if by is not None and not (
        selectors.can_edit_scorecard(by, scorecard)
        and selectors.can_edit_scorecard(by, Scorecard(team=spec.team))
    ):
        raise PermissionDenied(_("Leads edit the shared scorecards and their own teams' ones."))
    if not spec.name.strip():
        raise ValidationError(_("A scorecard needs a name."))
    _check_criteria(spec.criteria)
    with events.atomic():
        if scorecard is None:
            scorecard = Scorecard(created_by=by, default_key=default_key, revision=0)
        scorecard.name = spec.name.strip()[:100]
        scorecard.description = spec.description.strip()[:2000]
        scorecard.team = spec.team
        scorecard.active = spec.active
        scorecard.revision += 1
        scorecard.save()
        sections: dict[str, Section] = {
            s.name.casefold(): s for s in Section.objects.filter(scorecard=scorecard)
        }
        existing = {c.pk: c for c in Criterion.objects.filter(scorecard=scorecard)}
        kept: set[int] = set()
        used_sections: set[int] = set()
        order: list[str] = []
        for position, spec_c in enumerate(spec.criteria):
            section_name = spec_c.section.strip()[:100]
            key = section_name.casefold()
            if key not in order:
                order.append(key)
            section = sections.get(key)
            if section is None:
                section = Section.objects.create(scorecard=scorecard, name=section_name)
                sections[key] = section
            section.position = order.index(key)
            section.name = section_name
            section.save(update_fields=["position", "name"])
            used_sections.add(section.pk)
            criterion = existing.get(spec_c.id) if spec_c.id is not None else None
            if spec_c.id is not None and criterion is None:
                raise ValidationError(_("That criterion is not on this scorecard."))
            if (
                criterion is not None
                and criterion.scale != spec_c.scale
                and criterion.ratings.exists()
            ):
                raise ValidationError(
                    _(
                        "“%(name)s” has been rated already: its scale cannot change. Add a new criterion instead."
                    )
                    % {"name": criterion.name}
                )
            criterion = criterion or Criterion(scorecard=scorecard)
            criterion.section = section
            criterion.name = spec_c.name.strip()[:100]
            criterion.description = spec_c.description.strip()[:1000]
            criterion.scale = spec_c.scale
            criterion.weight = spec_c.weight
            criterion.allow_na = spec_c.allow_na
            criterion.critical = spec_c.critical
            criterion.coach_rubric = spec_c.coach_rubric
            criterion.position = position
            criterion.active = True
            criterion.full_clean(exclude=["scorecard", "section"])
            criterion.save()
            kept.add(criterion.pk)
        for pk, criterion in existing.items():
            if pk in kept:
                continue
            if criterion.ratings.exists():
                criterion.active = False
                criterion.save(update_fields=["active"])
                used_sections.add(criterion.section_id)
            else:
                criterion.delete()
        Section.objects.filter(scorecard=scorecard).exclude(pk__in=used_sections).delete()
    return scorecard


def install_default_scorecards() -> list[Scorecard]:
    """Create any shipped scorecard that is missing (by its key); returns those created.

    The data migration installs them on a new database; this puts them back after a flush or
    after a lead deleted one by mistake (an edited default is left as the lead made it).
    """
    present = set(Scorecard.objects.exclude(default_key="").values_list("default_key", flat=True))
    created = []
    for spec in DEFAULT_SCORECARDS:
        if spec["key"] in present:
            continue
        created.append(
            save_scorecard(
                by=None, scorecard=None, spec=default_spec(spec), default_key=spec["key"]
            )
        )
    return created


def default_spec(spec: Mapping[str, object]) -> ScorecardSpec:
    criteria = [
        CriterionSpec(section=str(section["name"]), **criterion)
        for section in spec["sections"]  # type: ignore[attr-defined]
        for criterion in section["criteria"]
    ]
    return ScorecardSpec(
        name=str(spec["name"]), description=str(spec.get("description", "")), criteria=criteria
    )


def delete_scorecard(*, by: Agent, scorecard: Scorecard) -> bool:
    """Delete an unused scorecard; one with reviews is switched off instead (returns False)."""
    if not selectors.can_edit_scorecard(by, scorecard):
        raise PermissionDenied(_("Leads edit the shared scorecards and their own teams' ones."))
    if Review.objects.filter(scorecard=scorecard).exists() or scorecard.rounds.exists():
        scorecard.active = False
        scorecard.save(update_fields=["active", "updated_at"])
        return False
    scorecard.delete()
    return True


# --- reviews --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grade:
    """A reviewer's grade for one criterion: a value on its scale, or ``None`` for N/A."""

    value: int | None
    comment: str = ""


def record_review(
    *,
    ticket: Ticket,
    scorecard: Scorecard,
    reviewer: Agent,
    reviewee: Agent,
    grades: Mapping[int, Grade],
    comment: str = "",
    message: Message | None = None,
    overrides: Review | None = None,
    round: CalibrationRound | None = None,
) -> Review:
    """A person grades ``reviewee``'s work in the conversation (or in the reply ``message``).

    Args:
        grades: criterion id → grade, for every active criterion of the scorecard.
        overrides: the coach's review this one replaces in the scores.
        round: the calibration round this grade belongs to (counts in no score).

    Raises:
        PermissionDenied: the reviewer may not review this, or is grading their own work.
        ValidationError: a grade is missing, off the scale, or N/A where it is not allowed; the
            reply is not the reviewee's; the override or round does not fit.
    """
    _check_reviewer(reviewer, ticket, reviewee, round)
    if not scorecard.active and round is None:
        raise ValidationError(_("This scorecard is switched off."))
    if scorecard.team_id is not None and scorecard.team_id != ticket.team_id:
        raise ValidationError(_("This scorecard belongs to another team."))
    if message is not None and (
        message.ticket_id != ticket.pk
        or message.kind != MessageKind.OUTGOING
        or message.author_agent_id != reviewee.pk
    ):
        raise ValidationError(_("Pick one of this agent's replies in this conversation."))
    if (
        message is None
        and not Message.objects.filter(
            ticket_id=ticket.pk, kind=MessageKind.OUTGOING, author_agent_id=reviewee.pk
        ).exists()
    ):
        raise ValidationError(_("This agent has not replied in this conversation."))
    if overrides is not None:
        _check_override(overrides, ticket, scorecard, reviewee, round)
    if round is not None and round.scorecard_id != scorecard.pk:
        raise ValidationError(_("A calibration round grades with its own scorecard."))
    if (
        round is not None
        and Review.objects.filter(round=round, ticket=ticket, reviewer=reviewer).exists()
    ):
        raise ValidationError(_("You have graded this conversation in this round already."))
    criteria = list(scorecard.criteria.filter(active=True))
    rows = _check_grades(criteria, grades)
    score = scoring.review_score(
        [scoring.CriterionRating(c.scale, c.weight, g.value, critical=c.critical) for c, g in rows]
    )
    with events.atomic():
        review = Review.objects.create(
            ticket=ticket,
            message=message,
            scorecard=scorecard,
            source=Source.HUMAN,
            reviewer=reviewer,
            reviewee=reviewee,
            score=score,
            comment=comment.strip()[:MAX_COMMENT_CHARS],
            overrides=overrides,
            round=round,
            scorecard_revision=scorecard.revision,
        )
        if overrides is not None:
            Review.objects.filter(pk=overrides.pk).update(replaced=True)
        Rating.objects.bulk_create(
            [
                Rating(
                    review=review,
                    criterion=criterion,
                    value=grade.value,
                    score=None
                    if grade.value is None
                    else scoring.normalise(criterion.scale, grade.value),
                    comment=grade.comment.strip()[:MAX_RATING_COMMENT_CHARS],
                )
                for criterion, grade in rows
            ]
        )
        if round is None:
            ReviewAssignment.objects.filter(
                ticket=ticket, reviewer=reviewer, reviewee=reviewee, review__isnull=True
            ).update(review=review)
        timeline.record(
            quality_events.ReviewRecorded(
                ticket=ticket,
                by=reviewer,
                message=message,
                review_id=review.pk,
                scorecard=scorecard.name,
                reviewee_id=reviewee.pk,
                reviewee_name=str(reviewee),
                score=score,
                calibration=round is not None,
                override=overrides is not None,
            )
        )
    return review


def _check_reviewer(
    reviewer: Agent, ticket: Ticket, reviewee: Agent, round: CalibrationRound | None
) -> None:
    if round is not None:
        if not round.reviewers.filter(pk=reviewer.pk).exists():
            raise PermissionDenied(_("You are not a reviewer in this calibration round."))
        if not round.tickets.filter(pk=ticket.pk).exists():
            raise ValidationError(_("This conversation is not in the calibration round."))
    elif not selectors.is_reviewer(reviewer):
        raise PermissionDenied(_("Only reviewers grade conversations."))
    permissions.check_can_view(reviewer, ticket)
    if reviewer.pk == reviewee.pk:
        raise PermissionDenied(_("Nobody reviews their own work."))


def _check_override(
    overrides: Review,
    ticket: Ticket,
    scorecard: Scorecard,
    reviewee: Agent,
    round: CalibrationRound | None,
) -> None:
    if (
        overrides.source != Source.COACH
        or overrides.ticket_id != ticket.pk
        or overrides.scorecard_id != scorecard.pk
        or overrides.reviewee_id != reviewee.pk
        or round is not None
    ):
        raise ValidationError(
            _("Only the coach's review of this agent, with this scorecard, can be replaced.")
        )
    # Asked of the database: the instance may have been loaded before someone replaced it.
    if Review.objects.filter(pk=overrides.pk, replaced=True).exists():
        raise ValidationError(_("Someone has replaced the coach's review already."))


def _check_grades(
    criteria: Sequence[Criterion], grades: Mapping[int, Grade]
) -> list[tuple[Criterion, Grade]]:
    known = {c.pk for c in criteria}
    if set(grades) - known:
        raise ValidationError(_("A grade is for a criterion that is not on this scorecard."))
    rows = []
    for criterion in criteria:
        grade = grades.get(criterion.pk)
        if grade is None:
            raise ValidationError(
                _("Grade every criterion: “%(name)s” is missing.") % {"name": criterion.name}
            )
        if grade.value is None and not criterion.allow_na:
            raise ValidationError(_("“%(name)s” cannot be marked N/A.") % {"name": criterion.name})
        if grade.value is not None and not scoring.is_valid(criterion.scale, grade.value):
            raise ValidationError(
                _("“%(name)s”: that rating is not on its scale.") % {"name": criterion.name}
            )
        rows.append((criterion, grade))
    return rows


# --- disputes -------------------------------------------------------------------------------------


def dispute_review(*, review: Review, by: Agent, reason: str) -> Dispute:
    """The reviewed agent disputes a review; a lead decides (:func:`resolve_dispute`)."""
    if review.reviewee_id != by.pk or review.round_id is not None:
        raise PermissionDenied(_("Only the agent whose work was reviewed can dispute it."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why you disagree."))
    if review.withdrawn:
        raise ValidationError(_("This review was withdrawn already."))
    if Dispute.objects.filter(review=review).exists():
        raise ValidationError(_("This review has been disputed already."))
    with events.atomic():
        dispute = Dispute.objects.create(review=review, raised_by=by, reason=reason[:3000])
        timeline.record(
            quality_events.ReviewDisputed(
                ticket=review.ticket,
                by=by,
                message=review.message,
                review_id=review.pk,
                dispute_id=dispute.pk,
                reason=dispute.reason,
            )
        )
    return dispute


def resolve_dispute(*, dispute: Dispute, by: Agent, upheld: bool, resolution: str) -> Dispute:
    """A lead decides: ``upheld`` withdraws the review from every score, otherwise it stands."""
    review = dispute.review
    if not by.is_lead or not permissions.can_view(by, review.ticket):
        raise PermissionDenied(_("A lead of the ticket's team decides disputes."))
    if by.pk == dispute.raised_by_id:
        raise PermissionDenied(_("Nobody decides their own dispute."))
    if dispute.status != DisputeStatus.OPEN:
        raise ValidationError(_("This dispute has been decided already."))
    resolution = resolution.strip()
    with events.atomic():
        dispute.status = DisputeStatus.UPHELD if upheld else DisputeStatus.REJECTED
        dispute.resolved_by = by
        dispute.resolution = resolution[:3000]
        dispute.resolved_at = timezone.now()
        dispute.save()
        if upheld:
            review.withdrawn = True
            review.save(update_fields=["withdrawn", "updated_at"])
        timeline.record(
            quality_events.DisputeResolved(
                ticket=review.ticket,
                by=by,
                message=review.message,
                review_id=review.pk,
                dispute_id=dispute.pk,
                upheld=upheld,
                resolution=dispute.resolution,
            )
        )
    return dispute
