"""Rows that happened elsewhere or long ago (imports, seeded data), inserted in bulk as given.

``bulk_create`` stamps ``auto_now``/``auto_now_add`` fields with the current time, which is
right for what happens now and wrong for history: a ticket imported from 2019 must keep its
2019 dates, or every report and SLA figure built on them lies. :func:`insert_rows` inserts
rows exactly as set, timestamps included, and emits nothing: no event, no signal, no task.
The timeline's own history (``timeline.record_history``) goes through it too.

On PostgreSQL the rows go in with ``COPY`` (primary keys taken from the table's sequence
first): measured with ``benchmarks/import_bench.py``, building and sending multi-row INSERT
statements spent most of an import in Django's SQL compiler and the driver's query
conversion, which COPY has neither of.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


def _stamp_missing_times(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """An ``auto_now``/``auto_now_add`` field left empty gets the current time, as Django would."""
    now = timezone.now()
    for field in model._meta.concrete_fields:
        if isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add):
            for row in rows:
                if getattr(row, field.attname) is None:
                    setattr(row, field.attname, now)


def insert_rows(model: type[M], rows: Sequence[M], *, batch_size: int = 2000) -> list[M]:
    """Insert unsaved ``rows`` of ``model`` keeping every field as set; sets their primary keys.

    Args:
        model: the model (rows must be its instances, not yet saved).
        rows: the rows; an empty ``auto_now``/``auto_now_add`` timestamp gets the current time.
        batch_size: rows per INSERT statement.

    Returns:
        ``rows``, with primary keys set and marked as saved.
    """
    rows = list(rows)
    if not rows:
        return rows
    _stamp_missing_times(model, rows)
    for row in rows:
        for field in model._meta.concrete_fields:
            if getattr(row, field.attname) is None and field.has_default():
                setattr(row, field.attname, field.get_default())
    opts = model._meta
    db = router.db_for_write(model)
    connection = connections[db]
    pk = opts.pk
    assert pk is not None
    with_pk = [getattr(row, pk.attname) is not None for row in rows]
    if any(with_pk) and not all(with_pk):
        raise ValueError("either every row has its primary key set, or none has")
    fields = [f for f in opts.concrete_fields if all(with_pk) or not f.primary_key]
    if connection.vendor == "postgresql":
        _copy_rows(model, rows, connection, assign_keys=not all(with_pk))
        for row in rows:
            row._state.adding = False
            row._state.db = db
        return rows
    max_batch = max(connection.ops.bulk_batch_size(fields, rows), 1)
    batch_size = min(batch_size, max_batch)
    returning = list(opts.db_returning_fields)
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        # ``raw=True`` is what loading fixtures uses: values go in as they are, so
        # ``pre_save`` does not replace the timestamps with "now". Django's own bulk path
        # (``QuerySet._insert``) then returns the new primary keys where the database can.
        returned = model._base_manager.using(db)._insert(  # type: ignore[attr-defined]
            batch,
            fields=fields,
            returning_fields=returning,
            raw=True,
            using=db,
        )
        if returned and connection.features.can_return_rows_from_bulk_insert:
            for row, values in zip(batch, returned, strict=True):
                for field, value in zip(returning, values, strict=True):
                    setattr(row, field.attname, value)
        for row in batch:
            row._state.adding = False
            row._state.db = db
    return rows


def _copy_rows(
    model: type[models.Model],
    rows: Sequence[models.Model],
    connection: BaseDatabaseWrapper,
    *,
    assign_keys: bool,
) -> None:
    """PostgreSQL: take ``len(rows)`` keys from the sequence (in order), then COPY the rows."""
    opts = model._meta
    pk = opts.pk
    assert pk is not None
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if assign_keys:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(opts.db_table), pk.column, len(rows)],
            )
            for row, (key,) in zip(rows, sorted(cursor.fetchall()), strict=True):
                setattr(row, pk.attname, key)
        fields = list(opts.concrete_fields)
        columns = ", ".join(quote(f.column) for f in fields)
        statement = f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN"
        # The driver's own cursor: Django's wrapper has no COPY.
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
                )
