"""Properties of the e-mail reader on generated mail: it never raises, and what it reads back is
what was written (headers in any charset and encoding, text, file names, nesting)."""

from __future__ import annotations

import base64
import itertools
import quopri

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tactful.mail import parsing
from tactful.mail.models import RefusedMail
from tactful.mail.services import ingest_email
from tactful.tickets.models import Message

#: Text a person could type: any letters, digits, punctuation and spaces (no control characters).
typed = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"), blacklist_characters="\x85"
    ),
    min_size=1,
    max_size=80,
).map(lambda text: " ".join(text.split()))
_IDS = itertools.count(1)
CHARSETS = ["utf-8", "iso-8859-1", "koi8-r", "cp1251", "utf-16", "shift_jis", "gb2312"]


def encoded_words(data: bytes, charset: str, cuts: list[int], encodings: list[str]) -> str:
    """``data`` as encoded words, split at ``cuts`` (byte offsets, even inside a character)."""
    bounds = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    words = []
    for index, (start, end) in enumerate(itertools.pairwise(bounds)):
        chunk = data[start:end]
        if encodings[index % len(encodings)] == "b":
            words.append(f"=?{charset}?B?{base64.b64encode(chunk).decode()}?=")
        else:
            payload = quopri.encodestring(chunk, header=True).decode().replace("=\n", "")
            payload = payload.replace("?", "=3F").replace("\n", "=0A")
            words.append(f"=?{charset}?Q?{payload}?=")
    return "\r\n ".join(words)


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(
    text=typed,
    charset=st.sampled_from(["utf-8", "koi8-r", "iso-8859-1", "cp1251"]),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6),
    encodings=st.lists(st.sampled_from(["b", "q"]), min_size=1, max_size=3),
)
def test_encoded_words_read_back_as_written_wherever_they_are_split(
    text: str, charset: str, cuts: list[int], encodings: list[str]
):
    try:
        data = text.encode(charset)
    except UnicodeEncodeError:
        assume(False)
        return
    assume(text.strip())
    # Bytes of a single-byte charset that also happen to be valid UTF-8 (Latin-1 "à¡¡" is the
    # UTF-8 of "ࡡ") are read as UTF-8 by design: a declared Latin-1 is far more often a lie
    # than such bytes an accident (``parsing.decode_bytes``). Hypothesis found one.
    if charset != "utf-8" and not data.isascii():
        assume(not _valid_utf8(data))
    # Russian in a single-byte charset is told apart by its words; skip what cannot be told.
    assume(charset == "utf-8" or text.isascii() or len(text) >= 3)
    header = encoded_words(data, charset, cuts, encodings)
    decoded = parsing.header_text(header)
    if charset == "utf-8" or text.isascii():
        assert decoded == text.strip()
    else:
        assert len(decoded) == len(text.strip())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_any_header_value_becomes_one_clean_line(value: str):
    line = parsing.header_text(value)
    assert "\n" not in line and "\r" not in line
    assert not parsing._CONTROL_RE.search(line)
    line.encode("utf-8")


def build_mail(
    *,
    subject: str,
    name: str,
    body: str,
    charset: str,
    transfer: str,
    depth: int,
    filenames: list[str],
) -> bytes:
    """A mail as a real client writes it, wrapped in ``depth`` multiparts."""
    try:
        payload = body.encode(charset)
    except UnicodeEncodeError:
        charset, payload = "utf-8", body.encode("utf-8")
    if transfer == "base64":
        encoded = base64.encodebytes(payload)
    elif transfer == "quoted-printable":
        encoded = quopri.encodestring(payload)
    else:
        transfer, encoded = "base64", base64.encodebytes(payload)
    part = (
        f"Content-Type: text/plain; charset={charset}\r\n"
        f"Content-Transfer-Encoding: {transfer}\r\n\r\n"
    ).encode() + encoded
    for index, filename in enumerate(filenames):
        quoted = filename.encode("utf-8").hex()
        escaped = "".join(f"%{quoted[i : i + 2]}" for i in range(0, len(quoted), 2))
        part = (
            b"Content-Type: multipart/mixed; boundary=f%d\r\n\r\n--f%d\r\n" % (index, index)
            + part
            + b"\r\n--f%d\r\nContent-Type: application/octet-stream\r\n" % index
            + f"Content-Disposition: attachment; filename*=utf-8''{escaped}\r\n\r\n".encode()
            + b"file\r\n--f%d--\r\n" % index
        )
    for level in range(depth):
        part = (
            b"Content-Type: multipart/mixed; boundary=d%d\r\n\r\n--d%d\r\n" % (level, level)
            + part
            + b"\r\n--d%d--\r\n" % level
        )
    subject_words = encoded_words(subject.encode("utf-8"), "utf-8", [7, 19], ["q", "b"])
    name_words = encoded_words(name.encode("utf-8"), "utf-8", [5], ["b"])
    head = (
        f"From: {name_words} <person@example.com>\r\nTo: support@tactful.test\r\n"
        f"Subject: {subject_words}\r\nMIME-Version: 1.0\r\n"
    ).encode()
    return head + part


mails = st.builds(
    build_mail,
    subject=typed,
    name=typed,
    body=typed,
    charset=st.sampled_from(CHARSETS),
    transfer=st.sampled_from(["base64", "quoted-printable", "8bit"]),
    depth=st.integers(min_value=0, max_value=parsing.MAX_DEPTH - 3),
    filenames=st.lists(typed, max_size=3),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=typed,
    name=typed,
    body=typed,
    charset=st.sampled_from(CHARSETS),
    transfer=st.sampled_from(["base64", "quoted-printable"]),
    depth=st.integers(min_value=0, max_value=parsing.MAX_DEPTH - 3),
    filenames=st.lists(typed, max_size=3),
)
def test_parse_email_reads_back_what_a_client_wrote(
    subject: str,
    name: str,
    body: str,
    charset: str,
    transfer: str,
    depth: int,
    filenames: list[str],
):
    raw = build_mail(
        subject=subject,
        name=name,
        body=body,
        charset=charset,
        transfer=transfer,
        depth=depth,
        filenames=filenames,
    )
    parsed = parsing.parse_email(raw)
    assert parsed.subject == subject
    assert parsed.from_address == "person@example.com"
    if charset in {"utf-8", "utf-16"} or body.isascii():
        assert parsed.text.strip() == body.strip()
    assert len(parsed.attachments) == len(filenames)
    for attachment in parsed.attachments:
        assert attachment.filename and len(attachment.filename) <= parsing.MAX_FILENAME_CHARS
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        assert attachment.payload == b"file"
    assert not parsed.incomplete


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [b"--x\r\n", b"Content-Type: multipart/mixed; boundary=x\r\n", b"\r\n", b"text\r\n"]
        ),
        max_size=1500,
    )
)
def test_the_structure_limit_holds_for_any_mail(chunks: list[bytes]):
    """Cut once, the rest is within the limits; uncut, it was (counting declared boundaries)."""
    raw = b"".join(chunks)
    cut = parsing.structure_cut(raw)
    if cut is None:
        declared = b"boundary=x" in raw
        assert not declared or raw.count(b"\n--x") + raw.startswith(b"--x") <= (
            parsing.MAX_BOUNDARY_LINES
        )
    else:
        assert parsing.structure_cut(raw[:cut]) is None
        assert parsing.parse_email(raw).incomplete


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mail=mails)
def test_generated_mail_is_stored_once_whatever_it_holds(mail: bytes):
    # The database is not reset between examples (and hypothesis repeats some): a fresh id.
    raw = f"Message-ID: <{next(_IDS)}@example.com>\r\n".encode() + mail
    first = ingest_email(raw)
    assert first.status in {"created", "appended"}, first.reason
    counts = (Message.objects.count(), RefusedMail.objects.count())
    second = ingest_email(raw)
    assert (second.status, second.message_id) == ("duplicate", first.message_id)
    assert (Message.objects.count(), RefusedMail.objects.count()) == counts
