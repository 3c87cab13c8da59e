"""Emotional load (weights, window, what "handled" means) and load-aware assignment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tactful.accounts import services as account_services
from tactful.automation import engine, load, selectors
from tactful.coach.tests.cases import ABUSIVE
from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.tickets import assignment, inbound
from tactful.tickets import services as ticket_services
from tactful.tickets.models import CALL_NOTE_KEY, EventKind, Status, Ticket

pytestmark = pytest.mark.django_db


def heavy_ticket(desk, *, team=None, status=Status.OPEN, **signals):
    """A ticket whose stored coach signals are ``signals`` (as after an analysis)."""
    ticket = desk.ticket(team=team)
    Ticket.objects.filter(pk=ticket.pk).update(status=status, **signals)
    ticket.refresh_from_db()
    return ticket


def answered(ticket, agent):
    ticket_services.record_reply(ticket=ticket, agent=agent, body="Here to help.")
    return ticket


ABUSIVE_SIGNALS = {"abuse": True, "emotion": "anger", "intensity": 0.9}
HEATED = {"emotion": "frustration", "intensity": 0.8}
INTENSE = {"emotion": "sadness", "intensity": 0.75}
CALM = {"emotion": "neutral", "intensity": 0.2}


def test_weights_add_up_per_conversation(desk, crew):
    agent = crew["agent"]
    for signals in (ABUSIVE_SIGNALS, HEATED, INTENSE, CALM):
        answered(heavy_ticket(desk, **signals), agent)
    load = selectors.emotional_loads([agent.pk])[agent.pk]
    assert load == selectors.EmotionalLoad(load=3 + 2 + 1, conversations=3, hostile=1)


@pytest.mark.parametrize(
    "signals",
    [
        ABUSIVE_SIGNALS,
        {"threat": True},
        HEATED,
        INTENSE,
        CALM,
        {"emotion": "anger", "intensity": 0.69},
    ],
)
def test_sql_weight_is_the_engines_weight(desk, crew, signals):
    agent = crew["agent"]
    ticket = answered(heavy_ticket(desk, **signals), agent)
    expected = engine.conversation_weight(
        abuse=ticket.abuse, threat=ticket.threat, emotion=ticket.emotion, intensity=ticket.intensity
    )
    got = selectors.emotional_loads([agent.pk]).get(agent.pk, selectors.EmotionalLoad()).load
    assert got == expected


def test_the_worst_analysed_message_counts_not_only_the_latest(desk, crew):
    agent = crew["agent"]
    ticket = answered(heavy_ticket(desk, **CALM), agent)
    # The first message was abusive; the customer calmed down since.
    MessageAnalysis.objects.update_or_create(
        message=ticket.messages.first(),
        defaults={
            "status": AnalysisStatus.DONE,
            "abuse": True,
            "intensity": 0.9,
            "top_emotion": "anger",
        },
    )
    assert selectors.emotional_loads([agent.pk])[agent.pk].load == engine.WEIGHT_HOSTILE


def test_handled_means_replied_or_assigned_and_counts_once(desk, crew):
    agent, lead = crew["agent"], crew["lead"]
    replied = heavy_ticket(desk, **HEATED)
    answered(replied, agent)
    answered(replied, agent)
    assignment.assign_ticket(ticket=replied, assignee=agent, by=lead)  # and assigned
    only_assigned = heavy_ticket(desk, **INTENSE)
    assignment.assign_ticket(ticket=only_assigned, assignee=agent, by=lead)
    looked_only = heavy_ticket(desk, **ABUSIVE_SIGNALS)
    ticket_services.add_internal_note(ticket=looked_only, agent=agent, body="saw it")
    loads = selectors.emotional_loads([agent.pk, lead.pk])
    assert loads[agent.pk] == selectors.EmotionalLoad(load=2 + 1, conversations=2, hostile=0)
    assert lead.pk not in loads  # a lead who assigns does not carry the conversation


def test_the_window(desk, crew, settings):
    # Tickets without a team: no round-robin assignment adds to anyone's load here.
    agent = crew["agent"]
    old = answered(heavy_ticket(desk, **ABUSIVE_SIGNALS), agent)
    recent = answered(heavy_ticket(desk, **HEATED), agent)
    eight_days_ago = timezone.now() - timedelta(days=8)
    old.messages.update(created_at=eight_days_ago)
    old.events.update(created_at=eight_days_ago)
    assert selectors.emotional_loads([agent.pk])[agent.pk].load == 2
    assert selectors.emotional_loads([agent.pk], days=10)[agent.pk].load == 5
    assert (
        selectors.emotional_loads([agent.pk], now=eight_days_ago + timedelta(hours=1))[
            agent.pk
        ].load
        == 3
    )
    settings.TACTFUL_EMOTIONAL_LOAD_DAYS = 30
    assert selectors.emotional_loads([agent.pk])[agent.pk].load == 5
    assert selectors.emotional_loads([agent.pk], exclude_ticket_id=recent.pk)[agent.pk].load == 3


def test_loads_take_one_query_for_any_number_of_agents(desk, crew, django_assert_num_queries):
    agents = [desk.agent(teams=[crew["team"]]) for _ in range(5)]
    for agent in agents:
        answered(heavy_ticket(desk, **HEATED), agent)
    with django_assert_num_queries(1):
        loads = selectors.emotional_loads([a.pk for a in agents])
    assert {pk: load.load for pk, load in loads.items()} == {a.pk: 2 for a in agents}
    with django_assert_num_queries(1):
        selectors.emotional_loads(None)
    assert selectors.emotional_loads([]) == {}


# --- load-aware assignment --------------------------------------------------------------------


@pytest.fixture
def load_team(desk):
    """A load-aware team: Hana carries two hostile conversations, Ivo none but more open work."""
    team = account_services.create_team(name="Care", auto_assign=True, assignment_mode="load_aware")
    elsewhere = desk.team("Elsewhere")
    hana = desk.agent("hana", teams=[team, elsewhere])
    ivo = desk.agent("ivo", teams=[team, elsewhere])
    for _ in range(2):
        answered(heavy_ticket(desk, team=elsewhere, status=Status.SOLVED, **ABUSIVE_SIGNALS), hana)
    for _ in range(2):
        ticket = desk.ticket(team=elsewhere)
        assignment.assign_ticket(ticket=ticket, assignee=ivo, by=None)
    return {"team": team, "hana": hana, "ivo": ivo}


def test_calm_tickets_go_by_open_tickets(desk, load_team):
    ticket = desk.ticket(team=load_team["team"], body="How do I change my address?")
    assert ticket.assignee == load_team["hana"]  # 0 open tickets against Ivo's 2
    event = ticket.events.get(kind=EventKind.ASSIGNED)
    assert event.data["round_robin"] is True


def test_heavy_tickets_go_by_emotional_load(desk, load_team):
    ticket = desk.ticket(team=load_team["team"])
    Ticket.objects.filter(pk=ticket.pk).update(assignee=None, **HEATED)
    ticket.refresh_from_db()
    chosen = assignment.assign_by_team(ticket=ticket, by=None)
    assert chosen == load_team["ivo"]


def test_round_robin_teams_are_unchanged(desk, crew):
    first = desk.ticket(team=crew["team"])
    second = desk.ticket(team=crew["team"])
    assert [first.assignee, second.assignee] == [crew["agent"], crew["lead"]]


def test_choice_helper_reads_loads_in_a_bounded_number_of_queries(
    desk, load_team, django_assert_num_queries
):
    ticket = heavy_ticket(desk, team=load_team["team"], **ABUSIVE_SIGNALS)
    load_team["team"].refresh_from_db()
    members = [load_team["hana"], load_team["ivo"]] + [
        desk.agent(teams=[load_team["team"]]) for _ in range(6)
    ]
    with django_assert_num_queries(2):
        chosen = load.choose_load_aware_member(
            team=load_team["team"], ticket=ticket, members=members
        )
    # Ivo and the newcomers carry nothing; the newcomers also have no open tickets, and the
    # first of them is next in round-robin order after Hana (who got the ticket itself).
    assert load_team["team"].last_assigned_id == load_team["hana"].pk
    assert chosen == members[2]


def test_a_hostile_ticket_is_rebalanced_once_after_analysis(
    desk, load_team, only_my_rules, django_capture_on_commit_callbacks
):
    hana, ivo = load_team["hana"], load_team["ivo"]
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(team=load_team["team"], body=ABUSIVE["es"], language="es")
    ticket.refresh_from_db()
    assert ticket.abuse is True
    # Placed on creation by open tickets (Hana), moved once the coach saw the abuse (Ivo).
    assert ticket.assignee == ivo
    moves = [e.data for e in ticket.events.filter(kind=EventKind.ASSIGNED).order_by("id")]
    assert moves[0]["to"] == hana.pk
    assert moves[-1] == {
        "from": hana.pk,
        "to": ivo.pk,
        "round_robin": True,
        "rebalanced": True,
        "reason": "emotional_load",
    }
    # Ivo now carries it; another abusive message does not bounce the ticket around.
    with django_capture_on_commit_callbacks(execute=True):
        inbound.record_incoming_message(ticket=ticket, body=ABUSIVE["es"])
    ticket.refresh_from_db()
    assert ticket.assignee == ivo
    assert ticket.events.filter(kind=EventKind.ASSIGNED).count() == 2


def test_no_rebalance_once_answered_or_in_round_robin_teams(
    desk, load_team, crew, only_my_rules, django_capture_on_commit_callbacks
):
    ticket = desk.ticket(team=load_team["team"], body="Hello")
    answered(ticket, load_team["hana"])
    Ticket.objects.filter(pk=ticket.pk).update(**ABUSIVE_SIGNALS)
    ticket.refresh_from_db()
    assert load.rebalance_after_analysis(ticket) is None
    with django_capture_on_commit_callbacks(execute=True):
        plain = desk.ticket(team=crew["team"], body=ABUSIVE["en"])
    plain.refresh_from_db()
    assert plain.abuse and plain.assignee == crew["agent"]
    assert load.rebalance_after_analysis(plain) is None


def test_a_calls_notes_count_like_a_customer_message_and_plain_notes_do_not(desk, crew):
    """What the customer said in a video call reaches the desk as the agent's call notes."""
    agent = crew["agent"]
    called = heavy_ticket(desk, **CALM)  # calm in writing, hostile on the call
    noted = heavy_ticket(desk, **CALM)
    for ticket, metadata in ((called, {CALL_NOTE_KEY: 1}), (noted, {})):
        note = ticket_services.add_internal_note(
            ticket=ticket, agent=agent, body="Shouted insults at me.", metadata=metadata
        )
        MessageAnalysis.objects.update_or_create(
            message=note,
            defaults={"status": AnalysisStatus.DONE, "abuse": True, "top_emotion": "anger"},
        )
    load = selectors.emotional_loads([agent.pk])[agent.pk]
    assert load == selectors.EmotionalLoad(load=engine.WEIGHT_HOSTILE, conversations=1, hostile=1)
