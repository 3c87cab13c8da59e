"""Settings pages for leads and admins: who sees and changes what, hostile form input, the
ticket page's custom fields (and canned responses reading them), query budgets that do not
grow with the data."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tactful.accounts.models import AssignmentMode, Team
from tactful.api.models import ApiToken
from tactful.api.services import authenticate_token
from tactful.canned import rendering
from tactful.canned.services import variable_context
from tactful.desk.testing import assert_same_query_count
from tactful.teamsettings import services
from tactful.teamsettings.models import CustomField
from tactful.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def client_for(agent):
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def people(desk):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    return {
        "billing": billing,
        "shipping": shipping,
        "agent": desk.agent("ana", teams=[billing]),
        "lead": desk.lead("lena", teams=[billing]),
        "other": desk.agent("oleg", teams=[shipping]),
        "admin": desk.admin("adam"),
    }


PAGES = [
    "teamsettings:teams",
    "teamsettings:agents",
    "teamsettings:tokens",
    "teamsettings:fields",
    "teamsettings:webhooks",
]


@pytest.mark.parametrize("name", PAGES)
def test_agents_cannot_open_the_settings(people, name):
    client = client_for(people["agent"])
    assert client.get(reverse(name)).status_code == 403
    assert Client().get(reverse(name)).status_code == 302  # to the login page


def test_a_lead_sees_and_changes_only_their_teams(people):
    client = client_for(people["lead"])
    page = client.get(reverse("teamsettings:teams")).content.decode()
    assert "Billing" in page and "Shipping" not in page
    shipping = people["shipping"]
    url = reverse("teamsettings:team_update", args=[shipping.pk])
    data = {f"team{shipping.pk}-assignment_mode": "load_aware"}
    assert client.post(url, data).status_code == 404
    shipping.refresh_from_db()
    assert shipping.assignment_mode == AssignmentMode.ROUND_ROBIN


def test_a_lead_sets_the_assignment_mode(people):
    billing = people["billing"]
    response = client_for(people["lead"]).post(
        reverse("teamsettings:team_update", args=[billing.pk]),
        {f"team{billing.pk}-auto_assign": "on", f"team{billing.pk}-assignment_mode": "load_aware"},
    )
    assert response.status_code == 302
    billing.refresh_from_db()
    assert billing.auto_assign and billing.assignment_mode == AssignmentMode.LOAD_AWARE


@pytest.mark.parametrize("mode", ["", "random", "load_aware'; DROP TABLE x;--", "x" * 5000])
def test_hostile_assignment_modes_change_nothing(people, mode):
    billing = people["billing"]
    response = client_for(people["admin"]).post(
        reverse("teamsettings:team_update", args=[billing.pk]),
        {f"team{billing.pk}-assignment_mode": mode},
        follow=True,
    )
    assert response.status_code == 200
    billing.refresh_from_db()
    assert billing.assignment_mode == AssignmentMode.ROUND_ROBIN
    assert "Select a valid choice" in response.content.decode() or mode == ""


def test_agents_page_shows_who_is_away(people):
    from tactful.accounts import services as account_services

    account_services.set_availability(agent=people["agent"], available=False)
    page = client_for(people["lead"]).get(reverse("teamsettings:agents")).content.decode()
    assert "ana" in page and "away" in page
    assert "oleg" not in page  # another team's agent


# --- API tokens -----------------------------------------------------------------------------


def test_a_lead_issues_a_token_for_an_agent_picked_by_name(people):
    client = client_for(people["lead"])
    page = client.get(reverse("teamsettings:tokens")).content.decode()
    assert ">Ana (ana)</option>" in page
    assert "oleg" not in page and "adam" not in page
    response = client.post(
        reverse("teamsettings:tokens"), {"agent": people["agent"].pk, "name": "Zapier"}
    )
    assert response.status_code == 200
    raw = response.context["raw"]
    assert raw.startswith("tct_") and raw in response.content.decode()
    assert authenticate_token(raw) == people["agent"]
    # Shown once: the list afterwards has only the prefix.
    assert raw not in client.get(reverse("teamsettings:tokens")).content.decode()


def test_a_lead_cannot_mint_a_token_for_an_admin_or_another_team(people, desk):
    people["billing"].members.add(people["admin"])
    client = client_for(people["lead"])
    for agent in (people["admin"], people["other"]):
        response = client.post(reverse("teamsettings:tokens"), {"agent": agent.pk, "name": "x"})
        assert response.status_code == 400
    assert not ApiToken.objects.exists()
    with pytest.raises(Exception, match="cannot issue"):
        services.issue_token(agent=people["admin"], name="x", by=people["lead"])


@pytest.mark.parametrize(
    "data",
    [
        {"agent": "", "name": "x"},
        {"agent": "abc", "name": "x"},
        {"agent": "999999", "name": "x"},
        {"agent": "-1", "name": "x"},
        {"name": "no agent"},
        {"agent": "AGENT", "name": ""},
        {"agent": "AGENT", "name": "   "},
        {"agent": "AGENT", "name": "n" * 101},
        {"agent": "AGENT", "name": "bad\x00name"},
    ],
)
def test_hostile_token_forms_issue_nothing(people, data):
    data = {k: (str(people["agent"].pk) if v == "AGENT" else v) for k, v in data.items()}
    response = client_for(people["admin"]).post(reverse("teamsettings:tokens"), data)
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoking_a_token_ends_it_and_others_cannot(people, desk):
    raw = desk.token(people["agent"])
    token = ApiToken.objects.get()
    assert client_for(people["other"]).post(
        reverse("teamsettings:token_revoke", args=[token.pk])
    ).status_code in {403, 404}
    other_lead = desk.lead("olga", teams=[people["shipping"]])
    assert (
        client_for(other_lead)
        .post(reverse("teamsettings:token_revoke", args=[token.pk]))
        .status_code
        == 404
    )
    assert authenticate_token(raw) == people["agent"]
    response = client_for(people["lead"]).post(
        reverse("teamsettings:token_revoke", args=[token.pk])
    )
    assert response.status_code == 302
    assert authenticate_token(raw) is None


# --- custom fields --------------------------------------------------------------------------


def test_a_lead_defines_a_field_for_their_team_only(people):
    client = client_for(people["lead"])
    response = client.post(
        reverse("teamsettings:fields"),
        {"label": "Order number", "name": "order", "team": people["billing"].pk},
    )
    assert response.status_code == 302
    field = CustomField.objects.get()
    assert (field.name, field.team) == ("order", people["billing"])
    # Every team's fields, and another team's, are not the lead's to add.
    for team in ("", people["shipping"].pk):
        response = client.post(
            reverse("teamsettings:fields"), {"label": "Plan", "name": "plan", "team": team}
        )
        assert response.status_code in {400, 403}
    assert CustomField.objects.count() == 1


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Order",
        "1order",
        "order-number",
        "order number",
        "ticket.custom",
        "o" * 41,
        "ö",
        "a\x00",
    ],
)
def test_hostile_field_names_are_refused(people, name):
    response = client_for(people["admin"]).post(
        reverse("teamsettings:fields"), {"label": "Order", "name": name}
    )
    assert response.status_code == 400
    assert not CustomField.objects.exists()


def test_a_field_name_is_taken_once(people):
    client = client_for(people["admin"])
    assert (
        client.post(reverse("teamsettings:fields"), {"label": "A", "name": "order"}).status_code
        == 302
    )
    response = client.post(reverse("teamsettings:fields"), {"label": "B", "name": "order"})
    assert response.status_code == 400
    assert CustomField.objects.count() == 1


def test_agents_set_fields_on_the_ticket_and_canned_responses_use_them(people, desk):
    services.create_field(
        name="order", label="Order number", team=people["billing"], by=people["admin"]
    )
    services.create_field(name="plan", label="Plan", team=None, by=people["admin"])
    services.create_field(name="depot", label="Depot", team=people["shipping"], by=people["admin"])
    ticket = desk.ticket(team=people["billing"])
    client = client_for(people["agent"])
    url = reverse("teamsettings:ticket_fields", args=[ticket.pk])
    card = client.get(url).content.decode()
    assert "Order number" in card and "Plan" in card and "Depot" not in card
    # The ticket page loads the card.
    assert url in client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    response = client.post(url, {"field-order": "  A-1042 ", "field-plan": "Pro"})
    assert response.status_code == 302
    ticket = Ticket.objects.select_related("customer").get(pk=ticket.pk)
    assert ticket.custom_fields == {"order": "A-1042", "plan": "Pro"}
    event = TicketEvent.objects.get(ticket=ticket, kind="custom_fields")
    assert event.actor == people["agent"] and event.data == {
        "changes": {"order": "A-1042", "plan": "Pro"}
    }
    rendered = rendering.render(
        "Your order {{ ticket.custom.order }} on {{ ticket.custom.plan }}",
        variable_context(ticket=ticket),
    )
    assert rendered.text == "Your order A-1042 on Pro"
    # Clearing a field removes it; saving the same values records nothing new.
    client.post(url, {"field-order": "", "field-plan": "Pro"})
    ticket.refresh_from_db()
    assert ticket.custom_fields == {"plan": "Pro"}
    assert TicketEvent.objects.filter(ticket=ticket, kind="custom_fields").count() == 2


def test_hostile_field_values_change_nothing(people, desk):
    services.create_field(name="order", label="Order", team=None, by=people["admin"])
    ticket = desk.ticket(team=people["billing"])
    client = client_for(people["agent"])
    url = reverse("teamsettings:ticket_fields", args=[ticket.pk])
    for data in ({"field-order": "x" * 201}, {"field-order": "a\x00b"}):
        assert client.post(url, data).status_code == 400
    with pytest.raises(Exception, match="No such field"):
        services.set_field_values(ticket=ticket, values={"demo": "x"}, by=people["agent"])
    # A field that is not offered is not in the form; posting it changes nothing.
    client.post(url, {"field-demo": "history"})
    ticket.refresh_from_db()
    assert ticket.custom_fields == {}
    # Someone who cannot see the ticket gets a 404 either way.
    assert client_for(people["other"]).get(url).status_code == 404
    assert client_for(people["other"]).post(url, {"field-order": "1"}).status_code == 404
    assert client.get(reverse("teamsettings:ticket_fields", args=[999999])).status_code == 404


# --- query budgets --------------------------------------------------------------------------


def test_list_pages_keep_their_query_count_as_the_desk_grows(people, desk):
    client = client_for(people["admin"])

    def grow():
        for n in range(12):
            team = Team.objects.create(name=f"Grown {n}", slug=f"grown-{n}")
            agent = desk.agent(f"grown{n}", teams=[team, people["billing"]])
            desk.token(agent)
            services.create_field(name=f"f{n}", label=f"F {n}", team=team, by=people["admin"])

    counts = {}
    for name in PAGES:
        counts[name] = assert_same_query_count(lambda name=name: client.get(reverse(name)), grow)
        grow = lambda: None  # noqa: E731 — grown once, then every page is compared on it
    assert max(counts.values()) <= 8, counts


def test_the_ticket_card_keeps_its_query_count(people, desk):
    ticket = desk.ticket(team=people["billing"])
    client = client_for(people["agent"])
    url = reverse("teamsettings:ticket_fields", args=[ticket.pk])
    services.create_field(name="order", label="Order", team=None, by=people["admin"])

    def grow():
        for n in range(15):
            services.create_field(
                name=f"f{n}", label=f"F {n}", team=people["billing"], by=people["admin"]
            )

    assert assert_same_query_count(lambda: client.get(url), grow) <= 6


# --- event webhooks -------------------------------------------------------------------------


@pytest.fixture
def fresh_subscriptions():
    from tactful.webhooks import services as webhook_services

    webhook_services.forget_subscriptions()
    yield
    # The database holds no webhook again once the test is rolled back.
    cache.set(webhook_services.CACHE_KEY, [], timeout=None)


def test_a_lead_adds_a_webhook_for_their_team_and_sees_the_secret_once(people, fresh_subscriptions):
    from tactful.webhooks.models import EventWebhook

    client = client_for(people["lead"])
    data = {
        "name": "CRM",
        "url": "https://crm.example.com/tactful",
        "team": people["billing"].pk,
        "events": ["ticket.created", "ticket.solved"],
    }
    response = client.post(reverse("teamsettings:webhooks"), data)
    assert response.status_code == 200
    webhook = EventWebhook.objects.get()
    assert webhook.secret and webhook.secret in response.content.decode()
    assert webhook.events == ["ticket.created", "ticket.solved"]
    page = client.get(reverse("teamsettings:webhooks")).content.decode()
    assert webhook.secret not in page and "Ticket solved" in page
    # The whole desk's webhooks are the admins'.
    response = client.post(reverse("teamsettings:webhooks"), {**data, "team": ""})
    assert response.status_code in {400, 403}
    assert EventWebhook.objects.count() == 1
    client.post(reverse("teamsettings:webhook_active", args=[webhook.pk]), {"active": "no"})
    webhook.refresh_from_db()
    assert not webhook.active
    other_lead = client_for(people["other"])
    assert other_lead.post(
        reverse("teamsettings:webhook_active", args=[webhook.pk]), {"active": "yes"}
    ).status_code in {403, 404}


@pytest.mark.parametrize(
    "data",
    [
        {"url": "ftp://example.com/x"},
        {"url": "javascript:alert(1)"},
        {"url": "http://" + "x" * 600 + ".com/"},
        {"events": []},
        {"events": ["ticket.deleted"]},
        {"name": ""},
        {"team": "abc"},
        {"team": "999999"},
    ],
)
def test_hostile_webhook_forms_add_nothing(people, data, fresh_subscriptions):
    from tactful.webhooks.models import EventWebhook

    form = {"name": "CRM", "url": "https://crm.example.com/", "events": ["ticket.created"]}
    form.update(data)
    response = client_for(people["admin"]).post(reverse("teamsettings:webhooks"), form)
    assert response.status_code == 400
    assert not EventWebhook.objects.exists()


def test_the_webhooks_page_keeps_its_query_count(people, fresh_subscriptions):
    from tactful.webhooks import services as webhook_services

    client = client_for(people["admin"])

    def grow():
        for n in range(10):
            webhook_services.create_webhook(
                name=f"Hook {n}",
                url=f"https://example.com/{n}",
                events=["ticket.created", "message.added"],
                team=people["billing"] if n % 2 else None,
            )

    assert assert_same_query_count(lambda: client.get(reverse("teamsettings:webhooks")), grow) <= 8


def test_a_lead_picks_tu_or_usted_for_the_team_chat_widget(people, client):
    billing = people["billing"]
    url = reverse("teamsettings:team_update", args=[billing.pk])
    prefix = f"team{billing.pk}"
    lead = client_for(people["lead"])
    assert 'value="usted" selected' in lead.get(reverse("teamsettings:teams")).content.decode()
    lead.post(url, {f"{prefix}-assignment_mode": "round_robin", f"{prefix}-spanish_address": "tu"})
    widget = client.get("/chat/widget.js", {"team": billing.slug}).content.decode()
    assert "Escribe tu mensaje…" in widget
    assert 'value="tu" selected' in lead.get(reverse("teamsettings:teams")).content.decode()
    # A register that is not offered changes nothing.
    response = lead.post(
        url, {f"{prefix}-assignment_mode": "round_robin", f"{prefix}-spanish_address": "vos"}
    )
    assert response.status_code == 302
    widget = client.get("/chat/widget.js", {"team": billing.slug}).content.decode()
    assert "Escribe tu mensaje…" in widget
