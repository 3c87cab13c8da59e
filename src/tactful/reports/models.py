"""Pre-aggregated report figures: what the coach and the customers said, per day.

Response and resolution times, SLA achievement, volume and backlog are read live from the
SLA clocks (``tactful.sla.models.Clock``: one narrow, indexed row per measured wait). What a
live query over every message cannot afford — the coach's verdict inside each reply's JSON
review, the abuse read in each customer message — is counted here as it happens.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyFigures(models.Model):
    """Counts for one day (in the desk's time zone), team, agent, channel and language.

    ``team_id``/``agent_id`` are 0 for "none" (so the unique key has no NULLs). Reply counts
    are for agents' public replies (``agent_id``: the author); customer-side counts use the
    ticket's assignee at the time. Kept by :mod:`tactful.reports.handlers` as events arrive —
    a message analysed after midnight counts on the day it was written — and rebuilt from the
    messages by :func:`tactful.reports.rollup.rebuild` after an import.
    """

    day = models.DateField(_("day"))
    team_id = models.BigIntegerField(default=0)
    agent_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=10, blank=True)
    language = models.CharField(max_length=3, blank=True)
    replies = models.PositiveIntegerField(default=0)
    #: Replies sent with the coach's review (the shares below are of these).
    reviewed = models.PositiveIntegerField(default=0)
    too_little = models.PositiveIntegerField(default=0)
    balanced = models.PositiveIntegerField(default=0)
    too_much = models.PositiveIntegerField(default=0)
    with_next_step = models.PositiveIntegerField(default=0)
    over_apology = models.PositiveIntegerField(default=0)
    customer_messages = models.PositiveIntegerField(default=0)
    abusive_messages = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "team_id", "agent_id", "channel", "language"],
                name="one_daily_figures_row",
            )
        ]
        indexes = [
            models.Index(fields=["team_id", "day"], name="daily_team_day"),
            models.Index(fields=["agent_id", "day"], name="daily_agent_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} team {self.team_id} agent {self.agent_id}"


COUNTERS = (
    "replies",
    "reviewed",
    "too_little",
    "balanced",
    "too_much",
    "with_next_step",
    "over_apology",
    "customer_messages",
    "abusive_messages",
)
