"""Database errors worth running the same work again for.

PostgreSQL breaks a deadlock by rolling one of the transactions back (SQLSTATE 40P01), and a
serialisable transaction may be refused (40001). The work itself was sound: run again, it
almost always passes. Every writer of the desk is idempotent (messages by their external id,
readings by their row), so a caller may simply repeat it.
"""

from __future__ import annotations

from django.db import OperationalError

#: SQLSTATE codes of a rolled-back deadlock victim and of a serialisation failure.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` is a deadlock or serialisation failure (Django wraps psycopg's)."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) in TRANSIENT_SQLSTATES
