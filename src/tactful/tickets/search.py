"""Full-text search over tickets in the ticket's own language.

PostgreSQL: ``Ticket.search_vector`` is built with the configuration of the ticket's language
(``english``, ``spanish``, ``russian``; ``simple`` for ``und``) and a query is parsed with the
same configuration, per language, so stemming matches on both sides; a GIN index serves it.
SQLite: an FTS5 table (``tickets_ticket_fts``, Unicode-aware tokenizer, prefix matching)
stands in, since SQLite has no per-language stemmer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from tactful.tickets import events
from tactful.tickets.models import Ticket

#: Ticket language → PostgreSQL text-search configuration.
PG_CONFIG = {"en": "english", "es": "spanish", "ru": "russian", "und": "simple"}
FTS_TABLE = "tickets_ticket_fts"
#: Characters of message text indexed per ticket (to_tsvector has a 1 MB limit).
MAX_INDEXED_CHARS = 400_000
MAX_QUERY_CHARS = 200

_CASE_CONFIG = (
    "(CASE t.language WHEN 'en' THEN 'english' WHEN 'es' THEN 'spanish' "
    "WHEN 'ru' THEN 'russian' ELSE 'simple' END)::regconfig"
)

PG_REINDEX_SQL = f"""
UPDATE tickets_ticket AS t SET search_vector =
    setweight(to_tsvector({_CASE_CONFIG}, t.subject), 'A') ||
    setweight(to_tsvector({_CASE_CONFIG}, left(coalesce((
        SELECT string_agg(m.body, ' ' ORDER BY m.id) FROM tickets_message AS m
        WHERE m.ticket_id = t.id), ''), {MAX_INDEXED_CHARS})), 'B')
WHERE t.id = ANY(%s)
"""


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def reindex_tickets(ticket_ids: Iterable[int]) -> None:
    """Rebuild the search entry of these tickets from their subject and messages."""
    ids = sorted({int(i) for i in ticket_ids})
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
            f"""INSERT INTO {FTS_TABLE}(rowid, subject, body)
                SELECT t.id, t.subject, substr(coalesce((
                    SELECT group_concat(m.body, ' ') FROM tickets_message AS m
                    WHERE m.ticket_id = t.id), ''), 1, {MAX_INDEXED_CHARS})
                FROM tickets_ticket AS t WHERE t.id IN ({placeholders})""",
            ids,
        )


def reindex_ticket(ticket_id: int) -> None:
    reindex_tickets([ticket_id])


#: The changes that alter what a ticket says (its subject, its messages).
TEXT_CHANGES: tuple[type[events.TicketChange], ...] = (
    events.TicketOpened,
    events.CustomerWrote,
    events.ReplyRecorded,
    events.NoteAdded,
    events.SubjectChanged,
    events.LanguageChanged,
    events.Merged,
    events.MergedFrom,
)


def reindex_changed(changes: Sequence[events.TicketChange]) -> None:
    """Rebuild the search entry of every ticket whose text changed, once per ticket."""
    reindex_tickets(change.ticket_id for change in changes)


def register() -> None:
    events.subscribe_batch(*TEXT_CHANGES)(reindex_changed)


_WORD = re.compile(r"\w+", re.UNICODE)


def fts5_query(text: str) -> str:
    """A safe FTS5 MATCH expression: every word must appear (as a prefix), quotes escaped."""
    words = _WORD.findall(text[:MAX_QUERY_CHARS])
    return " ".join(f'"{word}"*' for word in words[:20])


def search(queryset: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """Tickets in ``queryset`` whose subject or messages match ``text``."""
    text = text.strip()[:MAX_QUERY_CHARS].replace("\x00", "")
    if not text:
        return queryset
    if is_postgres():
        condition = Q()
        for language, config in PG_CONFIG.items():
            condition |= Q(
                language=language,
                search_vector=SearchQuery(text, config=config, search_type="websearch"),
            )
        return queryset.filter(condition)
    expression = fts5_query(text)
    if not expression:
        return queryset.none()
    # FTS5 has no ORM lookup; the MATCH expression is a bound parameter.
    matching = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression])
    return queryset.filter(id__in=matching)


def create_search_structures(schema_editor: object) -> None:
    """Migration helper: the GIN index (PostgreSQL) or the FTS5 table (SQLite)."""
    conn = schema_editor.connection  # type: ignore[attr-defined]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS ticket_search_gin "
                "ON tickets_ticket USING gin (search_vector)"
            )
        elif conn.vendor == "sqlite":
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
                "subject, body, tokenize = 'unicode61 remove_diacritics 2')"
            )


def drop_search_structures(schema_editor: object) -> None:
    conn = schema_editor.connection  # type: ignore[attr-defined]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS ticket_search_gin")
        elif conn.vendor == "sqlite":
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
