"""The knowledge base: write categories and articles, keep them searchable, count deflection."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.accounts import security
from tactful.accounts.models import Agent, Team
from tactful.knowledge import search
from tactful.knowledge.models import (
    MAX_BODY_CHARS,
    MAX_CATEGORY_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    Article,
    ArticleLanguage,
    ArticleSuggestion,
    ArticleTranslation,
    Category,
    Status,
    Surface,
)
from tactful.tickets import permissions

LANGUAGES: tuple[str, ...] = tuple(ArticleLanguage.values)


# --- who may change what ----------------------------------------------------------------------


def can_edit_team(agent: Agent, team_id: int | None) -> bool:
    """Leads look after the desk-wide shelves and their own teams'; admins after all."""
    if not agent.is_active or not agent.is_lead:
        return False
    return agent.is_admin or team_id is None or team_id in permissions.team_ids(agent)


def can_edit_article(agent: Agent, article: Article) -> bool:
    return can_edit_team(agent, article.category.team_id)


def editable_categories(agent: Agent) -> list[Category]:
    categories = Category.objects.select_related("team").order_by("order", "name", "id")
    return [c for c in categories if can_edit_team(agent, c.team_id)]


def editable_teams(agent: Agent) -> list[Team]:
    if agent.is_admin:
        return list(Team.objects.order_by("name"))
    if not agent.is_lead:
        return []
    return list(Team.objects.filter(pk__in=sorted(permissions.team_ids(agent))).order_by("name"))


def _single_line(value: str) -> str:
    return " ".join(str(value).replace("\x00", "").split())


# --- categories -------------------------------------------------------------------------------


def save_category(
    *,
    by: Agent,
    name: str,
    names: Mapping[str, str] | None = None,
    team: Team | None = None,
    order: int = 100,
    category: Category | None = None,
) -> Category:
    """Create or rename a category.

    Raises:
        PermissionDenied: ``by`` does not lead the team (or is not a lead).
        ValidationError: an empty or too long name.
    """
    if category is not None and not can_edit_team(by, category.team_id):
        raise PermissionDenied(_("Only this team's leads can change its categories."))
    if not can_edit_team(by, team.pk if team else None):
        raise PermissionDenied(_("Only this team's leads can change its categories."))
    clean = _single_line(name)
    if not clean:
        raise ValidationError({"name": _("Give the category a name.")})
    translated = {code: _single_line(text) for code, text in (names or {}).items() if text}
    too_long = [n for n in [clean, *translated.values()] if len(n) > MAX_CATEGORY_CHARS]
    if too_long or any(code not in LANGUAGES for code in translated):
        raise ValidationError({"name": _("At most %(n)d characters.") % {"n": MAX_CATEGORY_CHARS}})
    category = category or Category()
    category.name, category.names, category.team, category.order = clean, translated, team, order
    category.save()
    return category


# --- articles ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TranslationText:
    """What an editor typed for one language (an empty text leaves the language out)."""

    title: str
    body: str
    summary: str = ""
    published: bool = False


def _clean_translations(texts: Mapping[str, TranslationText]) -> dict[str, TranslationText]:
    problems: dict[str, list[str]] = {}
    clean: dict[str, TranslationText] = {}
    for code, text in texts.items():
        if code not in LANGUAGES:
            raise ValidationError(_("Unknown language: %(code)s") % {"code": str(code)[:10]})
        body = text.body.replace("\r\n", "\n").replace("\x00", "").strip()
        title = _single_line(text.title)
        summary = _single_line(text.summary)
        if not body and not title:
            continue
        if not title:
            problems.setdefault(f"title_{code}", []).append(_("Give the article a title."))
        if not body:
            problems.setdefault(f"body_{code}", []).append(_("Write the article."))
        for field, value, limit in (
            (f"title_{code}", title, MAX_TITLE_CHARS),
            (f"summary_{code}", summary, MAX_SUMMARY_CHARS),
            (f"body_{code}", body, MAX_BODY_CHARS),
        ):
            if len(value) > limit:
                problems.setdefault(field, []).append(_("At most %(n)d characters.") % {"n": limit})
        clean[code] = TranslationText(
            title=title, body=body, summary=summary, published=text.published
        )
    if problems:
        raise ValidationError(problems)
    if not clean:
        raise ValidationError(_("Write the article in at least one language."))
    return clean


def save_article(
    *,
    by: Agent,
    category: Category,
    translations: Mapping[str, TranslationText],
    internal: bool = False,
    article: Article | None = None,
) -> Article:
    """Create an article or save a new text of ``article``; its search entries follow.

    A language left empty is removed. Publishing a translation stamps when it was first
    published; unpublishing keeps that stamp (the help center simply stops showing it).

    Raises:
        PermissionDenied: ``by`` may not edit the article or its new category.
        ValidationError: a field is wrong (keyed by form field).
    """
    if article is not None and not can_edit_article(by, article):
        raise PermissionDenied(_("Only this team's leads can change its articles."))
    if not can_edit_team(by, category.team_id):
        raise PermissionDenied(_("Only this team's leads can change its articles."))
    texts = _clean_translations(translations)
    now = timezone.now()
    with transaction.atomic():
        if article is None:
            article = Article(created_by=by)
        article.category = category
        article.internal = internal
        article.save()
        existing = {t.language: t for t in article.translations.all()}
        removed = [t.pk for code, t in existing.items() if code not in texts]
        ArticleTranslation.objects.filter(pk__in=removed).delete()
        search.forget(removed)
        changed = []
        for code, text in texts.items():
            row = existing.get(code) or ArticleTranslation(article=article, language=code)
            row.title, row.summary, row.body = text.title, text.summary, text.body
            row.status = Status.PUBLISHED if text.published else Status.DRAFT
            if text.published and row.published_at is None:
                row.published_at = now
            row.updated_by = by
            row.save()
            changed.append(row.pk)
        search.reindex(changed)
    return article


def delete_article(*, article: Article, by: Agent) -> None:
    if not can_edit_article(by, article):
        raise PermissionDenied(_("Only this team's leads can change its articles."))
    with transaction.atomic():
        ids = list(article.translations.values_list("pk", flat=True))
        article.delete()
        search.forget(ids)


def reindex_all() -> int:
    """Rebuild every translation's search entry (after a restore or a bulk import)."""
    ids = list(ArticleTranslation.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), 1000):
        search.reindex(ids[start : start + 1000])
    return len(ids)


# --- suggestions to customers, and what came of them ------------------------------------------


def record_shown(
    *,
    key: str | None,
    surface: str,
    team: Team | None,
    language: str,
    shown: list[int],
) -> ArticleSuggestion | None:
    """Remember what a customer was shown as they typed (one row per typing session).

    ``key`` is the session's handle from an earlier answer; an unknown or malformed key starts
    a new session. Nothing is stored while nothing is shown.
    """
    if surface not in Surface.values or language not in LANGUAGES:
        return None
    suggestion = _by_key(key)
    if suggestion is None or suggestion.surface != surface:
        if not shown:
            return None
        return ArticleSuggestion.objects.create(
            surface=surface, team=team, language=language, shown=shown
        )
    if shown and shown != suggestion.shown:
        suggestion.shown = shown
        suggestion.save(update_fields=["shown", "updated_at"])
    return suggestion


def _by_key(key: str | None) -> ArticleSuggestion | None:
    if not key:
        return None
    try:
        value = uuid.UUID(str(key)[:64])
    except ValueError:
        return None
    return ArticleSuggestion.objects.filter(key=value).first()


def was_suggested(*, key: str | None, translation: ArticleTranslation) -> bool:
    """Whether ``translation`` was among the articles shown under ``key``."""
    suggestion = _by_key(key)
    return suggestion is not None and translation.pk in suggestion.shown


def mark_opened(*, key: str | None, translation: ArticleTranslation) -> bool:
    """The customer opened a suggested article (the first one opened is kept)."""
    suggestion = _by_key(key)
    if suggestion is None or translation.pk not in suggestion.shown:
        return False
    return bool(
        ArticleSuggestion.objects.filter(pk=suggestion.pk, opened_at__isnull=True).update(
            opened=translation, opened_at=timezone.now()
        )
    )


def mark_answered(*, key: str | None) -> bool:
    """The customer said an article answered their question."""
    suggestion = _by_key(key)
    if suggestion is None or suggestion.opened_at is None:
        return False
    return bool(
        ArticleSuggestion.objects.filter(pk=suggestion.pk, answered_at__isnull=True).update(
            answered_at=timezone.now()
        )
    )


def mark_wrote(*, key: str | None) -> bool:
    """The customer wrote to us after all (sent the chat message or the form)."""
    suggestion = _by_key(key)
    if suggestion is None:
        return False
    return bool(
        ArticleSuggestion.objects.filter(pk=suggestion.pk, wrote_at__isnull=True).update(
            wrote_at=timezone.now()
        )
    )


def client_ip(meta: Mapping[str, str]) -> str:
    """The visitor's address: the socket's, or the one the trusted proxies appended (the same
    rule as the contact form, ``TACTFUL_CONTACT_PROXY_HOPS``)."""
    hops = settings.TACTFUL_CONTACT_PROXY_HOPS
    address = meta.get("REMOTE_ADDR", "") or ""
    if hops > 0:
        forwarded = [
            p.strip() for p in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
        ]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    return address


def rate_limited(address: str) -> bool:
    """Count one public suggestion request from ``address``; over the limit for the window?

    A fixed window in the shared cache: typing asks every few hundred milliseconds, so the
    limit is generous (``TACTFUL_SUGGEST_RATE_LIMIT`` per ``TACTFUL_SUGGEST_RATE_WINDOW``
    seconds) and stops scripts, not people.
    """
    limit = settings.TACTFUL_SUGGEST_RATE_LIMIT
    count = security.count_in_window(
        "suggest", security.network_key(address), window=settings.TACTFUL_SUGGEST_RATE_WINDOW
    )
    return int(count) > limit
