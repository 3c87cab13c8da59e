"""Routing rules leads edit without a deploy, the notifications they send, and auto-replies sent."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from tactful.automation import engine
from tactful.automation.defaults import rule_label


class Trigger(models.TextChoices):
    """The moment a rule is evaluated."""

    TICKET_CREATED = "ticket_created", _("A ticket is created")
    CUSTOMER_MESSAGE = "customer_message", _("The customer writes again")
    #: The coach has read the newest customer message (emotion, abuse, fault… are known).
    ANALYSED = "analysed", _("The coach has read the customer's message")
    #: The customer answered the satisfaction survey (or changed their answer).
    SURVEY_ANSWERED = "survey_answered", _("The customer answers the satisfaction survey")
    #: An SLA target will breach soon (the policy's warning, or N minutes before: see the
    #: ``sla_within_minutes`` condition).
    SLA_WARNING = "sla_warning", _("An SLA target will breach soon")
    SLA_BREACHED = "sla_breached", _("An SLA target was breached")


def _no_conditions() -> dict[str, Any]:
    return {}


def _no_actions() -> list[dict[str, Any]]:
    return []


class Rule(models.Model):
    """An automation rule: when ``trigger`` happens and every condition holds, run the actions.

    ``conditions`` is a JSON object and ``actions`` a JSON list, both in the schema of
    ``tactful.automation.engine`` (checked on save, so a bad rule never reaches a ticket).
    ``team`` empty means the rule applies to every team's tickets. Rules run in ``order``
    (then id); a firing rule with ``stop_processing`` ends the run for that event.
    """

    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=100, db_index=True)
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="automation_rules",
        verbose_name=_("team"),
        help_text=_("Empty: the rule applies to every team's tickets."),
    )
    trigger = models.CharField(_("when"), max_length=16, choices=Trigger.choices)
    conditions = models.JSONField(_("conditions"), default=_no_conditions, blank=True)
    actions = models.JSONField(_("actions"), default=_no_actions)
    stop_processing = models.BooleanField(
        _("stop processing"),
        default=False,
        help_text=_("When this rule fires, later rules are not evaluated for the same event."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        indexes = [models.Index(fields=["trigger", "active", "order"], name="rule_trigger_order")]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language for the shipped rules (their stored names are
        English), as written for every other rule."""
        return rule_label(self.name, shared=self.team_id is None)

    def clean(self) -> None:
        """Check conditions and actions against the engine's schema (used by forms and admin)."""
        errors: dict[str, list[str]] = {}
        try:
            self.conditions = engine.validate_conditions(self.conditions)
        except engine.RuleSchemaError as exc:
            errors["conditions"] = list(exc.problems)
        try:
            self.actions = engine.validate_actions(self.actions)
        except engine.RuleSchemaError as exc:
            errors["actions"] = list(exc.problems)
        if errors:
            raise ValidationError(errors)


class NotificationKind(models.TextChoices):
    RULE = "rule", _("Automation rule")
    HANDOVER = "handover", _("Hand-over")
    ASSIGNED = "assigned", _("Assigned to you")
    CUSTOMER = "customer", _("The customer wrote")


class Notification(models.Model):
    """Something an agent should look at: a rule's alert to leads, a conversation handed over,
    a ticket assigned to them, the customer writing again on their ticket."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("ticket"),
    )
    rule = models.ForeignKey(
        Rule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        verbose_name=_("rule"),
    )
    kind = models.CharField(
        _("kind"), max_length=8, choices=NotificationKind.choices, default=NotificationKind.RULE
    )
    text = models.CharField(_("text"), max_length=500)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.text[:60]}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class AutoReply(models.Model):
    """A canned response a rule sent on a ticket: the unique pair keeps it to once per rule."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket")
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.CASCADE, related_name="auto_replies", verbose_name=_("rule")
    )
    message = models.ForeignKey(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("message"),
    )
    response_id = models.PositiveIntegerField(_("canned response"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("auto-reply")
        verbose_name_plural = _("auto-replies")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "rule"], name="unique_auto_reply_per_rule")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} on #{self.ticket_id}"


class RuleFiring(models.Model):
    """A rule fired on a ticket for one trigger event (the trigger and the customer message).

    The unique constraint is the "at most once per event" promise: a repeated delivery or a
    second analysis of the same message finds the firing and does nothing more. The timeline
    row (``event``) says what the rule did.
    """

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(_("when"), max_length=16, choices=Trigger.choices)
    #: The customer message the trigger was about (``None`` for a ticket with none).
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.OneToOneField(
        "tickets.TicketEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: What else the trigger was about, for triggers that happen more than once per message:
    #: ``"sla:<clock id>"`` for SLA warnings and breaches (empty for the others).
    cause = models.CharField(_("cause"), max_length=40, blank=True, default="")
    created_at = models.DateTimeField(_("fired"), auto_now_add=True)

    class Meta:
        verbose_name = _("rule firing")
        verbose_name_plural = _("rule firings")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "ticket", "trigger", "message", "cause"],
                name="unique_rule_firing_per_message_cause",
            ),
            models.UniqueConstraint(
                fields=["rule", "ticket", "trigger", "cause"],
                condition=models.Q(message__isnull=True),
                name="unique_rule_firing_without_message_cause",
            ),
        ]
        indexes = [models.Index(fields=["ticket", "trigger"], name="rule_firing_ticket")]

    def __str__(self) -> str:
        return f"{self.rule_id} on #{self.ticket_id} ({self.trigger})"
