"""Surveys and their answers, per-team survey settings, monthly reports and the uplifting feed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scale(models.TextChoices):
    """How the customer rates: five stars, or three faces."""

    FIVE = "five", _("1–5")
    THREE = "three", _("Good / okay / bad")


class Sentiment(models.TextChoices):
    """Every scale maps onto these three, so teams with different scales can be compared."""

    GOOD = "good", _("Good")
    NEUTRAL = "neutral", _("Neutral")
    BAD = "bad", _("Bad")


class SurveySettings(models.Model):
    """How one team asks its customers (a team without a row uses the defaults below).

    ``quiet_days``: a ticket reopened and solved again is asked again only when its last survey
    went out at least this many days ago. ``expire_days``: a link stops working after this.
    ``reminder_days``: one reminder this many days after an unanswered survey (0: none).
    The feed: positive comments and thank-you messages wait ``feed_hold_minutes`` (so someone
    can hold one back) and are then posted to ``feed_webhook_url`` (Slack-compatible).
    """

    team = models.OneToOneField(
        "accounts.Team",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="survey_settings",
        verbose_name=_("team"),
    )
    enabled = models.BooleanField(_("ask customers after a solve"), default=True)
    scale = models.CharField(_("scale"), max_length=5, choices=Scale.choices, default=Scale.FIVE)
    quiet_days = models.PositiveSmallIntegerField(_("days before asking again"), default=7)
    expire_days = models.PositiveSmallIntegerField(_("days a survey stays open"), default=14)
    reminder_days = models.PositiveSmallIntegerField(
        _("days before the one reminder (0: none)"), default=3
    )
    feed_webhook_url = models.URLField(_("team chat webhook (Slack-compatible)"), blank=True)
    feed_webhook_secret = models.CharField(_("webhook signing secret"), max_length=200, blank=True)
    feed_hold_minutes = models.PositiveSmallIntegerField(
        _("minutes before a feed item is posted"), default=30
    )

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return str(self.team)


class SurveyStatus(models.TextChoices):
    SENT = "sent", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    CANCELLED = "cancelled", _("Cancelled (reopened)")
    EXPIRED = "expired", _("Expired")


class Survey(models.Model):
    """One question to the customer after a solve, and its answer.

    Who is rated is fixed **when the survey is sent**: the ``team`` and the agents who replied
    (``agents``), so a later unassignment or team move never loses the attribution. So is the
    coach's reading of those replies (``coach_*``), which the report compares with the answer.
    The raw ``rating`` is kept on its ``scale`` with its ``sentiment``; ``comment`` is what the
    customer wrote and ``comment_redacted`` the same text with identifying details removed —
    the only form in which a comment leaves the ticket (reports, the feed).
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="surveys", verbose_name=_("ticket")
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
        verbose_name=_("team"),
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="SurveyAgent",
        related_name="surveys",
        verbose_name=_("agents rated"),
    )
    channel = models.CharField(_("channel"), max_length=10)
    language = models.CharField(_("language"), max_length=3)
    scale = models.CharField(_("scale"), max_length=5, choices=Scale.choices)
    #: The secret part of the link (the link is this, signed with the survey's id).
    nonce = models.CharField(max_length=32, editable=False)
    status = models.CharField(
        _("status"), max_length=9, choices=SurveyStatus.choices, default=SurveyStatus.SENT
    )
    #: The reply that carried the question (and the reminder, when one was sent).
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminder = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("expires"))
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cancelled or expired"), null=True, blank=True)

    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    sentiment = models.CharField(
        _("sentiment"), max_length=7, choices=Sentiment.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    comment_redacted = models.TextField(_("comment, anonymised"), blank=True)
    #: Themes of a comment (speed, kindness, solved, clarity…), found when it was written.
    themes = models.JSONField(_("themes"), default=list, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    #: How the answer came (page, chat, api).
    answered_via = models.CharField(_("answered through"), max_length=8, blank=True)
    changes = models.PositiveSmallIntegerField(_("times the answer was changed"), default=0)

    #: The coach's verdict over the replies before the survey: balanced, too_little, too_much
    #: ("" when none was reviewed), whether every reviewed reply said what happens next, and
    #: per reply ``{"balance", "next_step", "findings": [kinds]}``.
    coach_balance = models.CharField(_("coach: balance of the replies"), max_length=10, blank=True)
    coach_next_step = models.BooleanField(_("coach: every reply had a next step"), null=True)
    coach_replies = models.JSONField(_("coach: the replies' reviews"), default=list, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        indexes = [
            models.Index(fields=["ticket", "-sent_at"], name="survey_ticket_sent"),
            models.Index(fields=["team", "sent_at"], name="survey_team_sent"),
            models.Index(fields=["sent_at"], name="survey_sent"),
            # The sweeper: open surveys by expiry.
            models.Index(
                fields=["expires_at"],
                name="survey_open_expiry",
                condition=models.Q(status="sent"),
            ),
        ]

    def __str__(self) -> str:
        return f"survey {self.pk} on #{self.ticket_id}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


class SurveyAgent(models.Model):
    """An agent a survey rates (one who replied before it was sent)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="rated")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("rated agent")
        verbose_name_plural = _("rated agents")
        constraints = [
            models.UniqueConstraint(fields=["survey", "agent"], name="unique_survey_agent")
        ]
        indexes = [models.Index(fields=["agent", "survey"], name="survey_agent")]

    def __str__(self) -> str:
        return f"{self.agent_id} in survey {self.survey_id}"


class TicketRating(models.Model):
    """A ticket's current satisfaction: its latest answered survey (the inbox filters on it)."""

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="rating"
    )
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    sentiment = models.CharField(_("sentiment"), max_length=7, choices=Sentiment.choices)
    rating = models.PositiveSmallIntegerField(_("rating"))
    scale = models.CharField(_("scale"), max_length=5, choices=Scale.choices)
    has_comment = models.BooleanField(_("with a comment"), default=False)
    answered_at = models.DateTimeField(_("answered"))

    class Meta:
        verbose_name = _("ticket rating")
        verbose_name_plural = _("ticket ratings")
        indexes = [models.Index(fields=["sentiment"], name="ticket_rating_sentiment")]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.sentiment}"


class MonthlyReport(models.Model):
    """One month's CSAT report for a team (or the whole desk: no team), kept for good.

    ``data`` is the report as computed (figures, charts' series, anonymised comments): the page
    and the PDF are drawn from it, so a past report reads the same whatever changes later.
    """

    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="csat_reports",
        verbose_name=_("team"),
    )
    month = models.DateField(_("month"))
    data = models.JSONField(_("report"), default=dict)
    pdf = models.BinaryField(_("PDF"), blank=True, default=b"")
    generated_at = models.DateTimeField(_("generated"))
    emailed_at = models.DateTimeField(_("e-mailed to the leads"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "team__name"]
        verbose_name = _("monthly CSAT report")
        verbose_name_plural = _("monthly CSAT reports")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "month"],
                condition=models.Q(team__isnull=False),
                name="unique_team_report_month",
            ),
            models.UniqueConstraint(
                fields=["month"], condition=models.Q(team__isnull=True), name="unique_desk_report"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.team or 'desk'}"


class FeedSource(models.TextChoices):
    COMMENT = "comment", _("Survey comment")
    THANKS = "thanks", _("Thank-you message")


class FeedState(models.TextChoices):
    WAITING = "waiting", _("Waiting to be posted")
    HELD = "held", _("Held back")
    POSTING = "posting", _("Posting")
    POSTED = "posted", _("Posted")
    FAILED = "failed", _("Could not be posted")
    #: No webhook configured: shown on the team page only.
    SHOWN = "shown", _("Shown on the team page")


class FeedItem(models.Model):
    """An uplifting customer message for the team: anonymised, and posted at most once.

    It waits until ``post_after`` so an agent or lead can hold it back; then one worker claims
    it (``posting``) before the request leaves, so a crash never posts it twice.
    """

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="feed_items", verbose_name=_("team")
    )
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("source"), max_length=7, choices=FeedSource.choices)
    survey = models.OneToOneField(
        Survey, null=True, blank=True, on_delete=models.CASCADE, related_name="feed_item"
    )
    message = models.OneToOneField(
        "tickets.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(_("language"), max_length=3)
    text = models.TextField(_("text, anonymised"))
    rating_label = models.CharField(_("rating"), max_length=40, blank=True)
    state = models.CharField(
        _("state"), max_length=7, choices=FeedState.choices, default=FeedState.WAITING
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    post_after = models.DateTimeField(_("posted from"))
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feed item")
        verbose_name_plural = _("feed items")
        indexes = [
            models.Index(fields=["team", "-created_at"], name="feed_team_created"),
            models.Index(
                fields=["post_after"], name="feed_due", condition=models.Q(state="waiting")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} for {self.team_id}"
