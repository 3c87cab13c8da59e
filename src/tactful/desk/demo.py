"""Seed the demo desk: three teams, five agents and 69 multilingual tickets on every channel.

Every ticket comes in through its channel's own door, so the demo shows what real traffic does:
e-mail through ``tactful.mail.services.ingest_email`` from raw messages (quoted history and
signatures stripped, the original kept), chat through live chat sessions, the contact form
through its service, and social, forum, phone and video notes through the API's channel service.
The coach reads every customer message, the default automation rules fire on what it finds,
replies carry the coach's send-time review, some are built from canned responses, and one
conversation is handed over to the lead. Replies leave through the real transports: e-mail into
``DATA_DIR/outbox`` (no SMTP server configured), chat through the channel layer; social and
forum replies stay on the desk, because the demo configures no outgoing webhook.

Seeding is idempotent: a finished demo returns at once, and an interrupted one resumes, since
each ticket is found again by the id its channel gave its first message.
"""

from __future__ import annotations

import html as html_lib
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from tactful.accounts import services as account_services
from tactful.accounts.models import Agent, Team
from tactful.api.channels_api import ChannelCustomerIn, ChannelMessageIn, record_channel_message
from tactful.api.models import ApiToken
from tactful.api.services import issue_token, revoke_token
from tactful.automation import handover
from tactful.automation import services as automation_services
from tactful.automation.models import Notification
from tactful.canned import services as canned_services
from tactful.canned.models import CannedResponse
from tactful.coaching import draft_review
from tactful.customers import services as customer_services
from tactful.customers.models import Channel
from tactful.desk import demo_knowledge, demo_satisfaction
from tactful.desk.demo_data import (
    AGENTS,
    ANSWERS,
    CUSTOMERS,
    MOBILE_FOOTERS,
    PASSWORDS,
    QUOTED_SENDERS,
    SCENARIOS,
    TEAMS,
)
from tactful.desk.testing import bulk_history, bulk_tickets
from tactful.livechat import services as livechat_services
from tactful.livechat.models import ChatSession
from tactful.mail import matching
from tactful.mail import services as mail_services
from tactful.mail.transport import reply_subject
from tactful.quality.demo import seed_quality_demo
from tactful.reports import rollup
from tactful.sla import services as sla_services
from tactful.sla.models import BusinessHours, Policy
from tactful.tickets import assignment
from tactful.tickets import services as ticket_services
from tactful.tickets.models import (
    EventKind,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from tactful.webform import services as webform_services

LANGUAGES = ("en", "es", "ru")
Scenario = dict[str, Any]

#: Where the demo's chat widget is "embedded" (recorded on each chat session).
SHOP_ORIGIN = "https://shop.tactful.example"
#: Agents who log phone and video calls, by the caller's language (all in the Technical team).
CALL_LOGGERS = {"en": "lead", "es": "ana", "ru": "boris"}
#: The namespace of the demo's chat message ids (the widget sends UUIDs).
_CHAT_IDS = uuid.UUID("6f1c2a43-5b7e-4d3a-9a51-0c7d2f6e8b19")
_API_CHANNELS = frozenset({"social", "forum", "phone", "video", "api"})


@dataclass(frozen=True)
class Visit:
    """One demo ticket to create: a scenario in one language, from one customer, at one time."""

    scenario: Scenario
    language: str
    index: int
    customer_name: str
    email_local: str
    team: Team
    started: datetime

    @property
    def channel(self) -> str:
        return str(self.scenario["channel"])

    @property
    def address(self) -> str:
        return f"{self.email_local}@example.com"

    @property
    def labelled_language(self) -> str | None:
        """The customer's language as the desk knows it; some arrive unlabelled: the coach tells."""
        return None if self.index % 4 == 0 else self.language

    def text(self, part: str) -> str:
        return str(self.scenario[part][self.language])


@dataclass(frozen=True)
class DemoDesk:
    """What the seed works with: teams and agents by name, the starter library by key."""

    teams: dict[str, Team]
    agents: dict[str, Agent]
    canned: dict[str, CannedResponse]


# --- ids the channels give the demo's messages (deterministic, so seeding can resume) ---------


def _email_message_id(index: int, turn: int) -> str:
    return f"demo-{index}-{turn}@mail.example.com"


def _chat_client_id(index: int, turn: int) -> str:
    return str(uuid.uuid5(_CHAT_IDS, f"{index}:{turn}"))


def _form_nonce(index: int) -> str:
    return f"demo-{index}"


def _api_external_id(index: int, turn: int) -> str:
    return f"demo-{index}" if turn == 1 else f"demo-{index}-{turn}"


def _thread_id(visit: Visit) -> str:
    return f"{visit.channel}-thread-{visit.index}"


def _handle(channel: str, email_local: str, index: int) -> str:
    if channel == "social":
        return f"@{email_local.replace('.', '_')}"
    if channel == "forum":
        return f"forum:{email_local}"
    if channel in {"phone", "video"}:
        return f"+44 20 7946 {index:04d}"
    return f"{channel}:{email_local}"


def seeded_ticket_id(*, channel: str, index: int) -> int | None:
    """The ticket the demo's ``index``-th conversation opened, if it was seeded already."""
    first = Message.objects.filter(channel=channel, kind=MessageKind.INCOMING)
    if channel == Channel.EMAIL:
        first = first.filter(external_id=matching.external_id_for(_email_message_id(index, 1)))
    elif channel == Channel.WEB:
        first = first.filter(external_id=f"webform:{_form_nonce(index)}")
    elif channel == Channel.CHAT:
        # The session id is part of a chat message's external id; the widget's id ends it.
        first = first.filter(external_id__endswith=f":{_chat_client_id(index, 1)}")
    else:
        first = first.filter(external_id=_api_external_id(index, 1))
    return first.values_list("ticket_id", flat=True).first()


def _ticket_indices() -> list[tuple[Scenario, str, int]]:
    """Every demo conversation: (scenario, language, index), in seeding order."""
    rows = []
    index = 0
    for scenario in SCENARIOS:
        for language in LANGUAGES:
            index += 1
            rows.append((scenario, language, index))
    return rows


def demo_ticket_id(key: str, language: str) -> int | None:
    """The ticket of scenario ``key`` in ``language`` (see ``demo_data``), once seeded."""
    for scenario, lang, index in _ticket_indices():
        if scenario["key"] == key and lang == language:
            return seeded_ticket_id(channel=scenario["channel"], index=index)
    return None


def is_seeded() -> bool:
    """Whether the demo desk is complete (its last conversation exists)."""
    scenario, _language, index = _ticket_indices()[-1]
    return (
        Agent.objects.filter(username="admin").exists()
        and seeded_ticket_id(channel=scenario["channel"], index=index) is not None
    )


# --- seeding ----------------------------------------------------------------------------------


def seed_demo(*, out: TextIO | None = None) -> dict[str, str]:
    """Create the demo data once (or finish an interrupted seed); returns the logins."""
    if is_seeded():
        # Last month's surveys, reports and feed (skipped when already there).
        demo_satisfaction.seed(out=out)
        seed_quality_demo(out=out)  # a desk seeded before quality reviews existed gets them
        demo_knowledge.seed_knowledge()  # a desk seeded before the help center existed
        return dict(PASSWORDS)
    desk = _seed_people()
    demo_knowledge.seed_knowledge()
    _seed_service_levels()
    rng = random.Random(2024)
    now = timezone.now()
    for scenario, language, index in _ticket_indices():
        # Drawn for every ticket, seeded or not, so a resumed seed gives the same times.
        started = now - timedelta(hours=rng.uniform(12, 24 * 9))
        if seeded_ticket_id(channel=scenario["channel"], index=index) is not None:
            continue
        # Each language's customers in turn (some write more than once, on other channels).
        customers = CUSTOMERS[language]
        name, local = customers[((index - 1) // len(LANGUAGES)) % len(customers)]
        visit = Visit(
            scenario=scenario,
            language=language,
            index=index,
            customer_name=name,
            email_local=local,
            team=desk.teams[scenario["team"]],
            started=started,
        )
        _seed_conversation(desk, visit)
        if out is not None and index % 10 == 0:
            out.write(f"  … {index} tickets\n")
            out.flush()
    demo_satisfaction.seed(out=out)
    seed_quality_demo(out=out)
    _seed_history(desk)
    _finish_service_levels()
    return dict(PASSWORDS)


# --- service levels and three months of history -------------------------------------------------

#: Solved tickets behind the reports' charts (they carry ``custom_fields["demo"] == "history"``).
HISTORY_TICKETS = 450
HISTORY_DAYS = 90


def played_tickets() -> QuerySet[Ticket]:
    """The scenario tickets, without the bulk history behind the reports."""
    history = Ticket.objects.filter(custom_fields__demo="history").values("pk")
    return Ticket.objects.exclude(pk__in=history)


def _seed_service_levels() -> None:
    """Office hours for the desk, an urgent and a standard policy (once)."""
    if not BusinessHours.objects.filter(team__isnull=True).exists():
        BusinessHours.objects.create(
            name="Office hours",
            time_zone="Europe/Madrid",
            week={str(day): [["08:00", "20:00"]] for day in range(5)},
            holidays=["2026-12-25", "2027-01-01", "2027-01-06"],
        )
    if not Policy.objects.exists():
        Policy.objects.create(
            name="Urgent",
            position=10,
            priorities=[Priority.URGENT],
            first_response_minutes=60,
            next_response_minutes=120,
            resolution_minutes=8 * 60,
            business_hours=False,
        )
        Policy.objects.create(
            name="Standard",
            position=100,
            first_response_minutes=4 * 60,
            next_response_minutes=8 * 60,
            resolution_minutes=3 * 12 * 60,
        )


def _seed_history(desk: DemoDesk) -> None:
    """Three months of solved tickets, written in bulk, so the reports show trends."""
    if Ticket.objects.filter(custom_fields__demo="history").exists():
        return
    teams = list(desk.teams.values())
    agents = [a for a in desk.agents.values() if not a.is_admin]
    ids = bulk_tickets(
        HISTORY_TICKETS,
        teams=teams,
        agents=agents,
        seed=90,
        index=False,
        with_events=False,
        overrides={"status": Status.CLOSED, "custom_fields": {"demo": "history"}},
    )
    now = timezone.now()
    bulk_history(
        list(Ticket.objects.filter(pk__in=ids)),
        start=now - timedelta(days=HISTORY_DAYS),
        end=now - timedelta(days=1),
        agents=agents,
        seed=90,
    )


def _finish_service_levels() -> None:
    """Re-time the played conversations from their backdated history, put two fresh urgent
    ones at risk, and recount the daily figures the reports read."""
    played = list(played_tickets().values_list("pk", flat=True))
    sla_services.refresh_tickets(played, announce=False)
    waiting = list(
        Ticket.objects.filter(
            pk__in=played,
            status__in=[Status.NEW, Status.OPEN],
            clocks__target="first_response",
            clocks__state="running",
        ).order_by("-created_at")[:2]
    )
    for ticket in waiting:
        _move_to(ticket, timezone.now() - timedelta(minutes=50))
        ticket_services.change_priority(ticket=ticket, priority=Priority.URGENT, by=None)
    today = timezone.localdate()
    rollup.rebuild(today - timedelta(days=HISTORY_DAYS + 1), today)


def _move_to(ticket: Ticket, start: datetime) -> None:
    """Shift a ticket's whole history so that it began at ``start``."""
    shift = start - ticket.created_at
    for row in [*Message.objects.filter(ticket=ticket), *TicketEvent.objects.filter(ticket=ticket)]:
        row.created_at = row.created_at + shift
        row.save(update_fields=["created_at"])
    Ticket.objects.filter(pk=ticket.pk).update(created_at=start, updated_at=start)
    ticket.refresh_from_db()


def _seed_people() -> DemoDesk:
    """Teams with their addresses and assignment modes, the agents, the shipped library."""
    with transaction.atomic():
        # Normally already there from the data migrations; a flushed database gets them back.
        automation_services.install_default_rules()
        canned_services.load_starter()
        teams: dict[str, Team] = {}
        for name, address, mode in TEAMS:
            team = Team.objects.filter(name=name).first()
            if team is None:
                team = account_services.create_team(
                    name=name,
                    description=f"{name} questions",
                    email_address=address,
                    assignment_mode=mode,
                )
            teams[name] = team
        agents: dict[str, Agent] = {}
        for username, first, last, role, language, team_names in AGENTS:
            agent = Agent.objects.filter(username=username).first()
            if agent is None:
                agent = account_services.create_agent(
                    username=username,
                    password=PASSWORDS[username],
                    role=role,
                    teams=[teams[name] for name in team_names],
                    language=language,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@tactful.example",
                )
                account_services.set_answered_languages(
                    agent=agent, languages=ANSWERS.get(username, [])
                )
            agents[username] = agent
    canned = {
        response.starter_key: response
        for response in CannedResponse.objects.filter(team__isnull=True, active=True).exclude(
            starter_key=""
        )
    }
    return DemoDesk(teams=teams, agents=agents, canned=canned)


def _seed_conversation(desk: DemoDesk, visit: Visit) -> Ticket:
    """Play one scenario: the first message through its door, then replies, hand-over, status."""
    scenario, language = visit.scenario, visit.language
    lead = desk.agents["lead"]
    ticket = _arrive(desk, visit)
    ticket.refresh_from_db()
    owner_name = scenario.get("owner", {}).get(language)
    if owner_name and ticket.assignee_id != desk.agents[owner_name].pk:
        # The lead gives the conversation to a teammate (after the coach and the rules ran).
        assignment.assign_ticket(ticket=ticket, assignee=desk.agents[owner_name], by=lead)
        ticket.refresh_from_db()
    responder = _responder(ticket, desk)
    if scenario.get("left_chat"):
        session = ChatSession.objects.get(ticket=ticket)
        livechat_services.convert_to_email(session_id=session.pk)
    if "reply" in scenario:
        _reply(ticket, agent=responder, body=visit.text("reply"))
    elif "canned_reply" in scenario:
        _canned_reply(desk, ticket, agent=responder, parts=scenario["canned_reply"]["parts"])
    if "followup" in scenario:
        with transaction.atomic():
            # One step: the agent hands over as the message comes in, before the coach reads it.
            _follow_up(desk, visit, ticket, body=visit.text("followup"))
            if "handover" in scenario:
                handover.hand_over(
                    ticket=ticket, by=responder, note=scenario["handover"]["note"][language]
                )
    second = scenario.get("second_reply")
    if second and language in second.get("languages", LANGUAGES):
        author = lead if second["by"] == "lead" else responder
        _canned_reply(desk, ticket, agent=author, parts=second["parts"])
    ticket.refresh_from_db()
    status = scenario.get("status", Status.OPEN)
    if status != ticket.status and status != Status.NEW:
        ticket_services.change_status(ticket=ticket, status=status, by=responder)
    if scenario["key"] == "worried_data":
        ticket_services.add_internal_note(
            ticket=ticket,
            agent=lead,
            body="Check the login history before replying; force a password reset if needed.",
        )
    _backdate(ticket, visit.started)
    return ticket


def _responder(ticket: Ticket, desk: DemoDesk) -> Agent:
    """Who answers: the assignee when they work in the ticket's team, else the lead."""
    lead = desk.agents["lead"]
    responder = next(
        (agent for agent in desk.agents.values() if agent.pk == ticket.assignee_id), lead
    )
    if not responder.is_lead and ticket.team_id not in set(
        responder.teams.values_list("id", flat=True)
    ):
        return lead
    return responder


def _triage(ticket: Ticket, scenario: Scenario) -> None:
    """Priority and tags as a triaging teammate set them, before the coach's rules run."""
    priority = scenario.get("priority")
    if priority is not None:
        ticket_services.change_priority(ticket=ticket, priority=priority, by=None)
    tags = scenario.get("tags", [])
    if tags:
        current = list(ticket.tags.values_list("name", flat=True))
        ticket_services.set_tags(ticket=ticket, names=[*current, *tags], by=None)


# --- the doors --------------------------------------------------------------------------------


def _arrive(desk: DemoDesk, visit: Visit) -> Ticket:
    """The customer's first message through its channel's own service.

    Triage runs in the same transaction, so the coach (after the commit) and the rules see the
    ticket as an agent would.
    """
    with transaction.atomic():
        if visit.channel == Channel.EMAIL:
            ticket = _arrive_by_email(visit)
        elif visit.channel == Channel.CHAT:
            ticket = _arrive_by_chat(visit)
        elif visit.channel == Channel.WEB:
            ticket = webform_services.submit_contact_form(
                team=visit.team,
                name=visit.customer_name,
                email=visit.address,
                subject=visit.text("subject"),
                message=visit.text("body"),
                language=visit.language,
                nonce=_form_nonce(visit.index),
            )
        elif visit.channel in _API_CHANNELS:
            ticket = _arrive_by_api(desk, visit)
        else:  # pragma: no cover - a scenario with a channel nobody feeds
            raise ValueError(f"demo scenario {visit.scenario['key']}: unknown channel")
        _triage(ticket, visit.scenario)
    return ticket


def _arrive_by_email(visit: Visit) -> Ticket:
    # A customer the desk already knows (with their language), as most senders are.
    customer_services.get_or_create_customer(
        channel=Channel.EMAIL,
        handle=visit.address,
        name=visit.customer_name,
        email=visit.address,
        language=visit.labelled_language,
    )
    body = visit.text("body")
    quoted = visit.scenario.get("quoted")
    history = None
    if quoted:
        if quoted["from"] == "customer":
            sender = (visit.customer_name, visit.address)
        elif quoted["from"] == "team":
            sender = (visit.team.name, visit.team.email_address)
        else:
            sender = QUOTED_SENDERS[quoted["from"]]
        history = (sender, visit.started - timedelta(days=2), quoted["text"][visit.language])
    raw = raw_email(
        sender=(visit.customer_name, visit.address),
        to=(visit.team.name, visit.team.email_address),
        subject=visit.text("subject"),
        body=_email_text(visit, body, history=history),
        message_id=_email_message_id(visit.index, 1),
        date=visit.started,
        html=body.lstrip().startswith("<"),
    )
    return _ingest(raw, visit)


def _arrive_by_chat(visit: Visit) -> Ticket:
    # Trolls keep their address to themselves; everybody else leaves one in the widget.
    anonymous_address = visit.scenario["key"] == "abusive"
    session, _token = livechat_services.start_session(
        team_slug=visit.team.slug,
        name=visit.customer_name,
        email="" if anonymous_address else visit.address,
        language=visit.labelled_language or "",
        origin=SHOP_ORIGIN,
    )
    received = livechat_services.receive_visitor_message(
        session_id=session.session_id,
        client_id=_chat_client_id(visit.index, 1),
        body=visit.text("body"),
    )
    return Ticket.objects.get(pk=received.ticket_id)


def _arrive_by_api(desk: DemoDesk, visit: Visit) -> Ticket:
    message = _post_to_channel(desk, visit, body=visit.text("body"), turn=1)
    return Ticket.objects.get(pk=message.ticket_id)


def _post_to_channel(desk: DemoDesk, visit: Visit, *, body: str, turn: int) -> Message:
    """What an integration POSTs to /api/v1/channels/<channel>/messages, through its service."""
    if visit.channel in {"phone", "video"}:
        agent = desk.agents[CALL_LOGGERS[visit.language]]  # the agent who took the call
    else:
        agent = desk.agents["admin"]  # the integration's token
    payload = ChannelMessageIn(
        external_id=_api_external_id(visit.index, turn),
        body=body,
        subject=visit.text("subject") if turn == 1 else "",
        customer=ChannelCustomerIn(
            handle=_handle(visit.channel, visit.email_local, visit.index),
            name=visit.customer_name,
            email=visit.address,
            language=visit.labelled_language,
        ),
        thread_id=_thread_id(visit),
        ticket=None,
        language=visit.labelled_language,
        team=visit.team.slug,
    )
    return record_channel_message(agent=agent, channel=visit.channel, payload=payload).message


def _ingest(raw: bytes, visit: Visit) -> Ticket:
    result = mail_services.ingest_email(raw)
    if result.ticket_id is None:
        raise RuntimeError(
            f"demo e-mail {visit.index} ({visit.scenario['key']}) was refused: {result.reason}"
        )
    return Ticket.objects.get(pk=result.ticket_id)


def _follow_up(desk: DemoDesk, visit: Visit, ticket: Ticket, *, body: str) -> None:
    """The customer's next message, the way they would send it."""
    if visit.channel == Channel.CHAT:
        session = ChatSession.objects.get(ticket=ticket)
        livechat_services.receive_visitor_message(
            session_id=session.pk, client_id=_chat_client_id(visit.index, 2), body=body
        )
    elif visit.channel in _API_CHANNELS:
        _post_to_channel(desk, visit, body=body, turn=2)
    else:
        # E-mail and contact-form customers answer our e-mail, quoting it.
        _answer_our_email(visit, ticket, body=body)


def _answer_our_email(visit: Visit, ticket: Ticket, *, body: str) -> None:
    reply = Message.objects.filter(ticket=ticket, kind=MessageKind.OUTGOING).order_by("-id").first()
    if reply is None:
        raise RuntimeError(f"demo ticket {visit.index}: a follow-up needs a reply to answer")
    sent = reply.metadata if isinstance(reply.metadata, dict) else {}
    domain = visit.team.email_address.rsplit("@", 1)[-1]
    # The id our reply left with; the same one the mail transport derives, should it not
    # have been sent yet.
    reply_id = str(sent.get("message_id") or matching.our_message_id(reply.pk, domain=domain))
    first_id = _email_message_id(visit.index, 1) if visit.channel == Channel.EMAIL else ""
    raw = raw_email(
        sender=(visit.customer_name, visit.address),
        to=(visit.team.name, visit.team.email_address),
        subject=str(sent.get("subject") or reply_subject(ticket.subject, number=ticket.pk)),
        body=_email_text(
            visit,
            body,
            history=(
                (visit.team.name, visit.team.email_address),
                visit.started + timedelta(hours=1),
                reply.body,
            ),
        ),
        message_id=_email_message_id(visit.index, 2),
        date=visit.started + timedelta(hours=4),
        in_reply_to=reply_id,
        references=[item for item in (first_id, reply_id) if item],
    )
    result = mail_services.ingest_email(raw)
    if result.ticket_id != ticket.pk:
        raise RuntimeError(
            f"demo ticket {visit.index}: the customer's answer landed in ticket "
            f"{result.ticket_id} ({result.status} {result.reason})"
        )


# --- e-mail as customers' mail programs write it ----------------------------------------------

_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
    "ru": ("пн", "вт", "ср", "чт", "пт", "сб", "вс"),
}
_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
    "ru": (
        "янв.",
        "февр.",
        "мар.",
        "апр.",
        "мая",
        "июн.",
        "июл.",
        "авг.",
        "сент.",
        "окт.",
        "нояб.",
        "дек.",
    ),
}


def attribution(language: str, *, when: datetime, name: str, address: str) -> str:
    """The line a mail program writes above a quoted message (Gmail's wording per language)."""
    local = timezone.localtime(when)
    day = _WEEKDAYS[language][local.weekday()]
    month = _MONTHS[language][local.month - 1]
    date = f"{local.day} {month} {local.year}"
    if language == "es":
        return f"El {day}, {date} a las {local:%H:%M}, {name} (<{address}>) escribió:"
    if language == "ru":
        return f"{day}, {date} г. в {local:%H:%M}, {name} <{address}>:"
    return f"On {day}, {date} at {local:%H:%M}, {name} <{address}> wrote:"


def _signature(visit: Visit) -> str:
    """Three kinds of sign-off, in turn: a name, a name and a phone, a phone's footer."""
    kind = visit.index % 3
    if kind == 0:
        return f"-- \n{visit.customer_name}"
    if kind == 1:
        return f"-- \n{visit.customer_name}\n+44 20 7946 {visit.index:04d}"
    return MOBILE_FOOTERS[visit.language]


def _email_text(
    visit: Visit, body: str, *, history: tuple[tuple[str, str], datetime, str] | None
) -> str:
    """The body as sent: the message, a signature, and the quoted history below."""
    if body.lstrip().startswith("<"):  # an HTML mail: the history is Gmail's quote block
        if history is None:
            return body
        (name, address), when, quoted = history
        line = attribution(visit.language, when=when, name=name, address=address)
        return (
            f'<div dir="ltr">{body}</div><br><div class="gmail_quote">'
            f'<div dir="ltr" class="gmail_attr">{_html_escape(line)}<br></div>'
            f'<blockquote class="gmail_quote">{_html_escape(quoted)}</blockquote></div>'
        )
    parts = [body, _signature(visit)]
    if history is not None:
        (name, address), when, quoted = history
        lines = "\n".join(f"> {line}" if line else ">" for line in quoted.splitlines())
        parts.append(
            attribution(visit.language, when=when, name=name, address=address) + "\n" + lines
        )
    return "\n\n".join(parts) + "\n"


def _html_escape(text: str) -> str:
    return html_lib.escape(text).replace("\n", "<br>")


def raw_email(
    *,
    sender: tuple[str, str],
    to: tuple[str, str],
    subject: str,
    body: str,
    message_id: str,
    date: datetime,
    html: bool = False,
    in_reply_to: str = "",
    references: Sequence[str] = (),
) -> bytes:
    """An RFC 5322 message as a customer's mail program sends it (UTF-8, encoded headers)."""
    message = EmailMessage()
    message["From"] = Address(display_name=sender[0], addr_spec=sender[1])
    message["To"] = Address(display_name=to[0], addr_spec=to[1])
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        message["References"] = " ".join(f"<{item}>" for item in references)
    message.set_content(body, subtype="html" if html else "plain")
    return message.as_bytes()


# --- agents' replies --------------------------------------------------------------------------


def _reply(ticket: Ticket, *, agent: Agent, body: str, canned_ids: Sequence[int] = ()) -> Message:
    """Send a reply as the reply form does: with the coach's review of it at send time."""
    ticket.refresh_from_db()
    return ticket_services.record_reply(
        ticket=ticket,
        agent=agent,
        body=body,
        review=draft_review.review_for_sending(draft=body, ticket=ticket),
        metadata={"canned_ids": list(canned_ids)} if canned_ids else None,
    )


def _canned_reply(
    desk: DemoDesk, ticket: Ticket, *, agent: Agent, parts: Sequence[str | dict[str, str]]
) -> Message | None:
    """A reply built in the picker: starter responses filled in, plus the agent's own words."""
    ticket.refresh_from_db()
    language = ticket.language if ticket.language in LANGUAGES else None
    texts: list[str] = []
    used: list[int] = []
    for part in parts:
        if isinstance(part, str):
            response = desk.canned.get(part)
            if response is None:  # someone removed it from the library: skip, don't invent
                continue
            rendered = canned_services.render_response(
                response, ticket=ticket, agent=agent, language=language
            )
            texts.append(rendered.text)
            used.append(response.pk)
        elif language in part:
            texts.append(part[language])
    if not texts:
        return None
    return _reply(ticket, agent=agent, body="\n\n".join(texts), canned_ids=used)


# --- making it look lived-in ------------------------------------------------------------------


def _gap(channel: str, kind: str) -> timedelta:
    """How long after the previous step a message is written."""
    if channel == Channel.CHAT:
        return timedelta(minutes=2)
    if channel in {Channel.PHONE, Channel.VIDEO}:
        return timedelta(minutes=10)
    if kind == MessageKind.INCOMING:
        return timedelta(hours=3)
    if kind == MessageKind.NOTE:
        return timedelta(minutes=20)
    return timedelta(minutes=45)


def _backdate(ticket: Ticket, started: datetime) -> None:
    """Spread the conversation over time: messages minutes or hours apart, events just after.

    Everything was written within a second; this keeps the order it happened in (messages,
    events and notifications merged by their real timestamps) and stretches it.
    """
    messages = list(Message.objects.filter(ticket=ticket))
    events = list(TicketEvent.objects.filter(ticket=ticket))
    notifications = list(Notification.objects.filter(ticket=ticket))
    steps: list[tuple[datetime, int, int, Any]] = [
        *((m.created_at, 0, m.pk, m) for m in messages),
        *((e.created_at, 1, e.pk, e) for e in events),
        *((n.created_at, 2, n.pk, n) for n in notifications),
    ]
    steps.sort(key=lambda step: step[:3])
    offsets: list[timedelta] = []
    clock = timedelta(0)
    for position, (_real, kind, _pk, row) in enumerate(steps):
        if kind == 0 and position > 0:
            clock += _gap(ticket.channel, row.kind)
        elif kind == 1 and row.kind == EventKind.CHANNEL_CHANGED:
            # A chat becomes e-mail only once the visitor has been gone a while.
            clock += timedelta(minutes=settings.TACTFUL_CHAT_UNANSWERED_MINUTES + 3)
        elif kind == 1:
            clock += timedelta(seconds=30)
        offsets.append(clock)
    # Nothing may lie in the future: a long conversation starts earlier.
    start = min(started, timezone.now() - clock - timedelta(minutes=2))
    for (_real, _kind, _pk, row), offset in zip(steps, offsets, strict=True):
        row.created_at = start + offset
        if isinstance(row, Message) and row.delivered_at is not None:
            row.delivered_at = row.created_at + timedelta(seconds=5)
    Message.objects.bulk_update(messages, ["created_at", "delivered_at"])
    TicketEvent.objects.bulk_update(events, ["created_at"])
    Notification.objects.bulk_update(notifications, ["created_at"])
    replies = sorted(m.created_at for m in messages if m.kind == MessageKind.OUTGOING)
    solved = [
        e.created_at
        for e in events
        if e.kind == EventKind.STATUS_CHANGED
        and isinstance(e.data, dict)
        and e.data.get("to") in {Status.SOLVED, Status.CLOSED}
    ]
    ticket.refresh_from_db(fields=["solved_at"])
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=start,
        updated_at=start + clock,
        first_response_at=replies[0] if replies else None,
        solved_at=max(solved) if solved and ticket.solved_at else None,
    )
    incoming_chat = [
        m.created_at
        for m in messages
        if m.kind == MessageKind.INCOMING and m.channel == Channel.CHAT
    ]
    if incoming_chat:
        converted = [e.created_at for e in events if e.kind == EventKind.CHANNEL_CHANGED]
        for session in ChatSession.objects.filter(ticket=ticket):
            session.started_at = start - timedelta(minutes=1)
            # The visitor closed the tab a few minutes after their last message.
            session.last_seen_at = max(incoming_chat) + timedelta(minutes=3)
            if session.converted_to_email_at is not None and converted:
                session.converted_to_email_at = converted[0]
            session.save(update_fields=["started_at", "last_seen_at", "converted_to_email_at"])


# --- what to look at --------------------------------------------------------------------------


def demo_tour(base_url: str) -> list[str]:
    """Lines for the console: where each channel comes in and where the coach's tour starts.

    Args:
        base_url: the desk's address, ending with ``/`` (``http://127.0.0.1:8000/``).
    """
    root = base_url.rstrip("/")
    teams = list(Team.objects.exclude(slug__isnull=True).order_by("name"))
    lines = ["  Channels:"]
    lines.append(
        "    Contact forms:  "
        + "  ".join(root + reverse("webform:contact", args=[t.slug]) for t in teams)
    )
    lines.append(
        "    Live chat:      "
        + "  ".join(root + reverse("livechat:try", args=[t.slug]) for t in teams)
    )
    lines.append(
        "    Help center:    "
        + "  ".join(
            [root + reverse("help:home")]
            + [root + reverse("help:team_home", args=[t.slug]) for t in teams]
        )
    )
    addresses = ", ".join(t.email_address for t in teams if t.email_address)
    if addresses:
        where = (
            f"replies are written to {settings.EMAIL_FILE_PATH}"
            if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend")
            else "replies are sent by SMTP"
        )
        lines.append(f"    E-mail:         {addresses}  ({where})")
    angry = demo_ticket_id("broken_promise", "es")
    handed_over = (
        TicketEvent.objects.filter(kind=EventKind.HANDED_OVER)
        .order_by("ticket_id")
        .values_list("ticket_id", flat=True)
        .first()
    )
    lines.append("  The coach's tour:")
    if angry is not None:
        lines.append(
            f"    ana:  the angry Spanish ticket  {root}{reverse('inbox:ticket', args=[angry])}"
        )
    if handed_over is not None:
        lines.append(
            f"    lead: a hand-over  {root}{reverse('inbox:ticket', args=[handed_over])}"
            f"   notifications {root}{reverse('automation:notifications')}"
            f"   team load {root}{reverse('inbox:team_load')}"
        )
    return lines


#: The name of the token each demo start prints.
DEMO_TOKEN_NAME = "demo"


def demo_token(agent_username: str = "admin") -> str:
    """A fresh API token for the demo's admin (printed once at start).

    Only a hash of a token is kept, so the one an earlier start printed cannot be shown
    again: it is revoked instead (through the API's own service), and only the latest
    printed token works.
    """
    agent = Agent.objects.get(username=agent_username)
    for old in ApiToken.objects.filter(agent=agent, name=DEMO_TOKEN_NAME, revoked=False):
        revoke_token(token=old)
    return issue_token(agent=agent, name=DEMO_TOKEN_NAME)[1]


__all__ = [
    "DemoDesk",
    "Visit",
    "attribution",
    "demo_ticket_id",
    "demo_token",
    "demo_tour",
    "is_seeded",
    "raw_email",
    "seed_demo",
    "seeded_ticket_id",
]
