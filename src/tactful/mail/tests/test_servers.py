"""End to end against the real Postfix (SMTP) delivering into Dovecot (IMAP).

A customer writes to the team's address, the mail goes through Postfix and Dovecot, a poll
turns it into a ticket, the agent's reply travels back through Postfix into the customer's
mailbox with the threading headers, and the customer's answer lands in the same ticket.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.utils import timezone

from tactful.mail import imap
from tactful.mail.tests import servers
from tactful.outbound.delivery import sweep_deliveries
from tactful.tickets import services as ticket_services
from tactful.tickets.models import DeliveryState, Message, MessageKind, Ticket

pytestmark = [pytest.mark.email]


@pytest.fixture
def smtp_to_postfix(settings):
    """Replies leave through the test Postfix (the worker would get this from TACTFUL_SMTP_URL)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = servers.SMTP_HOST
    settings.EMAIL_PORT = servers.SMTP_PORT
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    return settings


@pytest.fixture
def support(desk):
    """A team whose address is a fresh mailbox, polled by a Mailbox row."""
    team = desk.team()
    team.email_address = servers.address("support")
    team.save(update_fields=["email_address"])
    mailbox = servers.make_mailbox(username=team.email_address, team=team)
    return mailbox


def _write_in(support, customer: str, subject: str, body: str, **kwargs) -> str:
    """The customer sends a mail to support through Postfix; returns its Message-ID."""
    mail = servers.customer_mail(
        sender=customer, to=support.username, subject=subject, body=body, **kwargs
    )
    before = len(servers.messages(support.username))
    servers.send_smtp(mail, sender=customer, to=[support.username])
    assert len(servers.wait_for_mail(support.username, before + 1)) == before + 1
    return mail["Message-ID"].strip("<>")


def test_customer_mail_becomes_a_ticket(support):
    customer = servers.address("customer")
    message_id = _write_in(
        support, customer, "Parcel never arrived", "Hello,\nmy parcel 4411 never arrived.\nCasey"
    )

    result = imap.poll_mailbox(support)

    assert (result.fetched, result.created, result.errors) == (1, 1, 0), result
    message = Message.objects.get(channel="email", external_id=message_id)
    ticket = message.ticket
    assert ticket.subject == "Parcel never arrived"
    assert ticket.team == support.team
    assert ticket.customer.email == customer
    assert "parcel 4411 never arrived" in message.body
    support.refresh_from_db()
    assert support.last_uid >= 1 and support.uid_validity and support.last_error == ""
    # Taken mail is marked read in the mailbox, so a person sees what Tactful took.
    assert [b"\\Seen" in item["flags"] for item in servers.messages(support.username)] == [True]


def test_reply_reaches_the_customer_threaded_and_the_answer_lands_in_the_same_ticket(
    support, smtp_to_postfix, desk, django_capture_on_commit_callbacks
):
    customer = servers.address("customer")
    first_id = _write_in(support, customer, "Charged twice", "You charged my card twice.")
    assert imap.poll_mailbox(support).created == 1
    ticket = Ticket.objects.get(messages__external_id=first_id)
    agent = desk.agent(teams=[support.team])

    with django_capture_on_commit_callbacks(execute=True):
        reply = ticket_services.record_reply(
            ticket=ticket, agent=agent, body="Sorry about that! The second charge is refunded."
        )
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT, reply.delivery_error

    [received] = servers.wait_for_mail(customer, 1)
    mail = received["mail"]
    assert mail["In-Reply-To"] == f"<{first_id}>"
    assert f"<{first_id}>" in mail["References"].split()
    assert f"[#{ticket.pk}]" in mail["Subject"]
    assert mail["Subject"].startswith("Re: Charged twice")
    assert support.username in mail["From"]
    # What the transport returned is kept as the delivery's provider id: our Message-ID.
    assert mail["Message-ID"].strip("<>") == reply.metadata["provider_id"]
    assert "second charge is refunded" in mail.get_content()

    # The customer answers from their mail program: a reply to what they received.
    answer_id = _write_in(
        support,
        customer,
        f"Re: {mail['Subject'].removeprefix('Re: ')}",
        "Thanks, I see the refund now.\n\n> Sorry about that! The second charge is refunded.",
        headers={
            "In-Reply-To": mail["Message-ID"],
            "References": f"{mail['References']} {mail['Message-ID']}",
        },
    )
    result = imap.poll_mailbox(support)

    assert (result.appended, result.created) == (1, 0), result
    answer = Message.objects.get(channel="email", external_id=answer_id)
    assert answer.ticket_id == ticket.pk
    assert answer.body.strip() == "Thanks, I see the refund now."  # quote stripped
    assert list(
        ticket.messages.filter(kind=MessageKind.INCOMING).values_list("external_id", flat=True)
    ) == [first_id, answer_id]


def test_the_same_mail_delivered_twice_is_one_message(support):
    customer = servers.address("customer")
    mail = servers.customer_mail(
        sender=customer, to=support.username, subject="Twice", body="Sent twice by my server."
    )
    for _attempt in range(2):  # a sending server that retried after a lost "250 OK"
        servers.send_smtp(mail, sender=customer, to=[support.username])
    assert len(servers.wait_for_mail(support.username, 2)) == 2

    result = imap.poll_mailbox(support)

    assert (result.fetched, result.created, result.duplicates) == (2, 1, 1), result
    assert Message.objects.filter(external_id=mail["Message-ID"].strip("<>")).count() == 1


def test_a_reply_waits_while_the_mail_server_is_down_and_goes_out_once_it_is_back(
    support, smtp_to_postfix, desk, django_capture_on_commit_callbacks
):
    customer = servers.address("customer")
    _write_in(support, customer, "Server down test", "Please answer me.")
    imap.poll_mailbox(support)
    ticket = Ticket.objects.get(customer__email=customer)
    agent = desk.agent(teams=[support.team])

    smtp_to_postfix.EMAIL_PORT = servers.closed_port()  # the server is down
    with django_capture_on_commit_callbacks(execute=True):
        reply = ticket_services.record_reply(ticket=ticket, agent=agent, body="We are on it.")
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.RETRYING
    assert "refused" in reply.delivery_error.lower() or "errno" in reply.delivery_error.lower()
    assert reply.next_delivery_at > timezone.now()  # backoff, not a hot loop
    assert servers.messages(customer) == []

    smtp_to_postfix.EMAIL_PORT = servers.SMTP_PORT  # back up, and the retry is due
    Message.objects.filter(pk=reply.pk).update(next_delivery_at=timezone.now())
    assert sweep_deliveries()["requeued"] >= 1

    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT and reply.delivery_error == ""
    assert reply.delivery_attempts == 2
    sweep_deliveries()  # a later sweep finds nothing to resend
    [received] = servers.wait_for_mail(customer, 1)
    assert received["mail"]["Message-ID"].strip("<>") == reply.metadata["provider_id"]
    assert len(servers.wait_for_mail(customer, 2, timeout=1.0)) == 1  # exactly one copy


# The watcher stores mail from its own thread: that needs a real database server (an
# in-memory SQLite database is locked against a second connection).
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_idle_watcher_takes_new_mail_without_waiting_for_a_poll(desk):
    team = desk.team()
    team.email_address = servers.address("support")
    team.save(update_fields=["email_address"])
    mailbox = servers.make_mailbox(username=team.email_address, team=team)
    stop = threading.Event()
    # The safety-net poll is far away: only the server's IDLE notice can bring the mail in.
    watcher = threading.Thread(
        target=imap.watch_mailbox,
        args=(mailbox.pk,),
        kwargs={"stop": stop, "refresh_seconds": 3600, "poll_seconds": 3600},
        daemon=True,
    )
    watcher.start()
    try:
        assert servers.wait_for(
            lambda: (
                type(mailbox).objects.filter(pk=mailbox.pk, last_polled_at__isnull=False).exists()
            )
        ), "the watcher never finished its first poll"
        customer = servers.address("customer")
        mail = servers.customer_mail(
            sender=customer, to=team.email_address, subject="Via IDLE", body="Are you there?"
        )
        servers.send_smtp(mail, sender=customer, to=[team.email_address])

        arrived = servers.wait_for(
            lambda: Message.objects.filter(external_id=mail["Message-ID"].strip("<>")).exists(),
            timeout=60,
        )
        assert arrived, type(mailbox).objects.values("last_error").get(pk=mailbox.pk)

        # A burst: mail keeps arriving while the watcher polls and goes back to IDLE.
        burst = [
            servers.customer_mail(
                sender=customer, to=team.email_address, subject=f"Burst {n}", body=f"Number {n}."
            )
            for n in range(10)
        ]
        for item in burst:
            servers.send_smtp(item, sender=customer, to=[team.email_address])
        ids = [item["Message-ID"].strip("<>") for item in burst]
        assert servers.wait_for(
            lambda: Message.objects.filter(external_id__in=ids).count() == len(ids), timeout=60
        ), Message.objects.filter(external_id__in=ids).count()
    finally:
        stop.set()
        watcher.join(timeout=15)
        connections.close_all()
    assert not watcher.is_alive(), "the watcher did not stop when asked"
