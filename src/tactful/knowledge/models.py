"""The knowledge base: categories, articles in three languages, and suggestions to customers."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_TITLE_CHARS = 200
MAX_SUMMARY_CHARS = 300
MAX_BODY_CHARS = 50_000
MAX_CATEGORY_CHARS = 80


class ArticleLanguage(models.TextChoices):
    EN = "en", _("English")
    ES = "es", _("Spanish")
    RU = "ru", _("Russian")


def _no_names() -> dict[str, Any]:
    return {}


class Category(models.Model):
    """A shelf of the help center ("Billing", "Deliveries"), named in each language.

    ``team`` empty: the whole desk's category, in every help center; otherwise it belongs to
    that team's help center (``/help/<team slug>/``) and that team's leads look after it.
    """

    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="knowledge_categories",
        verbose_name=_("team"),
    )
    name = models.CharField(_("name"), max_length=MAX_CATEGORY_CHARS)
    #: The name in other languages: ``{"es": "Facturación", "ru": "Оплата"}``.
    names = models.JSONField(_("names in other languages"), default=_no_names, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "name", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str) -> str:
        names = self.names if isinstance(self.names, dict) else {}
        return str(names.get(language) or self.name)


class Article(models.Model):
    """One topic of the knowledge base, written in up to three languages (its translations).

    ``internal``: for agents only — suggested in the reply box, never shown in the help center
    or to customers.
    """

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    internal = models.BooleanField(
        _("internal (agents only)"),
        default=False,
        help_text=_("Only agents see it: never in the help center or suggested to customers."),
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
        ordering = ["category_id", "id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return f"#{self.pk}"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ArticleTranslation(models.Model):
    """An article in one language: title, a one-paragraph summary, the Markdown body, and
    whether it is published. Search works on these rows, each in its language's own
    configuration (see ``tactful.knowledge.search``)."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="translations", verbose_name=_("article")
    )
    language = models.CharField(_("language"), max_length=2, choices=ArticleLanguage.choices)
    title = models.CharField(_("title"), max_length=MAX_TITLE_CHARS)
    summary = models.CharField(_("summary"), max_length=MAX_SUMMARY_CHARS, blank=True)
    body = models.TextField(_("text (Markdown)"), max_length=MAX_BODY_CHARS)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    #: PostgreSQL full-text vector in this language's configuration (SQLite keeps an FTS5
    #: table instead).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["article_id", "language"]
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="unique_article_language")
        ]
        indexes = [
            models.Index(fields=["language", "status"], name="article_language_status"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


class Surface(models.TextChoices):
    """Where a customer was shown articles before writing to us."""

    WIDGET = "widget", _("Live chat widget")
    CONTACT_FORM = "form", _("Contact form")


def _no_articles() -> list[int]:
    return []


class ArticleSuggestion(models.Model):
    """Articles suggested to one customer as they typed, before a ticket existed, and what came
    of it: which one they opened, whether it answered their question, whether they wrote to us
    anyway. *Deflected* = answered and never wrote. Stores no text the customer typed.

    ``key`` is the handle the widget or form keeps for the typing session (an unguessable id,
    so nobody else can mark someone's suggestions).
    """

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    surface = models.CharField(_("where"), max_length=8, choices=Surface.choices)
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    language = models.CharField(_("language"), max_length=2, choices=ArticleLanguage.choices)
    #: The translation ids shown last (the list changes as the customer types).
    shown = models.JSONField(_("articles shown"), default=_no_articles, blank=True)
    opened = models.ForeignKey(
        ArticleTranslation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("article opened"),
    )
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered the question"), null=True, blank=True)
    wrote_at = models.DateTimeField(_("wrote to us anyway"), null=True, blank=True)
    created_at = models.DateTimeField(_("first shown"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last shown"), auto_now=True)

    class Meta:
        verbose_name = _("article suggestion")
        verbose_name_plural = _("article suggestions")
        indexes = [models.Index(fields=["created_at"], name="suggestion_created")]

    def __str__(self) -> str:
        return f"{self.surface} {self.key}"

    @property
    def deflected(self) -> bool:
        return self.answered_at is not None and self.wrote_at is None
