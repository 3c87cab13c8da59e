"""Percentiles in SQL on both databases: PostgreSQL's ``percentile_cont``, and the same
aggregate taught to SQLite (which has none) when each connection opens."""

from __future__ import annotations

import math
from typing import Any

from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import Aggregate, FloatField

SQLITE_FUNCTION = "tactful_percentile"


class Percentile(Aggregate):
    """The continuous percentile (``fraction`` 0–1) of ``expression`` in each group."""

    function = "percentile_cont"
    name = "Percentile"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("a percentile's fraction is between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # On the instance, not as arguments: Aggregate.as_sql passes its own ``template``
        # when it adds a FILTER clause.
        clone = self.copy()
        clone.function = SQLITE_FUNCTION
        clone.template = "%(function)s(%(expressions)s, %(fraction)s)"
        return clone.as_sql(compiler, connection, **extra_context)


class _SqlitePercentile:
    """``percentile_cont`` for SQLite: linear interpolation between the closest ranks."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: Any, fraction: Any) -> None:
        if value is not None:
            self.values.append(float(value))
            self.fraction = float(fraction)

    def finalize(self) -> float | None:
        return percentile_cont(self.values, self.fraction)


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """What PostgreSQL's ``percentile_cont`` answers for ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _teach_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate(SQLITE_FUNCTION, 2, _SqlitePercentile)


def register() -> None:
    # A database-level function, not a core flow: Django's own SQLite backend registers its
    # functions when the connection opens, and this hook is how an app adds one.
    connection_created.connect(_teach_sqlite, dispatch_uid="tactful_reports_percentile")
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            _teach_sqlite(None, connection)
