"""The authorisation matrix's machinery: every route of the URL conf, the people who knock,
and the objects whose ids they try (test_authorization_matrix.py holds the expected table)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tactful.accounts.models import Role
from tactful.api.models import ApiToken
from tactful.api.services import revoke_token
from tactful.automation.models import Notification, Rule
from tactful.canned import services as canned_services
from tactful.canned.models import CannedVariant
from tactful.inbox.models import SavedView
from tactful.quality.services import install_default_scorecards
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Attachment, MessageKind, Ticket

ROLES = ("anonymous", "token", "revoked", "other_team", "agent", "lead", "admin")
ADDRESS = "192.0.2.77"


@dataclass(frozen=True)
class Route:
    route: str  # as the URL conf writes it: "tickets/<int:ticket_id>/"
    name: str
    arguments: tuple[str, ...]


def routes() -> list[Route]:
    """Every route outside the Django admin (the admin is checked model by model)."""
    found: list[Route] = []

    def walk(patterns: Any, prefix: str, namespace: str) -> Iterator[None]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or ""
                name = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
                if str(pattern.pattern) == "admin/":
                    continue
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), name)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                converters = getattr(pattern.pattern, "converters", {})
                names = tuple(converters) or _ninja_arguments(route)
                full = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
                found.append(Route(route, full, names))
                yield None

    for _ in walk(get_resolver().url_patterns, "", ""):
        pass
    # The API serves GET and POST of one path from one pattern: one route each.
    unique: dict[str, Route] = {}
    for route in found:
        unique.setdefault(route.route, route)
    return list(unique.values())


def _ninja_arguments(route: str) -> tuple[str, ...]:
    import re

    return tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))


def fill(route: str, values: dict[str, Any]) -> str:
    import re

    def one(match: re.Match[str]) -> str:
        # Ids of objects the world does not build (reports, reviews, policies…): one that does
        # not exist, so no role may get more than a 404 (anonymous: still the login page).
        return str(values.get(match.group(1), 999_999))

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", one, route)


@dataclass
class World:
    clients: dict[str, Client]
    headers: dict[str, dict[str, str]]
    values: dict[str, Any]
    objects: dict[str, Any]


def build_world(desk: Any) -> World:
    """Team Billing (its agent, its lead) and team Shipping (an agent who must see nothing of
    Billing's), an admin, a Billing ticket with a message, an attachment, a saved view, a
    canned response, a rule and a notification, an API token and a revoked one."""
    # The shipped scorecards, as on a new desk (a transactional test elsewhere flushes them, and
    # the grading page needs one).
    install_default_scorecards()
    billing = desk.team("Billing")
    shipping = desk.team("Shipping")
    agent = desk.agent("ana", teams=[billing])
    other = desk.agent("otto", teams=[shipping])
    lead = desk.agent("lena", role=Role.LEAD, teams=[billing])
    admin = desk.agent("adam", role=Role.ADMIN)
    ticket = desk.ticket(team=billing, subject="Charged twice", body="I was charged twice.")
    ticket_services.record_reply(
        ticket=ticket,
        agent=agent,
        body="Refunded.",
        attachments=[SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 receipt", "application/pdf")],
    )
    ticket.refresh_from_db()
    message = ticket.messages.filter(kind=MessageKind.INCOMING).first()
    attachment = Attachment.objects.get(message__ticket=ticket)
    view = SavedView.objects.create(owner=agent, name="Mine", query="status=open", team=billing)
    response = canned_services.create_response(
        by=lead,
        team=billing,
        title="Refund",
        category="action",
        variants={"en": canned_services.VariantText(body="We refunded you.")},
    )
    variant = CannedVariant.objects.filter(response=response).first()
    rule = Rule.objects.create(name="Billing rule", team=billing)
    notification = Notification.objects.create(recipient=agent, ticket=ticket)
    good = desk.token(agent)
    revoked = desk.token(agent)
    revoke_token(token=ApiToken.objects.filter(agent=agent).order_by("-pk").first())  # type: ignore[arg-type]

    clients = {role: Client(REMOTE_ADDR=ADDRESS) for role in ROLES}
    for role, person in (("other_team", other), ("agent", agent), ("lead", lead), ("admin", admin)):
        clients[role].force_login(person)
    headers = {role: {} for role in ROLES}
    headers["token"] = {"HTTP_AUTHORIZATION": f"Bearer {good}"}
    headers["revoked"] = {"HTTP_AUTHORIZATION": f"Bearer {revoked}"}
    missing = 999_999
    values: dict[str, Any] = {
        "ticket_id": ticket.pk,
        "number": ticket.pk,
        "message_id": message.pk if message else missing,
        "attachment_id": attachment.pk,
        "view_id": view.pk,
        "response_id": response.pk,
        "variant_id": variant.pk if variant else missing,
        "rule_id": rule.pk,
        "notification_id": notification.pk,
        "agent_id": agent.pk,
        "team_id": billing.pk,
        "customer_id": ticket.customer_id,
        "slug": billing.slug,
        "center": billing.slug,
        "channel": "social",
        "key": uuid.UUID(int=1),
        "token": "no-such-survey",
    }
    return World(
        clients=clients,
        headers=headers,
        values=values,
        objects={"ticket": ticket, "agent": agent, "other": other, "lead": lead, "admin": admin},
    )


def status(world: World, role: str, method: str, path: str) -> int:
    client = world.clients[role]
    if method == "GET":
        return client.get(path, **world.headers[role]).status_code
    answer = client.post(path, {}, **world.headers[role]).status_code
    # An empty POST may legitimately change the ticket (a lead's empty team choice means "no
    # team", which every agent may see): put it back, so each row is about its own route.
    ticket = world.objects["ticket"]
    Ticket.objects.filter(pk=ticket.pk).update(
        team_id=ticket.team_id, assignee_id=ticket.assignee_id, status=ticket.status
    )
    return answer
