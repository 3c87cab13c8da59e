"""Read queries for canned responses: the library, search, and suggestions for a ticket."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from django.db.models import F, Q, QuerySet

from tactful.accounts.models import Agent
from tactful.canned import services
from tactful.canned.models import CannedResponse, CannedVariant, Category
from tactful.coaching.models import MessageAnalysis
from tactful.tickets import permissions
from tactful.tickets.models import Status, Ticket

PREVIEW_CHARS = 180
MAX_SEARCH_CHARS = 100
SEARCH_LIMIT = 20
#: Anger or frustration at least this intense asks for acknowledgement before anything else.
HIGH_INTENSITY = 0.6

#: The order categories are offered in, for each state the customer can be in.
ORDER_HOSTILE = ("boundary", "closing", "acknowledge", "action", "next_step", "apologise_once")
ORDER_UPSET = ("acknowledge", "apologise_once", "action", "next_step", "closing", "boundary")
ORDER_QUESTIONS = ("action", "next_step", "acknowledge", "closing", "apologise_once", "boundary")
ORDER_WRAPPING_UP = ("closing", "next_step", "action", "acknowledge", "apologise_once", "boundary")
ORDER_DEFAULT = ("action", "next_step", "acknowledge", "closing", "apologise_once", "boundary")


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One canned response offered in the reply form, in the language it would be sent in."""

    variant_id: int
    response_id: int
    title: str
    category: str
    category_label: str
    language: str
    preview: str
    shared: bool


def usable_responses(agent: Agent) -> QuerySet[CannedResponse]:
    """Responses ``agent`` may read and insert: the shared library and their teams'."""
    queryset = CannedResponse.objects.all()
    if agent.is_admin:
        return queryset
    return queryset.filter(
        Q(team__isnull=True) | Q(team_id__in=sorted(permissions.team_ids(agent)))
    )


def library(
    *,
    agent: Agent,
    team: str = "",
    category: str = "",
    language: str = "",
    query: str = "",
) -> QuerySet[CannedResponse]:
    """The library page: responses ``agent`` may read, filtered, with their variants.

    ``team`` is a team id, ``"shared"`` for the shared library, or empty for all.
    """
    queryset = usable_responses(agent).select_related("team").prefetch_related("variants")
    if team == "shared":
        queryset = queryset.filter(team__isnull=True)
    elif team:
        queryset = queryset.filter(team_id=int(team))
    if category:
        queryset = queryset.filter(category=category)
    if language:
        queryset = queryset.filter(variants__language=language)
    if query:
        queryset = queryset.filter(Q(title__icontains=query) | Q(variants__body__icontains=query))
    if language or query:
        queryset = queryset.distinct()
    return queryset.order_by("category", "team__name", "title", "id")


def category_order(*, ticket: Ticket, analysis: MessageAnalysis | None) -> tuple[str, ...]:
    """Which kinds of template the customer needs first, read from the latest analysis.

    Without a finished analysis the ticket's own copy of the latest signals is used.
    """
    done = analysis is not None and getattr(analysis, "status", "done") == "done"
    abuse = analysis.abuse if done else ticket.abuse  # type: ignore[union-attr]
    threat = analysis.threat if done else ticket.threat  # type: ignore[union-attr]
    company_fault = analysis.company_fault if done else ticket.company_fault  # type: ignore[union-attr]
    emotion = analysis.top_emotion if done else ticket.emotion  # type: ignore[union-attr]
    intensity = (analysis.intensity if done else ticket.intensity) or 0.0  # type: ignore[union-attr]
    spans: Any = analysis.spans if done else {}  # type: ignore[union-attr]
    questions = bool(spans.get("questions")) if isinstance(spans, dict) else False
    if abuse or threat:
        return ORDER_HOSTILE
    if ticket.status in {Status.SOLVED, Status.PENDING, Status.CLOSED}:
        return ORDER_WRAPPING_UP
    if company_fault or (emotion in {"anger", "frustration"} and intensity >= HIGH_INTENSITY):
        return ORDER_UPSET
    if questions:
        return ORDER_QUESTIONS
    return ORDER_DEFAULT


_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_VARIABLE = re.compile(r"\{\{.*?\}\}")


def _fold(word: str) -> str:
    # Accents are often left out when typing fast (sesion, llego, envio); ё is often е.
    decomposed = unicodedata.normalize("NFD", word.lower().replace("ё", "е").replace("й", "\0"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("\0", "й")


@cache
def _topic_prefixes() -> dict[str, tuple[str, ...]]:
    """``problem_topics.json``: topic → the word beginnings that say a text is about it."""
    raw = json.loads(
        resources.files("tactful.canned").joinpath("problem_topics.json").read_text("utf-8")
    )
    return {
        topic: tuple(sorted({_fold(prefix) for prefix in prefixes if " " not in prefix}))
        for topic, prefixes in raw.items()
        if not topic.startswith("_")
    }


def problem_topics(text: str) -> frozenset[str]:
    """What ``text`` is about (money, delivery, access…), from the words it uses in any of
    the three languages; template variables are not words."""
    words = {_fold(word) for word in _WORD.findall(_VARIABLE.sub(" ", text[:4000]))}
    return frozenset(
        topic
        for topic, prefixes in _topic_prefixes().items()
        if any(word.startswith(prefixes) for word in words)
    )


#: How well a template fits the customer's problem: about it, about nothing in particular
#: (acknowledge, closing), or a fix for another problem (a refund offered for a lost parcel).
FITS, GENERIC, OFF_TOPIC = 0, 1, 2


def fit(*, problem: frozenset[str], template: frozenset[str]) -> int:
    if not template or not problem:
        return GENERIC
    return FITS if problem & template else OFF_TOPIC


def _scope(ticket: Ticket, agent: Agent | None) -> Q:
    """Shared responses plus the ticket's team's (or, for a ticket without one, the agent's)."""
    if ticket.team_id is not None:
        team_ids = [ticket.team_id]
    elif agent is not None:
        team_ids = sorted(permissions.team_ids(agent))
    else:
        team_ids = []
    return Q(response__team__isnull=True) | Q(response__team_id__in=team_ids)


def _variants(ticket: Ticket, agent: Agent | None, language: str) -> QuerySet[CannedVariant]:
    return (
        CannedVariant.objects.filter(
            _scope(ticket, agent), language=language, response__active=True
        )
        .select_related("response")
        .only(
            "id",
            "language",
            "title",
            "body",
            "response__id",
            "response__team_id",
            "response__title",
            "response__category",
        )
    )


def _suggestion(
    variant: CannedVariant, *, ticket: Ticket, agent: Agent | None, context: Any
) -> Suggestion:
    rendered = services.render_variant(variant, ticket=ticket, agent=agent, context=context)
    preview = " ".join(rendered.text.split())
    if len(preview) > PREVIEW_CHARS:
        preview = preview[: PREVIEW_CHARS - 1].rstrip() + "…"
    response = variant.response
    return Suggestion(
        variant_id=int(variant.pk),
        response_id=int(response.pk),
        title=variant.title or response.title,
        category=response.category,
        category_label=str(Category(response.category).label),
        language=variant.language,
        preview=preview,
        shared=response.team_id is None,
    )


def suggestion_language(*, ticket: Ticket, agent: Agent | None = None) -> str:
    return services.language_preferences(ticket=ticket, agent=agent)[0]


def suggestions(
    *,
    ticket: Ticket,
    analysis: MessageAnalysis | None,
    limit: int = 6,
    agent: Agent | None = None,
    problem: str = "",
) -> list[Suggestion]:
    """The canned responses that fit the customer's state and problem now, best first, in
    their language.

    The categories come in the order :func:`category_order` picks (the customer's state);
    within one, templates about the customer's problem (``problem``: the subject and their
    latest message, see :func:`problem_topics`) before generic ones, the team's own before
    shared ones. At most two per category until every category had its turn, so the list is
    never six variations of one move; a fix for another problem comes only after all of them.
    One query.
    """
    language = suggestion_language(ticket=ticket, agent=agent)
    order = category_order(ticket=ticket, analysis=analysis)
    rank = {category: position for position, category in enumerate(order)}
    about = problem_topics(problem)
    candidates = list(_variants(ticket, agent, language))
    fits = {
        v.pk: fit(problem=about, template=problem_topics(f"{v.title} {v.body}")) for v in candidates
    }
    variants = sorted(
        candidates,
        key=lambda v: (
            rank.get(v.response.category, len(rank)),
            fits[v.pk],
            v.response.team_id is None,
            (v.title or v.response.title).lower(),
            v.pk,
        ),
    )
    first_pass: list[CannedVariant] = []
    later: list[CannedVariant] = []
    per_category: dict[str, int] = {}
    for variant in variants:
        seen = per_category.get(variant.response.category, 0)
        on_topic = fits[variant.pk] != OFF_TOPIC
        (first_pass if seen < 2 and on_topic else later).append(variant)
        per_category[variant.response.category] = seen + on_topic
    chosen = (first_pass + later)[: max(0, limit)]
    context = services.variable_context(ticket=ticket, agent=agent)
    return [_suggestion(v, ticket=ticket, agent=agent, context=context) for v in chosen]


def search(
    *, ticket: Ticket, agent: Agent, query: str, limit: int = SEARCH_LIMIT
) -> list[Suggestion]:
    """Search the library usable on ``ticket`` (title or text) in the ticket's language."""
    language = suggestion_language(ticket=ticket, agent=agent)
    query = " ".join(query.split())[:MAX_SEARCH_CHARS]
    variants = _variants(ticket, agent, language)
    if query:
        variants = variants.filter(
            Q(title__icontains=query)
            | Q(body__icontains=query)
            | Q(response__title__icontains=query)
        )
    found = variants.order_by(
        F("response__team_id").asc(nulls_last=True), "response__category", "id"
    )[: max(0, limit)]
    context = services.variable_context(ticket=ticket, agent=agent)
    return [_suggestion(v, ticket=ticket, agent=agent, context=context) for v in found]


def variant_for_ticket(*, ticket: Ticket, agent: Agent, variant_id: int) -> CannedVariant:
    """A variant ``agent`` may insert on ``ticket``; raises CannedVariant.DoesNotExist."""
    return (
        CannedVariant.objects.filter(_scope(ticket, agent), response__active=True)
        .select_related("response")
        .get(pk=variant_id)
    )
