"""Reading hostile e-mail: seconds to parse and cut the body of each pathological mail.

    PYTHONPATH=src .venv/bin/python benchmarks/hostile_mail_bench.py

Each mail is read once by ``parse_email`` and the body step of ingest (quote stripping,
HTML-to-text, the body limit); no database. Baseline, in the same run: an ordinary reply of
about the same size, so a figure reads as "this many times an ordinary mail". Also reads the
whole corpus (``src/tactful/mail/tests/corpus``). A benchmark, not a test: it asserts nothing.
Run against an older checkout (its ``src`` on ``PYTHONPATH``) to compare.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tactful.desk.settings_test")

import django

django.setup()

from tactful.mail import services  # noqa: E402 (after django.setup())
from tactful.mail.parsing import parse_email  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "src" / "tactful" / "mail" / "tests" / "corpus"


def mail(headers: bytes, body: bytes = b"hello\r\n", content_type: bytes = b"text/plain") -> bytes:
    return (
        b"From: a@example.com\r\nTo: s@example.com\r\nMessage-ID: <x@y>\r\n"
        + headers
        + b"Content-Type: "
        + content_type
        + b"\r\n\r\n"
        + body
    )


def nested(depth: int) -> bytes:
    parts = [b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"]
    for level in range(1, depth):
        parts.append(
            b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (level - 1, level)
        )
    parts.append(b"--b%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n" % (depth - 1))
    parts += [b"--b%d--\r\n" % level for level in reversed(range(depth))]
    return b"".join(parts)


def many_parts(count: int) -> bytes:
    head = b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n"
    body = b"".join(b"--m\r\nContent-Type: text/plain\r\n\r\n%d\r\n" % i for i in range(count))
    return head + body + b"--m--\r\n"


def ordinary_reply(lines: int) -> bytes:
    text = b"".join(b"Line %d of an ordinary reply about order 4471.\r\n" % i for i in range(lines))
    return mail(
        b"Subject: Re: order\r\n", text + b"\r\nOn Mon, Ann <ann@example.com> wrote:\r\n> hi\r\n"
    )


CASES: dict[str, Callable[[], bytes]] = {
    "ordinary reply, 2,000 lines (baseline)": lambda: ordinary_reply(2000),
    "Subject of 20,000 blanks": lambda: mail(b"Subject: a" + b" " * 20000 + b"b\r\n"),
    "Content-Type with 3,300 RFC 2231 sections": lambda: mail(
        b"", content_type=b"text/plain; " + b"; ".join(b"name*%d=a" % i for i in range(3300))
    ),
    "References with 5,000 ids": lambda: mail(
        b"References: " + b" ".join(b"<r%d@x>" % i for i in range(5000)) + b"\r\n"
    ),
    "quote of 20,000 '> ' lines": lambda: mail(b"Subject: x\r\n", b"> a\n" * 20000),
    "1,000 nested multiparts": lambda: nested(1000),
    "700 flat parts": lambda: many_parts(700),
    "Cc of 5,000 '('": lambda: mail(b"Cc: " + b"(" * 5000 + b"\r\n"),
    "2.6 MB of 8-bit Cyrillic, unknown charset": lambda: mail(
        b"Subject: x\r\n",
        bytes(range(0xC0, 0x100)) * 40000,
        content_type=b"text/plain; charset=x-unknown",
    ),
}


def read(raw: bytes) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        services._body_of(parse_email(raw))
    except RecursionError:
        return time.perf_counter() - start, "RecursionError"
    return time.perf_counter() - start, "ok"


def main() -> None:
    print(f"python {sys.version.split()[0]}, code from {services.__file__}")
    baseline = None
    for name, build in CASES.items():
        raw = build()
        seconds, outcome = read(raw)
        baseline = baseline or seconds
        print(
            f"{name:46s} {len(raw):>10,d} B {seconds:8.3f} s {seconds / baseline:8.1f}x  {outcome}"
        )
    files = sorted(CORPUS.glob("*.eml"))
    start = time.perf_counter()
    slowest = (0.0, "")
    for path in files:
        seconds, _outcome = read(path.read_bytes())
        slowest = max(slowest, (seconds, path.name))
    total = time.perf_counter() - start
    print(f"corpus: {len(files)} mails in {total:.3f} s; slowest {slowest[1]} {slowest[0]:.3f} s")


if __name__ == "__main__":
    main()
