"""What every reader shares: finding the export's files, reading JSON lines and documents
safely, and turning a bad value into a refusal of its record only."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from tactful.importing import values
from tactful.importing.records import AttachmentRecord, Record, Refusal

#: A JSON document (not JSON lines) larger than this is refused: it is read whole.
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
#: One JSON line larger than this is refused without parsing it.
MAX_LINE_BYTES = 64 * 1024 * 1024

T = TypeVar("T")


class ExportError(Exception):
    """The export cannot be read at all (missing, unreadable, not this format)."""


def describe_json_error(exc: json.JSONDecodeError) -> str:
    return f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"


def describe_decode_error(exc: UnicodeDecodeError) -> str:
    return f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start})"


class Reader:
    """One export on disk (a file or a folder) in one format.

    Subclasses set ``source`` and implement :meth:`records`; :meth:`count` (records
    expected, for the progress bar) is cheap or ``None``.
    """

    source: ClassVar[str]
    #: The namespace keys are kept under (``generic`` for CSV and JSONL, which share ids).
    default_namespace: ClassVar[str]

    def __init__(self, path: Path, *, naive_zone: tzinfo = UTC, encoding: str = "utf-8"):
        self.path = Path(path)
        self.naive_zone = naive_zone
        self.encoding = encoding
        if not self.path.exists():
            raise ExportError(f"{self.path} does not exist")
        self.folder = str(self.path if self.path.is_dir() else self.path.parent)

    # --- what the importer asks ---------------------------------------------------------

    def files(self) -> list[Path]:
        """The export's files, in a stable order."""
        if self.path.is_file():
            return [self.path]
        found = sorted(p for p in self.path.rglob("*") if p.is_file() and self.wants(p))
        if not found:
            raise ExportError(f"{self.path} holds no {self.source} export files")
        return found

    def wants(self, path: Path) -> bool:
        return path.suffix.lower() in {".json", ".jsonl", ".ndjson"}

    def fingerprint(self) -> str:
        """The export's identity for resuming: its files' names, sizes and modification times."""
        digest = hashlib.sha256(self.source.encode())
        for path in self.files():
            stat = path.stat()
            digest.update(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return digest.hexdigest()

    def count(self) -> int | None:
        return None

    def records(self) -> Iterator[Record]:
        raise NotImplementedError

    # --- helpers for subclasses -----------------------------------------------------------

    def label(self, path: Path) -> str:
        """A file's name as messages show it (relative to the export folder)."""
        try:
            return str(path.relative_to(self.folder))
        except ValueError:
            return path.name

    def json_lines(self, path: Path) -> Iterator[tuple[str, Any]]:
        """``(location, value)`` for each non-empty line; a bad line yields a :class:`Refusal`
        as its value and the reading goes on."""
        name = self.label(path)
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                location = f"{name} line {number}"
                if len(raw) > MAX_LINE_BYTES:
                    yield location, Refusal(location, f"line is {len(raw):,} bytes (too long)")
                    continue
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if not raw.strip():
                    continue
                try:
                    yield location, json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    yield location, Refusal(location, describe_decode_error(exc))
                except json.JSONDecodeError as exc:
                    yield location, Refusal(location, describe_json_error(exc))
                except RecursionError:
                    yield location, Refusal(location, "JSON nested too deeply")

    def json_document(self, path: Path) -> Any:
        """A whole JSON file; raises :class:`values.RecordError` when it cannot be read."""
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise values.RecordError(f"file is {size:,} bytes (a JSON document is read whole)")
        try:
            raw = path.read_bytes()
            if raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise values.RecordError(describe_decode_error(exc)) from exc
        except json.JSONDecodeError as exc:
            raise values.RecordError(describe_json_error(exc)) from exc
        except RecursionError as exc:
            raise values.RecordError("JSON nested too deeply") from exc

    def values_in(self, path: Path) -> Iterator[tuple[str, Any]]:
        """``(location, value)``: each line of a JSON-lines file, or the one document of a
        JSON file; an unreadable line or file comes as a :class:`Refusal` value."""
        if self.is_json_lines(path):
            yield from self.json_lines(path)
            return
        try:
            yield self.label(path), self.json_document(path)
        except values.RecordError as exc:
            yield self.label(path), Refusal(self.label(path), str(exc))

    def is_json_lines(self, path: Path) -> bool:
        """JSON lines (one value per line) or one JSON document? By extension, else by looking."""
        suffix = path.suffix.lower()
        if suffix in {".jsonl", ".ndjson"}:
            return True
        with path.open("rb") as handle:
            first = handle.readline(MAX_LINE_BYTES)
            while first and not first.strip():
                first = handle.readline(MAX_LINE_BYTES)
            first = first.removeprefix(b"\xef\xbb\xbf").strip()
            # A document starts with '[' or spreads one object over many lines; JSON lines
            # hold a complete value on the first line and more after it.
            if first.startswith(b"["):
                return False
            if _parses(first):
                return bool(handle.read(4096).strip())
            # A broken first line: JSON lines still, if the next line is a whole object.
            second = handle.readline(MAX_LINE_BYTES).strip()
            return second.startswith(b"{") and _parses(second)


def _parses(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return False
    return True


def guarded(location: str, key: str, build: Callable[[], T]) -> T | Refusal:
    """``build()``, or a refusal of this record when a value in it is unusable."""
    try:
        return build()
    except values.RecordError as exc:
        return Refusal(location, str(exc), key)
    except (TypeError, AttributeError, KeyError) as exc:
        # The record is not shaped as the format says (a list where an object should be…).
        return Refusal(location, f"not shaped as expected ({type(exc).__name__}: {exc})", key)


def sub(obj: dict[str, Any], name: str) -> dict[str, Any]:
    """``obj[name]`` when it is an object, else an empty one (exports leave things out)."""
    value = obj.get(name)
    return value if isinstance(value, dict) else {}


def size(value: Any) -> int:
    """A byte count from an export, 0 when it is not one."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise values.RecordError(f"{what} is not an object")
    return value


def listing(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise values.RecordError(f"{what} is not a list")
    return value


def inline_attachment(item: dict[str, Any], *, folder: str, what: str) -> AttachmentRecord:
    """An attachment from the generic format: bytes inline (base64), a file beside the export
    (``path``, which must stay inside the export folder) or only a link (``url``)."""
    filename = values.safe_filename(item.get("filename") or item.get("name") or "")
    content_type = values.text(item.get("content_type"), limit=100, what=f"{what} content type")
    limit = values.max_attachment_bytes()
    content: bytes | None = None
    if item.get("content_base64") is not None:
        encoded = values.text(item["content_base64"], what=f"{what} content")
        if len(encoded) > limit * 4 // 3 + 8:
            raise values.RecordError(f"{what} is larger than {limit:,} bytes")
        try:
            content = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise values.RecordError(f"{what} content is not base64") from exc
    elif item.get("path") is not None:
        target = values.inside(folder, item["path"], what=what)
        if not os.path.isfile(target):
            raise values.RecordError(f"{what} file {item['path']!r} is not in the export")
        if os.path.getsize(target) > limit:
            raise values.RecordError(f"{what} is larger than {limit:,} bytes")
        with open(target, "rb") as handle:
            content = handle.read()
    url = values.text(item.get("url"), limit=2000, what=f"{what} link")
    return AttachmentRecord(
        filename=filename,
        content_type=content_type,
        size=len(content) if content is not None else size(item.get("size")),
        content=content,
        url=url,
    )
