"""Mailers that reuse Message-IDs: a different mail is stored, a re-delivery is not."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tactful.mail.models import RefusalReason, RefusedMail
from tactful.mail.services import REUSED_MESSAGE_IDS, ingest_email
from tactful.mail.tests.test_ingest import make_mail
from tactful.tickets import inbound
from tactful.tickets.models import Message, MessageKind, Ticket

REUSED = "<reused-1@mailer.example.com>"


def reused_count() -> float:
    return REUSED_MESSAGE_IDS._value.get()


def notes() -> list[str]:
    return list(
        Message.objects.filter(kind=MessageKind.NOTE).values_list("body", flat=True).order_by("id")
    )


@pytest.mark.django_db
def test_a_different_mail_under_a_reused_message_id_is_stored_and_shown():
    before = reused_count()
    first = ingest_email(make_mail(message_id=REUSED, body="My order 1 did not arrive."))
    second = ingest_email(
        make_mail(message_id=REUSED, subject="Another thing", body="The invoice is wrong.")
    )
    assert (first.status, second.status) == ("created", "created")
    assert first.message_id != second.message_id
    stored = Message.objects.get(pk=second.message_id)
    assert stored.body == "The invoice is wrong."
    assert stored.external_id.startswith("reused-1@mailer.example.com#")
    assert stored.metadata["message_id"] == "reused-1@mailer.example.com"
    assert stored.metadata["reused_external_id_of"] == first.message_id
    # Visible to the agents, the admin and monitoring.
    (note,) = notes()
    assert "reused-1@mailer.example.com" in note and f"#{first.ticket_id}" in note
    row = RefusedMail.objects.get(reason=RefusalReason.REUSED_MESSAGE_ID)
    assert b"The invoice is wrong." in row.raw.read()
    assert reused_count() == before + 1


@pytest.mark.django_db
def test_reingesting_colliding_mails_doubles_nothing():
    mails = [
        make_mail(message_id=REUSED, body=f"Message number {n} about something else.")
        for n in range(3)
    ]
    results = [ingest_email(raw) for raw in mails]
    assert [r.status for r in results] == ["created"] * 3
    before = reused_count()
    again = [ingest_email(raw) for raw in [*mails, *reversed(mails)]]
    assert {r.status for r in again} == {"duplicate"}
    assert [r.message_id for r in again[:3]] == [r.message_id for r in results]
    assert Message.objects.filter(kind=MessageKind.INCOMING).count() == 3
    assert len(notes()) == 2
    assert RefusedMail.objects.filter(reason=RefusalReason.REUSED_MESSAGE_ID).count() == 2
    assert reused_count() == before


@pytest.mark.django_db
def test_a_redelivery_rewrapped_in_transit_is_still_a_duplicate():
    ingest_email(make_mail(message_id=REUSED, body="One long line that a relay may wrap."))
    rewrapped = make_mail(message_id=REUSED, body="One long line that\na relay may wrap.  ")
    assert ingest_email(rewrapped).status == "duplicate"


@pytest.mark.django_db
def test_same_text_from_another_sender_is_a_different_mail():
    ingest_email(make_mail(message_id=REUSED, body="Thanks!"))
    other = ingest_email(make_mail(message_id=REUSED, sender="dana@example.com", body="Thanks!"))
    assert other.status == "created"
    assert Message.objects.get(pk=other.message_id).ticket.customer.email == "dana@example.com"


@pytest.mark.django_db
def test_a_colliding_reply_threads_by_its_own_headers():
    opened = ingest_email(make_mail(message_id="<start@example.com>", body="Where is it?"))
    ingest_email(make_mail(message_id=REUSED, body="Something unrelated, first."))
    reply = make_mail(
        message_id=REUSED,
        subject="Re: Help with order 1",
        body="Any news about my order?",
        headers={"In-Reply-To": "<start@example.com>"},
    )
    result = ingest_email(reply)
    assert result.status == "appended" and result.ticket_id == opened.ticket_id


@pytest.mark.django_db
def test_messages_stored_before_fingerprints_compare_by_body():
    """A message stored without a content digest: the same body is the same message."""
    raw = make_mail(message_id=REUSED, body="Stored long ago.")
    first = ingest_email(raw)
    message = Message.objects.get(pk=first.message_id)
    message.metadata.pop(inbound.FINGERPRINT_KEY)
    message.save(update_fields=["metadata"])
    assert ingest_email(raw).status == "duplicate"
    assert ingest_email(make_mail(message_id=REUSED, body="Something new.")).status == "created"


@pytest.mark.django_db
def test_different_refused_mails_under_one_id_are_each_kept_once():
    auto = {"Auto-Submitted": "auto-replied"}
    one = make_mail(message_id=REUSED, body="I am away until Monday.", headers=auto)
    two = make_mail(message_id=REUSED, body="I am away until Friday.", headers=auto)
    for raw in (one, two, one, two):
        assert ingest_email(raw).status == "refused"
    assert RefusedMail.objects.filter(reason=RefusalReason.AUTO_REPLY).count() == 2


@pytest.mark.django_db
def test_a_long_reused_id_gets_a_derived_id_that_fits():
    long_id = "<" + "x" * 250 + "@example.com>"
    ingest_email(make_mail(message_id=long_id, body="First."))
    second = ingest_email(make_mail(message_id=long_id, body="Second."))
    assert second.status == "created"
    assert len(Message.objects.get(pk=second.message_id).external_id) <= 255
    assert ingest_email(make_mail(message_id=long_id, body="Second.")).status == "duplicate"


@pytest.mark.django_db
def test_the_door_without_a_fingerprint_keeps_the_id_alone_rule(desk):
    customer = desk.customer("casey@example.com")
    first = inbound.receive(channel="api", sender=customer, body="One", external_id="x-1")
    again = inbound.receive(channel="api", sender=customer, body="Two", external_id="x-1")
    assert again.status == "duplicate" and again.message.pk == first.message.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_different_mails_under_one_id_at_the_same_moment_are_all_stored():
    """Six mails, three different ones each delivered twice, race through the door."""
    mails = [make_mail(message_id=REUSED, body=f"Concurrent message {n % 3}.") for n in range(6)]
    barrier = threading.Barrier(len(mails))
    statuses: list[str] = []
    errors: list[BaseException] = []

    def deliver(raw: bytes) -> None:
        try:
            barrier.wait()
            statuses.append(ingest_email(raw).status)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(raw,)) for raw in mails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    bodies = sorted(
        Message.objects.filter(kind=MessageKind.INCOMING).values_list("body", flat=True)
    )
    assert bodies == [f"Concurrent message {n}." for n in range(3)]
    assert sorted(statuses).count("duplicate") == 3
    assert Ticket.objects.count() <= 3
