"""The daily SLA figures: percentiles from histograms close to the exact ones, and the rows
kept as clocks change equal a recount from the clocks."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tactful.sla import services, stats
from tactful.sla.models import ClockDay
from tactful.tickets import inbound
from tactful.tickets import services as ticket_services


def exact(values, fraction):
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.floats(1, 60 * 24 * 3600), min_size=1, max_size=400),
    fraction=st.sampled_from([0.5, 0.9]),
)
def test_a_percentile_from_the_histogram_is_within_a_bucket(values, fraction):
    histogram = [0] * stats.BUCKETS
    for value in values:
        histogram[stats.bucket_of(value)] += 1
    estimate = stats.percentile(histogram, fraction)
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    below, above = ordered[int(position)], ordered[min(int(position) + 1, len(ordered) - 1)]
    # Inside the buckets of the two values percentile_cont interpolates between.
    assert stats.bounds(stats.bucket_of(below))[0] <= estimate
    assert estimate <= stats.bounds(stats.bucket_of(above))[1]


def test_on_realistic_waits_the_median_is_within_a_few_percent():
    rng = random.Random(4)
    values = [rng.lognormvariate(8.5, 1.0) for _ in range(20_000)]
    histogram = [0] * stats.BUCKETS
    for value in values:
        histogram[stats.bucket_of(value)] += 1
    for fraction in (0.5, 0.9):
        assert stats.percentile(histogram, fraction) == pytest.approx(
            exact(values, fraction), rel=0.04
        )


def test_buckets_cover_every_time():
    assert stats.bucket_of(0) == 0 and stats.bucket_of(29.9) == 0 and stats.bucket_of(30) == 1
    assert stats.bucket_of(10**12) == stats.BUCKETS - 1
    for index in range(1, stats.BUCKETS - 1):
        low, high = stats.bounds(index)
        assert stats.bucket_of(low * 1.0001) == index
        assert stats.bucket_of(high * 0.9999) == index


def _rows():
    fields = ["day", "target", "team_id", "dimension", "value", *stats.COUNTS, *stats.HISTOGRAM]
    return sorted(row for row in ClockDay.objects.values_list(*fields) if any(row[5:]))


@pytest.mark.django_db
def test_daily_rows_kept_as_clocks_change_equal_a_recount(desk, policy):
    team, other = desk.team(), desk.team()
    agent = desk.agent(teams=[team, other])
    for n in range(4):
        ticket = desk.ticket(team=team)
        ticket_services.record_reply(ticket=ticket, agent=agent, body="Fixed today.")
        inbound.record_incoming_message(ticket=ticket, body="Thanks, one more thing")
        if n % 2:
            ticket_services.change_team(ticket=ticket, team=other, by=None)
        ticket_services.change_status(ticket=ticket, status="solved", by=agent)
        if n == 3:
            inbound.record_incoming_message(ticket=ticket, body="It broke again")  # reopen
    source, target = desk.ticket(team=team), desk.ticket(team=team)
    ticket_services.merge_tickets(source=source, target=target, by=agent)
    kept = _rows()
    assert kept
    services.rebuild_days()
    assert _rows() == kept
