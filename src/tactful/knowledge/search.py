"""Full-text search over article translations, each in its own language, ranked.

The same approach as ticket search (``tactful.tickets.search``): on PostgreSQL each
translation's ``search_vector`` is built with its language's configuration (``english``,
``spanish``, ``russian``) — title weight A, summary B, text C — and a query is parsed with the
same configuration per language, so stemming matches on both sides ("cobraron" finds
"cobrado"); a GIN index serves it and ``ts_rank_cd`` orders the results. On SQLite an FTS5
table with a Unicode tokenizer and prefix matching stands in, ordered by ``bm25``.

Two ways to ask: *every word* (the help center's search box, like a search engine) and *any
word* (suggestions from a customer's message: the words of its key sentences, the best
matches first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When

from tactful.knowledge.models import ArticleTranslation

PG_CONFIG = {"en": "english", "es": "spanish", "ru": "russian"}
FTS_TABLE = "knowledge_article_fts"
MAX_INDEXED_CHARS = 200_000
MAX_QUERY_CHARS = 400
#: Words of a query kept (a customer's whole paragraph is cut to its first words).
MAX_QUERY_WORDS = 24

_CASE_CONFIG = (
    "(CASE t.language WHEN 'en' THEN 'english' WHEN 'es' THEN 'spanish' "
    "WHEN 'ru' THEN 'russian' ELSE 'simple' END)::regconfig"
)
PG_REINDEX_SQL = f"""
UPDATE knowledge_articletranslation AS t SET search_vector =
    setweight(to_tsvector({_CASE_CONFIG}, t.title), 'A') ||
    setweight(to_tsvector({_CASE_CONFIG}, t.summary), 'B') ||
    setweight(to_tsvector({_CASE_CONFIG}, left(t.body, {MAX_INDEXED_CHARS})), 'C')
WHERE t.id = ANY(%s)
"""

_WORD = re.compile(r"\w+", re.UNICODE)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def reindex(translation_ids: Iterable[int]) -> None:
    """Rebuild the search entry of these translations from their title, summary and text."""
    ids = sorted({int(i) for i in translation_ids})
    if not ids:
        return
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(PG_REINDEX_SQL, [ids])
        return
    if connection.vendor != "sqlite":
        return
    placeholders = ",".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({placeholders})", ids)
        cursor.execute(
            f"""INSERT INTO {FTS_TABLE}(rowid, title, summary, body)
                SELECT id, title, summary, substr(body, 1, {MAX_INDEXED_CHARS})
                FROM knowledge_articletranslation WHERE id IN ({placeholders})""",
            ids,
        )


def forget(translation_ids: Iterable[int]) -> None:
    """Drop deleted translations from the SQLite table (PostgreSQL's vector goes with the row)."""
    ids = sorted({int(i) for i in translation_ids})
    if ids and connection.vendor == "sqlite":
        placeholders = ",".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({placeholders})", ids)


def words(text: str) -> list[str]:
    """The query's words (letters and digits only: no operator can be smuggled in)."""
    clean = text[:MAX_QUERY_CHARS].replace("\x00", "")
    return _WORD.findall(clean)[:MAX_QUERY_WORDS]


def _fts5_expression(found: Sequence[str], *, any_word: bool) -> str:
    if any_word:
        # No stop-word list or stemmer here (PostgreSQL's configurations have both): short
        # words ("my", "el", "я") are left out, and only the last word — the one still being
        # typed — matches as a prefix; as prefixes, "hace" would find "hacemos" everywhere.
        kept = [word for word in found if len(word) > 3] or list(found)
        last = found[-1]
        terms = [f'"{word}"' for word in kept if word != last] + [f'"{last}"*']
        return " OR ".join(dict.fromkeys(terms))
    return " ".join(f'"{word}"*' for word in found)


def ranked(
    queryset: QuerySet[ArticleTranslation],
    text: str,
    *,
    any_word: bool = False,
    prefer_language: str | None = None,
    limit: int = 20,
) -> list[ArticleTranslation]:
    """The translations in ``queryset`` that match ``text``, best first, at most ``limit``.

    Args:
        any_word: match translations with any of the words (suggestions) rather than all of
            them (a search box).
        prefer_language: translations in this language come before the others.
    """
    found = words(text)
    if not found:
        return []
    if is_postgres():
        return _ranked_pg(queryset, found, any_word=any_word, prefer=prefer_language, limit=limit)
    return _ranked_fts5(queryset, found, any_word=any_word, prefer=prefer_language, limit=limit)


def _ranked_pg(
    queryset: QuerySet[ArticleTranslation],
    found: Sequence[str],
    *,
    any_word: bool,
    prefer: str | None,
    limit: int,
) -> list[ArticleTranslation]:
    # websearch syntax: plain words are ANDed, "or" between them ORs; the words are \w+ only.
    query_text = " or ".join(found) if any_word else " ".join(found)
    condition = Q()
    ranks = []
    for language, config in PG_CONFIG.items():
        query = SearchQuery(query_text, config=config, search_type="websearch")
        condition |= Q(language=language, search_vector=query)
        ranks.append(When(language=language, then=SearchRank(F("search_vector"), query)))
    rank = Case(*ranks, default=Value(0.0), output_field=FloatField())
    preferred = Case(
        When(language=prefer or "", then=Value(1)), default=Value(0), output_field=FloatField()
    )
    return list(
        queryset.filter(condition)
        .annotate(rank=rank, preferred=preferred)
        .order_by("-preferred", "-rank", "id")[:limit]
    )


def _ranked_fts5(
    queryset: QuerySet[ArticleTranslation],
    found: Sequence[str],
    *,
    any_word: bool,
    prefer: str | None,
    limit: int,
) -> list[ArticleTranslation]:
    expression = _fts5_expression(found, any_word=any_word)
    # bm25 weights: title, summary, text (lower is better in FTS5).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, bm25({FTS_TABLE}, 5.0, 2.0, 1.0) FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH %s ORDER BY 2 LIMIT 2000",
            [expression],
        )
        scores = {int(rowid): float(score) for rowid, score in cursor.fetchall()}
    if not scores:
        return []
    # Choose among narrow rows (id, language) and read only the winners whole: a common word
    # can match thousands of articles, and loading their texts cost more than the search.
    candidates = queryset.filter(id__in=list(scores)).values_list("id", "language")
    best = sorted(candidates, key=lambda row: (row[1] != prefer, scores[row[0]], row[0]))[:limit]
    position = {pk: n for n, (pk, _language) in enumerate(best)}
    rows = queryset.filter(id__in=list(position))
    return sorted(rows, key=lambda t: position[t.pk])


def create_search_structures(schema_editor: object) -> None:
    """Migration helper: the GIN index (PostgreSQL) or the FTS5 table (SQLite)."""
    conn = schema_editor.connection  # type: ignore[attr-defined]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS article_search_gin "
                "ON knowledge_articletranslation USING gin (search_vector)"
            )
        elif conn.vendor == "sqlite":
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
                "title, summary, body, tokenize = 'unicode61 remove_diacritics 2')"
            )


def drop_search_structures(schema_editor: object) -> None:
    conn = schema_editor.connection  # type: ignore[attr-defined]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS article_search_gin")
        elif conn.vendor == "sqlite":
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
