"""The hostile corpus: every mail ingested without a crash, nothing lost, nothing doubled.

Messages 18-38 were written for the troubles mail-parsing libraries keep meeting (their issue
trackers and test suites: encoded words split inside a character, RFC 2231 continuations,
nesting and part bombs, huge headers, recursion in address comments, TNEF, zip bombs, lying
charsets, reused Message-IDs). Time is bounded by limits, and the tests assert the limits,
never a duration.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tactful.mail import parsing
from tactful.mail.models import RefusalReason, RefusedMail
from tactful.mail.services import ingest_email
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Attachment, Message, MessageKind, Ticket

CORPUS = Path(__file__).parent / "corpus"
ALL = sorted(path.name for path in CORPUS.glob("*.eml"))


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def stored(name: str) -> Message:
    result = ingest_email(corpus(name))
    assert result.status == "created", (result.status, result.reason)
    return Message.objects.select_related("ticket", "ticket__customer").get(pk=result.message_id)


def names(message: Message) -> list[str]:
    return [attachment.filename for attachment in message.attachments.order_by("id")]


def totals() -> tuple[int, ...]:
    return (
        Ticket.objects.count(),
        Message.objects.count(),
        Attachment.objects.count(),
        RefusedMail.objects.count(),
    )


def test_the_corpus_covers_the_hostile_cases():
    assert len(ALL) >= 38


@pytest.mark.django_db
def test_every_mail_is_kept_once_and_a_second_pass_doubles_nothing():
    first: dict[str, str] = {}
    for name in ALL:
        raw = corpus(name)
        result = ingest_email(raw)
        first[name] = result.status
        if result.status == "refused":
            # Nothing lost: the admin has the raw mail.
            kept = RefusedMail.objects.filter(reason=result.reason).order_by("-id").first()
            assert kept is not None and kept.raw.read() == raw
        else:
            assert Message.objects.filter(pk=result.message_id).exists()
    after_first = totals()
    second = {name: ingest_email(corpus(name)).status for name in ALL}
    assert totals() == after_first
    assert all(
        second[name] == ("refused" if first[name] == "refused" else "duplicate") for name in ALL
    )
    # Only the automatic mail and the one without any sender are refused.
    assert sorted(name for name, status in first.items() if status == "refused") == [
        "09_auto_reply_out_of_office.eml",
        "10_bounce_dsn.eml",
        "13_newsletter_precedence_bulk.eml",
        "14_null_return_path_auto.eml",
        "15_missing_from.eml",
        "16_x_autoreply.eml",
    ]


# --- headers ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_character_split_across_encoded_words_is_read_whole():
    message = stored("18_encoded_word_split_character.eml")
    assert message.ticket.subject == "La facturación de diciembre está duplicada"
    assert message.ticket.customer.name == "José Ramírez"


@pytest.mark.django_db
def test_an_encoded_word_glued_to_a_prefix_and_an_empty_one_are_read():
    message = stored("19_encoded_word_glued_and_empty.eml")
    assert message.ticket.subject == "[EXTERNAL]Привет, где мой чек #1"
    assert message.body.startswith("Где мой заказ 5521?")


@pytest.mark.django_db
def test_huge_headers_are_read_within_the_limits():
    raw = corpus("25_huge_headers.eml")
    message = stored("25_huge_headers.eml")
    assert message.ticket.subject == "Help please"
    assert len(message.metadata["references"]) == 50
    assert message.body == "My order number is 7781."
    # The limit that keeps it linear: the structured parse sees at most this much of a value.
    references = raw.split(b"References:", 1)[1].split(b"\r\nContent-Type", 1)[0]
    assert len(references) > 20 * parsing.MAX_PARSED_HEADER_CHARS


def test_blanks_in_a_header_are_joined_in_linear_time():
    """20,000 blanks without a line break: the old pattern backtracked over all of them."""
    assert parsing.header_text("a" + " " * 20000 + "b") == "a" + " " * 20000 + "b"
    assert parsing.header_text("Help \r\n \t please\r\n") == "Help please"
    assert parsing.header_text("one\n \n two") == "one two"


def test_repeated_ids_in_references_are_found_by_a_dict():
    ids = " ".join(f"<r{i % 10}@x>" for i in range(20000))
    assert parsing.message_ids(ids) == [f"r{i}@x" for i in range(10)]


@pytest.mark.django_db
def test_nested_comments_in_cc_do_not_exhaust_the_stack():
    message = stored("26_nested_comments_in_cc.eml")
    assert message.body == "Please call me back." and message.metadata["cc"] == []


@pytest.mark.django_db
def test_a_mail_without_from_is_filed_under_its_sender_header():
    message = stored("29_missing_from_sender_header.eml")
    assert message.ticket.customer.email == "frontdesk@hotel.example"


@pytest.mark.django_db
def test_lying_charsets_are_read_correctly():
    message = stored("30_lying_charsets.eml")
    assert message.ticket.subject == "Счёт"
    assert "Счёт выставлен дважды" in message.body
    assert "Second part with a broken charset parameter." in message.body
    assert "Tercera parte: ¿utf-16? No, es utf-8." in message.body


@pytest.mark.django_db
def test_two_mails_under_one_reused_message_id_are_both_kept():
    first = stored("31_reused_message_id_a.eml")
    second = stored("32_reused_message_id_b.eml")
    assert first.ticket_id != second.ticket_id
    assert second.metadata["reused_external_id_of"] == first.pk
    assert RefusedMail.objects.filter(reason=RefusalReason.REUSED_MESSAGE_ID).count() == 1


# --- structure --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rfc2231_continuations_are_joined_before_decoding():
    parsed = parsing.parse_email(corpus("20_rfc2231_continued_filenames.eml"))
    assert [a.filename for a in parsed.attachments] == ["☃ snow.txt", "reçu décembre.pdf"]
    # Storage keeps word characters, dots and dashes (spaces become _, the snowman goes).
    message = stored("20_rfc2231_continued_filenames.eml")
    assert names(message) == ["_snow.txt", "reçu_décembre.pdf"]


@pytest.mark.django_db
def test_thousands_of_rfc2231_sections_keep_the_attachment():
    raw = corpus("21_rfc2231_thousands_of_sections.eml")
    disposition = raw.split(b"Content-Disposition:", 1)[1].split(b"\r\n\r\n", 1)[0]
    assert len(disposition) > parsing.MAX_PARSED_HEADER_CHARS  # read only this far
    message = stored("21_rfc2231_thousands_of_sections.eml")
    assert message.body == "The file name of this attachment is very long."
    (attachment,) = message.attachments.all()
    assert attachment.file.read() == b"payload"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "22_nested_multipart_bomb.eml",
        "24_seven_hundred_parts.eml",
        "37_forward_in_forward.eml",
    ],
)
def test_a_structure_over_the_limits_is_read_in_part_and_kept_whole(name):
    raw = corpus(name)
    # The limit, not a stopwatch: the parser never sees more than this.
    cut = parsing.structure_cut(raw)
    assert cut is not None and cut < len(raw)
    assert parsing.structure_cut(raw[:cut]) is None
    message = stored(name)
    assert names(message)[0] == "original-message.eml"
    assert message.attachments.order_by("id").first().file.read() == raw
    assert any("containers" in problem for problem in message.metadata["problems"])


@pytest.mark.django_db
def test_parts_over_the_attachment_limit_are_noted_and_kept_raw():
    message = stored("24_seven_hundred_parts.eml")
    assert message.attachments.count() == ticket_services.MAX_ATTACHMENTS
    note = Message.objects.get(ticket=message.ticket, kind=MessageKind.NOTE)
    assert "p490.bin" in note.body
    dropped = RefusedMail.objects.get(reason=RefusalReason.ATTACHMENT_DROPPED)
    assert dropped.raw.read() == corpus("24_seven_hundred_parts.eml")


@pytest.mark.django_db
def test_the_text_under_a_nesting_bomb_is_in_the_kept_mail():
    message = stored("22_nested_multipart_bomb.eml")
    assert message.body == "(no text; see the attachments)"
    kept = message.attachments.order_by("id").first().file.read()
    assert b"The text at the bottom of the bomb." in kept


@pytest.mark.django_db
def test_a_truncated_multipart_keeps_its_text_and_what_arrived_of_the_file():
    message = stored("23_truncated_multipart.eml")
    assert message.body == "The box arrived crushed, photo attached."
    (photo,) = message.attachments.all()
    assert photo.filename == "damage.jpg" and 0 < photo.size < 256 * 8


@pytest.mark.django_db
def test_a_zip_bomb_is_stored_as_the_small_file_it_is():
    raw = corpus("27_zip_bomb.eml")
    message = stored("27_zip_bomb.eml")
    (archive,) = message.attachments.all()
    assert archive.filename == "logs.zip"
    assert archive.size < len(raw)  # never unpacked


@pytest.mark.django_db
def test_tnef_alone_is_kept_as_an_attachment():
    message = stored("28_tnef_only.eml")
    assert names(message) == ["winmail.dat"]
    assert message.body == "(no text; see the attachments)"


@pytest.mark.django_db
def test_broken_transfer_encodings_keep_what_can_be_read():
    message = stored("33_broken_transfer_encodings.eml")
    assert "Soft break here and a bad escape =ZZ and ✓ done" in message.body
    assert "An unknown transfer encoding." in message.body
    assert names(message) == ["junk.bin"]


@pytest.mark.django_db
def test_headers_only_and_bare_cr_mails_are_stored():
    assert stored("34_headers_only.eml").body == "(empty message)"
    body = stored("35_bare_cr_and_nul.eml").body
    assert body.startswith("Line one\nLine") and "\x00" not in body


@pytest.mark.django_db
def test_pathological_html_is_cut_to_the_body_limit_and_kept_whole():
    message = stored("36_pathological_html.eml")
    assert message.metadata["format"] == "html"
    assert len(message.body) <= ticket_services.MAX_BODY_CHARS
    assert message.body.startswith("<p>The real question: where is order 9912?</p>")
    assert "message-full.html" in names(message)


@pytest.mark.django_db
def test_hostile_filename_encodings_are_made_safe():
    message = stored("38_hostile_filename_encodings.eml")
    first, second = names(message)
    assert first == "passwd"
    assert len(second) <= parsing.MAX_FILENAME_CHARS
    assert "/" not in second and "\x00" not in second


@pytest.mark.django_db
def test_an_encoded_display_name_cannot_choose_the_sender(desk):
    """``From: =?utf-8?b?<ceo@victim.example>, Billing?= <attacker@…>`` was read, once its
    name was decoded before parsing, as a mail from the victim: filed under their customer,
    threaded into their ticket by its [#N] tag."""
    victim = desk.customer("ceo@victim.example")
    ticket = desk.ticket(customer=victim)
    raw = corpus("39_encoded_name_impersonation.eml").replace(b"[#1]", f"[#{ticket.pk}]".encode())
    result = ingest_email(raw)
    assert result.status == "created" and result.ticket_id != ticket.pk
    message = Message.objects.select_related("author_customer").get(pk=result.message_id)
    assert message.author_customer.email == "attacker@evil.example"
    assert message.author_customer.name == "<ceo@victim.example>, Billing"


def test_dashes_in_a_text_part_are_not_boundary_lines():
    table = b"".join(b"-------- row %d --------\r\n" % i for i in range(2000))
    raw = (
        b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
        b"--zz\r\nContent-Type: text/plain\r\n\r\n" + table + b"--zz--\r\n"
    )
    assert parsing.structure_cut(raw) is None
    assert parsing.parse_email(raw).text.count("row") == 2000
