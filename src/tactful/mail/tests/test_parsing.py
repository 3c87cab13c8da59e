"""Reading raw e-mail: charsets, 8-bit headers, broken MIME, hostile file names, random bytes."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tactful.mail.parsing import (
    MAX_DEPTH,
    decode_bytes,
    header_text,
    message_ids,
    normalize_message_id,
    parse_email,
    raw_digest,
    safe_filename,
)

SPANISH = "Hola, el envío no llegó; ¿qué pasó con mi año de suscripción? Señor Muñoz"
RUSSIAN = "Здравствуйте, мой заказ до сих пор не пришёл, помогите пожалуйста"


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        (SPANISH.encode("utf-8"), "utf-8", SPANISH),
        # Declared UTF-8 but really Latin-1: falls back, no mojibake.
        (SPANISH.encode("latin-1"), "utf-8", SPANISH),
        # Declared Latin-1 but really UTF-8 (valid UTF-8 wins).
        (SPANISH.encode("utf-8"), "iso-8859-1", SPANISH),
        (SPANISH.encode("cp1252"), None, SPANISH),
        (RUSSIAN.encode("cp1251"), None, RUSSIAN),
        (RUSSIAN.encode("koi8-r"), None, RUSSIAN),
        (RUSSIAN.encode("koi8-r"), "x-unknown-charset", RUSSIAN),
        # Declared cp1251 but really KOI8-R: the lower-case test catches it.
        (RUSSIAN.encode("koi8-r"), "windows-1251", RUSSIAN),
        (RUSSIAN.encode("cp1251"), "koi8-r", RUSSIAN),
        (RUSSIAN.encode("utf-16"), "utf-16", RUSSIAN),
        (b"plain ascii", "nonsense", "plain ascii"),
    ],
)
def test_decode_bytes_finds_the_real_charset(data: bytes, declared: str | None, expected: str):
    text, _codec = decode_bytes(data, declared)
    assert text == expected


def test_decode_bytes_never_fails_on_garbage():
    garbage = bytes(range(256)) * 3
    text, codec = decode_bytes(garbage, "utf-8")
    assert codec in {"cp1252", "latin-1", "cp1251", "koi8_r"}
    assert len(text) == len(garbage)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?utf-8?q?Caf=C3=A9_abierto?=", "Café abierto"),
        ("=?koi8-r?b?" + base64.b64encode("Привет".encode("koi8-r")).decode() + "?=", "Привет"),
        # An unknown charset in an encoded word: our detection reads it.
        ("=?x-klingon?q?=F0=D2=C9=D7=C5=D4?=", "Привет"),
        # Raw 8-bit UTF-8 kept as surrogates by the parser.
        ("Возврат".encode().decode("utf-8", "surrogateescape"), "Возврат"),
        # A word whose bytes do not match its declared charset.
        ("=?utf-8?q?caf=E9?=", "café"),
        # Adjacent encoded words join without the space between them.
        ("=?utf-8?q?Hola_?= =?utf-8?q?mundo?=", "Hola mundo"),
        # Broken base64 is no exception.
        ("=?utf-8?b?!!!?= rest", "rest"),
        ("line\r\n continued\x00\x07", "line continued"),
    ],
)
def test_header_text_decodes_whatever_it_gets(raw: str, expected: str):
    assert header_text(raw) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\config", "config"),
        ("42.zip", "42.zip"),
        ("bell\x07esc\x1b.txt", "bellesc.txt"),
        ("", "attachment.bin"),
        ("..", "attachment.bin"),
        ("→★", "attachment.bin"),
        (".bashrc", "bashrc"),
        ("inv<o>ice?.pdf", "inv_o_ice_.pdf"),
        ("x" * 400 + ".pdf", "x" * 146 + ".pdf"),
    ],
)
def test_safe_filename(name: str, expected: str):
    assert safe_filename(name) == expected


def test_message_ids_are_normalised():
    assert normalize_message_id(" <Abc.1@Host> ") == "Abc.1@Host"
    assert normalize_message_id("bare@host") == "bare@host"
    assert normalize_message_id("") == ""
    assert message_ids("<a@x> <b@x>\r\n <a@x>") == ["a@x", "b@x"]
    assert message_ids("c@x, d@x") == ["c@x", "d@x"]


def test_parse_prefers_plain_text_and_keeps_html_for_html_only_mail():
    alternative = (
        b"From: A <a@example.com>\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="x"\r\n\r\n'
        b"--x\r\nContent-Type: text/plain\r\n\r\nplain words\r\n"
        b"--x\r\nContent-Type: text/html\r\n\r\n<p>html words</p>\r\n--x--\r\n"
    )
    parsed = parse_email(alternative)
    assert parsed.text.strip() == "plain words"
    assert "<p>html words</p>" in parsed.html
    assert parsed.attachments == []


def test_forwarded_message_is_kept_whole_as_an_attachment():
    raw = (
        b"From: a@example.com\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n'
        b"--x\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n"
        b"--x\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: b@example.com\r\nSubject: inner\r\n\r\ninner text\r\n--x--\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.text.strip() == "See below."
    assert [a.filename for a in parsed.attachments] == ["forwarded.eml"]
    assert b"inner text" in parsed.attachments[0].payload


def test_deep_nesting_is_cut_not_followed():
    depth = MAX_DEPTH + 30
    head = b"From: a@example.com\r\nMIME-Version: 1.0\r\n"
    body = b""
    for level in range(depth):
        body += f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'.encode()
    body += b"Content-Type: text/plain\r\n\r\ndeep text\r\n"
    for level in reversed(range(depth)):
        body += f"--b{level}--\r\n".encode()
    parsed = parse_email(head + body)
    assert any("deeper" in problem for problem in parsed.problems)
    assert "deep text" not in parsed.text


def test_many_parts_are_capped():
    parts = b"".join(
        b"--x\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="f.bin"\r\n\r\nx\r\n'
        for _ in range(600)
    )
    raw = (
        b'From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="x"'
        b"\r\n\r\n" + parts + b"--x--\r\n"
    )
    parsed = parse_email(raw)
    assert len(parsed.attachments) < 500
    assert any("MIME parts" in problem for problem in parsed.problems)


def test_broken_base64_and_bad_date_do_not_raise():
    raw = (
        b"From: a@example.com\r\nDate: yesterday-ish\r\nContent-Type: text/plain\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n@@@not base64@@@\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.date == ""
    assert "unreadable Date header" in parsed.problems
    assert isinstance(parsed.text, str)


def test_raw_digest_is_stable_and_distinct():
    assert raw_digest(b"a") == raw_digest(b"a")
    assert raw_digest(b"a") != raw_digest(b"b")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_parse_email_never_raises_on_random_bytes(raw: bytes):
    parsed = parse_email(raw)
    assert isinstance(parsed.text, str)
    assert all(isinstance(a.payload, bytes) for a in parsed.attachments)
    # Everything decoded is storable text (no lone surrogates).
    (parsed.text + parsed.html + parsed.subject + parsed.from_address).encode("utf-8")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"From: ",
                b"a@b.example",
                b"\r\n",
                b"Content-Type: multipart/mixed; boundary=x",
                b"--x",
                b"--x--",
                b"Content-Transfer-Encoding: base64",
                b"Content-Disposition: attachment; filename*=utf-8''%FF%FE",
                b"=?utf-8?b?",
                b"?=",
                b"\xff\xfe\xd0",
                b"Content-Type: text/plain; charset=x-bogus",
                b"Content-Type: message/rfc822",
                b"Subject: ",
            ]
        ),
        max_size=60,
    )
)
def test_parse_email_never_raises_on_mime_shaped_junk(chunks: list[bytes]):
    parsed = parse_email(b"".join(chunks))
    (parsed.text + parsed.html + parsed.subject).encode("utf-8")
