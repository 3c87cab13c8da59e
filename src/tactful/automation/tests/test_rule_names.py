"""The shipped rules' names (stored in English) read in each reader's language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tactful.automation.events import RuleFired
from tactful.automation.models import Rule
from tactful.tickets.events import Names

pytestmark = pytest.mark.django_db


def test_the_rules_page_names_the_shipped_rules_in_the_reader_language(desk):
    lead = desk.agent("lena", role="lead", language="es")
    client = Client()
    client.force_login(lead)
    page = client.get(reverse("automation:rules")).content.decode()
    assert "Proteger a los agentes" in page and "Sin salida" in page
    assert "<strong>Protect agents</strong>" not in page
    lead.language = "ru"
    lead.save(update_fields=["language"])
    page = client.get(reverse("automation:rules")).content.decode()
    assert "Защита агентов" in page and "Гнев по нашей вине" in page


def test_a_team_rule_keeps_the_words_its_lead_wrote(desk, make_rule):
    team = desk.team("Support")
    tag = [{"type": "add_tag", "tag": "x"}]
    own = make_rule(name="Dead end", team=team, actions=tag)
    shared = Rule.objects.get(name="Dead end", team__isnull=True)
    with translation.override("es"):
        assert shared.display_name == "Sin salida"
        assert own.display_name == "Dead end"
        assert make_rule(name="VIP first", actions=tag).display_name == "VIP first"


def test_the_timeline_names_the_rule_in_the_reader_language():
    data = {"rule": "Protect agents", "actions": ["notify leads"]}
    with translation.override("ru"):
        assert "Защита агентов" in RuleFired.describe(data, Names())
    with translation.override("en"):
        assert RuleFired.describe(data, Names()).startswith("Rule “Protect agents”")
