"""Blocking and suspending an abusive customer: what a lead does, and what becomes of what the
customer writes on every channel (stored, marked, held out of every queue, never answered by
anything automatic), until the block is lifted or the suspension runs out."""

from __future__ import annotations

import time
from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tactful.accounts.models import AuditEvent, AuditKind
from tactful.automation.models import Notification, Rule
from tactful.canned import services as canned_services
from tactful.customers import selectors as customer_selectors
from tactful.customers import services as customer_services
from tactful.customers.models import BlockKind, CustomerBlock
from tactful.livechat import services as chat_services
from tactful.mail.services import ingest_email
from tactful.profiles import services
from tactful.satisfaction.models import Survey
from tactful.tickets import inbound, selectors
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Message, MessageKind, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

ADDRESS = "troll@example.com"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(desk):
    team = desk.team("Support", auto_assign=True)
    team.slug = "support"
    team.save(update_fields=["slug"])
    agent = desk.agent("ana", teams=[team])
    lead = desk.lead("lena", teams=[team])
    customer = customer_services.get_or_create_customer(
        channel="email", handle=ADDRESS, name="Trevor Troll", email=ADDRESS
    )
    # The customer's first (ordinary) ticket, from before the block.
    first = desk.ticket(customer=customer, team=team)
    return {"team": team, "agent": agent, "lead": lead, "customer": customer, "first": first}


def block(world, kind=BlockKind.BLOCK, duration=None, reason="Insults the team"):
    return services.block_customer(
        customer=world["customer"], kind=kind, reason=reason, duration=duration, by=world["lead"]
    )


def write(world, body="You are all useless idiots.", **extra):
    """A new conversation from the customer, through the one inbound door (as the API does)."""
    return inbound.receive(
        channel="email",
        sender=inbound.Sender(handle=ADDRESS, email=ADDRESS),
        body=body,
        team=world["team"],
        **extra,
    )


def assert_held(received):
    """Stored and marked, held out of every queue; nothing the team would hear of."""
    ticket, message = received.ticket, received.message
    ticket.refresh_from_db()
    assert received.held
    assert Message.objects.filter(pk=message.pk).exists()
    active = customer_selectors.active_block(ticket.customer_id)
    assert active is not None and message.metadata[inbound.HELD_KEY] == active.pk
    assert ticket.assignee_id is None
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert "message_held" in kinds
    assert "created" not in kinds and "message" not in kinds
    assert not Notification.objects.filter(ticket=ticket).exists()


# --- the lead's services ----------------------------------------------------------------------


def test_a_block_holds_new_conversations_out_of_every_queue(world):
    placed = block(world)
    received = write(world)
    assert_held(received)
    assert received.ticket.held
    lead = world["lead"]
    queue = selectors.inbox_tickets(agent=lead, filters=selectors.TicketFilters())
    assert received.ticket not in queue
    assert world["first"] in queue
    held = selectors.inbox_tickets(agent=lead, filters=selectors.TicketFilters(held=True))
    assert list(held) == [received.ticket]
    counts = selectors.queue_counts(agent=world["agent"])
    assert counts["all"] == 1 and counts["unassigned"] + counts["mine"] <= 1
    assert counts["held"] == 1
    assert received.message.metadata[inbound.HELD_KEY] == placed.pk


def test_a_message_on_an_open_ticket_is_kept_but_neither_reopens_nor_tells_the_owner(world):
    ticket = world["first"]
    ticket_services.change_status(ticket=ticket, status=Status.PENDING, by=world["lead"])
    ticket.refresh_from_db()
    owner = ticket.assignee_id
    updated = ticket.updated_at
    block(world)
    received = inbound.record_incoming_message(ticket=ticket, body="Answer me NOW, idiots.")
    ticket.refresh_from_db()
    assert received.metadata[inbound.HELD_KEY]
    assert ticket.status == Status.PENDING and ticket.updated_at == updated
    assert ticket.assignee_id == owner
    assert not Notification.objects.filter(ticket=ticket, kind="customer").exists()
    assert TicketEvent.objects.filter(ticket=ticket, kind="message_held").count() == 1


def test_no_auto_reply_goes_to_a_blocked_customer(world, desk):
    Rule.objects.update(active=False)
    canned = canned_services.create_response(
        by=desk.admin(),
        team=None,
        title="We got it",
        category="acknowledge",
        variants={"en": canned_services.VariantText(body="Thanks, we have your message.")},
    )
    for trigger in ("ticket_created", "customer_message"):
        rule = Rule(
            name=f"Acknowledge {trigger}",
            trigger=trigger,
            conditions={},
            order=1,
            actions=[{"type": "auto_reply", "response": canned.pk}],
        )
        rule.full_clean()
        rule.save()
    placed = block(world)
    held = write(world)
    inbound.record_incoming_message(ticket=world["first"], body="Still waiting, morons.")
    outgoing = Message.objects.filter(kind=MessageKind.OUTGOING)
    assert not outgoing.filter(ticket__in=[held.ticket, world["first"]]).exists()
    # The same rules answer once the block is lifted (the rules did work all along).
    services.lift_block(block=placed, by=world["lead"])
    after = write(world, body="Sorry for before. Where is my parcel?")
    assert outgoing.filter(ticket=after.ticket).count() == 1


def test_no_survey_goes_to_a_blocked_customer_when_a_ticket_is_solved(world):
    block(world)
    ticket_services.change_status(ticket=world["first"], status=Status.SOLVED, by=world["lead"])
    assert not Survey.objects.filter(ticket=world["first"]).exists()


def test_a_survey_goes_out_on_solve_when_nobody_is_blocked(world):
    # The control of the test above: surveys are on for this team.
    ticket_services.change_status(ticket=world["first"], status=Status.SOLVED, by=world["lead"])
    assert Survey.objects.filter(ticket=world["first"]).count() == 1


def test_a_suspension_ends_by_itself_when_its_time_is_up(world):
    placed = block(world, kind=BlockKind.SUSPEND, duration=timedelta(days=1))
    assert write(world).held
    # Its expiry is read when the next message arrives: no job has to end it.
    CustomerBlock.objects.filter(pk=placed.pk).update(expires_at=timezone.now())
    received = write(world, body="Hello again, my parcel is late.")
    assert not received.held and not received.ticket.held
    # Back in the queue like any new conversation: the team hands it out.
    assert received.ticket.assignee_id is not None
    assert customer_selectors.active_block(world["customer"].pk) is None


def test_a_lifted_block_lets_the_customer_through_and_their_held_conversation_rejoins(world):
    placed = block(world)
    held = write(world)
    services.lift_block(block=placed, by=world["lead"])
    follow_up = inbound.receive(
        channel="email",
        sender=inbound.Sender(handle=ADDRESS, email=ADDRESS),
        body="Sorry. Is there news?",
        thread=lambda _customer: held.ticket,
    )
    assert not follow_up.held
    follow_up.ticket.refresh_from_db()
    assert not follow_up.ticket.held
    queue = selectors.inbox_tickets(agent=world["lead"], filters=selectors.TicketFilters())
    assert follow_up.ticket in queue
    placed.refresh_from_db()
    assert placed.lifted_by == world["lead"] and placed.lifted_at is not None


def test_a_new_block_replaces_the_one_in_force(world):
    suspension = block(world, kind=BlockKind.SUSPEND, duration=timedelta(hours=1))
    blocked = block(world)
    suspension.refresh_from_db()
    assert suspension.lifted_at is not None
    assert customer_selectors.active_block(world["customer"].pk) == blocked


def test_every_block_and_lift_is_in_the_audit_log_and_on_the_open_tickets(world):
    placed = block(world, kind=BlockKind.SUSPEND, duration=timedelta(days=7))
    services.lift_block(block=placed, by=world["lead"])
    placed_row, lifted_row = AuditEvent.objects.order_by("pk").filter(
        kind__in=[AuditKind.CUSTOMER_BLOCKED, AuditKind.CUSTOMER_UNBLOCKED]
    )
    assert placed_row.kind == AuditKind.CUSTOMER_BLOCKED and placed_row.actor == world["lead"]
    assert placed_row.detail["customer"] == world["customer"].pk
    assert placed_row.detail["block_kind"] == "suspend" and placed_row.detail["until"]
    assert lifted_row.kind == AuditKind.CUSTOMER_UNBLOCKED
    assert lifted_row.detail["block"] == placed.pk
    changes = TicketEvent.objects.filter(ticket=world["first"], kind="customer_block")
    assert [e.data["lifted"] for e in changes.order_by("pk")] == [False, True]


@pytest.mark.parametrize(
    ("kind", "reason", "duration", "error"),
    [
        ("ban", "Rude", None, "block or to suspend"),
        (BlockKind.BLOCK, "   ", None, "reason"),
        (BlockKind.BLOCK, "x" * 1001, None, "longer"),
        (BlockKind.BLOCK, "Rude\x00", None, "NUL"),
        (BlockKind.SUSPEND, "Rude", None, "one hour to one year"),
        (BlockKind.SUSPEND, "Rude", timedelta(minutes=5), "one hour to one year"),
        (BlockKind.SUSPEND, "Rude", timedelta(days=400), "one hour to one year"),
        (BlockKind.SUSPEND, "Rude", timedelta(days=-1), "one hour to one year"),
        (BlockKind.BLOCK, "Rude", timedelta(days=1), "until a lead lifts"),
    ],
)
def test_a_malformed_block_is_refused_and_nothing_changes(world, kind, reason, duration, error):
    with pytest.raises(ValidationError, match=error):
        services.block_customer(
            customer=world["customer"],
            kind=kind,
            reason=reason,
            duration=duration,
            by=world["lead"],
        )
    assert not CustomerBlock.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditKind.CUSTOMER_BLOCKED).exists()


def test_an_agent_may_not_block_or_lift(world):
    with pytest.raises(PermissionDenied):
        services.block_customer(
            customer=world["customer"], kind="block", reason="Rude", by=world["agent"]
        )
    placed = block(world)
    with pytest.raises(PermissionDenied):
        services.lift_block(block=placed, by=world["agent"])
    assert customer_selectors.active_block(world["customer"].pk) == placed


def test_lifting_twice_or_after_the_end_is_refused(world):
    placed = block(world)
    services.lift_block(block=placed, by=world["lead"])
    with pytest.raises(ValidationError, match="already lifted"):
        services.lift_block(block=placed, by=world["lead"])
    ended = block(world, kind=BlockKind.SUSPEND, duration=timedelta(hours=1))
    CustomerBlock.objects.filter(pk=ended.pk).update(expires_at=timezone.now())
    with pytest.raises(ValidationError, match="already ended"):
        services.lift_block(block=ended, by=world["lead"])


def test_a_merge_carries_the_block_to_the_kept_customer_and_its_undo_brings_it_back(world, desk):
    kept = desk.customer("trevor.real@example.com")
    desk.ticket(customer=kept, team=world["team"])
    placed = block(world)
    merge = services.merge_customers(kept=kept, merged=world["customer"], by=world["lead"])
    assert customer_selectors.active_block(kept.pk) == placed
    # The troll's address now belongs to the kept customer: still held.
    assert write(world).held
    services.undo_merge(merge=merge, by=world["lead"])
    assert customer_selectors.active_block(kept.pk) is None
    assert customer_selectors.active_block(world["customer"].pk) == placed


# --- every channel ----------------------------------------------------------------------------


def make_mail(*, message_id: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Trevor <{ADDRESS}>"
    message["To"] = "support@tactful.test"
    message["Subject"] = "You people"
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()


def test_e_mail_from_a_blocked_customer_is_stored_and_held(world):
    block(world)
    result = ingest_email(
        make_mail(message_id="<abuse-1@example.com>", body="Idiots."), team=world["team"]
    )
    assert result.status == "created"
    message = Message.objects.select_related("ticket").get(pk=result.message_id)
    assert message.ticket.held and message.metadata[inbound.HELD_KEY]
    assert not message.ticket.assignee_id


def test_the_api_channels_store_and_hold_a_blocked_customer_s_messages(world, desk):
    token = desk.token(desk.admin())
    client = Client(headers={"Authorization": f"Bearer {token}"})

    def post(external_id: str) -> dict:
        response = client.post(
            "/api/v1/channels/social/messages",
            {
                "external_id": external_id,
                "body": "Worst company ever",
                "customer": {"handle": "@t"},
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        return response.json()

    social = Ticket.objects.get(pk=post("post-1")["ticket"]).customer
    services.block_customer(customer=social, kind="block", reason="Rude", by=world["lead"])
    held = Message.objects.select_related("ticket").get(pk=post("post-2")["message"])
    assert held.ticket.held and held.metadata[inbound.HELD_KEY]
    block(world)
    response = client.post(
        "/api/v1/tickets",
        {
            "body": "Idiots, all of you",
            "channel": "api",
            "customer": {"channel": "email", "handle": ADDRESS},
            "tags": ["vip"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["number"])
    assert ticket.held and ticket.customer_id == world["customer"].pk
    assert ticket.messages.get().metadata[inbound.HELD_KEY]
    # Nothing the channel sent is lost, its tags included.
    assert list(ticket.tags.values_list("name", flat=True)) == ["vip"]
    assert response.json()["tags"] == ["vip"]


def test_the_contact_form_stores_and_holds_a_blocked_customer_s_message(world, settings):
    settings.TACTFUL_CONTACT_MIN_SECONDS = 0
    # The form files by address on the web channel: the same person, another identity.
    web = customer_services.get_or_create_customer(channel="web", handle=ADDRESS, email=ADDRESS)
    placed = services.block_customer(customer=web, kind="block", reason="Rude", by=world["lead"])
    started = signing.dumps(
        {"t": time.time() - 60, "n": "nonce-troll"}, salt="tactful.webform.started"
    )
    response = Client().post(
        "/contact/support/",
        {
            "name": "Trevor",
            "email": ADDRESS,
            "subject": "You people",
            "message": "Useless idiots.",
            "language": "en",
            "website": "",
            "started": started,
        },
    )
    assert response.status_code == 302  # the visitor sees the usual thanks: nothing to learn
    ticket = Ticket.objects.get(customer=web, channel="web")
    assert ticket.held and ticket.messages.get().metadata[inbound.HELD_KEY] == placed.pk


def test_the_chat_stores_and_holds_a_blocked_visitor_s_messages(world):
    info, _token = chat_services.start_session(
        team_slug="support", name="Trevor", email=ADDRESS, language="en", origin=""
    )
    received = chat_services.receive_visitor_message(
        session_id=info.session_id, client_id="6f1c4a52-3c1e-4b1e-9c1e-2b7a6c1d0e11", body="hi"
    )
    ticket = Ticket.objects.get(pk=received.ticket_id)
    services.block_customer(customer=ticket.customer, kind="block", reason="Rude", by=world["lead"])
    again = chat_services.receive_visitor_message(
        session_id=info.session_id,
        client_id="6f1c4a52-3c1e-4b1e-9c1e-2b7a6c1d0e12",
        body="You idiots",
    )
    assert again.created
    message = Message.objects.get(pk=again.payload["id"])
    assert message.metadata[inbound.HELD_KEY]
    assert TicketEvent.objects.filter(ticket=ticket, kind="message_held").count() == 1


# --- the cost of the check --------------------------------------------------------------------


def _customer_queries(callable_):
    with CaptureQueriesContext(connection) as queries:
        callable_()
    return [q["sql"] for q in queries.captured_queries]


def test_the_inbound_door_looks_for_a_block_with_one_query(world):
    ticket = world["first"]
    plain = _customer_queries(
        lambda: inbound.record_incoming_message(ticket=ticket, body="Any news?")
    )
    assert sum("customers_customerblock" in sql for sql in plain) == 1
    block(world)
    held = _customer_queries(lambda: inbound.record_incoming_message(ticket=ticket, body="Idiots."))
    assert sum("customers_customerblock" in sql for sql in held) == 1
    # Holding a message costs less than handling it: no rules, notifications, clocks.
    assert len(held) <= len(plain)
    print(f"inbound append: {len(plain)} queries normally, {len(held)} held")


# --- the customer page ------------------------------------------------------------------------


def test_a_lead_blocks_and_lifts_from_the_customer_page(world):
    client = Client()
    client.force_login(world["lead"])
    url = f"/customers/{world['customer'].pk}/"
    response = client.post(
        url + "block/", {"kind": "suspend", "duration": "7d", "reason": "Threatened Ana"}
    )
    assert response.status_code == 302
    placed = customer_selectors.active_block(world["customer"].pk)
    assert placed.kind == "suspend" and placed.reason == "Threatened Ana"
    assert timedelta(days=6) < placed.expires_at - timezone.now() <= timedelta(days=7)
    page = client.get(url)
    assert page.context["active_block"] == placed
    assert "Threatened Ana" in page.content.decode()
    response = client.post(f"/customers/blocks/{placed.pk}/lift/")
    assert response.status_code == 302
    assert customer_selectors.active_block(world["customer"].pk) is None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": "suspend", "reason": "Rude"},  # no duration
        {"kind": "block", "duration": "7d", "reason": "Rude"},
        {"kind": "suspend", "duration": "forever", "reason": "Rude"},
        {"kind": "<script>", "duration": "", "reason": "Rude"},
        {"kind": "block", "reason": "x" * 5000},
        {"kind": "block", "reason": "a\x00b"},
    ],
)
def test_a_malformed_block_form_says_why_and_blocks_nobody(world, data):
    client = Client()
    client.force_login(world["lead"])
    url = f"/customers/{world['customer'].pk}/"
    response = client.post(url + "block/", data, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not CustomerBlock.objects.exists()


def test_an_agent_is_refused_and_sees_only_that_the_customer_is_blocked(world):
    placed = block(world, reason="Threatened Ana at home")
    client = Client()
    client.force_login(world["agent"])
    url = f"/customers/{world['customer'].pk}/"
    assert client.post(url + "block/", {"kind": "block", "reason": "x"}).status_code == 403
    assert client.post(f"/customers/blocks/{placed.pk}/lift/").status_code == 403
    page = client.get(url)
    assert page.status_code == 200 and page.context["active_block"] == placed
    assert "Threatened Ana at home" not in page.content.decode()
    assert customer_selectors.active_block(world["customer"].pk) == placed


def test_an_agent_asking_the_inbox_for_held_tickets_gets_the_ordinary_queue(world):
    block(world)
    held = write(world).ticket
    client = Client()
    client.force_login(world["agent"])
    shown = [ticket.pk for ticket in client.get("/inbox/", {"held": "on"}).context["page"].items]
    assert held.pk not in shown and world["first"].pk in shown
    client.force_login(world["lead"])
    shown = [ticket.pk for ticket in client.get("/inbox/", {"held": "on"}).context["page"].items]
    assert shown == [held.pk]


@pytest.mark.postgres
def test_the_customer_page_with_blocks_stays_within_its_query_budget(world):
    client = Client()
    client.force_login(world["lead"])
    url = f"/customers/{world['customer'].pk}/"
    for _ in range(3):
        block(world, kind=BlockKind.SUSPEND, duration=timedelta(hours=2))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # The page's budget (test_customer_page) is 16; the blocks are one query more.
    assert len(queries.captured_queries) <= 16
    print(f"customer page with blocks: {len(queries.captured_queries)} queries")
