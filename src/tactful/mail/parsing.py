"""Reading raw e-mail defensively: headers, text, HTML and attachments, whatever the charset.

Mail in the wild lies about its charset, omits it, puts raw 8-bit bytes in headers, forgets the
MIME boundary or nests parts absurdly deep. Nothing here raises on such input: every decode has
a fallback, and what could not be read is listed in ``ParsedEmail.problems`` for the admin.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import hashlib
import quopri
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

#: Deeper MIME nesting than this is not followed (a "MIME bomb" of nested multiparts).
MAX_DEPTH = 20
#: More parts than this are not read (the rest of the mail is still kept raw for the admin).
MAX_PARTS = 500
#: The standard library's parser reads the whole structure before we can count anything, and
#: recurses once per nesting level (1,000 nested multiparts: RecursionError after 2.4 s). So
#: the raw mail is scanned first, and only the part before the container that would go over
#: this many (``multipart/*`` and ``message/*``) or the boundary line that would go over
#: ``MAX_BOUNDARY_LINES`` is parsed; the whole mail is then kept as an attachment.
MAX_CONTAINERS = 100
MAX_BOUNDARY_LINES = MAX_PARTS + MAX_CONTAINERS
MAX_FILENAME_CHARS = 150

#: Header values longer than this are cut before the standard library parses them (it does
#: so on every access to a structured header such as Content-Type, at a cost that grows with
#: the number of parameters: 3,300 RFC 2231 segments took 5 s). Real headers are far shorter:
#: a 255-character non-Latin file name, percent-encoded in continuations, is about 2,500.
MAX_PARSED_HEADER_CHARS = 4096

#: Single-byte charsets that decode any byte sequence, so "it decoded" proves nothing.
_PERMISSIVE = {"iso8859_1", "cp1252", "ascii", "iso8859_15"}


class _BoundedPolicy(policy.EmailPolicy):
    """``policy.default`` that parses at most ``MAX_PARSED_HEADER_CHARS`` of a header value.

    The raw value stays whole in the message (``raw_items``), which is what the headers
    Tactful keeps are read from; only the structured parse (type, parameters, boundary) sees
    the cut value. A boundary pushed past the limit is not found: that part's text is kept
    as text, with the problem noted.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        if len(value) > MAX_PARSED_HEADER_CHARS:
            value = value[:MAX_PARSED_HEADER_CHARS]
        return super().header_fetch_parse(name, value)  # type: ignore[no-any-return]


BOUNDED_POLICY = _BoundedPolicy()


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    payload: bytes

    @property
    def size(self) -> int:
        return len(self.payload)


@dataclass
class ParsedEmail:
    """What Tactful needs from one e-mail, every field already decoded to text."""

    #: Message-ID without ``<>`` (empty when missing).
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    from_address: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    subject: str = ""
    #: The Date header as ISO 8601 (empty when missing or unreadable).
    date: str = ""
    text: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    #: Lower-cased header name → decoded values, for the auto-reply and loop checks.
    headers: dict[str, list[str]] = field(default_factory=dict)
    #: From, To, Cc, Reply-To and Sender as one line each, RFC 2047 words *not* decoded:
    #: what :func:`addresses` reads.
    address_headers: dict[str, list[str]] = field(default_factory=dict)
    content_type: str = "text/plain"
    #: A delivery-status report (a bounce) anywhere in the structure.
    has_delivery_status: bool = False
    #: What could not be read (unknown charset, missing boundary…), for the admin.
    problems: list[str] = field(default_factory=list)
    #: Part of the structure was not read (over the depth, part or container limits): the
    #: caller keeps the whole raw mail beside what was read.
    incomplete: bool = False

    def header(self, name: str) -> str:
        """The first value of header ``name`` (decoded), or ``""``."""
        values = self.headers.get(name.lower())
        return values[0] if values else ""


# --- charsets ---------------------------------------------------------------------------------


def _codec_name(charset: str | None) -> str | None:
    """The Python codec for a declared charset, or None when unknown."""
    if not charset:
        return None
    charset = charset.strip().strip("\"'").lower()
    aliases = {"unknown-8bit": None, "x-unknown": None, "utf8": "utf-8", "x-user-defined": None}
    if charset in aliases:
        resolved = aliases[charset]
        if resolved is None:
            return None
        charset = resolved
    try:
        return codecs.lookup(charset).name.replace("-", "_")
    except (LookupError, ValueError):
        return None


_CYRILLIC_LOWER = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")


def _cyrillic_score(text: str) -> float:
    """Share of letters that are lower-case Cyrillic: running Russian text is mostly those.

    Read on the first 20,000 characters, as the byte scan below is: enough to tell, and a
    megabyte part no longer takes a second per candidate charset.
    """
    letters = [ch for ch in text[:20000] if ch.isalpha() and not ch.isascii()]
    if not letters:
        return 0.0
    return sum(ch in _CYRILLIC_LOWER for ch in letters) / len(letters)


def _looks_cyrillic_8bit(data: bytes) -> bool:
    """Cyrillic in a single-byte charset: words made of runs of high bytes.

    Latin-1 Spanish has isolated high bytes (``á``, ``ñ``) between ASCII letters; cp1251 or
    KOI8-R Russian has whole words of them.
    """
    high = 0
    in_runs = 0
    run = 0
    for byte in data[:20000]:
        if byte >= 0x80:
            high += 1
            run += 1
        else:
            if run >= 3:
                in_runs += run
            run = 0
    if run >= 3:
        in_runs += run
    return high > 0 and in_runs / high > 0.5


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def _utf8_posing_as_utf16(data: bytes) -> bool:
    """A part declared UTF-16 (or 32) that is really UTF-8: almost any even number of bytes
    "decodes" as UTF-16, into CJK-looking nonsense. Real UTF-16 text has a byte-order mark or
    bytes below 0x09 (the zero high byte of Latin letters, 0x04 of Cyrillic); UTF-8 text has
    neither, and decodes strictly."""
    if data.startswith(_UTF16_BOMS) or any(byte < 0x09 for byte in data[:4096]):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` to text; returns (text, the codec used). Never raises.

    Order: plain ASCII; a declared multi-byte charset that decodes strictly; valid UTF-8 (it
    is almost never valid by accident, so it wins over a declared Latin-1 that is often a lie);
    any other declared charset that decodes strictly; Cyrillic runs → cp1251 or KOI8-R,
    whichever reads as lower-case Russian; cp1252; Latin-1 (which cannot fail).
    """
    codec = _codec_name(declared)
    # Before the ASCII shortcut: Cyrillic in UTF-16LE without a byte-order mark is all ASCII
    # bytes ("п" is 3F 04).
    if codec and codec.startswith(("utf_16", "utf_32")) and not _utf8_posing_as_utf16(data):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass
    if data.isascii():
        return data.decode("ascii"), "ascii"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if codec and codec != "utf_8" and codec not in _PERMISSIVE:
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            # A declared cp1251 that is really KOI8-R (or the reverse) still "decodes".
            if codec not in {"cp1251", "koi8_r"} or _cyrillic_score(text) > 0.5:
                return text, codec
    if _looks_cyrillic_8bit(data):
        candidates = [(data.decode(name, errors="replace"), name) for name in ("cp1251", "koi8_r")]
        return max(candidates, key=lambda pair: _cyrillic_score(pair[0]))
    if codec in _PERMISSIVE and codec != "ascii":
        return data.decode(codec, errors="replace"), codec
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _unescape_header(value: str) -> str:
    """A raw header value (8-bit bytes kept as surrogates by the parser) as real text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        data = value.encode("utf-8", "surrogateescape")
        return decode_bytes(data)[0]
    return value


_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?\s]*)\?=")


def _encoded_word_bytes(encoding: str, payload: str) -> bytes | None:
    try:
        if encoding.lower() == "b":
            return base64.b64decode(payload + "=" * (-len(payload) % 4))
        return quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"))
    except (ValueError, binascii.Error):
        return None


def _decode_encoded_words(value: str) -> str:
    """RFC 2047 ``=?charset?q?…?=`` words, each decoded with our charset fallbacks.

    Done by hand rather than with ``email.header.make_header`` so that a word whose bytes
    do not match its declared charset is still read correctly instead of becoming ``�``.
    Adjacent words in the same charset are joined as bytes before decoding: mailers split a
    multi-byte character across two words (against RFC 2047 §5, but common: Outlook, Windows
    Mail), and each half alone would decode to ``�``.
    """
    if "=?" not in value:
        return value
    # Whitespace between two adjacent encoded words is not part of the text (RFC 2047 §6.2).
    value = re.sub(r"(\?=)\s+(?==\?)", r"\1", value)
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset = ""
    position = 0

    def flush() -> None:
        if pending:
            out.append(decode_bytes(b"".join(pending), pending_charset)[0])
            pending.clear()

    for match in _ENCODED_WORD_RE.finditer(value):
        charset, encoding, payload = match.groups()
        # "utf-8*en" carries an RFC 2231 language after the star.
        charset = charset.split("*")[0]
        data = _encoded_word_bytes(encoding, payload)
        adjacent = match.start() == position
        if not adjacent or data is None or charset.lower() != pending_charset.lower():
            flush()
        if not adjacent:
            out.append(value[position : match.start()])
        if data is None:
            out.append(match.group(0))
        else:
            pending.append(data)
            pending_charset = charset
        position = match.end()
    flush()
    out.append(value[position:])
    return "".join(out)


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_LINE_BREAKS_RE = re.compile(r"[\r\n]+")
_ADDRESS_HEADERS = frozenset({"from", "to", "cc", "reply-to", "sender"})


def _one_line(raw_value: str) -> str:
    """A raw header value unfolded, its 8-bit bytes read, RFC 2047 words left as they are."""
    text = _unescape_header(raw_value)
    if "\n" in text or "\r" in text:
        text = " ".join(
            piece.strip() for piece in _LINE_BREAKS_RE.split(text) if piece and not piece.isspace()
        )
    return _CONTROL_RE.sub("", text).strip()


def header_text(raw_value: str) -> str:
    """A header value as one clean line of text (folded lines joined by one space)."""
    text = _decode_encoded_words(_unescape_header(raw_value))
    # Split and strip rather than ``re.sub(r"\s*[\r\n]+\s*", " ")``: that pattern backtracks
    # over every run of blanks that has no line break in it, quadratic in its length (a
    # Subject of 20,000 spaces took 10.8 s to read; now milliseconds).
    return _one_line(text)


# --- headers ----------------------------------------------------------------------------------

_MSGID_RE = re.compile(r"<([^<>\s]{1,998})>")


def normalize_message_id(value: str) -> str:
    """``<Abc@Host>`` → ``Abc@Host`` (the first id in the value; bare ids are kept as written)."""
    value = (value or "").strip()
    match = _MSGID_RE.search(value)
    if match:
        return match.group(1)
    return value.split()[0].strip("<>") if value.split() else ""


def message_ids(value: str) -> list[str]:
    """Every Message-ID in an In-Reply-To or References header, in order, without ``<>``."""
    found = _MSGID_RE.findall(value or "")
    if not found and value and value.strip():
        found = [token.strip("<>,") for token in value.split() if "@" in token]
    # A dict keeps the order and finds repeats in constant time (a list made 5,000 ids cost
    # 0.5 s: each id compared with all before it).
    return [item for item in dict.fromkeys(found) if item]


#: Address headers longer than this are read only this far (a To of 1,000 addresses fits).
MAX_ADDRESS_HEADER_CHARS = 64 * 1024


def addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs from raw address header values.

    The values must be raw (``ParsedEmail.address_headers``): RFC 2047 words are decoded only
    in the names, after parsing. Decoding first would let a name such as ``=?utf-8?b?…?=``
    holding ``@``, ``,`` or ``<boss@example.com>`` change which address is read (a customer
    refused for a name with an ``@`` in it, or a sender impersonating another).
    """
    values = [value[:MAX_ADDRESS_HEADER_CHARS] for value in values[:20]]
    try:
        found = getaddresses(values)
    except RecursionError:
        # The standard library reads nested comments recursively: "Cc: ((((((…" exhausts
        # the stack. The addresses are lost; the mail is not.
        return []
    pairs = []
    for name, address in found:
        address = address.strip().strip("<>").strip()
        if "@" in address and " " not in address:
            pairs.append((header_text(name), address.lower()))
    return pairs


# --- file names -------------------------------------------------------------------------------


def safe_filename(name: str | None, *, content_type: str = "") -> str:
    """A file name safe to store and show: no directories, control characters or dot-files.

    ``../../etc/passwd`` becomes ``passwd``; the content is never unpacked, so a ``42.zip``
    "zip bomb" is just a small file with that name.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = _CONTROL_RE.sub("", name.replace("\x00", ""))
    name = re.split(r"[\\/]", name)[-1].strip().strip(".").strip()
    name = re.sub(r"[<>:\"|?*\r\n\t]", "_", name)
    # Django's storage keeps only word characters, dots and dashes; a name with none of
    # those (only symbols) would be refused there, so it gets a generic name here.
    if not re.sub(r"(?u)[^-\w]", "", name.replace(" ", "_")):
        name = ""
    if not name:
        extension = {
            "text/plain": ".txt",
            "text/html": ".html",
            "message/rfc822": ".eml",
            "application/pdf": ".pdf",
            "image/png": ".png",
            "image/jpeg": ".jpg",
        }.get(content_type, ".txt" if content_type.startswith("text/") else ".bin")
        name = "attachment" + extension
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: MAX_FILENAME_CHARS - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME_CHARS]
    return name


# --- the walk ---------------------------------------------------------------------------------


def _part_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # broken transfer encoding: keep what is there
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    if isinstance(raw, list):  # header blocks (delivery-status) or an attached message
        chunks = []
        for item in raw:
            if not isinstance(item, Message):
                continue
            try:
                chunks.append(item.as_bytes())
            except Exception:
                continue
        return b"\n".join(chunks)
    return b""


def _part_text(part: Message, parsed: ParsedEmail) -> str:
    data = _part_bytes(part)
    declared = None
    try:
        declared = part.get_content_charset()
    except Exception:
        parsed.problems.append("unreadable charset parameter")
    text, used = decode_bytes(data, declared)
    if declared and _codec_name(declared) is None:
        parsed.problems.append(f"unknown charset {declared[:40]!r}, read as {used}")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    if name is None:
        return None
    return header_text(str(name))


class _Walker:
    def __init__(self, parsed: ParsedEmail) -> None:
        self.parsed = parsed
        self.parts = 0
        self.texts: list[str] = []
        self.htmls: list[str] = []

    def walk(self, part: Message, depth: int) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            if self.parts == MAX_PARTS + 1:
                self.parsed.problems.append(f"more than {MAX_PARTS} MIME parts; the rest skipped")
                self.parsed.incomplete = True
            return
        if depth > MAX_DEPTH:
            self.parsed.problems.append(f"MIME nesting deeper than {MAX_DEPTH}; skipped")
            self.parsed.incomplete = True
            return
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            self.parsed.has_delivery_status = True
            self._attach("delivery-status.txt", "text/plain", _part_bytes(part))
            return
        if content_type == "message/rfc822" or (
            content_type.startswith("message/") and isinstance(part.get_payload(), list)
        ):
            # A forwarded e-mail: kept whole as an .eml attachment, not merged into the text.
            inner = part.get_payload()
            try:
                first = inner[0] if isinstance(inner, list) and inner else None
                data = first.as_bytes() if isinstance(first, Message) else _part_bytes(part)
            except Exception:
                data = _part_bytes(part)
            name = _filename(part) or "forwarded.eml"
            self._attach(name, "message/rfc822", data)
            return
        if part.is_multipart():
            payload = part.get_payload()
            for child in payload if isinstance(payload, list) else []:
                if isinstance(child, Message):
                    self.walk(child, depth + 1)
            return
        disposition = None
        with contextlib.suppress(Exception):
            disposition = part.get_content_disposition()
        filename = _filename(part)
        is_body_text = content_type in {"text/plain", "text/html"} and disposition != "attachment"
        if is_body_text and filename is None:
            text = _part_text(part, self.parsed)
            (self.texts if content_type == "text/plain" else self.htmls).append(text)
            return
        if content_type.startswith("multipart/"):
            # A multipart whose boundary is missing: its payload is plain text to us.
            self.parsed.problems.append(f"{content_type} without a usable boundary")
            self.texts.append(_part_text(part, self.parsed))
            return
        self._attach(filename or "", content_type, _part_bytes(part))

    def _attach(self, name: str, content_type: str, data: bytes) -> None:
        self.parsed.attachments.append(
            ParsedAttachment(safe_filename(name, content_type=content_type), content_type, data)
        )


_CONTAINER_RE = re.compile(rb"(?im)^content-type:[ \t]*(?:\r?\n[ \t]+)?(?:multipart|message)/")
_BOUNDARY_PARAM_RE = re.compile(
    rb'(?i)\bboundary[ \t]*=[ \t]*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))'
)


def structure_cut(raw: bytes) -> int | None:
    """The byte offset to stop parsing at so the structure stays within the limits, or None.

    Linear scans with no backtracking: the start of the line that declares the container over
    ``MAX_CONTAINERS``, or of the line over ``MAX_BOUNDARY_LINES`` that starts with ``--`` and
    one of the boundaries the mail declares, whichever comes first. Only declared boundaries
    count, so a text part with a long table of ``----`` lines is not cut.
    """
    cuts = []
    for count, match in enumerate(_CONTAINER_RE.finditer(raw), start=1):
        if count > MAX_CONTAINERS:
            cuts.append(match.start())
            break
    boundaries: set[bytes] = set()
    for match in _BOUNDARY_PARAM_RE.finditer(raw):
        boundaries.add(match.group(1) or match.group(2))
        if len(boundaries) > MAX_CONTAINERS:
            break
    if boundaries:
        # Longest first, so a boundary that is a prefix of another does not shadow it.
        alternatives = b"|".join(re.escape(item) for item in sorted(boundaries, key=len)[::-1])
        lines = re.compile(rb"(?m)^--(?:" + alternatives + rb")")
        for count, match in enumerate(lines.finditer(raw), start=1):
            if count > MAX_BOUNDARY_LINES:
                cuts.append(match.start())
                break
    return min(cuts) if cuts else None


def parse_email(raw: bytes) -> ParsedEmail:
    """Read one raw RFC 5322 message; never raises on malformed input.

    Args:
        raw: the message bytes exactly as received.

    Returns:
        The decoded headers, the text and HTML bodies (several inline text parts joined) and
        the attachments with safe file names.
    """
    parsed = ParsedEmail()
    cut = structure_cut(raw)
    if cut is not None:
        parsed.problems.append(
            f"more than {MAX_CONTAINERS} nested containers or {MAX_BOUNDARY_LINES} boundary "
            f"lines; read up to byte {cut}"
        )
        parsed.incomplete = True
        raw = raw[:cut]
    message: Message = BytesParser(policy=BOUNDED_POLICY).parsebytes(raw)
    for name, value in message.raw_items():
        try:
            text = header_text(str(value))
        except Exception:
            parsed.problems.append(f"unreadable {name[:40]} header")
            continue
        lower = str(name).lower()
        parsed.headers.setdefault(lower, []).append(text)
        if lower in _ADDRESS_HEADERS:
            parsed.address_headers.setdefault(lower, []).append(_one_line(str(value)))

    parsed.message_id = normalize_message_id(parsed.header("message-id"))[:998]
    parsed.in_reply_to = message_ids(parsed.header("in-reply-to"))
    parsed.references = message_ids(" ".join(parsed.headers.get("references", [])))[-50:]
    senders = addresses(parsed.address_headers.get("from", []))
    if senders:
        parsed.from_name, parsed.from_address = senders[0]
    parsed.to = [address for _name, address in addresses(parsed.address_headers.get("to", []))]
    parsed.cc = [address for _name, address in addresses(parsed.address_headers.get("cc", []))]
    parsed.subject = parsed.header("subject")
    if parsed.header("date"):
        try:
            parsed.date = parsedate_to_datetime(parsed.header("date")).isoformat()
        except (TypeError, ValueError, IndexError, OverflowError):
            parsed.problems.append("unreadable Date header")
    parsed.content_type = message.get_content_type()
    if message.defects:
        parsed.problems.extend(type(defect).__name__ for defect in message.defects[:5])
    if parsed.content_type == "multipart/report":
        report_type = (message.get_param("report-type") or "") if message else ""
        if isinstance(report_type, str) and report_type.lower() == "delivery-status":
            parsed.has_delivery_status = True

    walker = _Walker(parsed)
    walker.walk(message, 0)
    parsed.text = "\n\n".join(text for text in walker.texts if text.strip())
    parsed.html = "\n".join(html for html in walker.htmls if html.strip())
    return parsed


def raw_digest(raw: bytes) -> str:
    """A stable id for a message without Message-ID: the hash of its bytes."""
    return "sha256-" + hashlib.sha256(raw).hexdigest()[:48]
