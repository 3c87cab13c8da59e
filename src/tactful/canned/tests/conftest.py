"""Shared fixtures for the canned-response tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fresh_canned_index() -> None:
    """Each test's database is rolled back, which no save() hears: start from a new index."""
    from tactful.canned.library_version import library_changed

    library_changed()
