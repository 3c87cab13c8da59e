"""The sidebar's queue counts: exact below a cap, "N+" above it, with the reason on the number."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tactful.tickets import selectors
from tactful.tickets.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def queues(desk):
    team = desk.team("Billing")
    agent = desk.agent("ana", teams=[team])
    for _ in range(4):
        desk.ticket(team=team)  # unassigned
    mine = desk.ticket(team=team)
    mine.assignee = agent
    mine.save(update_fields=["assignee"])
    solved = desk.ticket(team=team)
    solved.status = Status.SOLVED
    solved.save(update_fields=["status"])
    desk.ticket(team=desk.team("Elsewhere"))  # not visible to ana
    return agent


def test_counts_below_the_cap_are_exact(queues):
    counts = selectors.queue_counts(agent=queues)
    assert (counts["all"], counts["unassigned"], counts["mine"], counts["held"]) == (5, 4, 1, 0)


def test_a_queue_longer_than_the_cap_is_counted_only_that_far_and_says_so(queues, monkeypatch):
    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", 3)
    counts = selectors.queue_counts(agent=queues)
    assert counts["all"] == 4 and counts["unassigned"] == 4  # cap + 1: "more than 3"
    assert counts["mine"] == 1  # a short queue stays exact
    client = Client()
    client.force_login(queues)
    for language, words in (
        ("en", "long queues are counted only this far"),
        ("es", "las colas largas solo se cuentan hasta aquí"),
        ("ru", "длинные очереди считаются только до этого числа"),
    ):
        queues.language = language  # the interface language the agent chose
        queues.save(update_fields=["language"])
        page = client.get(reverse("inbox:queue_counts"))
        html = page.content.decode()
        assert html.count(">3+</span>") == 2  # all active, unassigned
        assert ">1</span>" in html
        assert html.count(words) == 2
