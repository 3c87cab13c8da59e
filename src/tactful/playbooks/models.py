"""Playbooks: step-by-step procedures shown on the tickets they fit, and every version of them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: Characters of Markdown per language (a procedure, not a manual).
MAX_BODY_CHARS = 20_000
MAX_NAME_CHARS = 120


class PlaybookLanguage(models.TextChoices):
    EN = "en", _("English")
    ES = "es", _("Spanish")
    RU = "ru", _("Russian")


class Signal(models.TextChoices):
    """What the coach read in the customer (or concluded about the thread) that calls for it."""

    COMPANY_FAULT = "company_fault", _("The company may be at fault")
    ABUSE = "abuse", _("Abusive message")
    THREAT = "threat", _("Threat")
    #: The thread carries the ``dead-end`` tag (the default rule adds it when the coach sees
    #: repeated demands, rising anger and no new information).
    DEAD_END = "dead_end", _("Dead end")


#: The tag the default automation rule puts on a dead-end conversation.
DEAD_END_TAG = "dead-end"


def _empty_list() -> list[Any]:
    return []


class Playbook(models.Model):
    """A standard operating procedure: numbered steps the agent ticks off on a ticket.

    Where it applies: ``teams`` and ``channels`` narrow it (empty: every team, every channel);
    then it is shown when *any* of its triggers holds — a tag on the ticket (``tags``), one of
    the coach's ``signals``, or the customer's emotion (``emotions``, at ``min_intensity`` or
    more). A playbook with no trigger at all is shown on every ticket in its scope.
    The text lives in :class:`PlaybookVariant` (one per language); every save is a
    :class:`PlaybookVersion`, so who changed what, and when, is never lost. ``version`` is the
    current version's number.
    """

    name = models.CharField(_("name"), max_length=MAX_NAME_CHARS)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(
        _("order"), default=100, help_text=_("Lower numbers are shown first.")
    )
    teams = models.ManyToManyField(
        "accounts.Team", blank=True, related_name="playbooks", verbose_name=_("teams")
    )
    channels = models.JSONField(_("channels"), default=_empty_list, blank=True)
    tags = models.JSONField(_("tags"), default=_empty_list, blank=True)
    signals = models.JSONField(_("coach signals"), default=_empty_list, blank=True)
    emotions = models.JSONField(_("emotions"), default=_empty_list, blank=True)
    min_intensity = models.FloatField(_("minimum intensity"), default=0.0)
    version = models.PositiveIntegerField(_("version"), default=1)
    #: Marks the playbooks shipped with Tactful, so loading them again merges.
    starter_key = models.SlugField(_("starter key"), max_length=60, blank=True)
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
        ordering = ["order", "name", "id"]
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")
        indexes = [models.Index(fields=["active", "order"], name="playbook_active_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["starter_key"],
                condition=~models.Q(starter_key=""),
                name="unique_playbook_starter_key",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PlaybookVariant(models.Model):
    """The playbook in one language: a title and Markdown whose numbered or ``[ ]`` items are
    the steps. Every language of a playbook has the same number of steps (step 2 in Spanish is
    step 2 in English), so progress ticked in one language reads in the others."""

    playbook = models.ForeignKey(
        Playbook, on_delete=models.CASCADE, related_name="variants", verbose_name=_("playbook")
    )
    language = models.CharField(_("language"), max_length=2, choices=PlaybookLanguage.choices)
    title = models.CharField(_("title"), max_length=MAX_NAME_CHARS)
    body = models.TextField(_("steps (Markdown)"), max_length=MAX_BODY_CHARS)

    class Meta:
        ordering = ["playbook_id", "language"]
        verbose_name = _("playbook text")
        verbose_name_plural = _("playbook texts")
        constraints = [
            models.UniqueConstraint(
                fields=["playbook", "language"], name="unique_playbook_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class PlaybookVersion(models.Model):
    """One saved state of a playbook: who saved it, when, what changed, and all of it as it was.

    ``snapshot`` keeps the name, where it applies and every language's text, so any version can
    be read and compared with the one before.
    """

    playbook = models.ForeignKey(
        Playbook, on_delete=models.CASCADE, related_name="versions", verbose_name=_("playbook")
    )
    number = models.PositiveIntegerField(_("version"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("edited by"),
    )
    edited_at = models.DateTimeField(_("edited"), auto_now_add=True)
    #: What changed compared with the version before (``"name"``, ``"where"``, ``"text:es"``…).
    changes = models.JSONField(_("what changed"), default=_empty_list, blank=True)
    snapshot = models.JSONField(_("contents"), default=dict)

    class Meta:
        ordering = ["playbook_id", "-number"]
        verbose_name = _("playbook version")
        verbose_name_plural = _("playbook versions")
        constraints = [
            models.UniqueConstraint(fields=["playbook", "number"], name="unique_playbook_version")
        ]

    def __str__(self) -> str:
        return f"{self.playbook_id} v{self.number}"
