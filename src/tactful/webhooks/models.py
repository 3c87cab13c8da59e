"""Outgoing event webhooks: an integration hears about ticket changes as signed JSON POSTs.

A :class:`EventWebhook` is configured for the whole desk (``team`` empty) or one team, with
the events it wants. Each event a webhook wants becomes one :class:`EventDelivery` row,
written in the same transaction as the change (so a rolled-back change sends nothing) and
delivered by a Celery task after the commit, at most once (see :mod:`tactful.webhooks.delivery`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tactful.accounts.models import Team


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_UPDATED = "ticket.updated", _("Ticket updated")
    TICKET_SOLVED = "ticket.solved", _("Ticket solved")
    MESSAGE_ADDED = "message.added", _("Message added")


class EventWebhook(models.Model):
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    #: Signs every request (``X-Tactful-Signature``); shown once when the webhook is added.
    secret = models.CharField(max_length=64, editable=False)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="event_webhooks",
        verbose_name=_("team"),
    )
    events = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("event webhook")
        verbose_name_plural = _("event webhooks")

    def __str__(self) -> str:
        return self.name


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    RETRYING = "retrying", _("retrying")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    #: The worker stopped while sending: it may or may not have arrived (never resent).
    UNCERTAIN = "uncertain", _("uncertain")


class EventDelivery(models.Model):
    webhook = models.ForeignKey(EventWebhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=20, choices=WebhookEvent.choices)
    #: The timeline row this event came from (with ``event``, what makes it unique).
    ticket_event_id = models.BigIntegerField()
    ticket_id = models.BigIntegerField(db_index=True)
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    #: When a retry is due, or when a "sending" claim's lease runs out.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "ticket_event_id", "event"], name="one_delivery_per_event"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} #{self.ticket_id} → {self.webhook_id}"
