"""Exports: the desk in the generic format survives a round trip; one customer's data in full."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tactful.accounts.models import Agent, Team
from tactful.coaching.models import MessageAnalysis
from tactful.customers import services as customer_services
from tactful.customers.models import Customer
from tactful.importing import exporting, services
from tactful.importing.models import ImportRun, SourceKey
from tactful.importing.readers.generic import JsonLinesReader
from tactful.importing.readers.zendesk import ZendeskReader
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Tag, Ticket

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def export_text() -> str:
    out = io.StringIO()
    exporting.export_desk(out)
    return out.getvalue()


def empty_the_desk() -> None:
    """What a fresh install has: nothing (the default rules aside)."""
    Ticket.objects.all().delete()
    Customer.objects.all().delete()
    Agent.objects.all().delete()
    Team.objects.all().delete()
    Tag.objects.all().delete()
    SourceKey.objects.all().delete()
    ImportRun.objects.all().delete()


def build_a_desk(desk) -> None:
    """Tickets made in Tactful (replies, notes, tags, status, a file, a second identity) and
    tickets imported from Zendesk, side by side."""
    team = desk.team("Billing")
    ana = desk.agent("ana", teams=[team], language="es")
    lucia = desk.customer("lucia@example.es", name="Lucía Pérez", language="es")
    customer_services.add_identity(customer=lucia, channel="social", handle="@lucia")
    ticket = desk.ticket(
        customer=lucia,
        body="Me cobraron dos veces",
        subject="Cobro doble",
        team=team,
        language="es",
    )
    ticket_services.record_reply(
        ticket=ticket,
        agent=ana,
        body="He devuelto el cargo duplicado; lo verás en 3 días.",
        attachments=[SimpleUploadedFile("recibo.pdf", b"%PDF-1.4 recibo", "application/pdf")],
    )
    ticket_services.add_internal_note(ticket=ticket, agent=ana, body="Refund 4411")
    ticket_services.set_tags(ticket=ticket, names=["billing", "vip"], by=ana)
    ticket_services.change_status(ticket=ticket, status="solved", by=ana)
    desk.ticket(body="Where is my parcel?", channel="chat")
    services.import_export(reader=ZendeskReader(FIXTURES / "zendesk"))


def test_export_import_into_an_empty_desk_and_export_again_gives_the_same_file(desk, tmp_path):
    build_a_desk(desk)
    first = export_text()
    assert first.count('"type": "ticket"') == Ticket.objects.count() == 6
    export = tmp_path / "desk.jsonl"
    export.write_text(first, encoding="utf-8")
    empty_the_desk()
    summary = services.import_export(reader=JsonLinesReader(export))
    assert summary.refused_count == 0, summary.refused
    second = export_text()
    assert second.splitlines() == first.splitlines()


def test_exported_ids_are_where_the_records_came_from(desk):
    build_a_desk(desk)
    lines = [json.loads(line) for line in export_text().splitlines()]
    ids = {line["id"] for line in lines if line["type"] == "ticket"}
    assert {"zendesk:501", "zendesk:502"} <= ids
    native = min(Ticket.objects.filter(channel="chat").values_list("pk", flat=True))
    assert str(native) in ids
    made_here = next(line for line in lines if line.get("subject") == "Cobro doble")
    assert made_here["tags"] == ["billing", "vip"] and made_here["status"] == "solved"
    reply = made_here["messages"][1]
    assert reply["kind"] == "out" and reply["author"] is not None
    [receipt] = reply["attachments"]
    assert base64.b64decode(receipt["content_base64"]) == b"%PDF-1.4 recibo"


def test_a_customer_s_data_access_export_holds_everything_about_them(
    desk, django_capture_on_commit_callbacks
):
    lucia = desk.customer("lucia@example.es", name="Lucía Pérez", language="es")
    with django_capture_on_commit_callbacks(execute=True):
        desk.ticket(customer=lucia, body="Me cobraron dos veces, estoy harta.", language="es")
    desk.ticket(body="Someone else's ticket")
    found = exporting.find_customer("LUCIA@example.es")
    assert found == lucia and exporting.find_customer(str(lucia.pk)) == lucia
    assert exporting.find_customer("nobody@example.com") is None
    document = exporting.customer_document(lucia)
    assert document["format"] == "tactful-customer-export/1"
    assert document["customer"]["email"] == "lucia@example.es"
    assert document["customer"]["identities"] == [
        {"channel": "email", "handle": "lucia@example.es"}
    ]
    [ticket] = document["tickets"]
    [message] = ticket["messages"]
    assert message["body"] == "Me cobraron dos veces, estoy harta."
    assert MessageAnalysis.objects.filter(message__ticket__customer=lucia).exists()
    assert message["coach_reading"]["language"] == "es"
    assert "emotion" in message["coach_reading"]
    json.dumps(document)  # plain JSON all the way down
