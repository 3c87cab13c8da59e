"""Importing into a real desk: what lands, that it is history (silent), once only, resumable."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tactful.automation.models import Notification, Rule, RuleFiring
from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.customers.models import Customer, CustomerIdentity
from tactful.importing import services
from tactful.importing.models import ImportRun, RunState, SourceKey
from tactful.importing.readers.generic import JsonLinesReader
from tactful.importing.readers.zendesk import ZendeskReader
from tactful.tickets import events, selectors
from tactful.tickets.models import CoachState, EventKind, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def generic_ticket(
    n: int | str, *, messages: int = 2, body: str = "Where is my order {n}?"
) -> dict[str, Any]:
    return {
        "type": "ticket",
        "id": f"t{n}",
        "subject": f"Order {n}",
        "status": "open",
        "channel": "email",
        "customer": {"id": f"c{n}", "name": f"Customer {n}", "email": f"c{n}@example.com"},
        "created_at": "2024-01-01T10:00:00Z",
        "messages": [
            {
                "id": f"t{n}-m{i}",
                "kind": "in" if i % 2 == 0 else "out",
                "body": body.format(n=n),
                "created_at": f"2024-01-01T1{min(i, 9)}:00:00Z",
            }
            for i in range(messages)
        ],
    }


def write_lines(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


class Heard:
    """Every event emitted while importing (there must be none)."""

    def __init__(self) -> None:
        self.events: list[events.TicketChange] = []

    def __call__(self, event: events.TicketChange) -> None:
        self.events.append(event)


@pytest.fixture
def heard():
    listener = Heard()
    events.subscribe(events.TicketChange)(listener)
    events.subscribe(events.TicketChange, after_commit=True)(listener)
    yield listener
    events.unsubscribe(listener)


def test_a_zendesk_export_lands_with_its_own_dates_authors_and_timeline():
    summary = services.import_export(reader=ZendeskReader(FIXTURES / "zendesk"))
    assert summary.imported["tickets"] == 4 and summary.imported["messages"] == 9
    assert summary.refused_count == 3
    key = SourceKey.objects.get(namespace="zendesk", kind="ticket", external_id="501")
    ticket = Ticket.objects.get(pk=key.object_id)
    assert ticket.created_at == datetime(2022, 3, 1, 9, tzinfo=UTC)
    assert ticket.updated_at == datetime(2022, 3, 2, 10, tzinfo=UTC)
    assert ticket.solved_at == datetime(2022, 3, 2, 9, 59, tzinfo=UTC)
    assert ticket.first_response_at == datetime(2022, 3, 1, 9, 15, tzinfo=UTC)
    assert ticket.coach_state == CoachState.NONE
    assert ticket.customer.name == "Lucía Fernández"
    assert set(ticket.customer.identities.values_list("channel", "handle")) == {
        ("email", "lucia.fernandez@example.es"),
        ("phone", "+34 600 111 222"),
    }
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing", "double_charge"]
    agent = ticket.assignee
    assert agent is not None and agent.email == "ana.agent@acme.example"
    assert not agent.is_active and not agent.has_usable_password()  # cannot log in yet
    thread = list(ticket.messages.order_by("created_at", "id"))
    assert [m.kind for m in thread] == ["in", "out", "note", "out"]
    assert thread[1].author_agent == agent and thread[3].author_agent is None
    assert thread[0].metadata["attachments"][0]["filename"] == "extracto.pdf"
    assert thread[1].created_at == datetime(2022, 3, 1, 9, 15, tzinfo=UTC)
    assert thread[1].delivery_state == ""  # history is not delivered again
    timeline = list(ticket.events.order_by("created_at", "id"))
    kinds = [e.kind for e in timeline]
    assert kinds[:1] == [EventKind.CREATED] and timeline[0].created_at == ticket.created_at
    assert kinds.count(EventKind.REPLIED) == 2 and kinds.count(EventKind.NOTE_ADDED) == 1
    assert EventKind.STATUS_CHANGED in kinds and kinds[-1] == "imported"
    entries = selectors.timeline(ticket)
    assert entries[-1].text == "Imported from Zendesk (ticket 501)"
    assert selectors.thread(ticket)  # the ticket page's reads work on imported rows


def test_history_is_silent_no_rule_notification_reply_or_analysis(desk, heard, tmp_path):
    desk.lead("lead-on-duty")
    Rule.objects.create(
        name="Tell the leads about every new ticket",
        trigger="ticket_created",
        conditions={},
        actions=[{"type": "notify_leads", "text": "new"}, {"type": "set_priority", "priority": 4}],
    )
    before = (RuleFiring.objects.count(), Notification.objects.count())
    threats = [
        generic_ticket(n, body="You idiots, I will sue you and find you {n}") for n in (1, 2)
    ]
    export = write_lines(tmp_path / "threats.jsonl", threats)
    summary = services.import_export(reader=JsonLinesReader(export))
    assert summary.imported["tickets"] == 2
    # What the failed attempts counted was undone with their rows: t2's customer is not there.
    assert summary.imported["customers"] == Customer.objects.count() == 2
    assert heard.events == []
    assert (RuleFiring.objects.count(), Notification.objects.count()) == before
    assert not MessageAnalysis.objects.exists()
    assert not Message.objects.exclude(delivery_state="").exists()
    assert set(Ticket.objects.values_list("priority", flat=True)) == {2}


def test_a_second_run_imports_nothing_twice_and_adds_only_new_messages(tmp_path):
    first = write_lines(tmp_path / "a.jsonl", [generic_ticket(1), generic_ticket(2)])
    services.import_export(reader=JsonLinesReader(first))
    counts = (Ticket.objects.count(), Message.objects.count(), TicketEvent.objects.count())
    again = services.import_export(reader=JsonLinesReader(first), resume=False)
    assert (Ticket.objects.count(), Message.objects.count(), TicketEvent.objects.count()) == counts
    assert again.imported["tickets"] == 0 and again.skipped["tickets"] == 2
    assert again.skipped["messages"] == 4
    # An incremental export: ticket 1 has one more message.
    later = generic_ticket(1, messages=3)
    later["messages"][2]["created_at"] = "2024-02-01T10:00:00Z"
    summary = services.import_export(
        reader=JsonLinesReader(write_lines(tmp_path / "b.jsonl", [later]))
    )
    assert summary.imported["messages added to tickets imported before"] == 1
    ticket = Ticket.objects.get(pk=SourceKey.objects.get(external_id="t1").object_id)
    assert ticket.messages.count() == 3
    assert ticket.updated_at == datetime(2024, 2, 1, 10, tzinfo=UTC)
    assert ticket.events.filter(kind=EventKind.MESSAGE_RECEIVED).count() == 1


def test_the_same_ticket_twice_in_one_file_is_stored_once(tmp_path):
    export = write_lines(tmp_path / "dup.jsonl", [generic_ticket(1), generic_ticket(1)])
    summary = services.import_export(reader=JsonLinesReader(export))
    assert Ticket.objects.count() == 1 and Message.objects.count() == 2
    assert summary.skipped["tickets"] == 1


def test_a_dry_run_reports_exactly_and_stores_nothing(tmp_path):
    export = write_lines(tmp_path / "d.jsonl", [generic_ticket(n) for n in range(5)])
    dry = services.import_export(reader=JsonLinesReader(export), dry_run=True)
    assert not Ticket.objects.exists() and not Customer.objects.exists()
    assert not SourceKey.objects.exists() and not ImportRun.objects.exists()
    real = services.import_export(reader=JsonLinesReader(export))
    assert dry.imported == real.imported and dry.dry_run and not real.dry_run


class Interrupted(Exception):
    pass


class StopsAfter(JsonLinesReader):
    """An export whose reading dies after ``limit`` records (a killed process)."""

    limit = 0

    def records(self):
        for n, record in enumerate(super().records(), start=1):
            if n > self.limit:
                raise Interrupted
            yield record


def test_an_interrupted_import_resumes_after_its_last_committed_chunk(tmp_path):
    export = write_lines(tmp_path / "r.jsonl", [generic_ticket(n) for n in range(10)])
    StopsAfter.limit = 7
    with pytest.raises(Interrupted):
        services.import_export(reader=StopsAfter(export), chunk_size=3)
    run = ImportRun.objects.get()
    assert run.state == RunState.STOPPED and run.records_done == 6
    assert Ticket.objects.count() == 6  # two chunks committed, the third never was
    summary = services.import_export(reader=JsonLinesReader(export), chunk_size=3)
    assert summary.resumed_after == 6
    assert Ticket.objects.count() == 10 and Message.objects.count() == 20
    run.refresh_from_db()
    assert run.state == RunState.FINISHED and run.records_done == 10
    assert summary.imported["tickets"] == 10  # the report covers the whole import


def test_a_customer_the_desk_knows_is_linked_by_e_mail_and_left_as_it_is(desk, tmp_path):
    known = desk.customer("C1@Example.com", name="Known Name")
    export = write_lines(tmp_path / "k.jsonl", [generic_ticket(1)])
    summary = services.import_export(reader=JsonLinesReader(export))
    ticket = Ticket.objects.get()
    assert ticket.customer == known
    known.refresh_from_db()
    assert known.name == "Known Name"
    assert summary.imported["customers matched by e-mail"] == 1
    assert CustomerIdentity.objects.filter(handle="c1@example.com").count() == 1


def test_a_bad_file_changes_nothing_already_stored(tmp_path):
    good = write_lines(tmp_path / "good.jsonl", [generic_ticket(1)])
    services.import_export(reader=JsonLinesReader(good))
    stored = list(Ticket.objects.values()), list(Message.objects.values())
    hostile = generic_ticket(1)
    hostile["subject"] = "Rewritten"
    hostile["messages"][0]["body"] = "Rewritten body"
    hostile["messages"].append({"id": "x", "kind": "in", "body": "", "created_at": "never"})
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(hostile) + "\n{not json\n", encoding="utf-8")
    summary = services.import_export(reader=JsonLinesReader(bad))
    assert summary.refused_count == 2
    assert (list(Ticket.objects.values()), list(Message.objects.values())) == stored


def test_a_chunk_the_database_rejects_is_retried_record_by_record(tmp_path, monkeypatch):
    original = services._Writer._ticket_row

    def explode_on_t2(self, record, messages, chunk):
        if record.key == "t2":
            raise RuntimeError("disk full")
        return original(self, record, messages, chunk)

    monkeypatch.setattr(services._Writer, "_ticket_row", explode_on_t2)
    export = write_lines(tmp_path / "c.jsonl", [generic_ticket(n) for n in (1, 2, 3)])
    summary = services.import_export(reader=JsonLinesReader(export))
    assert Ticket.objects.count() == 2
    assert summary.refused == [
        "c.jsonl line 2 (id t2): could not be stored (RuntimeError: disk full)"
    ]
    assert summary.imported["tickets"] == 2


def test_analyse_queues_silent_readings_that_fill_the_signals(
    desk, tmp_path, heard, django_capture_on_commit_callbacks
):
    desk.lead("lead-on-duty")
    angry = generic_ticket(1, messages=1, body="You idiots charged me twice, I will sue you!")
    export = write_lines(tmp_path / "a.jsonl", [angry, generic_ticket(2, messages=1)])
    with django_capture_on_commit_callbacks(execute=True):
        summary = services.import_export(reader=JsonLinesReader(export), analyse=True)
    assert summary.analyses_queued == 2
    assert set(MessageAnalysis.objects.values_list("status", flat=True)) == {AnalysisStatus.DONE}
    ticket = Ticket.objects.get(pk=SourceKey.objects.get(external_id="t1").object_id)
    assert ticket.abuse or ticket.threat or ticket.emotion in {"anger", "frustration"}
    assert ticket.coach_state == CoachState.DONE
    assert ticket.updated_at == datetime(2024, 1, 1, 10, tzinfo=UTC)  # the past stays past
    assert ticket.events.filter(kind=EventKind.ANALYSED).exists()
    assert heard.events == []  # read, written down, and told to nobody
    assert not RuleFiring.objects.exists() and not Notification.objects.exists()
    assert ticket.assignee is None


def test_queries_grow_with_chunks_not_with_tickets(tmp_path):
    """One chunk of 10 tickets or of 200 asks the same questions; only the bulk INSERTs are
    split into more statements (SQLite takes at most 999 values in one)."""

    def queries(count: int, name: str) -> tuple[int, int]:
        export = write_lines(tmp_path / name, [generic_ticket(f"{name}{n}") for n in range(count)])
        with CaptureQueriesContext(connection) as captured:
            services.import_export(reader=JsonLinesReader(export), chunk_size=1000)
        sql = [q["sql"].lstrip().upper() for q in captured.captured_queries]
        inserts = sum(1 for q in sql if q.startswith("INSERT"))
        return len(sql) - inserts, inserts

    small_reads, small_inserts = queries(10, "small")
    large_reads, large_inserts = queries(200, "large")
    assert small_reads == large_reads
    # 200 tickets: 200 customers, identities and keys, 400 messages and keys, 800 events.
    assert large_inserts <= small_inserts + 25


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("es", "Importado de Zendesk (ticket 501)"),
        ("ru", "Импортировано из Zendesk (заявка 501)"),
    ],
)
def test_the_timeline_says_where_a_ticket_came_from_in_the_agent_s_language(language, sentence):
    services.import_export(reader=ZendeskReader(FIXTURES / "zendesk"))
    ticket = Ticket.objects.get(pk=SourceKey.objects.get(external_id="501").object_id)
    with translation.override(language):
        assert selectors.timeline(ticket)[-1].text == sentence
