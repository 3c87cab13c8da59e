"""Broken and hostile exports: each bad record is refused with its place and reason, the rest
is imported, and nothing escapes the export folder or breaks the database."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tactful.importing import services, values
from tactful.importing.readers.generic import CsvReader, JsonLinesReader
from tactful.importing.readers.zendesk import ZendeskReader
from tactful.tickets.models import Attachment, Message, Ticket

pytestmark = pytest.mark.django_db

CSV_HEADER = "ticket_id,subject,customer_email,message_id,kind,body,created_at\n"


def ticket_line(n: int | str, **changes) -> dict[str, Any]:
    line = {
        "id": f"t{n}",
        "subject": f"Ticket {n}",
        "customer": {"id": f"c{n}", "email": f"c{n}@example.com"},
        "created_at": "2024-01-01T10:00:00Z",
        "messages": [{"id": f"m{n}", "body": "Hello", "created_at": "2024-01-01T10:00:00Z"}],
    }
    line.update(changes)
    return line


def jsonl(path: Path, *lines: object) -> Path:
    with path.open("wb") as handle:
        for line in lines:
            handle.write(line if isinstance(line, bytes) else json.dumps(line).encode())
            handle.write(b"\n")
    return path


def imported(reader) -> services.Summary:
    return services.import_export(reader=reader)


def test_malformed_lines_are_refused_and_the_rest_is_imported(tmp_path):
    export = jsonl(
        tmp_path / "x.jsonl",
        ticket_line(1),
        b'{"id": "t2", "subject": "cut off',
        b"[1, 2, 3]",
        b"\xff\xfe not utf-8 {}",
        b"[" * 100_000 + b"]" * 100_000,
        ticket_line(3),
    )
    summary = imported(JsonLinesReader(export))
    assert Ticket.objects.count() == 2
    reasons = dict(line.split(": ", 1) for line in summary.refused)
    assert reasons["x.jsonl line 2"].startswith("not valid JSON (")
    assert reasons["x.jsonl line 3"] == "a line must hold one JSON object"
    assert reasons["x.jsonl line 4"] == "not UTF-8 text (byte 0xff at position 0)"
    assert reasons["x.jsonl line 5"] == "JSON nested too deeply"


def test_a_broken_json_document_refuses_its_file_only(tmp_path):
    folder = tmp_path / "zendesk"
    folder.mkdir()
    (folder / "page-1.json").write_text('{"tickets": [{"id": 1, "subject": "x"', encoding="utf-8")
    jsonl(
        folder / "tickets.jsonl",
        {
            "id": 2,
            "subject": "Fine",
            "status": "open",
            "requester_id": 5,
            "created_at": "2024-01-01T00:00:00Z",
            "comments": [],
        },
    )
    summary = imported(ZendeskReader(folder))
    assert Ticket.objects.count() == 1
    assert summary.refused == [
        "page-1.json: not valid JSON (Expecting ',' delimiter at line 1 column 38)"
    ]


def test_huge_fields_are_refused_or_cut_where_they_are_only_display_text(tmp_path):
    export = jsonl(
        tmp_path / "h.jsonl",
        ticket_line(1, subject="S" * 10_000),
        ticket_line(2, id="x" * 300),
        ticket_line(
            3,
            messages=[
                {"id": "big", "body": "B" * (values.MAX_BODY + 1), "created_at": "2024-01-01"}
            ],
        ),
        ticket_line(4, tags=[f"tag{n}" for n in range(500)]),
    )
    summary = imported(JsonLinesReader(export))
    [ticket] = Ticket.objects.all()
    assert len(ticket.subject) == values.MAX_SUBJECT and ticket.subject.endswith("…")
    assert sorted(r.split(": ", 1)[1] for r in summary.refused) == [
        "500 tags (at most 100)",
        "message 1 body is 2,000,001 characters long (at most 2,000,000)",
        "ticket id is 300 characters long (at most 255)",
    ]


def test_nul_characters_never_reach_the_database(tmp_path):
    export = jsonl(
        tmp_path / "n.jsonl",
        ticket_line(
            1,
            subject="Sub\u0000ject",
            customer={"id": "c\u00001", "name": "Ann\u0000", "email": "ann@example.com"},
            messages=[{"id": "m\u00001", "body": "Hel\u0000lo", "created_at": "2024-01-01"}],
        ),
    )
    csv_export = tmp_path / "n.csv"
    csv_export.write_bytes(
        CSV_HEADER.encode() + b"t9,Sub\x00ject,b@example.com,m9,in,Hel\x00lo,2024-01-01T00:00:00Z\n"
    )
    assert imported(JsonLinesReader(export)).refused_count == 0
    assert imported(CsvReader(csv_export)).refused_count == 0
    assert set(Ticket.objects.values_list("subject", flat=True)) == {"Subject"}
    assert set(Message.objects.values_list("body", flat=True)) == {"Hello"}


def test_a_csv_in_another_encoding_is_refused_by_row_until_its_encoding_is_given(tmp_path):
    export = tmp_path / "latin.csv"
    export.write_bytes(
        CSV_HEADER.encode("cp1252")
        + "1,Factura,eva@example.es,m1,in,Aquí está el recibo,2024-01-01T00:00:00Z\n".encode(
            "cp1252"
        )
        + b"2,Plain,bo@example.com,m2,in,Plain ascii,2024-01-01T00:00:00Z\n"
    )
    summary = imported(CsvReader(export))
    assert summary.refused == [
        "latin.csv line 2 (id 1): not utf-8 text (byte 0xed at position 34); see --encoding"
    ]
    assert Ticket.objects.count() == 1
    again = imported(CsvReader(export, encoding="cp1252"))
    assert again.refused_count == 0 and again.imported["tickets"] == 1
    assert Message.objects.filter(body="Aquí está el recibo").exists()


def test_an_unterminated_csv_quote_refuses_the_row_it_swallows(tmp_path):
    export = tmp_path / "q.csv"
    export.write_text(
        CSV_HEADER
        + "1,Fine,a@example.com,m1,in,Hello,2024-01-01T00:00:00Z\n"
        + '2,Broken,b@example.com,m2,in,"never closed,2024-01-01T00:00:00Z\n'
        + "3,Eaten,c@example.com,m3,in,Hello,2024-01-01T00:00:00Z\n",
        encoding="utf-8",
    )
    summary = imported(CsvReader(export))
    assert Ticket.objects.count() == 1
    assert summary.refused == ["q.csv lines 3-4 (id 2): created_at is missing"]


def test_attachment_paths_cannot_leave_the_export_folder(tmp_path):
    folder = tmp_path / "export"
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "receipt.pdf").write_bytes(b"%PDF receipt")
    secret = tmp_path / "secret.txt"
    secret.write_text("do not import me")
    os.symlink(secret, folder / "files" / "link.txt")

    def with_attachment(n: int, attachment: dict[str, Any]) -> dict[str, Any]:
        return ticket_line(
            n,
            messages=[
                {
                    "id": f"m{n}",
                    "body": "See file",
                    "created_at": "2024-01-01",
                    "attachments": [attachment],
                }
            ],
        )

    jsonl(
        folder / "desk.jsonl",
        with_attachment(1, {"filename": "../../../etc/cron.d/evil", "path": "files/receipt.pdf"}),
        with_attachment(2, {"filename": "x", "path": "../secret.txt"}),
        with_attachment(3, {"filename": "x", "path": str(secret)}),
        with_attachment(4, {"filename": "x", "path": "files/link.txt"}),
        with_attachment(5, {"filename": "y", "content_base64": "not base64!!"}),
        with_attachment(
            6, {"filename": "..", "content_base64": base64.b64encode(b"inline").decode()}
        ),
    )
    summary = imported(JsonLinesReader(folder))
    reasons = sorted(r.split(": ", 1)[1] for r in summary.refused)
    assert reasons == [
        "message 1 attachment content is not base64",
        "message 1 attachment path '../secret.txt' leads outside the export folder",
        f"message 1 attachment path '{secret}' is not relative to the export",
        "message 1 attachment path 'files/link.txt' leads outside the export folder",
    ]
    stored = {a.filename: a for a in Attachment.objects.all()}
    assert set(stored) == {"evil", "attachment"}
    assert stored["evil"].file.name.startswith("attachments/")
    assert ".." not in stored["evil"].file.name
    assert stored["evil"].file.read() == b"%PDF receipt"


@pytest.mark.slow
def test_a_50_mb_zendesk_export_streams_through(tmp_path):
    """One file of ~50 MB (the full JSON export: a ticket per line), read line by line."""
    folder = tmp_path / "zendesk"
    folder.mkdir()
    paragraph = "Мой заказ не пришёл, а деньги списали дважды. " * 50  # ~2.4 KB of Cyrillic
    size, n = 0, 0
    with (folder / "tickets.json").open("w", encoding="utf-8") as handle:
        while size < 50 * 1024 * 1024:
            n += 1
            comments = [
                {
                    "id": n * 10 + i,
                    "author_id": 100 + n % 50,
                    "public": True,
                    "html_body": f"<p>{paragraph}</p>",
                    "created_at": f"2023-05-0{1 + i}T10:00:00Z",
                }
                for i in range(4)
            ]
            line = json.dumps(
                {
                    "id": n,
                    "subject": f"Заказ {n}",
                    "status": "solved",
                    "priority": "normal",
                    "requester_id": 100 + n % 50,
                    "created_at": "2023-05-01T10:00:00Z",
                    "comments": comments,
                },
                ensure_ascii=False,
            )
            handle.write(line + "\n")
            size += len(line.encode()) + 1
    with (folder / "users.json").open("w", encoding="utf-8") as handle:
        for u in range(50):
            handle.write(
                json.dumps(
                    {
                        "id": 100 + u,
                        "name": f"Клиент {u}",
                        "role": "end-user",
                        "email": f"client{u}@example.ru",
                        "locale": "ru",
                    }
                )
                + "\n"
            )
    summary = imported(ZendeskReader(folder))
    assert summary.refused_count == 0
    assert Ticket.objects.count() == n and Message.objects.count() == 4 * n
    assert Ticket.objects.filter(language="ru").count() == n
