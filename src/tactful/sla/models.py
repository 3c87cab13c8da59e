"""Service levels: business hours, policies (conditions → targets), the clocks each ticket
runs against them, and the per-ticket summary the inbox sorts by."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from tactful.sla import hours as hours_lib


def _default_week() -> dict[str, list[list[str]]]:
    return {day: [["09:00", "17:00"]] for day in ("0", "1", "2", "3", "4")}


def _empty_list() -> list[Any]:
    return []


class BusinessHours(models.Model):
    """When a team works: a time zone, opening hours per weekday, holidays.

    ``team`` empty: the desk's hours, for teams without their own. ``week`` maps a weekday
    (``"0"`` Monday … ``"6"`` Sunday) to ``[["09:00", "17:00"], …]`` in local time;
    ``holidays`` is a list of ``"YYYY-MM-DD"`` local dates with no hours.
    """

    name = models.CharField(_("name"), max_length=100)
    team = models.OneToOneField(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="business_hours",
        verbose_name=_("team"),
        help_text=_("Empty: the hours of every team that has none of its own."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    week = models.JSONField(_("weekly hours"), default=_default_week)
    holidays = models.JSONField(_("holidays"), default=_empty_list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(team__isnull=True), name="one_desk_hours_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def schedule(self) -> hours_lib.WeeklyHours:
        """The arithmetic for these hours (raises ValueError when they are invalid)."""
        return hours_lib.weekly_hours(self.time_zone, self.week, self.holidays)

    def clean(self) -> None:
        try:
            self.schedule()
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class Target(models.TextChoices):
    """What a clock measures."""

    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class Policy(models.Model):
    """Targets for the tickets that match its conditions (the first matching policy applies).

    Every condition list empty means "any". ``*_minutes`` empty: no target of that kind.
    ``business_hours``: targets count the working time of the ticket's team
    (:class:`BusinessHours`); otherwise every minute of the calendar counts. A warning is due
    once ``warning_percent`` of a target has passed.
    """

    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("order"), default=100)
    teams = models.JSONField(_("teams"), default=_empty_list, blank=True)
    channels = models.JSONField(_("channels"), default=_empty_list, blank=True)
    priorities = models.JSONField(_("priorities"), default=_empty_list, blank=True)
    languages = models.JSONField(_("languages"), default=_empty_list, blank=True)
    tags = models.JSONField(_("any of these tags"), default=_empty_list, blank=True)
    customers = models.JSONField(_("customers"), default=_empty_list, blank=True)
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (minutes)"), null=True, blank=True
    )
    next_response_minutes = models.PositiveIntegerField(
        _("next response within (minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within (minutes)"), null=True, blank=True
    )
    business_hours = models.BooleanField(_("count business hours only"), default=True)
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at this share of the target (%)"), default=80
    )
    created_by = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name

    def target_minutes(self, target: str) -> int | None:
        value: int | None = {
            Target.FIRST_RESPONSE: self.first_response_minutes,
            Target.NEXT_RESPONSE: self.next_response_minutes,
            Target.RESOLUTION: self.resolution_minutes,
        }.get(Target(target))
        return value


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")
    #: Stopped without counting: solved without a reply, or merged into another ticket.
    STOPPED = "stopped", _("Stopped")


OPEN_STATES = (ClockState.RUNNING, ClockState.PAUSED)
DONE_STATES = (ClockState.MET, ClockState.MISSED)


class Clock(models.Model):
    """One thing a ticket is measured on: a first response, one wait for a next response, or
    one stretch to resolution (a reopened ticket starts another that carries the time spent).

    Rebuilt from the ticket's history by :mod:`tactful.sla.services` whenever an event moves
    it; ``sequence`` tells apart the clocks of one kind (the message a next-response wait
    started with, the resolution cycle). ``elapsed_seconds`` is working time (business hours
    where the policy says so) up to completion, or up to the last pause while open.
    ``warned_at``/``breached_at``/``achieved_at`` are written once, when the event was
    emitted. ``alarm_at`` is the next moment the deadline checker must look at this clock.
    ``team_id``, ``agent_id``, ``channel`` and ``language`` are the report's dimensions,
    frozen when the clock completes (``agent_id``: who replied, or who solved).
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="clocks")
    target = models.CharField(_("target"), max_length=16, choices=Target.choices)
    sequence = models.BigIntegerField(_("sequence"), default=0)
    policy = models.ForeignKey(
        Policy, null=True, blank=True, on_delete=models.SET_NULL, related_name="clocks"
    )
    state = models.CharField(_("state"), max_length=8, choices=ClockState.choices)
    started_at = models.DateTimeField(_("started"))
    #: When it met its target, missed it, or stopped (``None`` while open).
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    target_seconds = models.PositiveIntegerField(_("target (seconds)"), null=True, blank=True)
    elapsed_seconds = models.FloatField(_("working seconds"), default=0)
    #: Working seconds carried from before a reopen (resolution clocks).
    carried_seconds = models.FloatField(_("carried seconds"), default=0)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    alarm_at = models.DateTimeField(null=True, blank=True)
    #: The smallest "breach within N minutes" lead an alarm was sent for (rules' warnings).
    lead_alarmed_minutes = models.PositiveIntegerField(null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    achieved_at = models.DateTimeField(_("achieved"), null=True, blank=True)
    #: A resolution clock a reopen continued in a newer one (reports count the newest).
    superseded = models.BooleanField(default=False)
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team_id = models.BigIntegerField(null=True, blank=True)
    agent_id = models.BigIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    language = models.CharField(max_length=3, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "target", "sequence"], name="one_clock_per_target_sequence"
            )
        ]
        indexes = [
            # What is due: the deadline checker's one query.
            models.Index(
                fields=["alarm_at"], name="clock_alarm", condition=models.Q(alarm_at__isnull=False)
            ),
            # Reports: what ended (response and resolution times, achievement, solved) and
            # what started (tickets in, reopened, backlog) in a period.
            models.Index(fields=["target", "ended_at"], name="clock_target_ended"),
            models.Index(fields=["target", "started_at"], name="clock_target_started"),
            # "Breach within N minutes" alarms: running clocks by deadline.
            models.Index(
                fields=["due_at"],
                name="clock_running_due",
                condition=models.Q(state="running"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} #{self.ticket_id} ({self.state})"


class TicketSla(models.Model):
    """A ticket's SLA at a glance: its policy and the soonest running deadline.

    ``due_at``/``warn_at`` are the earliest of its running clocks (``None`` when none runs:
    no targets, paused, or all met); the inbox sorts by ``due_at`` and badges from both.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="sla"
    )
    policy = models.ForeignKey(
        Policy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    due_target = models.CharField(max_length=16, blank=True, choices=Target.choices)
    #: A running clock has passed its deadline.
    breached = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("ticket SLA")
        verbose_name_plural = _("ticket SLAs")
        indexes = [
            # The "breaches soonest" walk. Partial: only tickets with a running deadline (a
            # few percent of a large desk — solved, pending and target-less tickets have
            # none), so the index stays small and hot whatever the size of the desk.
            models.Index(
                fields=["due_at", "ticket"],
                name="ticketsla_running_due",
                condition=models.Q(due_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"SLA of #{self.ticket_id}"


class ClockDay(models.Model):
    """What the clocks did on one day, per target, team and one other dimension.

    ``dimension`` is ``agent``, ``channel`` or ``language`` and ``value`` its value (an agent
    id as text, ``"0"`` for none): every clock is counted once under each, so summing one
    dimension's rows gives the totals. ``team_id`` 0: no team. Counts: resolution clocks
    ``started`` (new tickets) and ``reopened``; clocks that ``ended`` (solved, answered or
    stopped), of which ``solved`` met or missed, ``met``/``missed`` against a target, and
    ``done`` (the final ones, whose working time is in the histogram ``h0``…``h47``, see
    :mod:`tactful.sla.stats`). Kept by ``services.refresh_ticket`` as clocks change.
    """

    day = models.DateField()
    target = models.CharField(max_length=16, choices=Target.choices)
    team_id = models.BigIntegerField(default=0)
    dimension = models.CharField(max_length=8)
    value = models.CharField(max_length=20, blank=True)
    started = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    ended = models.IntegerField(default=0)
    solved = models.IntegerField(default=0)
    done = models.IntegerField(default=0)
    met = models.IntegerField(default=0)
    missed = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("SLA day")
        verbose_name_plural = _("SLA days")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "target", "team_id", "dimension", "value"], name="one_clock_day"
            )
        ]
        indexes = [
            models.Index(fields=["dimension", "day"], name="clockday_dimension_day"),
            models.Index(fields=["team_id", "dimension", "day"], name="clockday_team_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.target} {self.dimension}={self.value}"


for _bucket in range(48):
    ClockDay.add_to_class(f"h{_bucket}", models.IntegerField(default=0))
