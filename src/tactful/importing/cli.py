"""``tactful import`` and ``tactful export``: moving a desk's history in and out.

Exit codes: 0 everything was imported or skipped as already there; 1 some records were
refused (the summary lists them; the rest was imported); 2 the export could not be read at
all, or the command was wrong.
"""

from __future__ import annotations

import argparse
import codecs
import json
import sys
import time
from pathlib import Path
from typing import IO

from tactful.importing import exporting, services, values
from tactful.importing.readers.base import ExportError, Reader
from tactful.importing.readers.freshdesk import FreshdeskReader
from tactful.importing.readers.generic import CsvReader, JsonLinesReader
from tactful.importing.readers.helpscout import HelpScoutReader
from tactful.importing.readers.zendesk import ZendeskReader

READERS: dict[str, type[Reader]] = {
    "zendesk": ZendeskReader,
    "freshdesk": FreshdeskReader,
    "helpscout": HelpScoutReader,
    "csv": CsvReader,
    "jsonl": JsonLinesReader,
}

EXIT_OK, EXIT_REFUSALS, EXIT_UNREADABLE = 0, 1, 2


class ProgressBar:
    """``[####......] 1200/5000 350 records/s`` on stderr (like ``tactful coach score``)."""

    def __init__(self, stream: IO[str], *, enabled: bool = True):
        self.stream = stream
        self.enabled = enabled
        self.started = time.perf_counter()
        self.last = 0.0
        self.finished = False

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled or self.finished:
            return
        now = time.perf_counter()
        final = total is not None and done >= total
        self.finished = final
        if not final and now - self.last < 0.2:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        if total:
            width = 30
            filled = int(width * min(done, total) / total)
            bar = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        else:
            bar = f"{done} records"
        self.stream.write(f"\r{bar} {rate:.0f} records/s")
        if final:
            self.stream.write("\n")
        self.stream.flush()


def import_main(argv: list[str], *, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """``tactful import SOURCE FILE_OR_DIR``: see ``--help``."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="tactful import",
        description="Import another help desk's export: tickets, messages, customers, agents, "
        "tags and attachments. Idempotent (a second run imports nothing twice), silent (no "
        "rule, notification, auto-reply, SLA clock or survey fires for history) and "
        "resumable (run it again after an interruption).",
    )
    parser.add_argument("source", choices=sorted(READERS), help="the export's format")
    parser.add_argument("path", help="the export: a file or a folder of files")
    parser.add_argument(
        "--dry-run", action="store_true", help="check everything and report, store nothing"
    )
    parser.add_argument(
        "--analyse",
        action="store_true",
        help="queue the coach's reading of every imported customer message (silently, in the "
        "background) so reports and the emotional load are filled from day one",
    )
    parser.add_argument(
        "--namespace",
        help="where the source's ids are kept (default: the source; csv and jsonl share "
        "'generic'); use another name for a second system whose ids could collide",
    )
    parser.add_argument(
        "--timezone",
        default="UTC",
        help="time zone of dates written without one (default UTC), e.g. Europe/Madrid",
    )
    parser.add_argument("--encoding", default="utf-8", help="text encoding of CSV files (utf-8)")
    parser.add_argument(
        "--restart", action="store_true", help="do not resume an unfinished run of this export"
    )
    parser.add_argument("--chunk-size", type=int, default=500, help="tickets per transaction")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.chunk_size < 1:
        parser.error("--chunk-size must be at least 1")
    if args.namespace is not None and not (0 < len(args.namespace) <= 32):
        parser.error("--namespace takes 1 to 32 characters")
    try:
        codecs.lookup(args.encoding)
        zone = values.zone(args.timezone)
        reader = READERS[args.source](Path(args.path), naive_zone=zone, encoding=args.encoding)
        reader.files()
    except (ExportError, values.RecordError, LookupError) as exc:
        print(f"tactful import: {exc}", file=err)
        return EXIT_UNREADABLE
    progress = ProgressBar(err, enabled=not args.quiet)
    try:
        summary = services.import_export(
            reader=reader,
            namespace=args.namespace,
            dry_run=args.dry_run,
            analyse=args.analyse,
            resume=not args.restart,
            chunk_size=args.chunk_size,
            progress=progress,
        )
    except ExportError as exc:
        print(f"tactful import: {exc}", file=err)
        return EXIT_UNREADABLE
    for line in summary_lines(summary):
        print(line, file=out)
    return EXIT_REFUSALS if summary.refused_count else EXIT_OK


#: The order counts are reported in (anything else follows, alphabetically).
ORDER = (
    "tickets",
    "messages",
    "messages added to tickets imported before",
    "customers",
    "customers matched by e-mail",
    "agents",
    "teams",
    "attachments",
    "timeline events",
)


def _counts(counter: dict[str, int]) -> str:
    names = sorted(counter, key=lambda k: (ORDER.index(k) if k in ORDER else len(ORDER), k))
    return ", ".join(f"{counter[k]:,} {k}" for k in names if counter[k]) or "nothing"


def summary_lines(summary: services.Summary) -> list[str]:
    """The final report, in words."""
    title = "Dry run of the import" if summary.dry_run else "Imported"
    lines = [f"{title} from {summary.source} (ids kept under '{summary.namespace}')"]
    if summary.resumed_after:
        lines.append(f"  resumed after record {summary.resumed_after:,}")
    verb = "would import" if summary.dry_run else "imported"
    lines.append(f"  {verb}: {_counts(summary.imported)}")
    lines.append(f"  skipped, already imported: {_counts(summary.skipped)}")
    if summary.analyses_queued and not summary.dry_run:
        lines.append(f"  coach readings queued: {summary.analyses_queued:,}")
    lines.append(f"  refused: {summary.refused_count:,}")
    lines.extend(f"    {reason}" for reason in summary.refused)
    if summary.refused_count > len(summary.refused):
        lines.append(f"    … and {summary.refused_count - len(summary.refused):,} more")
    if summary.warnings:
        lines.append("  warnings:")
        lines.extend(f"    {n:,}× {what}" for what, n in summary.warnings.most_common())
    if summary.dry_run:
        lines.append("Nothing was stored (dry run).")
    return lines


def export_main(argv: list[str], *, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """``tactful export customer EMAIL_OR_ID`` and ``tactful export desk``."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="tactful export",
        description="Export one customer's data (a data-access request) as JSON, or the whole "
        "desk as the generic JSON lines that 'tactful import jsonl' reads.",
    )
    commands = parser.add_subparsers(dest="what", required=True)
    customer = commands.add_parser("customer", help="one customer's data as one JSON document")
    customer.add_argument("customer", metavar="EMAIL_OR_ID")
    customer.add_argument("--out", help="write to this file (default: standard output)")
    desk = commands.add_parser("desk", help="every team, agent, customer and ticket (JSONL)")
    desk.add_argument("--out", help="write to this file (default: standard output)")
    args = parser.parse_args(argv)
    target: IO[str] = out
    handle = None
    if args.out:
        handle = open(args.out, "w", encoding="utf-8")  # noqa: SIM115 - closed below
        target = handle
    try:
        if args.what == "customer":
            found = exporting.find_customer(args.customer)
            if found is None:
                print(f"tactful export: no customer {args.customer!r}", file=err)
                return EXIT_REFUSALS
            json.dump(exporting.customer_document(found), target, ensure_ascii=False, indent=2)
            target.write("\n")
            return EXIT_OK
        lines = exporting.export_desk(target)
        if args.out:
            print(f"tactful export: {lines:,} lines written to {args.out}", file=err)
        return EXIT_OK
    finally:
        if handle is not None:
            handle.close()
