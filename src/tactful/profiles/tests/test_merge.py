"""Merging two customers by hand, the undo that puts everything back, and joining old data."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client

from tactful.customers import services as customer_services
from tactful.customers.models import Customer, CustomerIdentity, CustomerMerge
from tactful.profiles import services
from tactful.tickets import inbound
from tactful.tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, object]:
    """Everything a merge touches, to compare before and after an undo."""
    return {
        "customers": sorted(
            Customer.objects.values_list("pk", "name", "email", "preferred_language", "merged_into")
        ),
        "identities": sorted(CustomerIdentity.objects.values_list("pk", "customer_id")),
        "tickets": sorted(Ticket.objects.values_list("pk", "customer_id")),
        "messages": sorted(Message.objects.values_list("pk", "author_customer_id")),
    }


@pytest.fixture
def pair(desk):
    team = desk.team("Billing")
    lead = desk.lead("lena", teams=[team])
    kept = desk.customer("lucia@example.com", name="")
    other = customer_services.get_or_create_customer(
        channel="chat", handle="visitor-7", name="Lucía", email="lucia.p@example.com", language="es"
    )
    for customer in (kept, other):
        desk.ticket(customer=customer, team=team)
        desk.ticket(customer=customer, team=team)
    return team, lead, kept, other


def test_a_merge_moves_identities_tickets_and_messages_and_says_so_on_each_timeline(pair):
    _team, lead, kept, other = pair
    moved = set(Ticket.objects.filter(customer=other).values_list("pk", flat=True))
    merge = services.merge_customers(kept=kept, merged=other, by=lead)
    assert set(Ticket.objects.filter(customer=kept).values_list("pk", flat=True)) >= moved
    assert not Ticket.objects.filter(customer=other).exists()
    assert set(kept.identities.values_list("handle", flat=True)) == {
        "lucia@example.com",
        "visitor-7",
    }
    assert not Message.objects.filter(author_customer=other).exists()
    other.refresh_from_db()
    kept.refresh_from_db()
    assert other.merged_into_id == kept.pk
    assert kept.name == "Lucía"  # the kept customer had no name
    events = TicketEvent.objects.filter(kind="customer_merged")
    assert set(events.values_list("ticket_id", flat=True)) == moved
    assert {e.actor_id for e in events} == {lead.pk}
    assert merge.moved["tickets"] == sorted(moved)
    # The timeline puts it in words on the ticket page.
    client = Client()
    client.force_login(lead)
    page = client.get(f"/tickets/{min(moved)}/").content.decode()
    assert f"Customer #{other.pk} merged into customer #{kept.pk}" in page
    # The chat identity now finds the kept customer.
    assert customer_services.get_or_create_customer(channel="chat", handle="visitor-7") == kept


def test_merge_then_undo_restores_exactly(pair):
    _team, lead, kept, other = pair
    before = snapshot()
    merge = services.merge_customers(kept=kept, merged=other, by=lead)
    assert snapshot() != before
    services.undo_merge(merge=merge, by=lead)
    assert snapshot() == before
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by_id == lead.pk
    undone = TicketEvent.objects.filter(kind="customer_unmerge")
    assert set(undone.values_list("ticket_id", flat=True)) == set(merge.moved["tickets"])


def test_what_arrived_after_the_merge_stays_with_the_kept_customer(pair, desk):
    team, lead, kept, other = pair
    merge = services.merge_customers(kept=kept, merged=other, by=lead)
    later = inbound.receive(
        channel="chat", sender=inbound.Sender(handle="visitor-7"), body="Hello again", team=team
    ).ticket
    assert later.customer_id == kept.pk
    services.undo_merge(merge=merge, by=lead)
    later.refresh_from_db()
    assert later.customer_id == kept.pk


def test_an_undo_twice_is_refused(pair):
    _team, lead, kept, other = pair
    merge = services.merge_customers(kept=kept, merged=other, by=lead)
    services.undo_merge(merge=merge, by=lead)
    with pytest.raises(ValidationError, match="already undone"):
        services.undo_merge(merge=merge, by=lead)


def test_merging_a_customer_into_themselves_is_refused(pair):
    _team, lead, kept, _other = pair
    with pytest.raises(ValidationError, match="themselves"):
        services.merge_customers(kept=kept, merged=kept, by=lead)


def test_merging_into_a_merged_customer_or_merging_one_again_is_refused(pair, desk):
    _team, lead, kept, other = pair
    services.merge_customers(kept=kept, merged=other, by=lead)
    third = desk.customer("third@example.com")
    with pytest.raises(ValidationError, match="already merged"):
        services.merge_customers(kept=other, merged=third, by=lead)
    with pytest.raises(ValidationError, match="already merged"):
        services.merge_customers(kept=third, merged=other, by=lead)


def test_someone_else_s_team_s_customer_cannot_be_merged(pair, desk):
    _team, lead, kept, _other = pair
    stranger = desk.customer("stranger@example.com")
    desk.ticket(customer=stranger, team=desk.team("Elsewhere"))
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.merge_customers(kept=kept, merged=stranger, by=lead)
    with pytest.raises(PermissionDenied):
        services.merge_customers(kept=stranger, merged=kept, by=lead)
    assert snapshot() == before


def test_agents_cannot_merge(pair, desk):
    team, _lead, kept, other = pair
    agent = desk.agent("ana", teams=[team])
    with pytest.raises(PermissionDenied):
        services.merge_customers(kept=kept, merged=other, by=agent)


def test_merge_and_undo_through_the_page(pair, client):
    _team, lead, kept, other = pair
    client.force_login(lead)
    before = snapshot()
    response = client.post(f"/customers/{kept.pk}/merge/", {"other": f"#{other.pk}"})
    assert response.status_code == 302
    merge = CustomerMerge.objects.get()
    page = client.get(f"/customers/{kept.pk}/").content.decode()
    assert "visitor-7" in page and f"/customers/merges/{merge.pk}/undo/" in page
    client.post(f"/customers/merges/{merge.pk}/undo/")
    assert snapshot() == before


@pytest.mark.parametrize(
    "other", ["", "#", "abc", "#99999999999999999999", "x" * 5000, "nobody@example.com", "\x00"]
)
def test_hostile_merge_forms_change_nothing(pair, client, other):
    _team, lead, kept, _other = pair
    client.force_login(lead)
    before = snapshot()
    response = client.post(f"/customers/{kept.pk}/merge/", {"other": other}, follow=True)
    assert response.status_code == 200
    assert snapshot() == before
    assert not CustomerMerge.objects.exists()


def test_a_merge_form_naming_the_page_s_own_customer_says_why(pair, client):
    _team, lead, kept, _other = pair
    client.force_login(lead)
    response = client.post(f"/customers/{kept.pk}/merge/", {"other": str(kept.pk)}, follow=True)
    assert "cannot be merged into themselves" in response.content.decode()


def test_undo_of_another_team_s_merge_is_not_found(pair, desk, client):
    _team, lead, kept, other = pair
    merge = services.merge_customers(kept=kept, merged=other, by=lead)
    outsider = desk.lead("olga", teams=[desk.team("Elsewhere")])
    client.force_login(outsider)
    assert client.post(f"/customers/merges/{merge.pk}/undo/").status_code == 404
    assert client.get(f"/customers/merges/{merge.pk}/undo/").status_code == 405


def test_joining_customers_who_share_a_verified_address_with_a_dry_run(desk):
    mailed = desk.customer("shared@example.com")
    desk.ticket(customer=mailed)
    # Created before matching existed: a form customer with the same address, another alone.
    typed = Customer.objects.create(name="Form", email="shared@example.com")
    CustomerIdentity.objects.create(customer=typed, channel="web", handle="shared@example.com")
    lone_a = Customer.objects.create(email="unverified@example.com")
    lone_b = Customer.objects.create(email="unverified@example.com")
    out = StringIO()
    before = snapshot()
    call_command("join_customers", "--dry-run", stdout=out)
    assert snapshot() == before
    assert f"shared@example.com: would join #{typed.pk} into #{mailed.pk}" in out.getvalue()
    assert "unverified" not in out.getvalue()
    call_command("join_customers", stdout=StringIO())
    typed.refresh_from_db()
    assert typed.merged_into_id == mailed.pk
    assert CustomerMerge.objects.get().by is None
    assert Customer.objects.filter(pk__in=[lone_a.pk, lone_b.pk], merged_into=None).count() == 2
    # A second run finds nothing left to join.
    again = StringIO()
    call_command("join_customers", "--dry-run", stdout=again)
    assert "0 addresses" in again.getvalue()
