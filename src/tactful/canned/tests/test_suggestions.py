"""Suggestions follow the customer's state and language; the team's own come first."""

from __future__ import annotations

import pytest
from django.utils import translation

from tactful.canned import selectors, services
from tactful.canned.models import CannedResponse
from tactful.coaching import analysis as analysis_service
from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Message, MessageKind, Status

pytestmark = pytest.mark.django_db


def analysis_for(ticket, **values):
    """A stored analysis row for the ticket's first message, as the coach would leave it."""
    message = Message.objects.filter(ticket=ticket, kind=MessageKind.INCOMING).first()
    defaults = {
        "status": AnalysisStatus.DONE,
        "language": ticket.language,
        "top_emotion": "neutral",
        "intensity": 0.1,
        "spans": {"questions": []},
    }
    analysis, _created = MessageAnalysis.objects.update_or_create(
        message=message, defaults={**defaults, **values}
    )
    return analysis


def categories(items):
    return [item.category for item in items]


def test_abusive_customer_gets_boundary_templates_first(desk):
    ticket = desk.ticket(body="You idiots, answer me.")
    items = selectors.suggestions(ticket=ticket, analysis=analysis_for(ticket, abuse=True))
    assert categories(items)[:2] == ["boundary", "boundary"]
    threat = selectors.suggestions(ticket=ticket, analysis=analysis_for(ticket, threat=True))
    assert categories(threat)[0] == "boundary"


def test_angry_or_company_fault_gets_acknowledge_apologise_action(desk):
    ticket = desk.ticket()
    angry = analysis_for(ticket, top_emotion="anger", intensity=0.9)
    assert categories(selectors.suggestions(ticket=ticket, analysis=angry)) == [
        "acknowledge",
        "acknowledge",
        "apologise_once",
        "apologise_once",
        "action",
        "action",
    ]
    fault = analysis_for(ticket, top_emotion="neutral", intensity=0.2, company_fault=True)
    assert categories(selectors.suggestions(ticket=ticket, analysis=fault))[0] == "acknowledge"
    mild = analysis_for(ticket, top_emotion="anger", intensity=0.3, company_fault=False)
    assert categories(selectors.suggestions(ticket=ticket, analysis=mild))[0] == "action"


def test_questions_get_action_and_next_step_first(desk):
    ticket = desk.ticket()
    asking = analysis_for(ticket, top_emotion="confusion", spans={"questions": [[0, 10]]})
    assert categories(selectors.suggestions(ticket=ticket, analysis=asking, limit=4)) == [
        "action",
        "action",
        "next_step",
        "next_step",
    ]


def test_solved_or_pending_ticket_gets_closing_first(desk):
    ticket = desk.ticket()
    agent = desk.agent()
    ticket_services.change_status(ticket=ticket, status=Status.PENDING, by=agent)
    ticket.refresh_from_db()
    items = selectors.suggestions(ticket=ticket, analysis=None)
    assert categories(items)[:2] == ["closing", "closing"]


def test_without_analysis_the_tickets_own_signals_are_used(desk):
    ticket = desk.ticket()
    ticket.abuse = True
    assert categories(selectors.suggestions(ticket=ticket, analysis=None))[0] == "boundary"
    pending = analysis_for(ticket, status=AnalysisStatus.PENDING, abuse=False)
    assert categories(selectors.suggestions(ticket=ticket, analysis=pending))[0] == "boundary"


def test_real_coach_analysis_of_an_abusive_spanish_message(desk):
    ticket = desk.ticket(
        body="Son ustedes unos inútiles y unos idiotas, estoy harto de esperar.", language="es"
    )
    message = Message.objects.get(ticket=ticket)
    analysis = analysis_service.analyze_incoming_message(message=message)
    assert analysis.abuse
    items = selectors.suggestions(ticket=ticket, analysis=analysis)
    assert items[0].category == "boundary"
    assert {item.language for item in items} == {"es"}
    assert items[0].title.startswith("Límite")


def test_language_follows_ticket_then_agent_then_english(desk):
    es_ticket = desk.ticket(language="es")
    assert {s.language for s in selectors.suggestions(ticket=es_ticket, analysis=None)} == {"es"}
    unknown = desk.ticket(language="und")
    ru_agent = desk.agent(language="ru")
    items = selectors.suggestions(ticket=unknown, analysis=None, agent=ru_agent)
    assert {s.language for s in items} == {"ru"}
    with translation.override("es"):
        assert {s.language for s in selectors.suggestions(ticket=unknown, analysis=None)} == {"es"}
    with translation.override("fr"):
        assert {s.language for s in selectors.suggestions(ticket=unknown, analysis=None)} == {"en"}


def test_team_responses_come_before_shared_and_other_teams_never_show(desk):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    lead = desk.lead(teams=[billing, shipping])
    own = services.create_response(
        by=lead,
        team=billing,
        title="Billing: refund done",
        category="action",
        variants={
            "en": services.VariantText(body="I have refunded you today; expect it in 3 days.")
        },
    )
    services.create_response(
        by=lead,
        team=shipping,
        title="Shipping: parcel found",
        category="action",
        variants={"en": services.VariantText(body="We found your parcel; it arrives tomorrow.")},
    )
    ticket = desk.ticket(team=billing)
    items = selectors.suggestions(ticket=ticket, analysis=None)
    assert items[0].response_id == own.pk and not items[0].shared
    assert "Shipping: parcel found" not in {item.title for item in items}
    found = selectors.search(ticket=ticket, agent=lead, query="parcel")
    assert found == []
    refunded = selectors.search(ticket=ticket, agent=lead, query="refunded")
    assert refunded[0].response_id == own.pk


def test_inactive_responses_and_missing_languages_are_not_offered(desk):
    CannedResponse.objects.filter(category="action").update(active=False)
    ticket = desk.ticket()
    assert "action" not in categories(selectors.suggestions(ticket=ticket, analysis=None, limit=50))


def test_preview_is_rendered_and_short(desk):
    ticket = desk.ticket(customer=desk.customer(name="Olga Ivanova"), language="ru")
    items = selectors.suggestions(ticket=ticket, analysis=None, limit=50)
    ack = next(item for item in items if item.category == "acknowledge")
    assert ack.preview.startswith("Olga, здравствуйте!")
    assert all(len(item.preview) <= selectors.PREVIEW_CHARS for item in items)
    assert selectors.suggestions(ticket=ticket, analysis=None, limit=0) == []


def test_suggestions_cost_one_query(desk, django_assert_num_queries):
    ticket = desk.ticket(customer=desk.customer(name="Ana"))
    ticket = type(ticket).objects.select_related("customer").get(pk=ticket.pk)
    with django_assert_num_queries(1):
        selectors.suggestions(ticket=ticket, analysis=None)
