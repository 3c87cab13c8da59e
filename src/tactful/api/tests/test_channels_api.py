"""API-fed channels: social posts, forum threads, call notes — once each, in the right ticket."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from tactful.api.tests.test_api import Api
from tactful.customers.models import Customer, CustomerIdentity
from tactful.desk.testing import assert_same_query_count, bulk_tickets
from tactful.tickets.models import EventKind, Message, Ticket, TicketEvent
from tactful.tickets.services import change_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(desk):
    support = desk.team("Support")
    support.slug = "support"
    support.save(update_fields=["slug"])
    sales = desk.team("Sales")
    sales.slug = "sales"
    sales.save(update_fields=["slug"])
    ana = desk.agent("ana", teams=[support])
    return {"support": support, "sales": sales, "ana": ana, "api": Api(desk.token(ana))}


def post(api, channel, payload):
    return api.post(f"/channels/{channel}/messages", payload)


def social(external_id="post-1", *, body="Your app ate my photos!", handle="@maria", **extra):
    return {"external_id": external_id, "body": body, "customer": {"handle": handle}, **extra}


def totals():
    return (Ticket.objects.count(), Message.objects.count(), Customer.objects.count())


# --- storing messages -------------------------------------------------------------------------


def test_a_social_post_opens_a_ticket(world):
    payload = social(
        subject="Photos gone",
        customer={"handle": "@maria", "name": "María", "email": "maria@example.com"},
        language="es",
        team="support",
        thread_id="tw-thread-1",
    )
    response = post(world["api"], "social", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    ticket = Ticket.objects.get(pk=body["ticket"])
    assert ticket.channel == "social" and ticket.subject == "Photos gone"
    assert ticket.team == world["support"] and ticket.language == "es"
    message = Message.objects.get(pk=body["message"])
    assert message.external_id == "post-1" and message.metadata == {"thread_id": "tw-thread-1"}
    assert message.author_customer.name == "María"
    identity = CustomerIdentity.objects.get(customer=ticket.customer)
    assert (identity.channel, identity.handle) == ("social", "@maria")
    created = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CREATED)
    assert created.actor is None  # the integration, not the token's agent, wrote it


def test_the_same_external_id_is_one_message(world):
    first = post(world["api"], "forum", social())
    again = post(world["api"], "forum", social())
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == {**first.json(), "created": False}
    assert totals() == (1, 1, 1)
    # The same id on another channel is another message.
    assert post(world["api"], "social", social()).status_code == 201


def test_thread_messages_join_the_open_ticket(world):
    api = world["api"]
    first = post(api, "forum", social("p1", thread_id="topic-7")).json()
    second = post(api, "forum", social("p2", body="Still broken", thread_id="topic-7")).json()
    assert second["ticket"] == first["ticket"] and second["created"]
    other_thread = post(api, "forum", social("p3", thread_id="topic-8")).json()
    assert other_thread["ticket"] != first["ticket"]
    no_thread = post(api, "forum", social("p4")).json()
    assert no_thread["ticket"] not in {first["ticket"], other_thread["ticket"]}
    # A solved ticket is not joined: the thread starts a new one.
    change_status(ticket=Ticket.objects.get(pk=first["ticket"]), status="solved", by=None)
    later = post(api, "forum", social("p5", thread_id="topic-7")).json()
    assert later["ticket"] not in {first["ticket"], other_thread["ticket"], no_thread["ticket"]}
    # The same thread id on another channel is another conversation.
    elsewhere = post(api, "social", social("p6", thread_id="topic-7")).json()
    assert elsewhere["ticket"] != later["ticket"]


def test_a_thread_id_never_joins_another_customers_ticket(world):
    api = world["api"]
    maria = post(api, "forum", social("p1", thread_id="topic-7")).json()
    pedro = post(api, "forum", social("p2", handle="@pedro", thread_id="topic-7")).json()
    assert pedro["ticket"] != maria["ticket"]
    ticket = Ticket.objects.get(pk=maria["ticket"])
    assert list(ticket.messages.values_list("external_id", flat=True)) == ["p1"]


def test_an_explicit_ticket_number(world, desk):
    api = world["api"]
    first = post(api, "social", social("p1")).json()
    response = post(api, "social", social("p2", body="More details", ticket=first["ticket"]))
    assert response.status_code == 201 and response.json()["ticket"] == first["ticket"]
    assert Ticket.objects.get(pk=first["ticket"]).messages.count() == 2


def test_an_unknown_ticket_number_is_404(world):
    response = post(world["api"], "social", social(ticket=999_999))
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    assert totals() == (0, 0, 0)


def test_another_customers_ticket_cannot_be_hijacked(world):
    api = world["api"]
    maria = post(api, "social", social("p1")).json()
    response = post(api, "social", social("p2", handle="@mallory", ticket=maria["ticket"]))
    assert response.status_code == 409
    assert "another customer" in response.json()["detail"]
    assert Ticket.objects.get(pk=maria["ticket"]).messages.count() == 1
    assert not CustomerIdentity.objects.filter(handle="@mallory").exists()


def test_a_ticket_the_agent_cannot_see_is_404(world, desk):
    api = world["api"]
    customer_post = post(api, "social", social("p1")).json()
    ticket = Ticket.objects.get(pk=customer_post["ticket"])
    ticket.team = world["sales"]  # ana is not in Sales
    ticket.save(update_fields=["team"])
    response = post(api, "social", social("p2", ticket=ticket.pk))
    assert response.status_code == 404
    assert ticket.messages.count() == 1


def test_teams_are_checked(world):
    api = world["api"]
    response = post(api, "social", social(team="nope"))
    assert response.status_code == 422 and "nope" in response.json()["detail"]
    response = post(api, "social", social(team="sales"))
    assert response.status_code == 403
    assert totals() == (0, 0, 0)


def test_phone_and_video_notes_are_logged_by_the_tokens_agent(world):
    api = world["api"]
    call = post(
        api,
        "phone",
        social("call-1", body="Caller cannot log in", handle="+34 600 000 000", thread_id="c1"),
    ).json()
    events = TicketEvent.objects.filter(ticket_id=call["ticket"])
    assert events.get(kind=EventKind.CREATED).actor == world["ana"]
    video = post(api, "video", social("vc-1", body="Screen share", handle="meet:maria")).json()
    follow_up = post(
        api,
        "video",
        social("vc-2", body="Fixed after the call", handle="meet:maria", ticket=video["ticket"]),
    )
    assert follow_up.status_code == 201 and follow_up.json()["ticket"] == video["ticket"]
    received = TicketEvent.objects.get(ticket_id=video["ticket"], kind=EventKind.MESSAGE_RECEIVED)
    assert received.actor == world["ana"]
    # A phone customer is not the video customer: naming their ticket is refused.
    crossed = post(api, "video", social("vc-3", handle="meet:maria", ticket=call["ticket"]))
    assert crossed.status_code == 409
    # The same phone number on another call is the same customer.
    again = post(api, "phone", social("call-2", handle="+34 600 000 000")).json()
    assert (
        Ticket.objects.get(pk=again["ticket"]).customer_id
        == Ticket.objects.get(pk=call["ticket"]).customer_id
    )


def test_generic_api_channel(world):
    response = post(world["api"], "api", social("crm-123", handle="crm:42"))
    assert response.status_code == 201
    assert Message.objects.get(pk=response.json()["message"]).channel == "api"


# --- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "channel",
    # ids without "email": a marker keyword of that name would skip the test as a mail test
    [
        pytest.param("email", id="own-mail"),
        pytest.param("chat", id="own-chat"),
        pytest.param("web", id="own-web"),
    ],
)
def test_channels_with_their_own_entry_point_are_400(world, channel):
    response = post(world["api"], channel, social())
    assert response.status_code == 400
    assert f"The {channel} channel cannot be fed through this endpoint" in response.json()["detail"]
    assert totals() == (0, 0, 0)


@pytest.mark.parametrize("channel", ["fax", "SOCIAL", "<script>", "x" * 500, "%00"])
def test_unknown_channels_are_400(world, channel):
    response = post(world["api"], channel, social())
    assert response.status_code in {400, 404}
    assert "detail" in response.json()
    assert totals() == (0, 0, 0)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"body": "x", "customer": {"handle": "@a"}},  # no external_id
        social(external_id=""),
        social(external_id="e" * 256),
        social(external_id=123),
        social(body=""),
        social(body=None),
        social(body=["list"]),
        social(body="x" * 100_001),
        social(body="nul\x00byte"),
        {"external_id": "p", "body": "x"},  # no customer
        {"external_id": "p", "body": "x", "customer": {}},
        {"external_id": "p", "body": "x", "customer": "@maria"},
        social(handle=""),
        social(handle="h" * 256),
        social(handle={"nested": 1}),
        social(customer={"handle": "@a", "email": "not an address"}),
        social(customer={"handle": "@a", "name": "n" * 201}),
        social(subject="s" * 201),
        social(thread_id="t" * 256),
        social(thread_id=5),
        social(ticket=0),
        social(ticket=-1),
        social(ticket="twelve"),
        social(team=7),
        social(language="x" * 36),
        ["not", "an", "object"],
        "a string",
    ],
)
def test_malformed_payloads_store_nothing(world, payload):
    response = post(world["api"], "social", payload)
    assert response.status_code in {400, 422}, response.content
    assert "detail" in response.json()
    assert totals() == (0, 0, 0)


@pytest.mark.parametrize("raw", ["{not json", "", "\xff\xfe", '{"external_id": "p"', "null"])
def test_unparseable_bodies(world, raw):
    response = world["api"].post("/channels/social/messages", raw, raw=True)
    assert response.status_code in {400, 422} and "detail" in response.json()
    assert totals() == (0, 0, 0)


def test_a_2_mb_body_is_refused_clearly(world):
    payload = social(body="x" * (2 * 1024 * 1024))
    response = post(world["api"], "social", payload)
    assert response.status_code in {400, 413}
    assert response.json() == {"detail": "The request body is too large."}
    assert totals() == (0, 0, 0)


def test_a_long_single_line_body_within_limits_is_stored_whole(world):
    body = "y" * 100_000
    response = post(world["api"], "social", social(body=body))
    assert response.status_code == 201
    assert Message.objects.get().body == body


def test_html_and_scripts_are_stored_as_received_and_served_inert(world):
    body = '<script>alert(1)</script><p onclick="steal()">Hi <b>there</b></p>'
    api = world["api"]
    created = post(api, "social", social(body=body, handle='<img src=x onerror="x()">')).json()
    assert Message.objects.get().body == body
    listed = api.get(f"/tickets/{created['ticket']}/messages").json()["items"][0]
    assert listed["body"] == body
    assert "<script" not in listed["body_html"] and "<p onclick" not in listed["body_html"]
    # Typed into another system, not an HTML e-mail: shown as typed, escaped.
    assert "&lt;b&gt;there&lt;/b&gt;" in listed["body_html"]


def test_a_token_is_required(world):
    response = Api(None).post("/channels/social/messages", social())
    assert response.status_code == 401
    assert Api("tct_wrong").post("/channels/social/messages", social()).status_code == 401
    assert totals() == (0, 0, 0)


def test_the_endpoint_is_in_the_openapi_document(world):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/channels/{channel}/messages" in paths


# --- speed ------------------------------------------------------------------------------------


def test_query_counts_do_not_grow_with_the_desk(world, desk, django_assert_max_num_queries):
    api = world["api"]
    counter = iter(range(10_000))
    first = post(api, "forum", social("seed", thread_id="topic-1")).json()
    ticket = Ticket.objects.get(pk=first["ticket"])

    def thread_message():
        return post(api, "forum", social(f"m{next(counter)}", thread_id="topic-1"))

    def grow():
        bulk_tickets(300, teams=[world["support"]])
        # The same customer's other conversations, threads included.
        for i in range(30):
            post(api, "forum", social(f"other{i}", thread_id=f"topic-x{i}"))
            Message.objects.create(
                ticket=ticket,
                kind="in",
                channel="forum",
                body=f"old {i}",
                author_customer=ticket.customer,
                metadata={"thread_id": "topic-1"},
            )

    assert_same_query_count(thread_message, grow, status=201)
    with django_assert_max_num_queries(3):  # token, the stored message (a repeat)
        assert post(api, "forum", social("seed", thread_id="topic-1")).status_code == 200
    # 35 before the SLA clocks and the reports' daily figures (their first rows of the day
    # are inserted in savepoints); measured 40.
    with django_assert_max_num_queries(40):
        assert post(api, "social", social("new-one", handle="@new")).status_code == 201


# --- races (PostgreSQL: real concurrent transactions) -----------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_duplicates_store_one_message(desk, close_stray_database_sessions):
    ana = desk.admin("racer")
    token = desk.token(ana)
    barrier = threading.Barrier(4)
    results: list[tuple[int, dict]] = []
    errors: list[BaseException] = []

    def deliver(external_id: str, thread: str) -> None:
        try:
            client = Client()
            payload = json.dumps(social(external_id, thread_id=thread))
            barrier.wait(timeout=10)
            response = client.post(
                "/api/v1/channels/social/messages",
                payload,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
            results.append((response.status_code, response.json()))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    # Two retries of one post, and two different posts opening the same new thread.
    threads = [
        threading.Thread(target=deliver, args=("dup", "t-1")),
        threading.Thread(target=deliver, args=("dup", "t-1")),
        threading.Thread(target=deliver, args=("a", "t-2")),
        threading.Thread(target=deliver, args=("b", "t-2")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert len(results) == 4
    dup = [body for status, body in results if body["message"] == results[0][1]["message"]]
    statuses = sorted(status for status, _body in results)
    assert statuses == [200, 201, 201, 201], results
    assert Message.objects.filter(external_id="dup").count() == 1
    assert sum(1 for body in dup if body["created"]) == 1
    # The two posts of thread t-2 share one ticket.
    t2 = Message.objects.filter(external_id__in=["a", "b"]).values_list("ticket_id", flat=True)
    assert len(set(t2)) == 1
    assert Ticket.objects.count() == 2


def test_every_channel_has_exactly_one_entry_point():
    from tactful.api.channels_api import _OWN_ENTRY_POINTS, API_CHANNELS
    from tactful.customers.models import Channel
    from tactful.outbound.webhooks import WEBHOOK_CHANNELS

    assert set(API_CHANNELS) == set(WEBHOOK_CHANNELS)
    assert set(API_CHANNELS) | set(_OWN_ENTRY_POINTS) == set(Channel.values)
    assert not set(API_CHANNELS) & set(_OWN_ENTRY_POINTS)
