"""Each product's export, written from its documented format, read into records (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tactful.importing import values
from tactful.importing.readers.base import ExportError
from tactful.importing.readers.freshdesk import FreshdeskReader
from tactful.importing.readers.generic import CsvReader, JsonLinesReader
from tactful.importing.readers.helpscout import HelpScoutReader
from tactful.importing.readers.zendesk import ZendeskReader
from tactful.importing.records import Refusal, Skip, TicketRecord

FIXTURES = Path(__file__).parent / "fixtures"


def tickets(records):
    """The first record of each ticket id."""
    found: dict[str, TicketRecord] = {}
    for record in records:
        if isinstance(record, TicketRecord):
            found.setdefault(record.key, record)
    return found


def refusals(records):
    return [r for r in records if isinstance(r, Refusal)]


def test_zendesk_full_json_export_maps_statuses_channels_authors_and_time_zones():
    reader = ZendeskReader(FIXTURES / "zendesk")
    records = list(reader.records())
    found = tickets(records)
    charged = found["501"]
    assert (charged.status, charged.priority, charged.channel) == ("solved", 3, "email")
    assert charged.language == "es"  # the requester's locale
    assert charged.customer.name == "Lucía Fernández"
    assert ("phone", "+34 600 111 222") in charged.customer.identities
    assert charged.tags == ("billing", "double_charge")
    assert charged.custom_fields == {"360011": "4411"}  # empty custom fields are left out
    assert charged.solved_at == datetime(2022, 3, 2, 9, 59, tzinfo=UTC)
    kinds = [(m.key, m.kind) for m in charged.messages]
    # Public agent comment → reply, private → note, the system's (author -1) → reply by nobody.
    assert kinds == [("10001", "in"), ("10002", "out"), ("10003", "note"), ("10004", "out")]
    assert charged.messages[3].author is None
    assert "<strong>dos veces</strong>" in charged.messages[0].body  # HTML kept as received
    # A reply is shown as the text agents type: Zendesk's plain body, the HTML kept aside; and
    # it went out the ticket's way, whatever tool the agent used ("via": web).
    reply = charged.messages[1]
    assert reply.body.startswith("Lo siento, Lucía") and "<p>" not in reply.body
    assert reply.original_body.startswith("<p>") and reply.channel == "email"
    # "+01:00" in the export is kept as the same instant.
    assert charged.messages[1].created_at == datetime(2022, 3, 1, 9, 15, tzinfo=UTC)
    [pdf] = charged.messages[0].attachments
    assert (pdf.filename, pdf.content, pdf.size) == ("extracto.pdf", None, 48213)
    assert pdf.url.startswith("https://acme.zendesk.com/attachments/")
    # A hostile attachment name keeps only its last part.
    assert charged.messages[2].attachments[0].filename == "passwd"

    login = found["502"]
    assert (login.status, login.priority, login.channel) == ("pending", 4, "phone")  # hold, voice
    assert login.created_at == datetime(2022, 4, 5, 11, 30, tzinfo=UTC)
    assert login.assignee is not None and login.assignee.agent_role == "admin"

    orphan = found["503"]  # requester 9999 is not among the users
    assert orphan.customer.key == "9999" and orphan.customer.name == ""
    assert orphan.warnings and "requester missing" in orphan.warnings[0]
    assert orphan.priority == 2  # no priority: normal

    skipped = [r for r in records if isinstance(r, Skip)]
    assert [(s.key, s.reason) for s in skipped] == [("504", "tickets deleted in the source")]
    reasons = {r.location: r.reason for r in refusals(records)}
    assert reasons["tickets.json line 5"].startswith("created_at 'not a date' is not")
    assert reasons["tickets.json line 6"].startswith("not valid JSON")
    assert reasons["tickets.json line 9"] == "unknown status 'escalated'"
    # The duplicate of 501 comes through as well: the importer keeps only what is new.
    assert sum(1 for r in records if isinstance(r, TicketRecord) and r.key == "501") == 2


def test_zendesk_api_pages_with_comments_saved_per_ticket():
    records = list(ZendeskReader(FIXTURES / "zendesk_api").records())
    [ticket] = tickets(records).values()
    assert ticket.team == "Billing" and ticket.channel == "chat" and ticket.status == "pending"
    assert [m.kind for m in ticket.messages] == ["in", "out"]
    assert ticket.messages[1].author is not None
    assert ticket.messages[1].author.email == "ana.agent@acme.example"


def test_freshdesk_api_json_maps_numeric_codes_and_conversations():
    records = list(FreshdeskReader(FIXTURES / "freshdesk").records())
    found = tickets(records)
    shipped = found["1"]
    assert (shipped.status, shipped.priority, shipped.channel) == ("solved", 2, "email")
    assert shipped.language == "es" and shipped.team == "Shipping"
    assert shipped.first_response_at == datetime(2023, 2, 1, 11, tzinfo=UTC)
    assert shipped.custom_fields == {"cf_order": "8812"}
    assert [m.kind for m in shipped.messages] == ["in", "out", "in", "note"]
    assert shipped.messages[0].key == "1:description"
    assert shipped.messages[0].attachments[0].filename == "foto pedido.jpg"
    assert shipped.messages[1].metadata["from_email"] == "soporte@acme.example"
    locked = found["2"]
    # Chat (source 7), urgent (4); the conversation came from its own file; a date without a
    # zone is read in the --timezone (UTC by default).
    assert (locked.channel, locked.priority) == ("chat", 4)
    assert [m.kind for m in locked.messages] == ["in", "out"]
    assert locked.created_at == datetime(2023, 3, 5, 9, 30, tzinfo=UTC)
    assert ("social", "@jordanb") in locked.customer.identities
    assert found["3"].status == "pending"
    assert "custom status (imported as pending)" in found["3"].warnings
    assert found["3"].assignee is None  # agent 5999 is not in the export
    assert [r.reason for r in refusals(records)] == ["unknown priority 9"]
    assert [s.key for s in records if isinstance(s, Skip)] == ["5"]


def test_freshdesk_naive_dates_follow_the_given_time_zone():
    reader = FreshdeskReader(FIXTURES / "freshdesk", naive_zone=values.zone("Europe/Madrid"))
    locked = tickets(reader.records())["2"]
    assert locked.created_at == datetime(2023, 3, 5, 8, 30, tzinfo=UTC)  # 09:30 in Madrid (CET)


def test_help_scout_conversations_threads_statuses_and_spam():
    records = list(HelpScoutReader(FIXTURES / "helpscout").records())
    found = tickets(records)
    invoice = found["7001"]
    reply = invoice.messages[1] if len(invoice.messages) > 1 else None
    assert reply is not None and reply.body.startswith("Kim, I've reissued the invoice")
    assert reply.original_body.startswith("<p>Kim")
    assert invoice.status == "solved" and invoice.team == "Billing" and invoice.number == "341"
    assert invoice.tags == ("invoices",) and invoice.custom_fields == {"Plan": "Team"}
    # Threads come newest first from the API; the line item (the desk's own log) is left out.
    assert [m.key for m in invoice.messages] == ["90001", "90002"]
    assert [m.kind for m in invoice.messages] == ["in", "out"]
    assert invoice.messages[1].attachments[0].url.endswith("invoice-341.pdf")
    chat = found["7002"]
    assert chat.channel == "chat"
    assert [m.kind for m in chat.messages] == ["in", "out", "note"]  # the draft is left out
    assert chat.created_at == datetime(2023, 6, 2, 13, 0, tzinfo=UTC)
    assert [s.key for s in records if isinstance(s, Skip)] == ["7003"]
    [refused] = refusals(records)
    assert (refused.key, refused.reason) == ("7004", "the conversation has no customer")


def test_generic_jsonl_reads_teams_agents_customers_and_tickets():
    records = list(JsonLinesReader(FIXTURES / "generic" / "desk.jsonl").records())
    assert [type(r).__name__ for r in records] == [
        "TeamRecord",
        "AgentRecord",
        "CustomerRecord",
        "TicketRecord",
        "TicketRecord",
    ]
    ticket = records[3]
    assert isinstance(ticket, TicketRecord)
    assert ticket.customer.reference and ticket.customer.key == "c-1"
    assert ticket.assignee is not None and ticket.assignee.reference
    assert ticket.tags == ("billing", "vip")
    inline = records[4]
    assert isinstance(inline, TicketRecord)
    assert not inline.customer.reference and inline.customer.email == "sam@example.com"
    assert inline.customer.identities == (("email", "sam@example.com"),)


CSV_HEADER = (
    "ticket_id,subject,status,priority,channel,language,tags,team,assignee_email,"
    "ticket_created_at,customer_id,customer_name,customer_email,customer_language,"
    "message_id,kind,author_name,author_email,body,created_at\n"
)


def test_generic_csv_groups_rows_by_ticket_and_refuses_only_bad_rows(tmp_path):
    export = tmp_path / "tickets.csv"
    export.write_text(
        CSV_HEADER + "1,Refund,open,high,email,en,billing;vip,,,,c1,Ann,ann@example.com,en,m1,in,,,"
        '"Line one\nline two, with a comma",2024-01-02T10:00:00Z\n'
        "1,Refund,open,high,email,en,billing;vip,,,,c1,Ann,ann@example.com,en,m2,out,Bo,"
        "bo@acme.example,Done.,2024-01-02T11:00:00Z\n"
        "1,Refund,open,high,email,en,,,,,c1,Ann,ann@example.com,en,m3,in,,,Bad date,yesterday\n"
        "2,Hola,weird,,web,es,,,,,c2,Eva,eva@example.es,es,m4,in,,,Hola,2024-01-03T10:00:00Z\n"
        "3,Hi,open,,web,en,,,,,,,,,m5,in,,,Nobody,2024-01-03T10:00:00Z\n",
        encoding="utf-8",
    )
    records = list(CsvReader(export).records())
    [ticket] = tickets(records).values()
    assert ticket.location == "tickets.csv lines 2-5"
    assert [m.key for m in ticket.messages] == ["m1", "m2"]
    assert ticket.messages[0].body == "Line one\nline two, with a comma"
    assert ticket.messages[1].author is not None and ticket.messages[1].author.name == "Bo"
    assert ticket.tags == ("billing", "vip")
    assert [(r.location, r.reason.split(" (")[0]) for r in refusals(records)] == [
        ("tickets.csv line 5", "created_at 'yesterday' is not an ISO 8601 date"),
        ("tickets.csv line 6", "unknown status 'weird'"),
        ("tickets.csv line 7", "customer_id and customer_email are both empty"),
    ]


def test_generic_csv_without_message_ids_gets_stable_ones(tmp_path):
    export = tmp_path / "t.csv"
    export.write_text(
        "ticket_id,customer_email,body,created_at\n9,a@example.com,Hello,2024-01-02T10:00:00Z\n",
        encoding="utf-8",
    )
    first = tickets(CsvReader(export).records())["9"].messages[0].key
    again = tickets(CsvReader(export).records())["9"].messages[0].key
    assert first == again and first.startswith("9:")


def test_a_missing_export_is_an_export_error(tmp_path):
    with pytest.raises(ExportError):
        ZendeskReader(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ExportError, match="no zendesk export files"):
        ZendeskReader(empty).files()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T13:00:00+03:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01 10:00:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        (1714557600, datetime(2024, 5, 1, 10, tzinfo=UTC)),
    ],
)
def test_dates_in_every_documented_shape(raw, expected):
    assert values.when(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "yesterday", "1969-12-31T00:00:00Z", "2999-01-01", True])
def test_unusable_dates_are_refused(raw):
    with pytest.raises(values.RecordError):
        values.when(raw)
