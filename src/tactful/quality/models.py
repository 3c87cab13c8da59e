"""Scorecards, reviews (human and the coach's), disputes, sampling plans and calibration rounds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tactful.quality.scoring import Scale


class ScaleChoice(models.TextChoices):
    BINARY = Scale.BINARY.value, _("Yes / no")
    THREE = Scale.THREE.value, _("1–3")
    FIVE = Scale.FIVE.value, _("1–5")


class CoachRubric(models.TextChoices):
    """The coach's rubric that scores a criterion automatically ("": the coach cannot)."""

    NONE = "", _("Not scored by the coach")
    AWARENESS = "awareness", _("Awareness")
    CLARITY = "clarity", _("Clarity")
    EMPOWERMENT = "empowerment", _("Empowerment")
    PRECISION = "precision", _("Precision")
    CLARITY_CLASSIC = "clarity_classic", _("Clarity (classic)")
    EMPATHY = "empathy", _("Empathy")


class Scorecard(models.Model):
    """What a review grades: sections of weighted criteria, edited by leads.

    ``team`` empty: every team may use it. ``default_key`` marks the shipped defaults (see
    ``tactful.quality.defaults``) so they can be restored. ``revision`` grows with every edit,
    so the coach's automatic reviews made against an older version are made again.
    """

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scorecards",
        verbose_name=_("team"),
    )
    active = models.BooleanField(_("active"), default=True)
    default_key = models.CharField(max_length=40, blank=True, editable=False)
    revision = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(
                fields=["default_key"],
                condition=~models.Q(default_key=""),
                name="unique_default_scorecard",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    """A heading that groups criteria on a scorecard (Awareness, Clarity…)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    """One thing a reviewer rates, on a scale, with a weight in the review's mean.

    ``critical``: rated at the lowest point of its scale, it makes the whole review 0.
    ``allow_na``: the reviewer may mark it not applicable (left out of the mean).
    Criteria that ratings use are archived (``active`` off), never deleted, so old reviews
    keep their scores.
    """

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="criteria")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("what to look for"), blank=True, max_length=1000)
    scale = models.CharField(
        _("scale"), max_length=8, choices=ScaleChoice.choices, default=ScaleChoice.FIVE
    )
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    allow_na = models.BooleanField(_("N/A allowed"), default=False)
    critical = models.BooleanField(_("critical"), default=False)
    coach_rubric = models.CharField(
        _("the coach scores it as"),
        max_length=16,
        choices=CoachRubric.choices,
        default=CoachRubric.NONE,
        blank=True,
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return self.name


class Source(models.TextChoices):
    HUMAN = "human", _("Reviewer")
    COACH = "coach", _("Coach")


class Review(models.Model):
    """A graded conversation (``message`` empty) or one graded reply, by a person or the coach.

    ``reviewee`` is the agent whose work is graded. The coach's reviews (``source`` coach,
    ``reviewer`` empty) are kept apart from people's in every score; a person's review that
    ``overrides`` one of the coach's replaces it. Reviews made in a calibration ``round`` only
    measure agreement: they count in no score and the agent does not see them.
    ``score`` is 0–100, empty when every rating was N/A; ``withdrawn`` after an upheld dispute
    (an override withdrawn that way leaves the coach's review replaced: a person found both
    grades wrong).
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="quality_reviews"
    )
    message = models.ForeignKey(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quality_reviews",
    )
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="reviews")
    source = models.CharField(_("by"), max_length=5, choices=Source.choices, default=Source.HUMAN)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_reviews_given",
    )
    reviewee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="quality_reviews_received",
    )
    score = models.FloatField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=5000)
    overrides = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="overridden_by"
    )
    round = models.ForeignKey(
        "quality.CalibrationRound",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    #: A person's review replaced this automatic one in the scores (kept as a column, not
    #: looked up through ``overridden_by``: the scores filter on it over every review).
    replaced = models.BooleanField(_("replaced by a person's review"), default=False)
    #: The coach's version and the scorecard's revision an automatic review was made with.
    coach_version = models.CharField(max_length=80, blank=True)
    scorecard_revision = models.PositiveIntegerField(default=0)
    #: A digest of what an automatic review was made from (coach, scorecard, replies): a new
    #: coach version, an edited scorecard or new replies make the coach review again.
    basis = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [
            models.Index(fields=["reviewee", "-created_at"], name="review_reviewee_created"),
            models.Index(fields=["reviewer", "-created_at"], name="review_reviewer_created"),
            models.Index(fields=["ticket", "source"], name="review_ticket_source"),
            models.Index(fields=["scorecard", "source", "-created_at"], name="review_card_source"),
        ]
        constraints = [
            # The coach reviews each agent's part of a conversation once per scorecard.
            models.UniqueConstraint(
                fields=["ticket", "scorecard", "reviewee"],
                condition=models.Q(source="coach"),
                name="one_coach_review_per_agent",
            ),
            # One calibration grade per reviewer and conversation in a round.
            models.UniqueConstraint(
                fields=["round", "ticket", "reviewer"],
                condition=models.Q(round__isnull=False),
                name="one_calibration_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} review of #{self.ticket_id}"

    @property
    def is_automatic(self) -> bool:
        return self.source == Source.COACH


class Rating(models.Model):
    """One criterion's grade in a review: the value on its scale (empty: N/A), its 0–100 score,
    the reviewer's comment, and for the coach the evidence: the words behind the score."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="ratings")
    value = models.SmallIntegerField(_("rating"), null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    #: ``[{"message": id, "kind": finding, "quote": words, "note": the coach's words,
    #: "spans": [[start, end]…], "positive": bool}…]`` (spans index the reply as the coach read it)
    evidence = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["criterion__section__position", "criterion__position", "criterion_id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="one_rating_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.value}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("dispute", "Open")
    UPHELD = "upheld", _("Upheld: review withdrawn")
    REJECTED = "rejected", _("Rejected: review stands")


class Dispute(models.Model):
    """An agent disagrees with a review of their work; a lead decides."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="dispute")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("why"), max_length=3000)
    status = models.CharField(
        _("status"), max_length=8, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(_("decision"), blank=True, max_length=3000)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        indexes = [models.Index(fields=["status", "-created_at"], name="dispute_status_created")]

    def __str__(self) -> str:
        return f"dispute of review {self.review_id}"


class SamplingPlan(models.Model):
    """How many of a team's solved conversations are reviewed each week, and by whom.

    Each agent gets ``share_percent`` of the conversations they answered in the week, at least
    ``minimum_per_agent``; hard ones (intense, abusive, a low CSAT) are ``hard_weight`` times as
    likely to be drawn.
    """

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="sampling_plan"
    )
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="+")
    share_percent = models.PositiveSmallIntegerField(_("share of conversations (%)"), default=10)
    minimum_per_agent = models.PositiveSmallIntegerField(_("at least, per agent"), default=2)
    hard_weight = models.PositiveSmallIntegerField(_("weight of hard conversations"), default=3)
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="sampling_plans", verbose_name=_("reviewers")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sampling plan")
        verbose_name_plural = _("sampling plans")

    def __str__(self) -> str:
        return f"sampling for {self.team_id}"


class ReviewAssignment(models.Model):
    """A conversation drawn for review: whose work, who reviews it, which week, and why."""

    plan = models.ForeignKey(SamplingPlan, on_delete=models.CASCADE, related_name="assignments")
    week = models.DateField(_("week of"))
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    reviewee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_assignments"
    )
    #: Why it is hard (``intense``, ``abuse``, ``low_csat``); empty for an ordinary one.
    reasons = models.JSONField(default=list, blank=True)
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["week", "id"]
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        indexes = [models.Index(fields=["reviewer", "week"], name="assignment_reviewer_week")]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "week", "ticket", "reviewee"], name="one_assignment_per_draw"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} for {self.reviewer_id}"


class CalibrationRound(models.Model):
    """Several reviewers grade the same conversations with one scorecard, to measure how far
    they agree with each other and with the coach."""

    name = models.CharField(_("name"), max_length=100)
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="rounds")
    tickets = models.ManyToManyField("tickets.Ticket", related_name="+", verbose_name=_("tickets"))
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="calibration_rounds", verbose_name=_("reviewers")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calibration round")
        verbose_name_plural = _("calibration rounds")

    def __str__(self) -> str:
        return self.name
