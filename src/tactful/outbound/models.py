"""Outgoing webhooks: how replies on API-fed channels (social, forum, phone…) leave Tactful."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tactful.customers.models import Channel


class ChannelWebhook(models.Model):
    """Replies on ``channel`` are POSTed to ``url`` as JSON, signed with ``secret``.

    The integration that fed the customer's message in (a social-media bridge, the forum, the
    phone system's notes) receives the reply and posts it where the customer wrote.
    """

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        help_text=_("Shared with the receiver; each request carries an HMAC-SHA256 signature."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["channel"]
        verbose_name = _("outgoing webhook")
        verbose_name_plural = _("outgoing webhooks")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.url}"
