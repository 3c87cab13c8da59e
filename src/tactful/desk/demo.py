"""Seed the demo desk: teams, agents, and 69 multilingual tickets analysed by the coach."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from tactful.accounts import services as account_services
from tactful.accounts.models import Agent, Team
from tactful.api.services import issue_token
from tactful.customers import services as customer_services
from tactful.desk.demo_data import AGENTS, CUSTOMERS, PASSWORDS, SCENARIOS
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Message, Status, Ticket, TicketEvent

LANGUAGES = ("en", "es", "ru")


def _handle(channel: str, email_local: str, index: int) -> str:
    if channel == "email":
        return f"{email_local}@example.com"
    if channel == "social":
        return f"@{email_local.replace('.', '_')}"
    if channel == "forum":
        return f"forum:{email_local}"
    if channel == "phone":
        return f"+44 20 7946 {index:04d}"
    if channel == "chat":
        return f"visitor-{index:05d}"
    return f"{channel}:{email_local}"


def is_seeded() -> bool:
    return Agent.objects.filter(username="admin").exists()


def seed_demo(*, out: TextIO | None = None) -> dict[str, str]:
    """Create the demo data once; returns the logins (username → password)."""
    if is_seeded():
        return dict(PASSWORDS)
    rng = random.Random(2024)
    with transaction.atomic():
        teams = {
            name: account_services.create_team(name=name, description=f"{name} questions")
            for name in ("Billing", "Technical", "Shipping")
        }
        agents: dict[str, Agent] = {}
        for username, first, last, role, language, team_names in AGENTS:
            agents[username] = account_services.create_agent(
                username=username,
                password=PASSWORDS[username],
                role=role,
                teams=[teams[name] for name in team_names],
                language=language,
                first_name=first,
                last_name=last,
                email=f"{username}@tactful.example",
            )
    index = 0
    now = timezone.now()
    for scenario in SCENARIOS:
        for language in LANGUAGES:
            index += 1
            name, local = CUSTOMERS[language][index % len(CUSTOMERS[language])]
            _seed_ticket(
                scenario=scenario,
                language=language,
                index=index,
                customer_name=name,
                email_local=local,
                team=teams[scenario["team"]],
                agents=agents,
                started=now - timedelta(hours=rng.uniform(1, 24 * 9)),
            )
            if out is not None and index % 10 == 0:
                out.write(f"  … {index} tickets\n")
                out.flush()
    return dict(PASSWORDS)


def _seed_ticket(
    *,
    scenario: dict,  # type: ignore[type-arg]
    language: str,
    index: int,
    customer_name: str,
    email_local: str,
    team: Team,
    agents: dict[str, Agent],
    started: object,
) -> Ticket:
    channel = scenario["channel"]
    customer = customer_services.get_or_create_customer(
        channel=channel,
        handle=_handle(channel, email_local, index),
        name=customer_name,
        email=f"{email_local}@example.com",
        language=language,
    )
    logged_by = agents["agent"] if channel in {"phone", "video"} else None
    ticket = ticket_services.create_ticket(
        customer=customer,
        body=scenario["body"][language],
        channel=channel,
        subject=scenario["subject"][language],
        language=None if index % 4 == 0 else language,  # some arrive unlabelled: the coach tells
        priority=scenario.get("priority", 2),
        team=team,
        tags=scenario.get("tags", []),
        by=logged_by,
        external_id=f"demo-{index}",
    )
    ticket.refresh_from_db()
    responder = ticket.assignee or agents["lead"]
    if not responder.is_lead and ticket.team_id not in set(
        responder.teams.values_list("id", flat=True)
    ):
        responder = agents["lead"]
    if "reply" in scenario:
        ticket_services.record_reply(
            ticket=ticket, agent=responder, body=scenario["reply"][language]
        )
    if "followup" in scenario:
        ticket_services.record_incoming_message(ticket=ticket, body=scenario["followup"][language])
        ticket.refresh_from_db()
    status = scenario.get("status", "open")
    if status != ticket.status and status != Status.NEW:
        ticket_services.change_status(ticket=ticket, status=status, by=responder)
    if scenario["key"] == "worried_data":
        ticket_services.add_internal_note(
            ticket=ticket,
            agent=agents["lead"],
            body="Check the login history before replying; force a password reset if needed.",
        )
    _backdate(ticket, started)
    return ticket


def _backdate(ticket: Ticket, started: object) -> None:
    """Spread the ticket's messages and events over time so the demo looks lived-in."""
    step = timedelta(minutes=17)
    for offset, message in enumerate(Message.objects.filter(ticket=ticket).order_by("id")):
        Message.objects.filter(pk=message.pk).update(created_at=started + step * offset * 3)  # type: ignore[operator]
    last = started
    for offset, event in enumerate(TicketEvent.objects.filter(ticket=ticket).order_by("id")):
        last = started + step * offset  # type: ignore[operator]
        TicketEvent.objects.filter(pk=event.pk).update(created_at=last)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=started, updated_at=last)


def demo_token(agent_username: str = "admin") -> str:
    """A fresh API token for the demo's admin (printed once at start)."""
    agent = Agent.objects.get(username=agent_username)
    return issue_token(agent=agent, name="demo")[1]
