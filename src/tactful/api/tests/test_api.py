"""The REST API: tokens, roles, channels, errors as {"detail": …}, bounded pagination."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tactful.api.models import ApiToken
from tactful.api.services import issue_token, revoke_token
from tactful.customers.models import Customer
from tactful.desk.testing import assert_same_query_count, bulk_tickets
from tactful.tickets.models import EventKind, Message, Ticket

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path, params=None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers)

    def post(self, path, payload, raw=False):
        body = payload if raw else json.dumps(payload)
        return self.client.post(
            f"/api/v1{path}", body, content_type="application/json", headers=self.headers
        )

    def patch(self, path, payload):
        return self.client.patch(
            f"/api/v1{path}",
            json.dumps(payload),
            content_type="application/json",
            headers=self.headers,
        )


@pytest.fixture
def world(desk):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    ana = desk.agent("ana", teams=[billing])
    lead = desk.lead("lee", teams=[billing, shipping])
    mine = desk.ticket(team=billing, subject="Charged twice")
    theirs = desk.ticket(team=shipping, subject="Parcel lost")
    return {
        "billing": billing,
        "shipping": shipping,
        "ana": ana,
        "lead": lead,
        "mine": mine,
        "theirs": theirs,
        "api": Api(desk.token(ana)),
        "lead_api": Api(desk.token(lead)),
    }


def test_tokens_are_required_and_hashed(world, desk):
    response = Api(None).get("/tickets")
    assert response.status_code == 401 and "detail" in response.json()
    assert Api("tct_not-a-real-token").get("/tickets").status_code == 401
    token, raw = issue_token(agent=world["ana"], name="zapier")
    assert raw not in {t.key_hash for t in ApiToken.objects.all()}
    assert Api(raw).get("/me").json()["username"] == "ana"
    assert Api(None).client.get("/api/v1/me", headers={"X-API-Token": raw}).status_code == 200
    revoke_token(token=token)
    assert Api(raw).get("/me").status_code == 401


def test_openapi_document_is_served(world):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/tickets" in paths and "/api/v1/customers" in paths
    assert "/api/v1/tickets/{number}/messages" in paths


def test_list_tickets_respects_teams_and_filters(world):
    data = world["api"].get("/tickets").json()
    assert [t["subject"] for t in data["items"]] == ["Charged twice"]
    assert data["next_offset"] is None
    lead = world["lead_api"]
    assert len(lead.get("/tickets").json()["items"]) == 2
    assert [
        t["subject"] for t in lead.get("/tickets", {"team": world["shipping"].pk}).json()["items"]
    ] == ["Parcel lost"]
    assert lead.get("/tickets", {"status": "solved"}).json()["items"] == []
    assert len(lead.get("/tickets", {"q": "charged"}).json()["items"]) == 1


def test_get_ticket_of_another_team_is_404(world):
    response = world["api"].get(f"/tickets/{world['theirs'].pk}")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_create_ticket_from_a_social_post(world):
    api = world["api"]
    payload = {
        "channel": "social",
        "customer": {"channel": "social", "handle": "@lucia", "name": "Lucía", "language": "es-ES"},
        "body": "<b>Hola</b>, me cobraron dos veces <script>alert(1)</script>",
        "team": world["billing"].pk,
        "priority": "high",
        "tags": ["Billing"],
        "external_id": "tweet-123",
    }
    response = api.post("/tickets", payload)
    assert response.status_code == 201, response.content
    ticket = response.json()
    assert (
        ticket["language"] == "es"
        and ticket["priority"] == "high"
        and ticket["tags"] == ["billing"]
    )
    # The subject is the first sentence, as typed (escaped wherever it is shown).
    assert ticket["subject"] == payload["body"]
    again = api.post("/tickets", payload)
    assert again.json()["number"] == ticket["number"]  # idempotent by external id
    messages = api.get(f"/tickets/{ticket['number']}/messages").json()["items"]
    assert messages[0]["body"] == payload["body"]  # stored as received
    assert "<script>" not in messages[0]["body_html"]
    assert "&lt;b&gt;Hola&lt;/b&gt;" in messages[0]["body_html"]  # typed text, shown as typed
    created = Ticket.objects.get(pk=ticket["number"]).events.get(kind=EventKind.CREATED)
    assert created.actor == world["ana"]


def test_unknown_language_is_und(world):
    payload = {
        "channel": "forum",
        "customer": {"channel": "forum", "handle": "jean"},
        "body": "Bonjour",
        "language": "fr",
    }
    response = world["api"].post("/tickets", payload)
    assert response.status_code == 201 and response.json()["language"] == "und"


def test_phone_and_video_notes_and_follow_up_messages(world):
    api = world["api"]
    payload = {
        "channel": "phone",
        "customer": {"channel": "phone", "handle": "+34 600 000 000"},
        "body": "Call notes: cannot log in",
        "subject": "Phone call",
    }
    number = api.post("/tickets", payload).json()["number"]
    response = api.post(
        f"/tickets/{number}/messages",
        {
            "kind": "in",
            "channel": "video",
            "body": "Video call notes: fixed the password",
            "external_id": "call-9",
        },
    )
    assert response.status_code == 201 and response.json()["channel"] == "video"
    repeat = api.post(
        f"/tickets/{number}/messages",
        {
            "kind": "in",
            "channel": "video",
            "body": "Video call notes: fixed the password",
            "external_id": "call-9",
        },
    )
    assert repeat.json()["id"] == response.json()["id"]
    reply = api.post(
        f"/tickets/{number}/messages", {"kind": "out", "body": "Glad it works!", "status": "solved"}
    )
    assert reply.status_code == 201 and reply.json()["author"] == "Ana"
    note = api.post(
        f"/tickets/{number}/messages", {"kind": "note", "body": "Customer prefers phone."}
    )
    assert note.status_code == 201
    assert api.get(f"/tickets/{number}").json()["status"] == "solved"
    events = api.get(f"/tickets/{number}/events").json()["items"]
    assert [e["kind"] for e in events][:2] == ["created", "received"]


def test_patch_ticket_and_roles(world):
    api, lead = world["api"], world["lead_api"]
    number = world["mine"].pk
    response = api.patch(
        f"/tickets/{number}", {"status": "pending", "priority": "urgent", "tags": ["a", "b"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert (
        body["status"] == "pending" and body["priority"] == "urgent" and body["tags"] == ["a", "b"]
    )
    response = api.patch(f"/tickets/{number}", {"assignee": world["lead"].pk})
    assert response.status_code == 403 and "detail" in response.json()
    response = api.patch(f"/tickets/{number}", {"team": world["shipping"].pk})
    assert response.status_code == 403
    response = lead.patch(f"/tickets/{number}", {"assignee": world["ana"].pk})
    assert response.json()["assignee"]["username"] == "ana"
    response = lead.patch(f"/tickets/{number}", {"assignee": None})
    assert response.json()["assignee"] is None


def test_a_failing_patch_changes_nothing(world):
    number = world["mine"].pk
    before = world["mine"].events.count()
    response = world["api"].patch(f"/tickets/{number}", {"priority": "urgent", "tags": ["<bad>"]})
    assert response.status_code == 422
    ticket = Ticket.objects.get(pk=number)
    assert ticket.priority == 2 and ticket.events.count() == before


def test_merge(world, desk):
    other = desk.ticket(team=world["billing"], subject="dup")
    response = world["api"].post(f"/tickets/{other.pk}/merge", {"into": world["mine"].pk})
    assert response.status_code == 200 and response.json()["number"] == world["mine"].pk
    assert (
        world["api"]
        .post(f"/tickets/{world['mine'].pk}/merge", {"into": world["mine"].pk})
        .status_code
        == 422
    )
    assert (
        world["api"]
        .post(f"/tickets/{world['mine'].pk}/merge", {"into": world["theirs"].pk})
        .status_code
        == 422
    )


def test_customers(world):
    api = world["api"]
    response = api.post(
        "/customers",
        {"channel": "email", "handle": "New@Example.com", "name": "New", "language": "ru"},
    )
    assert response.status_code == 201
    customer = response.json()
    assert customer["identities"] == [{"channel": "email", "handle": "new@example.com"}]
    assert customer["preferred_language"] == "ru"
    assert api.get(f"/customers/{customer['id']}").json()["name"] == "New"
    assert [c["name"] for c in api.get("/customers", {"q": "new@"}).json()["items"]] == ["New"]
    assert api.get("/customers/999999").status_code == 404


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        (
            "/tickets",
            {"channel": "fax", "customer": {"channel": "email", "handle": "a@b.co"}, "body": "x"},
        ),
        (
            "/tickets",
            {
                "channel": "email",
                "customer": {"channel": "email", "handle": "not-an-email"},
                "body": "x",
            },
        ),
        (
            "/tickets",
            {"channel": "email", "customer": {"channel": "email", "handle": "a@b.co"}, "body": ""},
        ),
        (
            "/tickets",
            {
                "channel": "email",
                "customer": {"channel": "email", "handle": "a@b.co"},
                "body": "x" * 100_001,
            },
        ),
        (
            "/tickets",
            {
                "channel": "email",
                "customer": {"channel": "email", "handle": "a@b.co"},
                "body": "nul\u0000",
            },
        ),
        (
            "/tickets",
            {
                "channel": "email",
                "customer": {"channel": "email", "handle": "a@b.co"},
                "body": "x",
                "priority": "meh",
            },
        ),
        (
            "/tickets",
            {
                "channel": "email",
                "customer": {"channel": "email", "handle": "a@b.co"},
                "body": "x",
                "team": 999999,
            },
        ),
        (
            "/tickets",
            {
                "channel": "email",
                "customer": {"channel": "email", "handle": "a@b.co"},
                "body": "x",
                "tags": ["<x>"],
            },
        ),
        (
            "/tickets",
            {
                "channel": "email",
                "customer": {"channel": "email", "handle": "h" * 300},
                "body": "x",
            },
        ),
        ("/tickets", {"channel": "email", "body": "x"}),
        ("/tickets", ["not", "an", "object"]),
        ("/customers", {"channel": "email", "handle": ""}),
        ("/customers", {"channel": "email", "handle": "a@b.co", "email": "broken"}),
    ],
)
def test_malformed_input_is_422_and_nothing_is_saved(world, path, payload):
    before = (Ticket.objects.count(), Customer.objects.count(), Message.objects.count())
    response = world["api"].post(path, payload)
    assert response.status_code in {400, 422}, response.content
    assert "detail" in response.json()
    assert (Ticket.objects.count(), Customer.objects.count(), Message.objects.count()) == before


@pytest.mark.parametrize("body", ["{not json", "", "\xff\xfe", "[1, 2", '{"channel": "email"'])
def test_unparseable_bodies_are_400(world, body):
    response = world["api"].post("/tickets", body, raw=True)
    assert response.status_code in {400, 422}
    assert "detail" in response.json()


def test_oversized_body_is_400(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    payload = {
        "channel": "email",
        "customer": {"channel": "email", "handle": "a@b.co"},
        "body": "x" * 5000,
    }
    response = world["api"].post("/tickets", payload)
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is too large."}
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"offset": 10_001},
        {"status": "lost"},
        {"sort": "password"},
        {"team": "x"},
        {"min_intensity": 3},
        {"q": "x" * 201},
    ],
)
def test_bad_list_parameters_are_422(world, params):
    response = world["api"].get("/tickets", params)
    assert response.status_code == 422 and "detail" in response.json()


def test_pagination_is_bounded_and_chains(world, desk):
    bulk_tickets(
        30,
        teams=[world["billing"]],
        agents=[world["ana"]],
        overrides={"status": "open", "team": world["billing"]},
    )
    api = world["api"]
    first = api.get("/tickets", {"limit": 20}).json()
    assert len(first["items"]) == 20 and first["next_offset"] == 20
    second = api.get("/tickets", {"limit": 20, "offset": first["next_offset"]}).json()
    assert second["next_offset"] is None
    numbers = [t["number"] for t in first["items"] + second["items"]]
    assert len(numbers) == len(set(numbers)) == 31


def test_query_counts_are_flat(world, desk):
    api = world["lead_api"]
    teams = [world["billing"], world["shipping"]]
    agents = [world["ana"], world["lead"]]
    bulk_tickets(10, teams=teams, agents=agents)
    ticket = world["mine"]
    customer = ticket.customer

    def grow():
        bulk_tickets(990, teams=teams, agents=agents, seed=5)
        for i in range(30):
            Message.objects.create(
                ticket=ticket, kind="in", channel="email", author_customer=customer, body=f"m{i}"
            )
            ticket.events.create(kind="note", data={})

    # Warm the small state so each list has rows with every relation in use.
    from tactful.tickets import services

    services.record_reply(ticket=ticket, agent=world["ana"], body="hello")
    checks = [
        "/tickets",
        "/tickets?status=open&status=new&sort=-priority&limit=100",
        "/tickets?q=charged&any_status=true",
        "/customers",
        "/customers?q=example",
        f"/tickets/{ticket.pk}/messages",
        f"/tickets/{ticket.pk}/events",
    ]
    grown = False
    for path in checks:

        def request(path=path):
            return api.client.get(f"/api/v1{path}", headers=api.headers)

        def maybe_grow():
            nonlocal grown
            if not grown:
                grow()
                grown = True

        assert_same_query_count(request, maybe_grow)


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "in", "body": ""},
        {"kind": "in", "body": "x" * 100_001},
        {"kind": "in", "body": "nul \u0000"},
        {"kind": "shout", "body": "hi"},
        {"kind": "in", "body": "hi", "channel": "pigeon"},
        {"kind": "in", "body": "hi", "external_id": "e" * 300},
        {"kind": "out", "body": "hi", "status": "exploded"},
        {"body": 42},
        {},
    ],
)
def test_malformed_messages_are_refused_whole(world, payload):
    number = world["mine"].pk
    before = (Message.objects.count(), world["mine"].events.count())
    response = world["api"].post(f"/tickets/{number}/messages", payload)
    assert response.status_code in {400, 422}, response.content
    assert "detail" in response.json()
    assert (Message.objects.count(), world["mine"].events.count()) == before


@pytest.mark.parametrize(
    "payload",
    [
        {"status": "exploded"},
        {"priority": 9},
        {"assignee": "me"},
        {"assignee": 999999},
        {"team": 999999},
        {"subject": ""},
        {"subject": "s" * 201},
        {"tags": "not-a-list"},
        {"tags": [f"t{i}" for i in range(25)]},
        {"language": "x" * 50},
    ],
)
def test_malformed_patches_change_nothing(world, payload):
    number = world["mine"].pk
    before = world["mine"].events.count()
    response = world["lead_api"].patch(f"/tickets/{number}", payload)
    assert response.status_code in {400, 422}, response.content
    assert world["mine"].events.count() == before


def test_other_teams_tickets_cannot_be_written_through_the_api(world):
    number = world["theirs"].pk
    api = world["api"]
    assert api.post(f"/tickets/{number}/messages", {"kind": "out", "body": "hi"}).status_code == 404
    assert api.patch(f"/tickets/{number}", {"status": "closed"}).status_code == 404
    assert api.post(f"/tickets/{number}/merge", {"into": world["mine"].pk}).status_code == 404
    payload = {
        "channel": "email",
        "customer": {"channel": "email", "handle": "a@b.co"},
        "body": "x",
        "team": world["shipping"].pk,
    }
    assert api.post("/tickets", payload).status_code == 403
    assert Ticket.objects.get(pk=number).status == "new"
