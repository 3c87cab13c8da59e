"""Agents, roles and teams."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tactful.accounts import services
from tactful.accounts.models import Role

pytestmark = pytest.mark.django_db


def test_admin_role_gives_the_django_admin_and_nothing_else_does(desk):
    agent = desk.agent("ana")
    admin = desk.admin("root")
    assert not agent.is_staff and not agent.has_perm("tickets.change_ticket")
    assert (
        admin.is_staff
        and admin.has_perm("tickets.change_ticket")
        and admin.has_module_perms("tickets")
    )
    services.set_role(agent=agent, role=Role.LEAD, by=admin)
    agent.refresh_from_db()
    assert agent.is_lead and not agent.is_admin and not agent.is_staff
    services.set_role(agent=agent, role=Role.ADMIN, by=admin)
    agent.refresh_from_db()
    assert agent.is_staff


def test_only_admins_change_roles(desk):
    lead = desk.lead()
    agent = desk.agent()
    with pytest.raises(PermissionDenied):
        services.set_role(agent=agent, role=Role.ADMIN, by=lead)
    with pytest.raises(ValidationError):
        services.set_role(agent=agent, role="god", by=desk.admin())


def test_create_agent_validates(desk):
    with pytest.raises(ValidationError):
        services.create_agent(username="x", password="p", role="boss")
    with pytest.raises(ValidationError):
        services.create_agent(username="y", password="p", language="de")
    with pytest.raises(ValidationError):
        services.create_agent(username="bad name!", password="p")
    agent = services.create_agent(username="z", password=None)
    assert not agent.has_usable_password()


def test_language_and_availability(desk):
    agent = desk.agent()
    services.set_language(agent=agent, language="ru")
    services.set_availability(agent=agent, available=False)
    agent.refresh_from_db()
    assert agent.language == "ru" and agent.available is False
    with pytest.raises(ValidationError):
        services.set_language(agent=agent, language="xx")


def test_team_names(desk):
    with pytest.raises(ValidationError):
        services.create_team(name="  ")
    assert str(services.create_team(name="Billing")) == "Billing"
