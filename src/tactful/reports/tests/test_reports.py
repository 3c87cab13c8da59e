"""Reports: the figures are right (percentiles, shares, backlog, the previous period), each
viewer reads only their scope, bad input is refused, and the daily figures counted as events
arrive equal a rebuild from the messages."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tactful.coaching.events import MessageAnalysed
from tactful.reports import presenters, rollup, selectors
from tactful.reports.aggregates import percentile_cont
from tactful.reports.models import DailyFigures
from tactful.reports.period import Period
from tactful.sla import services as sla_services
from tactful.sla.models import Clock, ClockState, Target
from tactful.tickets import inbound, timeline
from tactful.tickets import services as ticket_services

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 6)


def review(balance="balanced", next_step=True, over_apology=False):
    findings = [{"kind": "over_apology", "severity": "warning", "message": "", "spans": []}]
    return {
        "balance": balance,
        "next_step": {"present": next_step, "spans": []},
        "findings": findings if over_apology else [],
    }


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


def clock_rows(ticket, specs):
    """Clocks with chosen times: (target, ended day, elapsed minutes, state, team, agent)."""
    rows = []
    for n, (target, day, minutes, state, team_id, agent_id) in enumerate(specs):
        rows.append(
            Clock(
                ticket=ticket,
                target=target,
                sequence=1000 + n,
                state=state,
                started_at=at(day, 8),
                ended_at=at(day),
                elapsed_seconds=minutes * 60.0,
                target_seconds=3600,
                team_id=team_id,
                agent_id=agent_id,
                channel="email",
                language="en",
            )
        )
    Clock.objects.bulk_create(rows)
    sla_services.rebuild_days()


@pytest.fixture
def world(desk):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    ana = desk.agent("ana", teams=[billing])
    bo = desk.agent("bo", teams=[shipping])
    lead = desk.lead("lena", teams=[billing])
    admin = desk.admin("root")
    return {
        "billing": billing,
        "shipping": shipping,
        "ana": ana,
        "bo": bo,
        "lead": lead,
        "admin": admin,
    }


PERIOD = Period(first=TODAY - timedelta(days=6), last=TODAY, bucket="day")


def test_response_time_percentiles_are_computed_in_sql(world, desk):
    ticket = desk.ticket(team=world["billing"])
    rng = random.Random(3)
    minutes = [rng.randint(1, 600) for _ in range(41)]
    day = TODAY - timedelta(days=2)
    clock_rows(
        ticket,
        [
            (Target.FIRST_RESPONSE, day, m, ClockState.MET, world["billing"].pk, world["ana"].pk)
            for m in minutes
        ],
    )
    scope = selectors.Scope(channel="email")
    assert selectors.day_dimension(scope, "agent") is None  # two dimensions: read live
    readings = selectors.times(scope, PERIOD, by="agent")
    [overall] = [
        r for r in readings["overall"] if r["target"] == Target.FIRST_RESPONSE and r["current"]
    ]
    seconds = [m * 60.0 for m in minutes]
    assert overall["median"] == pytest.approx(percentile_cont(seconds, 0.5))
    assert overall["p90"] == pytest.approx(percentile_cont(seconds, 0.9))
    assert overall["done"] == 41
    [trend] = [r for r in readings["trend"] if r["target"] == Target.FIRST_RESPONSE]
    assert trend["slot"] == day


def test_the_daily_rows_give_the_figures_the_clocks_give(world, desk):
    ticket = desk.ticket(team=world["billing"])
    rng = random.Random(8)
    day = TODAY - timedelta(days=3)
    clock_rows(
        ticket,
        [
            (
                rng.choice(list(Target.values)),
                day - timedelta(days=rng.randint(0, 10)),
                rng.lognormvariate(5, 1),
                rng.choice([ClockState.MET, ClockState.MISSED, ClockState.STOPPED]),
                world["billing"].pk,
                rng.choice([world["ana"].pk, world["bo"].pk]),
            )
            for _ in range(400)
        ],
    )
    for by in ("team", "agent", "language"):
        fast = selectors.times(selectors.Scope(), PERIOD, by=by)
        live = selectors.times_live(selectors.Scope(), PERIOD, by=by)
        for name in ("overall", "breakdown"):
            key = ("target", "current") + (("key",) if name == "breakdown" else ())
            exact = {tuple(r[k] for k in key): r for r in live[name]}
            assert {tuple(r[k] for k in key) for r in fast[name]} == set(exact)
            for row in fast[name]:
                truth = exact[tuple(row[k] for k in key)]
                for count in ("done", "solved", "met", "missed", "ended"):
                    assert row[count] == truth[count], (by, name, count)
                if truth["median"] is not None:
                    assert row["median"] == pytest.approx(truth["median"], rel=0.3)


def test_percentile_cont_matches_postgres_definition():
    assert percentile_cont([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile_cont([10.0], 0.9) == 10.0
    assert percentile_cont([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9) == 9.1
    assert percentile_cont([], 0.5) is None


def test_sla_achievement_and_the_previous_period(world, desk):
    ticket = desk.ticket(team=world["billing"])
    team, ana = world["billing"].pk, world["ana"].pk
    now_day, before_day = TODAY - timedelta(days=1), TODAY - timedelta(days=9)
    clock_rows(
        ticket,
        [
            (Target.FIRST_RESPONSE, now_day, 30, ClockState.MET, team, ana),
            (Target.FIRST_RESPONSE, now_day, 30, ClockState.MET, team, ana),
            (Target.FIRST_RESPONSE, now_day, 90, ClockState.MISSED, team, ana),
            (Target.FIRST_RESPONSE, now_day, 5, ClockState.STOPPED, team, ana),
            (Target.FIRST_RESPONSE, before_day, 90, ClockState.MISSED, team, ana),
        ],
    )
    report = presenters.build(
        presenters.read(selectors.Scope(), PERIOD, by="team"),
        PERIOD,
        by="team",
        own_figures_only=False,
    )
    cell = report.headline["first_response_sla"]
    assert (cell.current, cell.previous) == (66.7, 0.0)
    # A stopped clock (solved without reply) is neither met nor missed, nor a response time.
    # (From the daily histogram: within a bucket of the exact half hour.)
    assert report.headline["first_response_median"].current == pytest.approx(0.5, rel=0.15)


def test_coach_figures_from_replies_and_customer_messages(world, desk):
    ticket = desk.ticket(team=world["billing"])
    for kwargs in (
        {},
        {"balance": "too_much", "next_step": False, "over_apology": True},
        {"balance": "too_little"},
        {"balance": "balanced"},
    ):
        ticket_services.record_reply(
            ticket=ticket,
            agent=world["ana"],
            body="Refund is on its way today.",
            review=review(**kwargs),
        )
    ticket_services.record_reply(ticket=ticket, agent=world["ana"], body="No review here.")
    ticket_services.record_reply(ticket=ticket, agent=None, body="Automatic answer.")
    inbound.record_incoming_message(ticket=ticket, body="Thanks")
    period = Period(
        first=timezone.localdate() - timedelta(days=6), last=timezone.localdate(), bucket="day"
    )
    report = presenters.build(
        presenters.read(selectors.Scope(), period, by="agent"),
        period,
        by="agent",
        own_figures_only=False,
    )
    h = report.headline
    assert h["replies"].current == 5  # Tactful's own answer is not the team's reply
    assert (h["balanced"].current, h["too_much"].current, h["too_little"].current) == (
        50.0,
        25.0,
        25.0,
    )
    assert h["action_rate"].current == 75.0
    assert h["over_apology"].current == 25.0
    [row] = [r for r in report.rows if r.key == world["ana"].pk]
    assert row.label == str(world["ana"]) and row.cells["replies"].current == 5


def test_abuse_counts_on_the_day_the_message_was_written(world, desk):
    ticket = desk.ticket(team=world["billing"])
    message = ticket.messages.get()
    # The coach's reading arrives late (after midnight): it still counts on the message's day.
    type(message).objects.filter(pk=message.pk).update(created_at=at(TODAY - timedelta(days=3)))
    message.refresh_from_db()
    timeline.record(
        MessageAnalysed(
            ticket=ticket,
            message=message,
            emotion="anger",
            intensity=0.9,
            abuse=True,
            threat=False,
            company_fault=False,
            language="en",
        )
    )
    row = DailyFigures.objects.get(abusive_messages=1)
    assert row.day == TODAY - timedelta(days=3)


def _totals():
    """Reply counts per agent; customer-side counts per team (a rebuild knows the assignee
    only as it is now, so those are compared without it)."""
    from django.db.models import Sum

    replies = DailyFigures.objects.values_list("day", "team_id", "agent_id", "channel", "language")
    customers = DailyFigures.objects.values_list("day", "team_id", "channel", "language")
    return (
        sorted(
            replies.annotate(r=Sum("replies"), v=Sum("reviewed"), n=Sum("with_next_step"))
            .filter(r__gt=0)
            .order_by()
        ),
        sorted(customers.annotate(c=Sum("customer_messages")).order_by()),
    )


def test_counting_as_events_arrive_equals_a_rebuild(world, desk):
    for n in range(6):
        ticket = desk.ticket(team=world["billing" if n % 2 else "shipping"])
        agent = world["ana"] if n % 2 else world["bo"]
        ticket_services.record_reply(
            ticket=ticket, agent=agent, body="Done today.", review=review(next_step=n % 3 == 0)
        )
        inbound.record_incoming_message(ticket=ticket, body="ok")
    live = _totals()
    today = timezone.localdate()
    assert rollup.rebuild(today - timedelta(days=1), today + timedelta(days=1)) > 0
    assert _totals() == live and live[0] and live[1]


def test_backlog_follows_tickets_in_and_out(world, desk):
    agent = world["ana"]
    tickets = [desk.ticket(team=world["billing"]) for _ in range(4)]
    ticket_services.change_status(ticket=tickets[0], status="solved", by=agent)
    ticket_services.change_status(ticket=tickets[1], status="solved", by=agent)
    inbound.record_incoming_message(ticket=tickets[1], body="Still broken")  # reopens
    period = Period(
        first=timezone.localdate() - timedelta(days=6), last=timezone.localdate(), bucket="day"
    )
    report = presenters.build(
        presenters.read(selectors.Scope(), period, by="team"),
        period,
        by="team",
        own_figures_only=False,
    )
    h = report.headline
    assert (h["tickets_in"].current, h["solved"].current, h["backlog"].current) == (4, 2, 3)
    assert h["reopen_rate"].current == 50.0
    volume = next(c for c in report.chart["charts"] if c["id"] == "volume")
    backlog = next(d for d in volume["datasets"] if d["kind"] == "line")
    assert backlog["data"][-1] == 3


# --- the page ----------------------------------------------------------------------------------


def client_for(agent):
    client = Client()
    client.force_login(agent)
    return client


def test_agents_read_their_own_figures_only(world, desk):
    ticket = desk.ticket(team=world["billing"])
    ticket_services.record_reply(ticket=ticket, agent=world["ana"], body="Done.", review=review())
    other = desk.ticket(team=world["shipping"])
    ticket_services.record_reply(ticket=other, agent=world["bo"], body="Done.", review=review())
    client = client_for(world["ana"])
    page = client.get(reverse("reports:report") + "?by=agent")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ana" in text and ">Bo<" not in text
    assert "Tickets in" not in text  # the team's figures
    assert client.get(reverse("reports:report") + f"?agent={world['bo'].pk}").status_code == 403


def test_leads_read_their_teams_and_not_others(world, desk):
    desk.ticket(team=world["billing"])
    client = client_for(world["lead"])
    assert client.get(reverse("reports:report") + f"?team={world['billing'].pk}").status_code == 200
    assert (
        client.get(reverse("reports:report") + f"?team={world['shipping'].pk}").status_code == 403
    )
    scope = selectors.scope_for(world["lead"])
    assert scope.team_ids == (world["billing"].pk,)
    assert selectors.scope_for(world["admin"]).team_ids is None


@pytest.mark.parametrize(
    "query",
    [
        "?range=forever",
        "?range=custom&start=2026-01-10",
        "?range=custom&start=2026-02-10&end=2026-01-10",
        "?range=custom&start=2020-01-01&end=2026-01-01",
        "?start=yesterday&end=today",
        "?bucket=hour",
        "?by=mood",
        "?team=abc",
        "?team=99999999999999999",
        "?channel=fax",
        "?language=fr",
    ],
)
def test_bad_report_queries_are_refused(world, query):
    client = client_for(world["admin"])
    assert client.get(reverse("reports:report") + query).status_code == 400
    assert client.get(reverse("reports:csv") + query).status_code == 400


def test_the_csv_export_is_the_table_and_safe_in_a_spreadsheet(world, desk):
    world["billing"].name = '=HYPERLINK("http://evil")'
    world["billing"].save()
    ticket = desk.ticket(team=world["billing"])
    ticket_services.record_reply(ticket=ticket, agent=world["ana"], body="Done.", review=review())
    response = client_for(world["admin"]).get(reverse("reports:csv") + "?by=team&range=7")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert lines[0][0] == "team" and "Replies" in lines[0]
    assert lines[1][0].startswith("'=HYPERLINK")
    assert lines[-1][0] == "All"
    replies = lines[0].index("Replies")
    assert lines[-1][replies] == "1.0" or lines[-1][replies] == "1"


def test_the_page_draws_from_json_and_names_every_chart(world, desk):
    desk.ticket(team=world["billing"])
    text = client_for(world["admin"]).get(reverse("reports:report") + "?range=30").content.decode()
    assert 'id="report-chart-data"' in text
    assert "vendor/chartjs/chart.umd.min.js" in text
    for chart in (
        "first_response",
        "next_response",
        "resolution",
        "volume",
        "sla",
        "balance",
        "action",
        "abuse",
    ):
        assert f'id="chart-{chart}"' in text
    assert "Customer satisfaction" in text


# --- query budgets ------------------------------------------------------------------------------

#: Queries per report page and export (session, user, teams, the readings, names).
BUDGETS = {"page": 13, "csv": 12}


@pytest.mark.parametrize("by", ["team", "agent", "channel", "language"])
@pytest.mark.parametrize("name", ["page", "csv"])
def test_reports_cost_the_same_for_ten_or_a_thousand_tickets(world, by, name):
    from tactful.desk.testing import bulk_history, bulk_tickets

    teams, agents = [world["billing"], world["shipping"]], [world["ana"], world["bo"]]
    end = timezone.now()
    start = end - timedelta(days=120)

    def seed(count, seed):
        ids = bulk_tickets(count, teams=teams, agents=agents, seed=seed, index=False)
        from tactful.tickets.models import Ticket

        bulk_history(
            list(Ticket.objects.filter(pk__in=ids)), start=start, end=end, agents=agents, seed=seed
        )

    seed(10, 1)
    client = client_for(world["admin"])
    url = reverse("reports:report" if name == "page" else "reports:csv") + f"?range=90&by={by}"
    from tactful.desk.testing import assert_same_query_count

    count = assert_same_query_count(lambda: client.get(url), lambda: seed(990, 2))
    assert count <= BUDGETS[name]


def test_a_lead_and_an_agent_pay_no_more(world):
    from tactful.desk.testing import assert_same_query_count, bulk_history, bulk_tickets
    from tactful.tickets.models import Ticket

    teams, agents = [world["billing"]], [world["ana"]]
    end = timezone.now()

    def seed(count, seed):
        ids = bulk_tickets(count, teams=teams, agents=agents, seed=seed, index=False)
        bulk_history(
            list(Ticket.objects.filter(pk__in=ids)),
            start=end - timedelta(days=60),
            end=end,
            agents=agents,
            seed=seed,
        )

    seed(10, 1)
    for viewer in (world["lead"], world["ana"]):
        client = client_for(viewer)
        count = assert_same_query_count(
            lambda c=client: c.get(reverse("reports:report") + "?range=30&by=agent"),
            lambda: seed(200, 3),
        )
        assert count <= BUDGETS["page"]
