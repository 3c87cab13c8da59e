"""Articles as people read them: help-center links, short summaries, suggestions in JSON."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from tactful.knowledge.models import ArticleTranslation
from tactful.tickets import markdown

SUMMARY_CHARS = 220


@lru_cache(maxsize=512)
def _render(body: str) -> SafeString:
    return markdown.render(body)


def markdown_html(body: str) -> SafeString:
    """Markdown as sanitised HTML (cached per text)."""
    return _render(body)


def body_html(translation: ArticleTranslation) -> SafeString:
    """The article's Markdown as sanitised HTML (cached per text)."""
    return _render(translation.body)


def short_summary(translation: ArticleTranslation) -> str:
    """The editor's summary, or the start of the text in plain words."""
    text = translation.summary or markdown.plain(translation.body[:2000])
    return Truncator(text).chars(SUMMARY_CHARS)


def center_slug(translation: ArticleTranslation) -> str | None:
    team = translation.article.category.team
    return team.slug if team is not None and team.slug else None


def article_path(
    translation: ArticleTranslation, *, center: str | None = None, key: str | None = None
) -> str:
    """The help-center address of ``translation`` (in its language), in ``center`` (a team's
    slug) or the article's own team's help center, or the desk's."""
    slug = center or center_slug(translation)
    if slug:
        path = reverse("help:team_article", args=[slug, translation.article_id])
    else:
        path = reverse("help:article", args=[translation.article_id])
    query: dict[str, str] = {"lang": translation.language}
    if key:
        query["s"] = key
    return f"{path}?{urlencode(query)}"


def home_path(center: str | None, language: str, query: str = "") -> str:
    path = reverse("help:team_home", args=[center]) if center else reverse("help:home")
    params = {"lang": language, **({"q": query} if query else {})}
    return f"{path}?{urlencode(params)}"


@dataclass(frozen=True, slots=True)
class SearchResult:
    translation: ArticleTranslation
    title: str
    summary: str
    url: str
    category: str


def search_results(
    translations: list[ArticleTranslation], *, center: str | None, language: str
) -> list[SearchResult]:
    return [
        SearchResult(
            translation=t,
            title=t.title,
            summary=short_summary(t),
            url=article_path(t, center=center),
            category=t.article.category.name_in(t.language),
        )
        for t in translations
    ]


def suggestions_json(
    translations: list[ArticleTranslation],
    *,
    center: str | None,
    key: str | None,
    absolute: Any,
) -> list[dict[str, Any]]:
    """What the chat widget and the contact form show: title, summary, address (absolute,
    since the widget runs on the customer's site)."""
    return [
        {
            "id": t.pk,
            "title": t.title,
            "summary": short_summary(t),
            "language": t.language,
            "url": absolute(article_path(t, center=center, key=key)),
        }
        for t in translations
    ]
