"""Score an archive (JSONL or CSV) of messages, replies or conversations into JSONL.

Each input row is one of:
    {"id": …, "text": …}                         a customer message → MessageAnalysis
    {"id": …, "reply": …, "customer": …}         a draft reply      → ReplyReview
    {"id": …, "messages": [{"author", "text"}]}  a conversation     → ConversationReview
CSV rows use the same column names (``messages`` as a JSON string). The output is appended to,
so an interrupted run resumes where it stopped; a bad row is reported and skipped.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ._errors import CoachError

csv.field_size_limit(10_000_000)
_CHUNK = 64


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, row, error) for every row; unreadable rows come with an error, not an exception."""
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        if path.suffix.lower() == ".csv":
            for number, row in enumerate(csv.DictReader(handle), start=2):
                yield number, dict(row), None
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                yield number, None, f"invalid JSON: {error.msg}"
                continue
            if not isinstance(row, dict):
                yield number, None, "a row must be a JSON object"
                continue
            yield number, row, None


def _row_id(number: int, row: dict[str, Any]) -> str:
    value = row.get("id")
    return str(value) if value not in (None, "") else f"line-{number}"


def score_row(row: dict[str, Any], language: str | None) -> dict[str, Any]:
    """Score one row; raises CoachError or ValueError for rows the coach cannot judge."""
    from ._analyze import analyze_message
    from ._conversation import review_conversation
    from ._review import review_reply

    if "messages" in row and row["messages"] not in (None, ""):
        messages = row["messages"]
        if isinstance(messages, str):
            messages = json.loads(messages)
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            raise ValueError("'messages' must be a list of {author, text} objects")
        return {
            "conversation": dataclasses.asdict(review_conversation(messages, language=language))
        }
    if row.get("reply") not in (None, ""):
        customer = row.get("customer") or None
        review = review_reply(str(row["reply"]), customer_message=customer, language=language)
        return {"review": dataclasses.asdict(review)}
    if "text" in row:
        text = row["text"]
        if not isinstance(text, str):
            raise ValueError("'text' must be a string")
        return {"analysis": dataclasses.asdict(analyze_message(text, language=language))}
    raise ValueError("a row needs 'text', 'reply' or 'messages'")


def _score_chunk(
    chunk: list[tuple[str, dict[str, Any]]], language: str | None
) -> list[dict[str, Any]]:
    out = []
    for row_id, row in chunk:
        try:
            out.append({"id": row_id, **score_row(row, language)})
        except (CoachError, ValueError, TypeError, json.JSONDecodeError) as error:
            out.append({"id": row_id, "error": str(error)})
    return out


def _done_ids(out: Path) -> set[str]:
    if not out.exists():
        return set()
    done = set()
    with out.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                done.add(str(json.loads(line)["id"]))
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line cut by a crash; that row is scored again
    return done


def open_for_append(out: Path) -> Any:
    """The output opened for appending; a last line cut short by a crash is ended first, so the
    next record starts on a line of its own instead of being glued to the broken one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    cut = False
    if out.exists() and out.stat().st_size:
        with out.open("rb") as tail:
            tail.seek(-1, 2)
            cut = tail.read(1) != b"\n"
    handle = out.open("a", encoding="utf-8")
    if cut:
        handle.write("\n")
    return handle


def _progress(done: int, total: int | None, started: float) -> None:
    """A progress bar on stderr (a running count where the total is not known in advance)."""
    if not sys.stderr.isatty() and done != total and done % (_CHUNK * 16):
        return
    rate = done / max(1e-9, time.perf_counter() - started)
    if total is None:
        sys.stderr.write(f"\r{done} rows {rate:.0f} rows/s")
        sys.stderr.flush()
        return
    width = 30
    filled = int(width * done / max(1, total))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {rate:.0f} rows/s")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def score_file(
    path: Path, out: Path, *, workers: int = 1, language: str | None = None
) -> dict[str, int]:
    """Score ``path`` into ``out`` (appending); returns counts of scored, skipped and failed rows."""
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    done = _done_ids(out)
    pending: list[tuple[str, dict[str, Any]]] = []
    unreadable = skipped = 0
    with open_for_append(out) as sink:
        for number, row, error in _rows(path):
            row_id = _row_id(number, row) if row is not None else f"line-{number}"
            if row_id in done:
                skipped += 1
                continue
            if row is None:
                print(f"line {number}: {error}", file=sys.stderr)
                sink.write(json.dumps({"id": row_id, "error": error}, ensure_ascii=False) + "\n")
                unreadable += 1
                continue
            pending.append((row_id, row))
        chunks = [pending[i : i + _CHUNK] for i in range(0, len(pending), _CHUNK)]
        started, finished, failed = time.perf_counter(), 0, 0
        if workers > 1 and len(chunks) > 1:
            # One scorer per process, models loaded once per worker.
            with ProcessPoolExecutor(max_workers=workers) as pool:
                results = pool.map(_score_chunk, chunks, [language] * len(chunks))
                for result in results:
                    finished, failed = _write(sink, result, finished, failed, len(pending), started)
        else:
            for chunk in chunks:
                result = _score_chunk(chunk, language)
                finished, failed = _write(sink, result, finished, failed, len(pending), started)
    return {"scored": finished - failed, "skipped": skipped, "failed": failed + unreadable}


def _write(
    sink: Any, result: list[dict[str, Any]], finished: int, failed: int, total: int, started: float
) -> tuple[int, int]:
    for record in result:
        if "error" in record:
            print(f"row {record['id']}: {record['error']}", file=sys.stderr)
            failed += 1
        sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    sink.flush()
    finished += len(result)
    _progress(finished, total, started)
    return finished, failed
