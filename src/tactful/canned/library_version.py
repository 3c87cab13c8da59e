"""A version stamp for the canned library, shared by every process through the cache.

The personal-touch check compiles the library's sentences once per version; any change to the
library (a save, a delete, the starter loaded) announces a new version after it commits.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

_VERSION_KEY = "tactful.canned.library-version"


def library_changed() -> None:
    """Tell every process the set of canned texts changed (the personal-touch index rebuilds)."""
    cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def library_changed_after_commit() -> None:
    """Announce a change once it is committed: an index rebuilt before then would miss it."""
    transaction.on_commit(library_changed)


def library_version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(_VERSION_KEY, version, timeout=None):
            version = cache.get(_VERSION_KEY) or version
    return str(version)
