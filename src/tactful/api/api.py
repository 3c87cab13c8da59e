"""REST API v1: tickets, messages, customers. Thin: validate, call services, serialise.

Every endpoint needs a bearer API token (``Authorization: Bearer tct_…``) or an agent's
session; the token acts with its agent's role and teams. Errors are ``{"detail": …}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    ValidationError,
)
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Query, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from tactful.accounts import security
from tactful.accounts.models import Agent, Team
from tactful.api import schemas as s
from tactful.api.channels_api import router as channels_router
from tactful.api.coach_api import router as coach_router
from tactful.api.directory_api import router as directory_router
from tactful.api.services import TokenLocked, authenticate_token
from tactful.customers import services as customer_services
from tactful.customers.models import Customer
from tactful.customers.selectors import customer_list
from tactful.tickets import assignment, events, inbound, permissions, selectors
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Message, MessageKind, Ticket, TicketEvent
from tactful.tickets.rendering import render_message_body


def _token_agent(request: HttpRequest, raw: str) -> Agent | None:
    """The token's agent; a locked address gets 429 whatever the token (no enumeration)."""
    try:
        agent = authenticate_token(raw, address=security.client_ip(request))
    except TokenLocked as exc:
        raise HttpError(429, security.locked_message()) from exc
    if agent is not None:
        request.user = agent  # type: ignore[assignment]
        if agent.language:
            # The rest of the request speaks the agent's language, so errors raised deep in a
            # service (translated when raised, before any handler runs) read as theirs.
            translation.activate(agent.language)
            request.LANGUAGE_CODE = agent.language
    return agent


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Agent | None:
        return _token_agent(request, token)


class HeaderToken(APIKeyHeader):
    """``X-API-Token: tct_…`` for clients that cannot set Authorization."""

    param_name = "X-API-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Agent | None:
        return _token_agent(request, key or "")


api = NinjaAPI(
    title="Tactful API",
    version="1.0.0",
    description=(
        "Tickets, messages and customers of the Tactful help desk. Authenticate with "
        "`Authorization: Bearer <token>` (admins issue tokens in the admin). Errors are "
        '`{"detail": …}`; lists take `limit` (≤ 100) and `offset` (≤ 10,000).'
    ),
    auth=[BearerToken(), HeaderToken(), django_auth],
    urls_namespace="api",
)


def _language(request: HttpRequest) -> str:
    """The caller's language: a token's or session's agent's own, else Accept-Language."""
    agent = getattr(request, "auth", None) or getattr(request, "user", None)
    language = getattr(agent, "language", "") if getattr(agent, "is_authenticated", False) else ""
    return language or translation.get_language_from_request(request)


def _detail(request: HttpRequest, status: int, detail: Any) -> HttpResponse:
    with translation.override(_language(request)):
        # Lazy texts (the handlers' own) are put in words here, in the caller's language.
        text = str(detail) if isinstance(detail, Promise) else detail
        response = api.create_response(request, {"detail": text}, status=status)
        response.headers["Content-Language"] = translation.get_language()
    return response


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _detail(request, 422, " ".join(str(m) for m in exc.messages))


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _detail(request, 403, str(exc) or gettext_lazy("You cannot do that."))


@api.exception_handler(ObjectDoesNotExist)
def _does_not_exist(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return _detail(request, 404, gettext_lazy("Not found."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _detail(request, 404, gettext_lazy("Not found."))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _detail(request, 400, gettext_lazy("The request body is too large."))


@api.exception_handler(TooManyFieldsSent)
def _too_many_fields(request: HttpRequest, exc: TooManyFieldsSent) -> HttpResponse:
    return _detail(request, 400, gettext_lazy("The request has too many fields."))


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _detail(request, 401, gettext_lazy("Authentication required: send a valid API token."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _detail(request, exc.status_code, str(exc))


def _agent(request: HttpRequest) -> Agent:
    return request.auth  # type: ignore[attr-defined,no-any-return]


# --- serialisers (explicit, so no lazy query sneaks into a list) -------------------------------


def _agent_ref(agent: Agent | None) -> dict[str, Any] | None:
    if agent is None:
        return None
    return {"id": agent.pk, "username": agent.username, "name": str(agent)}


def ticket_out(ticket: Ticket) -> dict[str, Any]:
    customer = ticket.customer
    return {
        "number": ticket.pk,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": s.PRIORITY_NAMES.get(ticket.priority, "normal"),
        "channel": ticket.channel,
        "language": ticket.language,
        "customer": {"id": customer.pk, "name": customer.name, "email": customer.email},
        "team": {"id": ticket.team.pk, "name": ticket.team.name} if ticket.team else None,
        "assignee": _agent_ref(ticket.assignee),
        "tags": [tag.name for tag in ticket.tags.all()],
        "emotion": ticket.emotion,
        "intensity": ticket.intensity,
        "abuse": ticket.abuse,
        "threat": ticket.threat,
        "company_fault": ticket.company_fault,
        "coach_state": ticket.coach_state,
        "merged_into": ticket.merged_into_id,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
    }


def message_out(message: Message, *, customer_name: str = "") -> dict[str, Any]:
    analysis = getattr(message, "analysis", None) if message.kind == MessageKind.INCOMING else None
    if message.kind == MessageKind.INCOMING:
        author = customer_name
    else:
        author = str(message.author_agent) if message.author_agent else ""
    return {
        "id": message.pk,
        "ticket": message.ticket_id,
        "kind": message.kind,
        "channel": message.channel,
        "author": author,
        "body": message.body,
        "body_html": str(
            render_message_body(
                body=message.body,
                channel=message.channel,
                kind=message.kind,
                metadata=message.metadata,
            )
        ),
        "external_id": message.external_id,
        "created_at": message.created_at,
        "attachments": [
            {
                "id": a.pk,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "url": reverse("inbox:attachment", args=[a.pk]),
            }
            for a in message.attachments.all()
        ],
        "analysis": (
            {
                "status": analysis.status,
                "attempts": analysis.attempts,
                "error": analysis.error,
                "language": analysis.language,
                "emotion": analysis.top_emotion,
                "emotions": analysis.emotions or {},
                "intensity": analysis.intensity,
                "formality": analysis.formality,
                "abuse": analysis.abuse,
                "threat": analysis.threat,
                "company_fault": analysis.company_fault,
            }
            if analysis is not None
            else None
        ),
    }


def customer_out(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "name": customer.name,
        "email": customer.email,
        "preferred_language": customer.preferred_language,
        "identities": [
            {"channel": i.channel, "handle": i.handle} for i in customer.identities.all()
        ],
        "created_at": customer.created_at,
    }


def _page(rows: list[Any], *, limit: int, offset: int) -> dict[str, Any]:
    return {
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if len(rows) > limit else None,
    }


def _ticket(request: HttpRequest, number: int) -> Ticket:
    """The ticket if the caller may see it; 404 (not 403) otherwise, so numbers do not leak."""
    return selectors.ticket_for_page(agent=_agent(request), ticket_id=number)


def _team(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise ValidationError(f"No team with id {team_id}.")
    return team


# --- endpoints --------------------------------------------------------------------------------


@api.get("/me", response=s.answers(s.MeOut), tags=["agents"])
def me(request: HttpRequest) -> dict[str, Any]:
    agent = _agent(request)
    return {
        "id": agent.pk,
        "username": agent.username,
        "name": str(agent),
        "role": agent.role,
        "language": agent.language,
        "teams": [{"id": t.pk, "name": t.name} for t in agent.teams.order_by("name")],
    }


@api.get("/tickets", response=s.answers(s.TicketPage), tags=["tickets"])
def list_tickets(request: HttpRequest, query: Query[s.TicketQuery]) -> dict[str, Any]:
    """Tickets you may see, filtered like the inbox (active ones unless ``status`` is given)."""
    filters = selectors.TicketFilters(
        statuses=tuple(v.value for v in query.status),
        all_statuses=query.any_status,
        channels=tuple(v.value for v in query.channel),
        team=query.team,
        assignee=query.assignee,
        priorities=tuple(s.PRIORITY_VALUES[v.value] for v in query.priority),
        languages=tuple(v[:3] for v in query.language[:4]),
        emotions=tuple(v[:16] for v in query.emotion[:7]),
        min_intensity=query.min_intensity,
        abuse=query.abuse,
        q=query.q,
        sort=query.sort,
    )
    queryset = selectors.inbox_tickets(agent=_agent(request), filters=filters)
    rows = list(queryset[query.offset : query.offset + query.limit + 1])
    return {
        "items": [ticket_out(t) for t in rows[: query.limit]],
        **_page(rows, limit=query.limit, offset=query.offset),
    }


@api.post("/tickets", response=s.answers({201: s.TicketOut}, 403), tags=["tickets"])
def create_ticket(request: HttpRequest, payload: s.TicketCreateIn) -> Status[dict[str, Any]]:
    """Open a ticket from any channel; a repeated ``external_id`` returns the same ticket."""
    agent = _agent(request)
    team = _team(payload.team)
    if team is not None and not agent.is_admin and team.pk not in permissions.team_ids(agent):
        raise PermissionDenied("You can only file tickets into your own teams.")
    with events.atomic():
        # The customer's identity may be on another channel than this message.
        customer = customer_services.get_or_create_customer(
            channel=payload.customer.channel.value,
            handle=payload.customer.handle,
            name=payload.customer.name,
            email=payload.customer.email,
            language=payload.customer.language,
        )
        ticket = inbound.create_ticket(
            customer=customer,
            body=payload.body,
            channel=payload.channel.value,
            subject=payload.subject,
            language=payload.language or payload.customer.language,
            priority=s.PRIORITY_VALUES[payload.priority.value],
            team=team,
            tags=payload.tags,
            by=agent,
            external_id=payload.external_id,
        )
    return Status(201, ticket_out(_ticket(request, ticket.pk)))


@api.get("/tickets/{number}", response=s.answers(s.TicketOut, 404), tags=["tickets"])
def get_ticket(request: HttpRequest, number: int) -> dict[str, Any]:
    return ticket_out(_ticket(request, number))


@api.patch("/tickets/{number}", response=s.answers(s.TicketOut, 403, 404), tags=["tickets"])
def update_ticket(request: HttpRequest, number: int, payload: s.TicketUpdateIn) -> dict[str, Any]:
    """Change status, priority, assignee, team, tags, subject or language in one transaction."""
    agent = _agent(request)
    ticket = _ticket(request, number)
    given = payload.model_fields_set
    with events.atomic():
        if "subject" in given and payload.subject is not None:
            ticket_services.change_subject(ticket=ticket, subject=payload.subject, by=agent)
        if "language" in given and payload.language is not None:
            ticket_services.change_language(ticket=ticket, language=payload.language, by=agent)
        if "priority" in given and payload.priority is not None:
            ticket_services.change_priority(
                ticket=ticket, priority=s.PRIORITY_VALUES[payload.priority.value], by=agent
            )
        if "team" in given:
            ticket_services.change_team(ticket=ticket, team=_team(payload.team), by=agent)
        if "assignee" in given:
            assignee = None
            if payload.assignee is not None:
                assignee = Agent.objects.filter(pk=payload.assignee, is_active=True).first()
                if assignee is None:
                    raise ValidationError(f"No active agent with id {payload.assignee}.")
            assignment.assign_ticket(ticket=ticket, assignee=assignee, by=agent)
        if "tags" in given and payload.tags is not None:
            ticket_services.set_tags(ticket=ticket, names=payload.tags, by=agent)
        if "status" in given and payload.status is not None:
            ticket_services.change_status(ticket=ticket, status=payload.status.value, by=agent)
    return ticket_out(_ticket(request, number))


@api.post("/tickets/{number}/merge", response=s.answers(s.TicketOut, 403, 404), tags=["tickets"])
def merge_ticket(request: HttpRequest, number: int, payload: s.MergeIn) -> dict[str, Any]:
    """Merge this ticket into ``into``; returns the ticket that holds the conversation now."""
    agent = _agent(request)
    source = _ticket(request, number)
    try:
        target = _ticket(request, payload.into)
    except Ticket.DoesNotExist as exc:
        raise ValidationError(f"No ticket #{payload.into} to merge into.") from exc
    ticket_services.merge_tickets(source=source, target=target, by=agent)
    return ticket_out(_ticket(request, target.pk))


@api.get("/tickets/{number}/messages", response=s.answers(s.MessagePage, 404), tags=["messages"])
def list_messages(request: HttpRequest, number: int, page: Query[s.PageQuery]) -> dict[str, Any]:
    ticket = _ticket(request, number)
    rows = list(
        Message.objects.filter(ticket=ticket)
        .select_related("author_agent", "analysis")
        .prefetch_related("attachments")
        .order_by("created_at", "id")[page.offset : page.offset + page.limit + 1]
    )
    name = str(ticket.customer)
    return {
        "items": [message_out(m, customer_name=name) for m in rows[: page.limit]],
        **_page(rows, limit=page.limit, offset=page.offset),
    }


@api.post(
    "/tickets/{number}/messages",
    response=s.answers({201: s.MessageOut}, 403, 404),
    tags=["messages"],
)
def create_message(
    request: HttpRequest, number: int, payload: s.MessageIn
) -> Status[dict[str, Any]]:
    """Add the customer's next message (``in``, from any channel), a reply or a note."""
    agent = _agent(request)
    ticket = _ticket(request, number)
    with events.atomic():
        if payload.kind == s.MessageKindName.incoming:
            message = inbound.record_incoming_message(
                ticket=ticket,
                body=payload.body,
                channel=payload.channel.value if payload.channel else None,
                external_id=payload.external_id,
                by=agent,
            )
        elif payload.kind == s.MessageKindName.outgoing:
            message = ticket_services.record_reply(
                ticket=ticket,
                agent=agent,
                body=payload.body,
                status=payload.status.value if payload.status else None,
            )
        else:
            message = ticket_services.add_internal_note(
                ticket=ticket, agent=agent, body=payload.body
            )
    message = (
        Message.objects.select_related("author_agent", "analysis", "ticket__customer")
        .prefetch_related("attachments")
        .get(pk=message.pk)
    )
    return Status(201, message_out(message, customer_name=str(message.ticket.customer)))


@api.get("/tickets/{number}/events", response=s.answers(s.EventPage, 404), tags=["tickets"])
def list_events(request: HttpRequest, number: int, page: Query[s.PageQuery]) -> dict[str, Any]:
    """The ticket's timeline: who changed what, when."""
    ticket = _ticket(request, number)
    rows = list(
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor")
        .order_by("created_at", "id")[page.offset : page.offset + page.limit + 1]
    )
    items = [
        {
            "id": e.pk,
            "kind": e.kind,
            "actor": e.actor.username if e.actor else None,
            "data": e.data or {},
            "message": e.message_id,
            "created_at": e.created_at,
        }
        for e in rows[: page.limit]
    ]
    return {"items": items, **_page(rows, limit=page.limit, offset=page.offset)}


@api.get("/customers", response=s.answers(s.CustomerPage), tags=["customers"])
def list_customers(request: HttpRequest, page: Query[s.PageQuery], q: str = "") -> dict[str, Any]:
    """Customers, newest first; ``q`` matches name, e-mail or a channel handle."""
    if len(q) > 200 or "\x00" in q:
        raise ValidationError("q must be at most 200 characters of text.")
    queryset = Customer.objects.prefetch_related("identities").order_by("-id")
    if q.strip():
        from django.db.models import Q

        term = q.strip()
        queryset = queryset.filter(
            Q(name__icontains=term)
            | Q(email__icontains=term)
            | Q(identities__handle__icontains=term)
        ).distinct()
    rows = list(queryset[page.offset : page.offset + page.limit + 1])
    return {
        "items": [customer_out(c) for c in rows[: page.limit]],
        **_page(rows, limit=page.limit, offset=page.offset),
    }


@api.post("/customers", response=s.answers({201: s.CustomerOut}), tags=["customers"])
def create_customer(request: HttpRequest, payload: s.CustomerIn) -> Status[dict[str, Any]]:
    """Find or create the customer behind a channel identity."""
    with transaction.atomic():
        customer = customer_services.get_or_create_customer(
            channel=payload.channel.value,
            handle=payload.handle,
            name=payload.name,
            email=payload.email,
            language=payload.language,
        )
    return Status(201, customer_out(customer_list().get(pk=customer.pk)))


@api.get("/customers/{customer_id}", response=s.answers(s.CustomerOut, 404), tags=["customers"])
def get_customer(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    return customer_out(Customer.objects.prefetch_related("identities").get(pk=customer_id))


# The routers kept in their own modules.
api.add_router("/channels/", channels_router)
api.add_router("/coach/", coach_router)
api.add_router("/", directory_router)
