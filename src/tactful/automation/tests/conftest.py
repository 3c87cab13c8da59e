"""Fixtures for automation tests: a team with an agent and two leads, and a way to make rules."""

from __future__ import annotations

from typing import Any

import pytest

from tactful.automation.models import Rule


@pytest.fixture
def crew(desk: Any) -> dict[str, Any]:
    """A round-robin team: one agent, two leads; a second team with its own agent."""
    team = desk.team("Support", auto_assign=True)
    other = desk.team("Sales")
    return {
        "team": team,
        "other": other,
        "agent": desk.agent("ana", teams=[team]),
        "lead": desk.lead("lena", teams=[team]),
        "lead2": desk.lead("leo", teams=[team]),
        "outsider": desk.agent("otto", teams=[other]),
        "admin": desk.admin("root"),
    }


@pytest.fixture(autouse=True)
def default_rules(request: pytest.FixtureRequest) -> None:
    """The shipped default rules and canned starter library, as on a new desk.

    The data migration creates them, but a transactional test elsewhere in the run flushes
    every table (migration data included); put back whatever is missing.
    """
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    from tactful.automation.services import install_default_rules
    from tactful.canned.services import load_starter

    install_default_rules()
    load_starter()  # the hand-over panel offers the starter library's boundary templates


@pytest.fixture
def make_rule(db: None) -> Any:
    """Create a validated rule (``clean()`` runs, as in the forms and admin)."""

    def make(**fields: Any) -> Rule:
        fields.setdefault("name", "Test rule")
        fields.setdefault("trigger", "ticket_created")
        fields.setdefault("conditions", {})
        fields.setdefault("order", 1)
        rule = Rule(**fields)
        rule.full_clean()
        rule.save()
        return rule

    return make


@pytest.fixture
def only_my_rules(db: None) -> None:
    """Switch the shipped default rules off, so a test sees only the rules it makes."""
    Rule.objects.update(active=False)
