"""ingest_email: the corpus of hostile mail, threading, idempotency, limits and refusals."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactful.mail.matching import our_message_id
from tactful.mail.models import Mailbox, RefusedMail
from tactful.mail.services import TRUNCATED_MARKER, ingest_email
from tactful.tickets import services as ticket_services
from tactful.tickets.models import EventKind, Message, MessageKind, Ticket

CORPUS = Path(__file__).parent / "corpus"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def make_mail(
    *,
    sender: str = "Casey <casey@example.com>",
    to: str = "support@tactful.test",
    subject: str = "Help with order 1",
    body: str = "My order 1 did not arrive.",
    message_id: str | None = "<m1@example.com>",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
) -> bytes:
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, data, content_type in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def only_message(result) -> Message:
    return Message.objects.select_related("ticket", "ticket__customer").get(pk=result.message_id)


# --- the corpus -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_corpus_has_at_least_twelve_messages():
    assert len(list(CORPUS.glob("*.eml"))) >= 12


@pytest.mark.django_db
def test_normal_mail_with_attachment_becomes_a_ticket():
    result = ingest_email(corpus("01_normal_en_attachment.eml"))
    assert result.status == "created"
    message = only_message(result)
    ticket = message.ticket
    assert ticket.subject == "Invoice 4471 charged twice"
    assert ticket.channel == "email"
    assert ticket.customer.email == "ann.buyer@example.com"
    assert ticket.customer.name == "Ann Buyer"
    # Signature stripped from the body, kept in the original.
    assert message.body.endswith("Thanks,\nAnn")
    assert "Buyer Ltd" in message.original_body
    assert message.external_id == "CAF-normal-en-0001@mail.example.com"
    assert message.metadata["message_id"] == "CAF-normal-en-0001@mail.example.com"
    assert message.metadata["from"] == "ann.buyer@example.com"
    assert message.metadata["to"] == ["support@tactful.test"]
    assert message.metadata["subject"] == "Invoice 4471 charged twice"
    assert message.metadata["date"].startswith("2024-01-15T10:00:00")
    attachment = message.attachments.get()
    assert attachment.filename == "statement.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.file.read().startswith(b"%PDF-1.4")
    # Outlook's X-Auto-Response-Suppress on a normal mail must not make it a refusal.
    assert not RefusedMail.objects.exists()


@pytest.mark.django_db
def test_multipart_without_boundary_keeps_its_text():
    result = ingest_email(corpus("02_multipart_without_boundary.eml"))
    assert result.status == "created"
    message = only_message(result)
    assert "The order 9921 never arrived." in message.body
    assert "multipart/mixed without a usable boundary" in message.metadata["problems"]


@pytest.mark.django_db
def test_wrong_declared_charset_is_read_correctly():
    message = only_message(ingest_email(corpus("03_wrong_charset_declared_utf8.eml")))
    assert "el envío del pedido 5512 no llegó" in message.body
    assert "¿Qué hago?" in message.body
    assert message.ticket.customer.name == "Lucía"


@pytest.mark.django_db
def test_unknown_charset_falls_back_to_detection():
    message = only_message(ingest_email(corpus("04_unknown_charset_koi8r.eml")))
    assert (
        message.body == "Здравствуйте, мой заказ 7781 до сих пор не пришёл. Помогите, пожалуйста."
    )
    assert message.ticket.subject == "Пропал заказ"
    assert any("x-klingon" in problem for problem in message.metadata["problems"])


@pytest.mark.django_db
def test_raw_8bit_headers_are_decoded():
    message = only_message(ingest_email(corpus("05_8bit_raw_headers.eml")))
    assert message.ticket.subject == "Возврат денег за заказ 3310"
    assert message.ticket.customer.name == "Мария Петрова"
    assert message.body == "Верните, пожалуйста, деньги за заказ 3310, товар пришёл разбитым."


@pytest.mark.django_db
def test_tnef_is_kept_as_an_attachment_and_the_text_ingested():
    message = only_message(ingest_email(corpus("06_tnef_winmail.eml")))
    assert message.body == "Can you renew our contract 88-A for another year at the same price?"
    attachment = message.attachments.get()
    assert attachment.filename == "winmail.dat"
    assert attachment.content_type == "application/ms-tnef"
    assert attachment.size == 1028


@pytest.mark.django_db
def test_html_with_scripts_is_stored_as_received_and_rendered_inert(desk, client):
    result = ingest_email(corpus("07_html_script_handlers.eml"))
    message = only_message(result)
    # Stored exactly as received: sanitising happens when it is shown.
    assert "<script>document.location" in message.body
    assert 'onerror="fetch(' in message.body
    client.force_login(desk.admin())
    page = client.get(f"/tickets/{result.ticket_id}/").content.decode()
    assert "My account 5520 is locked." in page
    assert "document.location=" not in page
    assert "alert('head')" not in page
    assert "onerror=" not in page
    assert 'onload="steal()"' not in page
    assert "javascript:alert" not in page


@pytest.mark.django_db
def test_hostile_file_names_are_made_safe_and_nothing_is_unpacked():
    message = only_message(ingest_email(corpus("08_hostile_filenames.eml")))
    names = list(message.attachments.values_list("filename", flat=True))
    assert names == ["passwd", "42.zip", "boot.ini"]
    for attachment in message.attachments.all():
        assert ".." not in attachment.file.name
        assert attachment.file.name.startswith(f"attachments/{message.ticket_id}/{message.pk}/")
    # The "zip bomb" is 56 bytes stored as-is, never unpacked.
    assert message.attachments.get(filename="42.zip").size == 56


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "reason", "detail"),
    [
        ("09_auto_reply_out_of_office.eml", "auto_reply", "Auto-Submitted: auto-replied"),
        ("10_bounce_dsn.eml", "bounce", "delivery-status report"),
        ("13_newsletter_precedence_bulk.eml", "auto_reply", "Precedence: bulk"),
        ("14_null_return_path_auto.eml", "bounce", "empty Return-Path (null sender)"),
        ("15_missing_from.eml", "no_sender", "No sender address"),
        ("16_x_autoreply.eml", "auto_reply", "x-autoreply header"),
    ],
)
def test_automatic_mail_is_refused_with_its_reason(name: str, reason: str, detail: str):
    raw = corpus(name)
    result = ingest_email(raw)
    assert (result.status, result.reason) == ("refused", reason)
    assert result.ticket_id is None and result.message_id is None
    assert not Ticket.objects.exists()
    refused = RefusedMail.objects.get()
    assert refused.reason == reason
    assert detail in refused.detail
    assert refused.size == len(raw)
    # The raw mail is kept for the admin: nothing lost.
    assert refused.raw.read() == raw


@pytest.mark.django_db
def test_refusal_is_recorded_once_when_the_same_mail_comes_again():
    raw = corpus("09_auto_reply_out_of_office.eml")
    assert ingest_email(raw).status == "refused"
    assert ingest_email(raw).status == "refused"
    assert RefusedMail.objects.count() == 1


@pytest.mark.django_db
def test_outlook_reply_in_spanish_is_stripped():
    message = only_message(ingest_email(corpus("11_outlook_reply_es.eml")))
    assert message.body == "Hola, todavía no he recibido el reembolso. ¿Pueden revisarlo?"
    assert "Hola Carmen, ya procesamos el reembolso." in message.original_body
    assert "Enviado desde mi iPhone" in message.original_body


@pytest.mark.django_db
def test_gmail_reply_in_russian_is_stripped():
    message = only_message(ingest_email(corpus("12_gmail_reply_ru.eml")))
    assert message.body == "Спасибо, но деньги так и не вернулись. Что дальше?"
    assert "Мы вернули деньги за заказ 3310" in message.original_body
    assert message.ticket.customer.name == "Иван Петров"


@pytest.mark.django_db
def test_html_only_reply_stays_html_without_the_quote():
    message = only_message(ingest_email(corpus("17_html_only_gmail_reply_en.eml")))
    assert "<b>thank you</b>" in message.body
    assert "ships tomorrow" not in message.body
    assert "gmail_quote" in message.original_body


# --- idempotency ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_same_mail_twice_is_one_message():
    raw = make_mail()
    first = ingest_email(raw)
    second = ingest_email(raw)
    assert first.status == "created"
    assert second.status == "duplicate"
    assert (second.ticket_id, second.message_id) == (first.ticket_id, first.message_id)
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_mail_without_message_id_is_idempotent_on_its_bytes():
    raw = make_mail(message_id=None)
    first = ingest_email(raw)
    assert first.status == "created"
    assert ingest_email(raw).status == "duplicate"
    assert ingest_email(make_mail(message_id=None, body="Other text")).status == "created"
    assert only_message(first).external_id.startswith("sha256-")


@pytest.mark.django_db
def test_very_long_message_id_is_hashed_to_fit():
    long_id = "<" + "x" * 400 + "@example.com>"
    first = ingest_email(make_mail(message_id=long_id))
    assert first.status == "created"
    assert len(only_message(first).external_id) <= 255
    assert ingest_email(make_mail(message_id=long_id)).status == "duplicate"


# --- threading --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reply_to_a_stored_mail_is_appended():
    first = ingest_email(make_mail(message_id="<first@example.com>"))
    reply = ingest_email(
        make_mail(
            message_id="<second@example.com>",
            subject="Re: Help with order 1",
            body="Any news?\n\nOn Mon, Casey <casey@example.com> wrote:\n> My order",
            headers={"In-Reply-To": "<first@example.com>", "References": "<first@example.com>"},
        )
    )
    assert reply.status == "appended"
    assert reply.ticket_id == first.ticket_id
    assert only_message(reply).body == "Any news?"
    # Someone else in the thread (a colleague on Cc) also threads by headers.
    colleague = ingest_email(
        make_mail(
            sender="Dana <dana@example.com>",
            message_id="<third@example.com>",
            headers={"References": "<first@example.com> <second@example.com>"},
        )
    )
    assert colleague.status == "appended"
    assert colleague.ticket_id == first.ticket_id
    # …as themselves: the message is Dana's, the ticket stays Casey's.
    from tactful.tickets.models import Message, Ticket

    dana = Message.objects.select_related("author_customer").get(pk=colleague.message_id)
    assert dana.author_customer.email == "dana@example.com"
    assert Ticket.objects.get(pk=first.ticket_id).customer.email == "casey@example.com"


@pytest.mark.django_db
def test_reply_to_our_sent_reply_is_appended(desk):
    ticket = desk.ticket()
    agent = desk.admin()
    reply = ticket_services.record_reply(ticket=ticket, agent=agent, body="We sent it again.")
    ours = our_message_id(reply.pk, domain="tactful.test")
    answer = ingest_email(
        make_mail(
            sender=ticket.customer.email,
            message_id="<answer@example.com>",
            subject="Re: something else entirely",
            headers={"In-Reply-To": f"<{ours}>"},
        )
    )
    assert (answer.status, answer.ticket_id) == ("appended", ticket.pk)


@pytest.mark.django_db
def test_forged_tactful_message_id_does_not_thread(desk):
    ticket = desk.ticket()
    forged = f"tactful.{ticket.messages.get().pk}.0000000000000000@tactful.test"
    result = ingest_email(make_mail(headers={"In-Reply-To": f"<{forged}>"}))
    assert result.status == "created"
    assert result.ticket_id != ticket.pk


@pytest.mark.django_db
def test_subject_tag_threads_only_for_the_tickets_customer(desk):
    customer = desk.customer("owner@example.com")
    ticket = desk.ticket(customer=customer)
    mine = ingest_email(
        make_mail(
            sender="owner@example.com", subject=f"Re: order [#{ticket.pk}]", message_id="<a@x>"
        )
    )
    assert (mine.status, mine.ticket_id) == ("appended", ticket.pk)
    # A stranger quoting the number gets a ticket of their own (no hijacking).
    stranger = ingest_email(
        make_mail(sender="mallory@example.com", subject=f"[#{ticket.pk}] hi", message_id="<b@x>")
    )
    assert stranger.status == "created"
    assert stranger.ticket_id != ticket.pk
    # A tag for a ticket that does not exist: a new ticket.
    missing = ingest_email(
        make_mail(sender="owner@example.com", subject="[#999999] hi", message_id="<c@x>")
    )
    assert missing.status == "created"


@pytest.mark.django_db
def test_subject_tag_prefix_is_configurable(desk, settings):
    settings.TACTFUL_MAIL_TICKET_TAG_PREFIX = "TKT-"
    customer = desk.customer("owner2@example.com")
    ticket = desk.ticket(customer=customer)
    result = ingest_email(
        make_mail(sender="owner2@example.com", subject=f"Re: hi [TKT-{ticket.pk}]")
    )
    assert result.ticket_id == ticket.pk


@pytest.mark.django_db
def test_reply_to_a_merged_ticket_lands_in_the_target(desk):
    first = ingest_email(make_mail(message_id="<m-src@example.com>"))
    target = desk.ticket()
    source = Ticket.objects.get(pk=first.ticket_id)
    ticket_services.merge_tickets(source=source, target=target, by=desk.admin())
    reply = ingest_email(
        make_mail(
            message_id="<m-reply@example.com>", headers={"In-Reply-To": "<m-src@example.com>"}
        )
    )
    assert (reply.status, reply.ticket_id) == ("appended", target.pk)


# --- loops and teams --------------------------------------------------------------------------


@pytest.mark.django_db
def test_our_own_message_id_coming_back_is_a_loop(desk):
    ticket = desk.ticket()
    ours = our_message_id(ticket.messages.get().pk, domain="tactful.test")
    result = ingest_email(make_mail(message_id=f"<{ours}>"))
    assert (result.status, result.reason) == ("refused", "loop")


@pytest.mark.django_db
def test_mail_from_our_own_address_is_a_loop(desk):
    team = desk.team("Billing")
    team.email_address = "billing@tactful.test"
    team.save()
    assert ingest_email(make_mail(sender="billing@tactful.test")).reason == "loop"
    assert ingest_email(make_mail(sender="SUPPORT@tactful.test", message_id="<2@x>")).reason == (
        "loop"
    )


@pytest.mark.django_db
def test_team_comes_from_mailbox_then_argument_then_recipient(desk):
    billing = desk.team("Billing")
    billing.email_address = "billing@tactful.test"
    billing.save()
    sales = desk.team("Sales")
    mailbox = Mailbox.objects.create(
        name="sales", team=sales, imap_host="127.0.0.1", username="u", password="p"
    )
    by_recipient = ingest_email(make_mail(to="Billing <BILLING@tactful.test>", message_id="<1@x>"))
    by_mailbox = ingest_email(
        make_mail(to="billing@tactful.test", message_id="<2@x>"), mailbox=mailbox
    )
    by_argument = ingest_email(make_mail(message_id="<3@x>"), team=sales)
    nobody = ingest_email(make_mail(message_id="<4@x>"))
    teams = {
        result.status + str(i): Ticket.objects.get(pk=result.ticket_id).team_id
        for i, result in enumerate([by_recipient, by_mailbox, by_argument, nobody])
    }
    assert list(teams.values()) == [billing.pk, sales.pk, sales.pk, None]
    assert only_message(by_mailbox).metadata["mailbox"] == mailbox.pk


@pytest.mark.django_db
def test_unusable_sender_address_is_refused():
    result = ingest_email(make_mail(sender="Someone <not-an-address@nodomain>"))
    assert (result.status, result.reason) == ("refused", "no_sender")


# --- size limits ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_25_mb_attachment_is_dropped_with_a_note_and_the_message_kept(settings):
    settings.TACTFUL_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
    big = bytes(range(256)) * (25 * 1024 * 1024 // 256)
    raw = make_mail(
        body="The video of the problem is attached.",
        attachments=[("video.mp4", big, "video/mp4"), ("small.txt", b"log line", "text/plain")],
    )
    result = ingest_email(raw)
    assert result.status == "created"
    message = only_message(result)
    assert message.body == "The video of the problem is attached."
    assert list(message.attachments.values_list("filename", flat=True)) == ["small.txt"]
    assert message.metadata["dropped_attachments"] == ["video.mp4"]
    note = Message.objects.get(ticket_id=result.ticket_id, kind=MessageKind.NOTE)
    assert "video.mp4" in note.body
    assert "over the limit of 10485760 bytes" in note.body
    assert note.author_agent is None
    assert note.events.get().kind == EventKind.NOTE_ADDED
    refused = RefusedMail.objects.get()
    assert refused.reason == "attachment_dropped"
    assert "video.mp4" in refused.detail
    assert refused.raw.size == len(raw)


@pytest.mark.django_db
def test_2_mb_single_line_body_is_truncated_and_kept_whole_as_a_file():
    line = ("0123456789abcdef" * (2 * 1024 * 1024 // 16))[: 2 * 1024 * 1024]
    result = ingest_email(make_mail(body=line))
    assert result.status == "created"
    message = only_message(result)
    assert len(message.body) == ticket_services.MAX_BODY_CHARS
    assert message.body.endswith(TRUNCATED_MARKER)
    assert message.metadata["truncated"] is True
    full = message.attachments.get(filename="message-full.txt")
    assert full.file.read().decode().strip() == line


@pytest.mark.django_db
def test_too_many_attachments_are_noted(settings):
    files = [(f"f{i}.txt", f"file {i}".encode(), "text/plain") for i in range(13)]
    result = ingest_email(make_mail(attachments=files))
    message = only_message(result)
    assert message.attachments.count() == ticket_services.MAX_ATTACHMENTS
    assert message.metadata["dropped_attachments"] == ["f10.txt", "f11.txt", "f12.txt"]
    assert RefusedMail.objects.get().reason == "attachment_dropped"


@pytest.mark.django_db
def test_mail_over_the_size_limit_is_refused_and_kept(settings):
    settings.TACTFUL_MAIL_MAX_BYTES = 5000
    settings.TACTFUL_MAIL_REFUSED_KEEP_BYTES = 6000
    raw = make_mail(subject="Huge", body="x" * 20000, message_id="<huge@example.com>")
    result = ingest_email(raw)
    assert (result.status, result.reason) == ("refused", "too_large")
    refused = RefusedMail.objects.get()
    assert (refused.subject, refused.message_id) == ("Huge", "huge@example.com")
    assert refused.size == len(raw)
    assert refused.raw.read() == raw[:6000]


# --- hostile input ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\x00\x00",
        b"just some words, no headers at all",
        b"From: a@example.com\r\n\r\nbody with a NUL \x00 in it",
        b"From: a@example.com\r\nSubject: " + b"S" * 5000 + b"\r\n\r\nlong subject",
        b"From: a@example.com\r\nContent-Type: text/plain; charset=\r\n\r\n\xff\xfe\xfd",
        "From: a@example.com\r\n\r\n\ud800".encode("utf-8", "surrogatepass"),
    ],
)
def test_hostile_raw_input_never_raises(raw: bytes):
    result = ingest_email(raw)
    assert result.status in {"created", "refused"}
    if result.status == "created":
        message = only_message(result)
        assert "\x00" not in message.body
        assert len(message.ticket.subject) <= 200


@pytest.mark.django_db
def test_non_bytes_input_is_not_a_crash():
    result = ingest_email("From: a@example.com\n\nhello")  # type: ignore[arg-type]
    assert result.status == "created"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=st.binary(max_size=2000), with_sender=st.booleans())
@pytest.mark.django_db
def test_random_bytes_are_stored_or_refused(raw: bytes, with_sender: bool):
    if with_sender:
        raw = b"From: fuzz@example.com\r\n" + raw
    result = ingest_email(raw)
    assert result.status in {"created", "appended", "duplicate", "refused"}
    if result.status == "refused":
        assert RefusedMail.objects.filter(reason=result.reason).exists()
    else:
        assert Message.objects.filter(pk=result.message_id).exists()


# --- cost -------------------------------------------------------------------------------------


def start_cold() -> int:
    """Empty the per-process caches a message reads through (the SLA policies and hours, the
    list of event webhooks), so a query count does not depend on the tests run before; return
    what this database adds to every stored message: SQLite keeps its full-text index in a
    table of its own (a delete and an insert where PostgreSQL updates one column)."""
    from django.db import connection

    from tactful.automation import selectors as automation_selectors
    from tactful.sla import services as sla_services
    from tactful.webhooks import services as webhook_services

    automation_selectors._rules_cache = None
    sla_services._setup_cache = None
    webhook_services.forget_subscriptions()
    return 1 if connection.vendor == "sqlite" else 0


@pytest.mark.django_db
def test_ingest_query_count_is_bounded(desk, django_assert_max_num_queries):
    desk.customer("casey@example.com")  # a known customer, the common case
    raw = make_mail(attachments=[("a.txt", b"aaa", "text/plain")])
    search_index = start_cold()
    from django.db import connection

    # SQLite has no row locks: it reads a customer's merge apart from finding them; and it
    # writes the coach's pending row and the ticket's state in two statements, not one.
    relock = apart = 0 if connection.vendor == "postgresql" else 1
    # Measured on PostgreSQL: the duplicate and loop checks, the customer (found and locked
    # by one read) and its team; the ticket, message, attachment, event, coach request (row and the ticket's
    # state), automation's rules, the reports' daily row (one upsert), the search index; then
    # the SLA clocks, moved without replaying the history: the ticket read with its clocks and
    # the policies' fingerprint, the policies and hours (only when that fingerprint moved, as
    # here from cold), the new clocks, the SLA daily rows and the summary (one upsert each);
    # the event webhooks' list (read once per process); the look for a block on the customer
    # (one indexed query); and the savepoint: 22, down from 44 with the full replay and
    # read-then-write daily rows (24 before the coach's pending row and the ticket's
    # "analysing" state became one statement, and the customer's lock one with its read).
    with django_assert_max_num_queries(22 + search_index + relock + apart):
        assert ingest_email(raw).status == "created"
    reply = make_mail(message_id="<m2@example.com>", headers={"In-Reply-To": "<m1@example.com>"})
    # A reply waiting on the open first response: as above with the threading instead of the
    # team, the ticket touched, and one read for the clocks (nothing of theirs moves), the
    # caches warm: 16 (with the block look-up).
    with django_assert_max_num_queries(16 + search_index + relock + apart):
        assert ingest_email(reply).status == "appended"
    with django_assert_max_num_queries(1):
        assert ingest_email(reply).status == "duplicate"
    # A new customer's first message: the known customer's count with the customer made
    # instead of found — the address lock, the look for a customer with that address, the
    # customer and its identity (ON CONFLICT DO NOTHING, no savepoint), and no second lock
    # for a row nobody else can see yet (SQLite, without row locks, still reads it), and no
    # look for a block (nobody can have blocked a customer this transaction created; one
    # joined by address is looked up): 21, down from 26 (a savepoint around the inserts, the
    # new customer locked again, the block looked up, the coach's row and the ticket's state
    # written apart).
    newcomer = make_mail(sender="Nova <nova@example.com>", message_id="<n1@example.com>")
    with django_assert_max_num_queries(21 + search_index + relock + apart):
        assert ingest_email(newcomer).status == "created"


@pytest.mark.django_db
def test_refused_raw_download_needs_permission(desk, client):
    ingest_email(corpus("09_auto_reply_out_of_office.eml"))
    refused = RefusedMail.objects.get()
    url = f"/mail/refused/{refused.pk}/raw/"
    client.force_login(desk.agent())
    assert client.get(url).status_code == 404
    client.force_login(desk.admin())
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == corpus("09_auto_reply_out_of_office.eml")


def test_storage_is_in_memory_in_tests():
    # The 25 MB test writes to storage: make sure that is RAM, not the developer's disk.
    from django.core.files.storage import InMemoryStorage

    assert isinstance(default_storage, InMemoryStorage)


# --- admin ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_lists_refused_mail_and_mailboxes_with_bounded_queries(
    desk, client, django_assert_max_num_queries
):
    mailbox = Mailbox.objects.create(
        name="support", imap_host="127.0.0.1", username="u", password="secret"
    )
    for index in range(30):
        ingest_email(
            make_mail(message_id=f"<r{index}@x>", headers={"Precedence": "bulk"}), mailbox=mailbox
        )
    client.force_login(desk.admin())
    with django_assert_max_num_queries(12):
        page = client.get("/admin/mail/refusedmail/")
    assert page.status_code == 200
    assert page.content.decode().count("Automatic reply") >= 30
    with django_assert_max_num_queries(12):
        assert client.get("/admin/mail/mailbox/").status_code == 200
    refused = RefusedMail.objects.first()
    detail = client.get(f"/admin/mail/refusedmail/{refused.pk}/change/").content.decode()
    assert f"/mail/refused/{refused.pk}/raw/" in detail
    assert 'name="reason"' not in detail  # read-only: no form fields
