"""Full-text search over tickets in the ticket's own language.

PostgreSQL: ``Ticket.search_vector`` is built with the configuration of the ticket's language
(``english``, ``spanish``, ``russian``; ``simple`` for ``und``) and a query is parsed with the
same configuration, per language, so stemming matches on both sides; a GIN index serves it.
SQLite: an FTS5 table (``tickets_ticket_fts``, Unicode-aware tokenizer, prefix matching)
stands in, since SQLite has no per-language stemmer.

What agents type is found too: the customer's name, e-mail address and channel handles are
indexed with each ticket (weight C); a ticket number ("#55", "55") finds that ticket; and a
word listed in a family of ``search_words/<language>.txt`` also searches the other words of
its family, for the forms a stemmer cannot join (``вернуть`` and ``верните``, ``devolver`` and
``devuelve``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources

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

#: Who wrote: the customer's name, e-mail and every channel handle (SQL over ``t``).
_CUSTOMER_TEXT = """coalesce((
        SELECT concat_ws(' ', c.name, c.email, (
            SELECT string_agg(i.handle, ' ') FROM customers_customeridentity AS i
            WHERE i.customer_id = c.id))
        FROM customers_customer AS c WHERE c.id = t.customer_id), '')"""

PG_REINDEX_SQL = f"""
UPDATE tickets_ticket AS t SET search_vector =
    setweight(to_tsvector({_CASE_CONFIG}, t.subject), 'A') ||
    setweight(to_tsvector({_CASE_CONFIG}, left(coalesce((
        SELECT string_agg(m.body, ' ' ORDER BY m.id) FROM tickets_message AS m
        WHERE m.ticket_id = t.id), ''), {MAX_INDEXED_CHARS})), 'B') ||
    setweight(to_tsvector({_CASE_CONFIG}, {_CUSTOMER_TEXT}), 'C')
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
                    || ' ' || coalesce((
                    SELECT c.name || ' ' || c.email || ' ' || coalesce((
                        SELECT group_concat(i.handle, ' ') FROM customers_customeridentity AS i
                        WHERE i.customer_id = c.id), '')
                    FROM customers_customer AS c WHERE c.id = t.customer_id), '')
                FROM tickets_ticket AS t WHERE t.id IN ({placeholders})""",
            ids,
        )


def reindex_ticket(ticket_id: int) -> None:
    reindex_tickets([ticket_id])


#: The changes that alter what a ticket says (its subject, its messages).
TEXT_CHANGES: tuple[type[events.TicketChange], ...] = (
    events.TicketOpened,
    events.CustomerWrote,
    # Held messages stay searchable for the leads who look at blocked traffic.
    events.MessageHeld,
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
#: "#55", "55", "# 55": a ticket number (also searched as text: order numbers look the same).
_TICKET_NUMBER = re.compile(r"#?\s*(\d{1,12})")
#: Most words one query searches (each may bring its family).
MAX_QUERY_WORDS = 20


@cache
def word_families() -> dict[str, tuple[str, ...]]:
    """Every word listed in ``search_words/*.txt`` → the words of its family (read once)."""
    families: dict[str, tuple[str, ...]] = {}
    folder = resources.files("tactful.tickets.search_words")
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".txt"):
            continue
        for line in entry.read_text(encoding="utf-8").splitlines():
            words = tuple(dict.fromkeys(_fold(word) for word in line.split()))
            if line.startswith("#") or len(words) < 2:
                continue
            for word in words:
                families[word] = words
    return families


def _fold(word: str) -> str:
    # ё is written as е as often as not; the stemmers keep them apart.
    return word.lower().replace("ё", "е")


def expand(word: str) -> tuple[str, ...]:
    """``word`` and the rest of its family (``верните`` → ``вернуть``, ``вернули``, …)."""
    folded = _fold(word)
    return word_families().get(folded, (word,))


def fts5_query(text: str) -> str:
    """A safe FTS5 MATCH expression: every word (or one of its family) must appear as a
    prefix; quotes escaped."""
    words = _WORD.findall(text[:MAX_QUERY_CHARS])[:MAX_QUERY_WORDS]
    parts = []
    for word in words:
        forms = expand(word)
        terms = " OR ".join(f'"{form}"*' for form in forms)
        parts.append(f"({terms})" if len(forms) > 1 else terms)
    # FTS5 joins plain phrases with an implicit AND, but a bracketed group needs it spelled out.
    grouped = any(part.startswith("(") for part in parts)
    return (" AND " if grouped else " ").join(parts)


def _pg_query(text: str, config: str) -> SearchQuery:
    """The query in one configuration: websearch syntax as typed, unless a word has a family;
    then every word (or one of its family) must match, as plain words."""
    words = text.split()[:MAX_QUERY_WORDS]
    if not any(len(expand(word)) > 1 for word in words):
        return SearchQuery(text, config=config, search_type="websearch")
    combined: SearchQuery | None = None
    for word in words:
        either: SearchQuery | None = None
        for form in expand(word):
            one = SearchQuery(form, config=config, search_type="plain")
            either = one if either is None else either | one
        assert either is not None
        combined = either if combined is None else combined & either
    assert combined is not None
    return combined


def search(queryset: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """Tickets in ``queryset`` whose subject, messages or customer match ``text``, and the
    ticket whose number it is."""
    text = text.strip()[:MAX_QUERY_CHARS].replace("\x00", "")
    if not text:
        return queryset
    number = _TICKET_NUMBER.fullmatch(text)
    by_number = Q(pk=int(number.group(1))) if number else Q(pk__in=[])
    if is_postgres():
        condition = Q()
        for language, config in PG_CONFIG.items():
            condition |= Q(language=language, search_vector=_pg_query(text, config))
        return queryset.filter(condition | by_number)
    expression = fts5_query(text)
    if not expression:
        return queryset.filter(by_number) if number else queryset.none()
    # FTS5 has no ORM lookup; the MATCH expression is a bound parameter.
    matching = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression])
    return queryset.filter(Q(id__in=matching) | by_number)


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
