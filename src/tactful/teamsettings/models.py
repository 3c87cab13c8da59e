"""Custom ticket fields: what a team records on its tickets (order number, plan…).

The values live on the ticket (``Ticket.custom_fields``, a JSON object keyed by the field's
``name``), so canned responses read them as ``{{ ticket.custom.<name> }}`` without knowing
this app; the definitions here say which keys the ticket page offers and how to label them.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tactful.accounts.models import Team

#: Field names are what canned responses type after ``ticket.custom.``: short, lowercase.
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class CustomField(models.Model):
    """One field agents fill on a ticket; a team's own, or every team's (``team`` empty)."""

    name = models.CharField(
        _("name in templates"),
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(
                NAME_PATTERN,
                _("Use lowercase letters, digits and underscores, starting with a letter."),
            )
        ],
        help_text=_("Canned responses use it as {{ ticket.custom.NAME }}."),
    )
    label = models.CharField(_("label"), max_length=80)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="custom_fields",
        verbose_name=_("team"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["label", "pk"]
        verbose_name = _("custom ticket field")
        verbose_name_plural = _("custom ticket fields")

    def __str__(self) -> str:
        return self.label
