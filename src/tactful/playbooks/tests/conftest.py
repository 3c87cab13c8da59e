"""The starter playbooks are installed by a data migration; a transactional test elsewhere in
the run flushes them, so every database test here puts back what is missing first."""

from __future__ import annotations

from typing import Any

import pytest

from tactful.playbooks import services


@pytest.fixture(autouse=True)
def starter_playbooks(request: pytest.FixtureRequest) -> Any:
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    services.load_starter()
