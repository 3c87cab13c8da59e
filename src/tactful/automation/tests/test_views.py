"""Rules and notifications pages: who may do what, hostile form input, and query budgets."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tactful.automation import services
from tactful.automation.models import Notification, Rule
from tactful.desk.testing import assert_same_query_count, bulk_tickets

pytestmark = pytest.mark.django_db

#: Query budgets for the pages this app adds (raise only on purpose).
BUDGETS = {"rules": 8, "notifications": 7, "notification_count": 4, "team_loads": 5}


def client_for(agent):
    client = Client()
    client.force_login(agent)
    return client


def form_data(**overrides):
    data = {
        "name": "Spanish refunds",
        "active": "on",
        "trigger": "analysed",
        "team": "",
        "languages": ["es"],
        "tags_any": "refund, Billing",
        "emotions": ["anger", "frustration"],
        "emotion_min_intensity": "0.6",
        "company_fault": "yes",
        "set_priority": "3",
        "raise_only": "on",
        "assign": "lead",
        "add_tags": "escalation",
        "notify_leads": "on",
        "notify_text": "Angry Spanish refund",
    }
    data.update(overrides)
    return data


# --- permissions ------------------------------------------------------------------------------


def test_agents_cannot_see_or_change_rules(crew):
    client = client_for(crew["agent"])
    rule = Rule.objects.get(name="Protect agents")
    assert client.get(reverse("automation:rules")).status_code == 403
    assert client.get(reverse("automation:rule_new")).status_code == 403
    assert client.post(reverse("automation:rule_new"), form_data()).status_code == 403
    assert client.post(reverse("automation:rule_toggle", args=[rule.pk])).status_code == 403
    assert client.post(reverse("automation:rule_delete", args=[rule.pk])).status_code == 403
    assert (
        client.post(
            reverse("automation:rule_move", args=[rule.pk]), {"direction": "up"}
        ).status_code
        == 403
    )
    rule.refresh_from_db()
    assert rule.active and not Rule.objects.filter(name="Spanish refunds").exists()
    anonymous = Client().get(reverse("automation:rules"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_a_lead_creates_a_rule_with_fields_not_json(crew):
    client = client_for(crew["lead"])
    page = client.get(reverse("automation:rule_new")).content.decode()
    assert 'name="emotions"' in page and '<textarea name="conditions"' not in page
    response = client.post(reverse("automation:rule_new"), form_data())
    assert response.status_code == 302
    rule = Rule.objects.get(name="Spanish refunds")
    assert rule.created_by == crew["lead"]
    assert rule.conditions == {
        "language_in": ["es"],
        "tags_any": ["refund", "billing"],
        "emotion_in": ["anger", "frustration"],
        "emotion_min_intensity": 0.6,
        "company_fault": True,
    }
    assert rule.actions == [
        {"type": "set_priority", "priority": 3, "raise_only": True},
        {"type": "assign", "to": "lead"},
        {"type": "add_tag", "tag": "escalation"},
        {"type": "notify_leads", "text": "Angry Spanish refund"},
    ]
    # The edit form shows the stored rule as fields again.
    edit = client.get(reverse("automation:rule_edit", args=[rule.pk])).content.decode()
    assert 'value="refund, billing"' in edit and 'value="0.6"' in edit
    assert re.search(r'name="languages" value="es"[^>]*checked', edit)
    assert not re.search(r'name="languages" value="ru"[^>]*checked', edit)
    # Saving it unchanged keeps it identical.
    assert (
        client.post(reverse("automation:rule_edit", args=[rule.pk]), form_data()).status_code == 302
    )
    rule.refresh_from_db()
    assert rule.conditions["tags_any"] == ["refund", "billing"]


def test_enable_disable_reorder_delete(crew):
    client = client_for(crew["lead"])
    protect = Rule.objects.get(name="Protect agents")
    angry = Rule.objects.get(name="Angry and our fault")
    client.post(reverse("automation:rule_toggle", args=[protect.pk]))
    protect.refresh_from_db()
    assert not protect.active
    page = client.get(reverse("automation:rules")).content.decode()
    assert "No active rule sends abusive or threatening customers to a lead" in page
    client.post(reverse("automation:rule_toggle", args=[protect.pk]))
    protect.refresh_from_db()
    assert protect.active
    client.post(reverse("automation:rule_move", args=[angry.pk]), {"direction": "up"})
    assert list(Rule.objects.order_by("order", "id").values_list("name", flat=True))[:2] == [
        "Angry and our fault",
        "Protect agents",
    ]
    assert (
        client.post(
            reverse("automation:rule_move", args=[angry.pk]), {"direction": "sideways"}
        ).status_code
        == 400
    )
    client.post(reverse("automation:rule_delete", args=[angry.pk]))
    assert not Rule.objects.filter(pk=angry.pk).exists()


def test_leads_stay_inside_their_teams(crew, desk):
    sales_lead = desk.lead("sam", teams=[crew["other"]])
    support_rule = services.save_rule(
        by=crew["lead"],
        name="Support only",
        trigger="ticket_created",
        conditions={},
        actions=[{"type": "add_tag", "tag": "support"}],
        team=crew["team"],
    )
    client = client_for(sales_lead)
    assert client.get(reverse("automation:rule_edit", args=[support_rule.pk])).status_code == 403
    assert client.post(reverse("automation:rule_toggle", args=[support_rule.pk])).status_code == 403
    # Scoping a new rule to someone else's team is not one of the choices.
    response = client.post(reverse("automation:rule_new"), form_data(team=str(crew["team"].pk)))
    assert response.status_code == 400
    assert not Rule.objects.filter(name="Spanish refunds").exists()
    # Admins may.
    assert (
        client_for(crew["admin"])
        .get(reverse("automation:rule_edit", args=[support_rule.pk]))
        .status_code
        == 200
    )


# --- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "x" * 10_000}, "at most 100 characters"),
        ({"name": ""}, "required"),
        ({"trigger": "whenever"}, "Select a valid choice"),
        ({"emotion_min_intensity": "lots"}, "Enter a number"),
        ({"emotion_min_intensity": "7"}, "less than or equal to 1"),
        ({"emotions": ["rage"]}, "Select a valid choice"),
        ({"languages": ["fr"]}, "Select a valid choice"),
        ({"tags_any": "ok, <b>bold</b>"}, "invalid tag"),
        ({"add_tags": "x" * 700}, "at most 600 characters"),
        ({"set_priority": "99"}, "Select a valid choice"),
        ({"assign": "agent"}, "Choose the agent"),
        ({"assign_agent": "abc", "assign": "agent"}, "Select a valid choice"),
        ({"auto_reply": "999999"}, "Select a valid choice"),
        ({"emotions": [], "emotion_min_intensity": "0.5"}, "Choose the emotions"),
        (
            {
                "set_priority": "",
                "assign": "",
                "add_tags": "",
                "notify_leads": "",
            },
            "at least one action",
        ),
        ({"add_tags": "a, b, c, d, e, f"}, "At most 5 tags"),
    ],
)
def test_bad_rule_forms_get_clear_errors_and_save_nothing(crew, overrides, message):
    before = Rule.objects.count()
    response = client_for(crew["lead"]).post(reverse("automation:rule_new"), form_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Rule.objects.count() == before


def test_unknown_fields_and_raw_json_are_ignored(crew):
    response = client_for(crew["lead"]).post(
        reverse("automation:rule_new"),
        form_data(conditions='{"weather": "rain"}', actions="[{}]", created_by=crew["admin"].pk),
    )
    assert response.status_code == 302
    rule = Rule.objects.get(name="Spanish refunds")
    assert "weather" not in rule.conditions and rule.created_by == crew["lead"]


def test_names_are_rendered_inert(crew):
    client = client_for(crew["lead"])
    evil = '<img src=x onerror="alert(1)">'
    assert client.post(reverse("automation:rule_new"), form_data(name=evil)).status_code == 302
    page = client.get(reverse("automation:rules")).content.decode()
    assert evil not in page and "&lt;img src=x" in page


def test_admin_checks_the_json_too(crew):
    client = client_for(crew["admin"])
    url = reverse("admin:automation_rule_add")
    assert client.get(url).status_code == 200
    for conditions, actions in (
        ("{not json", '[{"type": "add_tag", "tag": "a"}]'),
        ('{"weather": "rain"}', '[{"type": "add_tag", "tag": "a"}]'),
        ("{}", '[{"type": "assign", "to": "boss"}]'),
        ("{}", "[]"),
    ):
        response = client.post(
            url,
            {
                "name": "Admin rule",
                "order": 5,
                "trigger": "analysed",
                "conditions": conditions,
                "actions": actions,
                "active": "on",
            },
        )
        assert response.status_code == 200, conditions
        assert not Rule.objects.filter(name="Admin rule").exists()
    response = client.post(
        url,
        {
            "name": "Admin rule",
            "order": 5,
            "trigger": "analysed",
            "conditions": '{"abuse": true}',
            "actions": '[{"type": "add_tag", "tag": "Rude"}]',
            "active": "on",
        },
    )
    assert response.status_code == 302
    rule = Rule.objects.get(name="Admin rule")
    assert rule.actions == [{"type": "add_tag", "tag": "rude"}] and rule.created_by == crew["admin"]
    assert client.get(reverse("admin:automation_rule_changelist")).status_code == 200
    assert client.get(reverse("admin:automation_notification_changelist")).status_code == 200


# --- notifications ----------------------------------------------------------------------------


def notify(crew, desk, n=1, recipient=None):
    recipient = recipient or crew["lead"]
    rule = Rule.objects.get(name="Protect agents")
    tickets = [desk.ticket(team=crew["team"]) for _ in range(n)]
    # Round-robin told the new owners; these tests count the notifications they create.
    Notification.objects.filter(ticket__in=tickets).delete()
    return [
        Notification.objects.create(
            recipient=recipient, ticket=t, rule=rule, text=f"Look at #{t.pk}"
        )
        for t in tickets
    ]


def test_notifications_list_read_and_count(crew, desk):
    first, second = notify(crew, desk, 2)
    client = client_for(crew["lead"])
    page = client.get(reverse("automation:notifications")).content.decode()
    assert f"Look at #{first.ticket_id}" in page and "Mark all as read" in page
    count = client.get(reverse("automation:notification_count")).content.decode()
    assert ">2<" in count
    assert client.post(reverse("automation:notification_read", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_read and not second.is_read
    client.post(reverse("automation:notifications_read_all"))
    second.refresh_from_db()
    assert second.is_read
    assert client.get(reverse("automation:notification_count")).content.decode().strip() == ""


def test_notifications_are_private(crew, desk):
    [theirs] = notify(crew, desk, 1, recipient=crew["lead2"])
    client = client_for(crew["lead"])
    assert client.post(reverse("automation:notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read
    assert (
        f"Look at #{theirs.ticket_id}"
        not in client.get(reverse("automation:notifications")).content.decode()
    )
    assert client.get(reverse("automation:notifications") + "?page=<script>").status_code == 200
    assert client.get(reverse("automation:notifications") + "?page=99999999999").status_code == 200
    assert client.get(reverse("automation:notification_read", args=[theirs.pk])).status_code == 405


def test_nav_links(crew):
    lead_page = client_for(crew["lead"]).get(reverse("inbox:inbox")).content.decode()
    assert reverse("automation:rules") in lead_page
    assert reverse("automation:notification_count") in lead_page
    agent_page = client_for(crew["agent"]).get(reverse("inbox:inbox")).content.decode()
    assert reverse("automation:rules") not in agent_page
    assert reverse("automation:notifications") in agent_page  # hand-overs reach agents too


# --- query budgets ----------------------------------------------------------------------------


def test_rules_list_query_count(crew, desk):
    client = client_for(crew["lead"])
    response_ids = []
    from tactful.canned.models import CannedResponse

    response_ids = list(CannedResponse.objects.values_list("pk", flat=True)[:3])

    def grow():
        for i in range(2, 32):
            add(i)

    def add(i):
        services.save_rule(
            by=crew["admin"],
            name=f"Rule {i}",
            trigger="analysed",
            conditions={"team": crew["other"].pk, "channel_in": ["email"]},
            actions=[
                {"type": "assign", "to": "agent", "agent": crew["agent"].pk},
                {"type": "move_to_team", "team": crew["team"].pk},
                *(
                    [{"type": "auto_reply", "response": response_ids[i % 3]}]
                    if response_ids
                    else []
                ),
            ],
            team=crew["team"] if i % 2 else None,
        )

    add(1)  # the small page already names a team, an agent, a response and a team scope
    count = assert_same_query_count(lambda: client.get(reverse("automation:rules")), grow)
    assert count <= BUDGETS["rules"]


def test_notifications_query_count(crew, desk):
    client = client_for(crew["lead"])
    notify(crew, desk, 2)
    count = assert_same_query_count(
        lambda: client.get(reverse("automation:notifications")), lambda: notify(crew, desk, 60)
    )
    assert count <= BUDGETS["notifications"]
    count = assert_same_query_count(
        lambda: client.get(reverse("automation:notification_count")), lambda: notify(crew, desk, 5)
    )
    assert count <= BUDGETS["notification_count"]


def test_team_load_shows_emotional_load_in_bounded_queries(crew, desk):
    from tactful.tickets import services as ticket_services
    from tactful.tickets.models import Ticket

    hostile = desk.ticket(team=crew["team"])
    Ticket.objects.filter(pk=hostile.pk).update(abuse=True)
    ticket_services.record_reply(ticket=hostile, agent=crew["agent"], body="I hear you.")
    client = client_for(crew["lead"])
    page = client.get(reverse("inbox:team_load")).content.decode()
    assert "Emotional load (7 days)" in page and 'class="emotional-load">3' in page
    assert reverse("automation:team_loads") in page
    per_team = client.get(reverse("automation:team_loads")).content.decode()
    # Support: three members; Ana carries 3 (the hostile ticket, assigned to her by round-robin
    # and answered by her: counted once), the leads nothing.
    cells = re.sub(r' (?:class|data-label)="[^"]*"', "", per_team)
    assert re.search(r"<td>Support</td><td>3</td><td>3</td><td>3</td><td>1</td>", cells)
    assert "Sales" not in per_team  # not Lena's team
    assert client_for(crew["agent"]).get(reverse("automation:team_loads")).status_code == 403
    assert (
        "Sales" in client_for(crew["admin"]).get(reverse("automation:team_loads")).content.decode()
    )

    def grow():
        agents = [desk.agent(teams=[crew["team"]]) for _ in range(10)]
        bulk_tickets(200, teams=[crew["team"]], agents=agents, seed=3)
        for agent in agents[:5]:
            ticket = desk.ticket()
            Ticket.objects.filter(pk=ticket.pk).update(threat=True)
            ticket_services.record_reply(ticket=ticket, agent=agent, body="Noted.")

    count = assert_same_query_count(lambda: client.get(reverse("inbox:team_load")), grow)
    assert count <= 5  # the inbox's own budget for this page
    count = assert_same_query_count(lambda: client.get(reverse("automation:team_loads")), grow)
    assert count <= BUDGETS["team_loads"]
