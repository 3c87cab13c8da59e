"""Django admin for the knowledge base (every model registered; the desk's pages are where
articles are written, so their search entries follow)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tactful.knowledge.models import Article, ArticleSuggestion, ArticleTranslation, Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("name", "team", "order")
    list_select_related = ("team",)


class TranslationInline(admin.StackedInline[ArticleTranslation, Article]):
    model = ArticleTranslation
    extra = 0
    fields = ("language", "title", "summary", "status", "published_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ("__str__", "category", "internal", "updated_at")
    list_filter = ("internal", "category")
    inlines = [TranslationInline]


@admin.register(ArticleSuggestion)
class ArticleSuggestionAdmin(admin.ModelAdmin[ArticleSuggestion]):
    list_display = (
        "surface",
        "team",
        "language",
        "created_at",
        "opened_at",
        "answered_at",
        "wrote_at",
    )
    list_filter = ("surface", "language")
    readonly_fields = (
        "key",
        "surface",
        "team",
        "language",
        "shown",
        "opened",
        "opened_at",
        "answered_at",
        "wrote_at",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
