"""Reads of the knowledge base: the help center's shelves, searches, suggestions, deflection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet

from tactful.accounts.models import Team
from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.knowledge import search
from tactful.knowledge.models import (
    ArticleSuggestion,
    ArticleTranslation,
    Category,
    Status,
)
from tactful.tickets.models import Message, MessageKind, Ticket
from tactful.tickets.rendering import plain_text

#: Characters of a customer's message used when the coach has not read it yet.
FALLBACK_QUERY_CHARS = 400


def _center(
    queryset: QuerySet[ArticleTranslation], team: Team | None
) -> QuerySet[ArticleTranslation]:
    """A team's help center shows its own shelves and the desk-wide ones; the desk's, all."""
    if team is None:
        return queryset
    return queryset.filter(
        Q(article__category__team=team) | Q(article__category__team__isnull=True)
    )


def public_translations(team: Team | None = None) -> QuerySet[ArticleTranslation]:
    """What customers may read: published, not internal."""
    queryset = ArticleTranslation.objects.filter(
        status=Status.PUBLISHED, article__internal=False
    ).select_related("article__category__team")
    return _center(queryset, team)


@dataclass(frozen=True, slots=True)
class Shelf:
    """A category of the help center and its articles in one language."""

    category: Category
    name: str
    articles: tuple[ArticleTranslation, ...]


def shelves(team: Team | None, language: str) -> list[Shelf]:
    """The help center's home: each category with its published articles in ``language``."""
    translations = public_translations(team).filter(language=language).order_by("title", "id")
    categories = Category.objects.order_by("order", "name", "id").prefetch_related(
        Prefetch("articles__translations", queryset=translations, to_attr="shown")
    )
    if team is not None:
        categories = categories.filter(Q(team=team) | Q(team__isnull=True))
    result = []
    for category in categories:
        # ``shown``: the prefetched published translations (``to_attr`` above).
        articles = tuple(
            t for article in category.articles.all() for t in getattr(article, "shown", ())
        )
        if articles:
            result.append(
                Shelf(
                    category=category,
                    name=category.name_in(language),
                    articles=tuple(sorted(articles, key=lambda t: (t.title.lower(), t.pk))),
                )
            )
    return result


def public_search(
    team: Team | None, text: str, *, language: str, limit: int = 20
) -> list[ArticleTranslation]:
    """The help center's search box: every word, in the page's language first."""
    return search.ranked(public_translations(team), text, prefer_language=language, limit=limit)


def help_center_search(
    team: Team | None, text: str, *, language: str, limit: int = 20
) -> tuple[list[ArticleTranslation], bool]:
    """What the help center's search box shows: the articles with every word, or — when none
    has them all (a stemmer that does not unite "сбросить" and "сбросьте", a typo) — the
    closest ones by any word. Returns the articles and whether they matched every word."""
    found = public_search(team, text, language=language, limit=limit)
    if found:
        return found, True
    return customer_suggestions(team, text, language=language, limit=min(limit, 5)), False


def customer_suggestions(
    team: Team | None, text: str, *, language: str, limit: int = 3
) -> list[ArticleTranslation]:
    """Articles for what a customer is typing (any of its words, best first)."""
    return search.ranked(
        public_translations(team), text, any_word=True, prefer_language=language, limit=limit
    )


def public_article(article_id: int, team: Team | None) -> list[ArticleTranslation]:
    """The published, public translations of one article, as a customer may read them."""
    return list(public_translations(team).filter(article_id=article_id).order_by("language"))


# --- agents -----------------------------------------------------------------------------------


def agent_translations() -> QuerySet[ArticleTranslation]:
    """Everything agents may read: every article, internal ones too (drafts included)."""
    return ArticleTranslation.objects.select_related("article__category__team")


def customer_words(ticket: Ticket) -> tuple[str, str]:
    """What to look articles up by: the key sentences the coach found in the customer's
    latest message it has read (or the start of the latest message), and its language."""
    analysis = (
        MessageAnalysis.objects.filter(
            message__ticket_id=ticket.pk,
            message__kind=MessageKind.INCOMING,
            status=AnalysisStatus.DONE,
        )
        .select_related("message")
        .order_by("-message_id")
        .first()
    )
    if analysis is not None:
        text = plain_text(analysis.message.body)
        spans = (analysis.spans or {}).get("key_sentences") or []
        parts = []
        for span in spans:
            try:
                start, end = int(span[0]), int(span[1])
            except (TypeError, ValueError, IndexError):
                continue
            parts.append(text[max(0, start) : max(0, end)])
        found = " ".join(p for p in parts if p.strip()) or text[:FALLBACK_QUERY_CHARS]
        return found, analysis.language or ticket.language
    message = (
        Message.objects.filter(ticket_id=ticket.pk, kind=MessageKind.INCOMING)
        .order_by("-id")
        .only("body")
        .first()
    )
    body = plain_text(message.body)[:FALLBACK_QUERY_CHARS] if message else ticket.subject
    return body, ticket.language


def ticket_suggestions(
    ticket: Ticket, *, query: str = "", limit: int = 5
) -> tuple[list[ArticleTranslation], str]:
    """Published articles for the reply box, internal ones included, the ticket's language
    first; ``query`` (the agent's own search) replaces the customer's words. Returns the
    articles and the words they were found by."""
    published = agent_translations().filter(status=Status.PUBLISHED)
    if ticket.team_id is not None:
        published = published.filter(
            Q(article__category__team_id=ticket.team_id) | Q(article__category__team__isnull=True)
        )
    if query.strip():
        return (
            search.ranked(published, query, prefer_language=ticket.language, limit=limit),
            query,
        )
    words, language = customer_words(ticket)
    found = search.ranked(published, words, any_word=True, prefer_language=language, limit=limit)
    return found, words


# --- deflection -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deflection:
    """What suggestions to customers achieved over a period (for reports)."""

    shown: int = 0
    opened: int = 0
    answered: int = 0
    wrote_anyway: int = 0
    deflected: int = 0

    @property
    def deflection_rate(self) -> float:
        return self.deflected / self.shown if self.shown else 0.0


def deflection(
    *, since: datetime, until: datetime | None = None, team: Team | None = None
) -> Deflection:
    """Counts in one aggregate query: shown, opened, answered, wrote anyway, deflected."""
    queryset = ArticleSuggestion.objects.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    if team is not None:
        queryset = queryset.filter(team=team)
    counts = queryset.aggregate(
        shown=Count("pk"),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        wrote_anyway=Count("pk", filter=Q(wrote_at__isnull=False)),
        deflected=Count("pk", filter=Q(answered_at__isnull=False, wrote_at__isnull=True)),
    )
    return Deflection(**{k: int(v or 0) for k, v in counts.items()})
