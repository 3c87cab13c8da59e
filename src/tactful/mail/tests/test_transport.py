"""Replies by e-mail: headers, threading round trip, and SMTP errors from a real socket server."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from tactful.desk.settings import smtp_settings_from_url
from tactful.mail.matching import our_message_pk
from tactful.mail.services import ingest_email
from tactful.mail.tests.test_ingest import make_mail
from tactful.mail.transport import reply_subject, send_reply
from tactful.outbound import transports
from tactful.outbound.transports import PermanentDeliveryError, TemporaryDeliveryError
from tactful.tickets import services as ticket_services
from tactful.tickets.models import DeliveryState, Message

# --- a tiny real SMTP server ------------------------------------------------------------------


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Speaks just enough SMTP; answers RCPT TO with the server's configured reply."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        server: SMTPServer = self.server  # type: ignore[assignment]
        self.reply("220 test.local ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("ascii", "replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 test.local")
            elif command.startswith("MAIL FROM"):
                self.reply("250 OK")
            elif command.startswith("RCPT TO"):
                self.reply(server.rcpt_reply)
            elif command == "DATA":
                self.reply("354 go ahead")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                server.received.append(data[:-5])
                self.reply("250 queued")
            elif command == "RSET":
                self.reply("250 OK")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, rcpt_reply: str) -> None:
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.rcpt_reply = rcpt_reply
        self.received: list[bytes] = []


@pytest.fixture
def smtp_server(settings) -> Iterator[SMTPServer]:
    server = SMTPServer("250 OK")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.server_address[1]
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.shutdown()
    server.server_close()


def _reply(desk, *, body: str = "We refunded you today.", **ticket_kwargs) -> Message:
    ticket = desk.ticket(**ticket_kwargs)
    return ticket_services.record_reply(ticket=ticket, agent=desk.admin(), body=body)


# --- headers ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reply_threads_to_the_customers_mail_and_carries_the_ticket_number(desk, settings):
    team = desk.team("Billing")
    team.email_address = "billing@tactful.test"
    team.save()
    first = ingest_email(
        make_mail(
            message_id="<c1@example.com>",
            subject="Charged twice",
            headers={"References": "<older@example.com>"},
        ),
        team=team,
    )
    ticket = ticket_services.Ticket.objects.get(pk=first.ticket_id)
    reply = ticket_services.record_reply(ticket=ticket, agent=desk.admin(), body="Refunded.")

    sent_id = send_reply(reply)

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["casey@example.com"]
    assert email.from_email == "Billing <billing@tactful.test>"
    assert email.subject == f"Re: Charged twice [#{ticket.pk}]"
    assert email.body == "Refunded."
    headers = email.message()
    assert headers["Message-ID"] == f"<{sent_id}>"
    assert headers["In-Reply-To"] == "<c1@example.com>"
    assert headers["References"] == "<older@example.com> <c1@example.com>"
    assert headers["X-Tactful-Ticket"] == str(ticket.pk)
    assert headers["Auto-Submitted"] is None
    assert our_message_pk(sent_id) == reply.pk
    assert sent_id.endswith("@tactful.test")
    reply.refresh_from_db()
    assert reply.metadata["message_id"] == sent_id
    assert reply.metadata["in_reply_to"] == ["c1@example.com"]


@pytest.mark.django_db
def test_the_customers_answer_to_our_reply_lands_in_the_same_ticket(
    desk, django_capture_on_commit_callbacks
):
    first = ingest_email(make_mail(message_id="<c1@example.com>"))
    ticket = ticket_services.Ticket.objects.get(pk=first.ticket_id)
    with django_capture_on_commit_callbacks(execute=True):
        reply = ticket_services.record_reply(ticket=ticket, agent=desk.admin(), body="Done.")
    reply.refresh_from_db()
    assert reply.delivery_state == DeliveryState.SENT
    sent = mail.outbox[0].message()
    # The customer's client answers with In-Reply-To = our Message-ID and a new subject.
    answer = ingest_email(
        make_mail(
            message_id="<c2@example.com>",
            subject="Thanks!",
            headers={"In-Reply-To": sent["Message-ID"], "References": sent["References"]},
        )
    )
    assert (answer.status, answer.ticket_id) == ("appended", ticket.pk)


@pytest.mark.django_db
def test_message_id_is_stored_before_sending_so_a_failed_send_keeps_it(desk, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    reply = _reply(desk)
    with pytest.raises(TemporaryDeliveryError):
        send_reply(reply)
    reply.refresh_from_db()
    assert our_message_pk(reply.metadata["message_id"]) == reply.pk


@pytest.mark.django_db
def test_html_reply_goes_out_as_plain_text_with_attachments(desk):
    ticket = desk.ticket(subject="Re: RE: Invoice")
    reply = ticket_services.record_reply(
        ticket=ticket,
        agent=desk.admin(),
        body="<p>Hello <b>Casey</b>,</p><p>see attached.</p><script>x()</script>",
        attachments=[SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 data", "application/pdf")],
    )
    send_reply(reply)
    email = mail.outbox[0]
    assert email.body == "Hello Casey,\n\nsee attached."
    assert email.subject == f"Re: Invoice [#{ticket.pk}]"
    assert email.attachments == [("invoice.pdf", b"%PDF-1.4 data", "application/pdf")]


@pytest.mark.django_db
def test_sender_falls_back_to_the_configured_address(desk):
    send_reply(_reply(desk))
    assert mail.outbox[0].from_email == "support@tactful.test"


@pytest.mark.django_db
def test_customer_without_email_is_a_permanent_failure(desk):
    from tactful.customers import services as customer_services

    customer = customer_services.get_or_create_customer(channel="chat", handle="visitor-1")
    reply = _reply(desk, customer=customer, channel="chat")
    with pytest.raises(PermanentDeliveryError):
        send_reply(reply)
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Order late", "Re: Order late [#7]"),
        ("Re: Order late", "Re: Order late [#7]"),
        ("RE: Re: AW: Order late [#7]", "Re: Order late [#7]"),
        ("Отв: Заказ", "Re: Заказ [#7]"),
        ("", "Re: (no subject) [#7]"),
        ("Evil\r\nBcc: victim@example.com", "Re: Evil Bcc: victim@example.com [#7]"),
    ],
)
def test_reply_subject(subject: str, expected: str):
    assert reply_subject(subject, number=7) == expected


@pytest.mark.django_db
def test_web_form_customers_are_answered_by_email_only_with_an_address(desk):
    from tactful.customers import services as customer_services

    with_address = _reply(desk, channel="web")
    assert transports.transport_for(with_address).send is send_reply
    anonymous = customer_services.get_or_create_customer(channel="web", handle="form-42")
    without = _reply(desk, customer=anonymous, channel="web")
    assert transports.transport_for(without) is None
    assert transports.transport_for(_reply(desk)).channel == "email"


# --- SMTP errors (a real server on loopback) --------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_real_smtp_server_receives_the_reply(desk, smtp_server):
    reply = _reply(desk)
    sent_id = send_reply(reply)
    assert len(smtp_server.received) == 1
    received = message_from_bytes(smtp_server.received[0], policy=policy.default)
    assert received["Message-ID"] == f"<{sent_id}>"
    assert received.get_content().strip() == "We refunded you today."


@pytest.mark.django_db
def test_550_recipient_refused_is_permanent(desk, smtp_server):
    smtp_server.rcpt_reply = "550 5.1.1 no such user"
    with pytest.raises(PermanentDeliveryError, match="550"):
        send_reply(_reply(desk))


@pytest.mark.django_db
def test_450_mailbox_busy_is_temporary(desk, smtp_server):
    smtp_server.rcpt_reply = "450 4.2.1 try later"
    with pytest.raises(TemporaryDeliveryError, match="450"):
        send_reply(_reply(desk))


@pytest.mark.django_db
def test_connection_refused_is_temporary(desk, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    with pytest.raises(TemporaryDeliveryError):
        send_reply(_reply(desk))


@pytest.mark.django_db
def test_silent_server_times_out_as_temporary(desk, settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection but never greets
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = listener.getsockname()[1]
        settings.EMAIL_TIMEOUT = 1
        with pytest.raises(TemporaryDeliveryError):
            send_reply(_reply(desk))
    finally:
        listener.close()


@pytest.mark.django_db
def test_outbound_marks_a_refused_recipient_failed_and_a_busy_one_retrying(
    desk, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.rcpt_reply = "550 no such user"
    with django_capture_on_commit_callbacks(execute=True):
        refused = _reply(desk)
    refused.refresh_from_db()
    assert refused.delivery_state == DeliveryState.FAILED
    assert "550" in refused.delivery_error
    smtp_server.rcpt_reply = "421 busy"
    with django_capture_on_commit_callbacks(execute=True):
        busy = _reply(desk)
    busy.refresh_from_db()
    assert busy.delivery_state == DeliveryState.RETRYING


# --- settings ---------------------------------------------------------------------------------


def test_smtp_url_with_starttls():
    assert smtp_settings_from_url("smtp://me%40x.com:p%3Ass@mail.example.com:587?starttls=1") == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "me@x.com",
        "EMAIL_HOST_PASSWORD": "p:ss",
        "EMAIL_USE_SSL": False,
        "EMAIL_USE_TLS": True,
        "EMAIL_TIMEOUT": 30,
    }


def test_smtps_url_uses_implicit_tls_and_port_465():
    result = smtp_settings_from_url("smtps://mail.example.com")
    assert (result["EMAIL_PORT"], result["EMAIL_USE_SSL"], result["EMAIL_USE_TLS"]) == (
        465,
        True,
        False,
    )


def test_plain_smtp_url_without_tls():
    result = smtp_settings_from_url("smtp://127.0.0.1:2525?timeout=5")
    assert (result["EMAIL_PORT"], result["EMAIL_USE_TLS"], result["EMAIL_TIMEOUT"]) == (
        2525,
        False,
        5,
    )


def test_bad_smtp_url_is_a_clear_error():
    with pytest.raises(ValueError, match="smtp://"):
        smtp_settings_from_url("http://mail.example.com")


@pytest.mark.django_db
def test_answers_to_replies_sent_before_a_secret_key_change_still_thread(desk, settings):
    reply = _reply(desk)
    sent_id = send_reply(reply)
    settings.SECRET_KEY = "a-rotated-secret-key-for-this-test-only"
    assert our_message_pk(sent_id) is None  # the signature no longer checks out...
    answer = ingest_email(
        make_mail(
            message_id="<after-rotation@example.com>", headers={"In-Reply-To": f"<{sent_id}>"}
        )
    )
    # ...but the stored id does, so the answer still lands in the ticket.
    assert (answer.status, answer.ticket_id) == ("appended", reply.ticket_id)
    # A guessed id of the same shape is not stored anywhere, so it does not thread.
    local = sent_id.split("@")[0]
    guessed = local[:-1] + ("1" if local.endswith("0") else "0") + "@tactful.test"
    other = ingest_email(
        make_mail(message_id="<guess@example.com>", headers={"In-Reply-To": f"<{guessed}>"})
    )
    assert other.status == "created"
