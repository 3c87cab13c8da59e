"""Canned responses: a team's (or the shared) library of reply templates, one variant per language."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tactful.canned import rendering
from tactful.canned.library_version import library_changed_after_commit


class Category(models.TextChoices):
    """What a template is for; the picker orders them by what the customer needs now."""

    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    APOLOGISE_ONCE = "apologise_once", _("Apologise once")
    ACTION = "action", _("Action taken")
    NEXT_STEP = "next_step", _("Next step")
    CLOSING = "closing", _("Closing")
    BOUNDARY = "boundary", _("Boundary")


class VariantLanguage(models.TextChoices):
    EN = "en", _("English")
    ES = "es", _("Spanish")
    RU = "ru", _("Russian")


class CannedResponse(models.Model):
    """A reply template; ``team`` empty means the shared library every team can use.

    ``starter_key`` marks the responses that came from the shipped starter library, so
    reloading it merges instead of duplicating.
    """

    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_responses",
        verbose_name=_("team"),
        help_text=_("Empty: the shared library, available to every team."),
    )
    title = models.CharField(_("title"), max_length=120)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    starter_key = models.SlugField(_("starter library key"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["category", "title", "id"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        indexes = [models.Index(fields=["team", "active", "category"], name="canned_team_cat")]
        constraints = [
            models.UniqueConstraint(
                fields=["starter_key"],
                condition=models.Q(team__isnull=True) & ~models.Q(starter_key=""),
                name="unique_starter_key",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shared(self) -> bool:
        return self.team_id is None

    # Deactivating or deleting a response changes which bodies count as canned text.
    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        _library_changed()

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        result = super().delete(*args, **kwargs)  # type: ignore[arg-type]
        _library_changed()
        return result


def _library_changed() -> None:
    library_changed_after_commit()


class CannedVariant(models.Model):
    """The text of a canned response in one language, with ``{{ variables }}`` (see rendering)."""

    response = models.ForeignKey(
        CannedResponse,
        on_delete=models.CASCADE,
        related_name="variants",
        verbose_name=_("canned response"),
    )
    language = models.CharField(_("language"), max_length=2, choices=VariantLanguage.choices)
    #: Optional title in this language (the picker shows it to agents answering in it).
    title = models.CharField(_("title in this language"), max_length=120, blank=True)
    body = models.TextField(
        _("text"),
        max_length=rendering.MAX_BODY_CHARS,
        validators=[rendering.validate_template],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["response_id", "language"]
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "language"], name="unique_canned_variant_language"
            )
        ]
        indexes = [models.Index(fields=["language"], name="canned_variant_language")]

    def __str__(self) -> str:
        return f"{self.response_id} ({self.language})"

    @property
    def display_title(self) -> str:
        return self.title or self.response.title

    # The personal-touch check compiles every body once; a changed body must be seen.
    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        _library_changed()

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        result = super().delete(*args, **kwargs)  # type: ignore[arg-type]
        _library_changed()
        return result
