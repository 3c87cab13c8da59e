"""Assignment respects the languages agents answer, with a visible fallback; abusive
conversations are spread over leads and seniors, not piled on one lead."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tactful.accounts import services as account_services
from tactful.accounts.models import AssignmentMode
from tactful.automation import handover
from tactful.coach.tests.cases import ABUSIVE
from tactful.inbox import rows
from tactful.tickets import assignment, selectors
from tactful.tickets.models import EventKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_team(desk):
    team = desk.team("Support", auto_assign=True)
    ana = desk.agent("ana", teams=[team])
    boris = desk.agent("boris", teams=[team])
    emma = desk.agent("emma", teams=[team])
    account_services.set_answered_languages(agent=ana, languages=["es"])
    account_services.set_answered_languages(agent=boris, languages=["ru"])
    account_services.set_answered_languages(agent=emma, languages=["en", "es"])
    return {"team": team, "ana": ana, "boris": boris, "emma": emma}


@pytest.mark.parametrize("mode", [AssignmentMode.ROUND_ROBIN, AssignmentMode.LOAD_AWARE])
def test_tickets_go_to_agents_who_answer_their_language(desk, desk_team, mode):
    team = desk_team["team"]
    team.assignment_mode = mode
    team.save()
    spanish = {desk.ticket(team=team, language="es").assignee_id for _ in range(6)}
    russian = {desk.ticket(team=team, language="ru").assignee_id for _ in range(4)}
    english = {desk.ticket(team=team, language="en").assignee_id for _ in range(3)}
    assert spanish == {desk_team["ana"].pk, desk_team["emma"].pk}
    assert russian == {desk_team["boris"].pk}
    assert english == {desk_team["emma"].pk}


def test_an_unknown_language_goes_to_anyone(desk, desk_team):
    team = desk_team["team"]
    owners = {desk.ticket(team=team, language="fr").assignee_id for _ in range(3)}
    assert owners == {desk_team["ana"].pk, desk_team["boris"].pk, desk_team["emma"].pk}


def test_nobody_for_the_language_falls_back_visibly(desk, desk_team):
    account_services.set_availability(agent=desk_team["boris"], available=False)
    ticket = desk.ticket(team=desk_team["team"], language="ru")
    assert ticket.assignee_id in {desk_team["ana"].pk, desk_team["emma"].pk}
    event = ticket.events.get(kind=EventKind.ASSIGNED)
    assert event.data["reason"] == assignment.NO_LANGUAGE_MATCH
    text = [row.text for row in rows.timeline_rows(selectors.timeline(ticket))]
    assert any("nobody in the team answers this language" in line for line in text), text


def test_a_matching_agent_records_no_fallback(desk, desk_team):
    ticket = desk.ticket(team=desk_team["team"], language="ru")
    assert "reason" not in ticket.events.get(kind=EventKind.ASSIGNED).data


def test_declaring_languages_refuses_unknown_ones(desk_team):
    with pytest.raises(ValidationError):
        account_services.set_answered_languages(agent=desk_team["ana"], languages=["fr"])
    account_services.set_answered_languages(agent=desk_team["ana"], languages=[])
    assert desk_team["ana"].answers("ru")


def test_only_leads_mark_seniors(desk, desk_team):
    with pytest.raises(PermissionDenied):
        account_services.set_senior(agent=desk_team["ana"], senior=True, by=desk_team["boris"])


def test_protection_is_spread_over_leads_and_seniors(desk, django_capture_on_commit_callbacks):
    team = desk.team("Front line", auto_assign=False)
    lead = desk.lead("lena", teams=[team])
    senior = desk.agent("sam", teams=[team])
    desk.agent("junior", teams=[team])
    account_services.set_senior(agent=senior, senior=True, by=lead)
    owners = []
    for i in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            ticket = desk.ticket(team=team, body=ABUSIVE["en"], language="en", subject=f"{i}")
        ticket.refresh_from_db()
        assert ticket.abuse
        owners.append(ticket.assignee_id)
    # Both protectors take their share; the junior agent never gets one.
    assert set(owners) == {lead.pk, senior.pk}


def test_an_away_senior_is_skipped(desk):
    team = desk.team("Night", auto_assign=False)
    lead = desk.lead("lena", teams=[team])
    senior = desk.agent("sam", teams=[team])
    account_services.set_senior(agent=senior, senior=True, by=lead)
    account_services.set_availability(agent=senior, available=False)
    assert handover.pick_lead(team_id=team.pk, with_seniors=True) == lead
    # A plain hand-over still goes to a lead only.
    account_services.set_availability(agent=senior, available=True)
    assert handover.pick_lead(team_id=team.pk) == lead


# --- the agent's own page ---------------------------------------------------------------------


def test_an_agent_declares_languages_and_goes_away(desk_team):
    client = Client()
    client.force_login(desk_team["ana"])
    page = client.get(reverse("inbox:my_work")).content.decode()
    assert 'value="es"' in page and "checked" in page
    response = client.post(
        reverse("inbox:my_work"), {"answers_languages": ["es", "ru"], "available": "no"}
    )
    assert response.status_code == 302
    desk_team["ana"].refresh_from_db()
    assert desk_team["ana"].answers_languages == ["es", "ru"]
    assert desk_team["ana"].available is False
    assert "away" in client.get(reverse("inbox:inbox")).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"answers_languages": ["fr"], "available": "yes"},
        {"answers_languages": ["es"], "available": "maybe"},
        {"answers_languages": ["es"]},
        {"answers_languages": ["<script>"], "available": "yes"},
    ],
)
def test_hostile_settings_are_refused(desk_team, data):
    client = Client()
    client.force_login(desk_team["ana"])
    response = client.post(reverse("inbox:my_work"), data)
    assert response.status_code == 400
    desk_team["ana"].refresh_from_db()
    assert desk_team["ana"].answers_languages == ["es"] and desk_team["ana"].available


def test_a_lead_marks_a_senior_on_the_team_load_page(desk, desk_team):
    lead = desk.lead("lena", teams=[desk_team["team"]])
    client = Client()
    client.force_login(lead)
    page = client.get(reverse("inbox:team_load")).content.decode()
    assert "ES" in page and "Make Ana senior" in page
    url = reverse("inbox:set_senior", args=[desk_team["ana"].pk])
    assert client.post(url, {"senior": "yes"}).status_code == 302
    desk_team["ana"].refresh_from_db()
    assert desk_team["ana"].senior
    assert "Ana is senior" in client.get(reverse("inbox:team_load")).content.decode()


def test_agents_and_outside_leads_cannot_mark_seniors(desk, desk_team):
    other_lead = desk.lead("olga", teams=[desk.team("Elsewhere")])
    url = reverse("inbox:set_senior", args=[desk_team["ana"].pk])
    for person in (desk_team["boris"], other_lead):
        client = Client()
        client.force_login(person)
        assert client.post(url, {"senior": "yes"}).status_code == 403
    client = Client()
    client.force_login(desk_team["boris"])
    assert client.get(url).status_code == 405
    assert client.post(reverse("inbox:set_senior", args=[999999]), {}).status_code == 404
    desk_team["ana"].refresh_from_db()
    assert not desk_team["ana"].senior
