"""Erasing a customer: nothing personal left in any text column, every figure unchanged."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models.functions import Cast
from django.test import Client
from django.utils import timezone

from tactful.accounts.models import AuditEvent, AuditKind
from tactful.coaching import draft_review
from tactful.coaching.analysis import analyze_incoming_message
from tactful.coaching.models import MessageAnalysis
from tactful.customers import services as customer_services
from tactful.customers.models import Customer, CustomerIdentity
from tactful.importing.models import SourceKey, SourceKind
from tactful.livechat.models import ChatSession
from tactful.mail.models import RefusedMail
from tactful.profiles import erasure
from tactful.profiles import services as profile_services
from tactful.reports import rollup
from tactful.reports.models import DailyFigures
from tactful.satisfaction import reports, scales
from tactful.satisfaction import services as survey_services
from tactful.satisfaction.models import MonthlyReport, Survey, TicketRating
from tactful.sla.models import Clock
from tactful.tickets import search
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Attachment, Message, MessageKind, Status, Ticket
from tactful.webhooks import services as webhook_services
from tactful.webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

NAME = "Zebulon Quartzfeather"
EMAIL = "zebulon.quartz@example.org"
PHONE = "+34 612 345 678"
CHAT_HANDLE = "visitor-zq-7781"
#: What must be found nowhere once the customer is erased.
PERSONAL = (NAME, "Quartzfeather", EMAIL, PHONE, "612 345 678", CHAT_HANDLE)


def text_columns() -> list[tuple[type[models.Model], str]]:
    """Every column of the project's models that can hold text (JSON and file names too)."""
    kinds = (models.CharField, models.TextField, models.JSONField, models.FileField)
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, kinds)
    ]


def rows_mentioning(needle: str) -> list[str]:
    """``model.field #pk`` of every stored value anywhere that contains ``needle``."""
    found = []
    for model, name in text_columns():
        matches = (
            model._default_manager.annotate(_text=Cast(name, models.TextField()))
            .filter(_text__icontains=needle)
            .values_list("pk", flat=True)
        )
        found += [f"{model._meta.label}.{name} #{pk}" for pk in matches]
    return found


def figures() -> dict[str, Any]:
    """What the reports, SLA and CSAT figures are computed from, and what they show."""
    return {
        "tickets": sorted(
            Ticket.objects.values_list(
                "pk",
                "status",
                "priority",
                "channel",
                "language",
                "team_id",
                "assignee_id",
                "customer_id",
                "created_at",
                "updated_at",
                "first_response_at",
                "solved_at",
                "emotion",
                "intensity",
            )
        ),
        "messages": sorted(
            Message.objects.values_list(
                "pk", "ticket_id", "kind", "channel", "created_at", "author_agent_id"
            )
        ),
        "readings": sorted(
            MessageAnalysis.objects.values_list(
                "message_id", "status", "language", "top_emotion", "emotions", "intensity"
            )
        ),
        "daily": sorted(
            DailyFigures.objects.values_list(
                *(f.attname for f in DailyFigures._meta.concrete_fields if not f.primary_key)
            )
        ),
        "clocks": sorted(
            Clock.objects.values_list(
                "ticket_id",
                "target",
                "state",
                "started_at",
                "ended_at",
                "elapsed_seconds",
                "breached_at",
                "achieved_at",
            )
        ),
        "ratings": sorted(
            TicketRating.objects.values_list(
                "ticket_id", "rating", "sentiment", "scale", "has_comment", "answered_at"
            )
        ),
        "surveys": sorted(Survey.objects.values_list("pk", "rating", "status", "answered_at")),
    }


@pytest.fixture
def world(desk):
    team = desk.team("Billing")
    admin = desk.admin("ada")
    agent = desk.agent("arlo", teams=[team])
    # Every ticket event also goes to a webhook: its queued payloads quote the ticket.
    webhook_services.create_webhook(
        name="CRM", url="https://crm.example.net/hook", events=list(WebhookEvent.values), team=None
    )
    customer = customer_services.get_or_create_customer(
        channel="email", handle=EMAIL, name=NAME, language="en"
    )
    customer_services.get_or_create_customer(
        channel="chat", handle=CHAT_HANDLE, name=NAME, email=EMAIL
    )
    customer_services.get_or_create_customer(channel="phone", handle=PHONE, email=EMAIL)
    customer.notes = f"Calls from {PHONE} in the mornings."
    customer.save()
    # An import that keyed the customer by their address.
    SourceKey.objects.create(
        namespace="generic", kind=SourceKind.CUSTOMER, external_id=EMAIL, object_id=customer.pk
    )
    ticket = desk.ticket(
        customer=customer,
        team=team,
        subject=f"Refund for {NAME}",
        body=f"Hi, I am {NAME}, call me on {PHONE} or write to {EMAIL}. I am furious!",
        attachments=[SimpleUploadedFile("quartzfeather-passport.pdf", b"%PDF-1.4 passport")],
        metadata={"from": f"{NAME} <{EMAIL}>"},
    )
    first = ticket.messages.get()
    analyze_incoming_message(message=first)
    ticket_services.change_subject(ticket=ticket, subject=f"{NAME}: refund", by=agent)
    ticket.custom_fields = {"phone": PHONE}
    ticket.save(update_fields=["custom_fields"])
    reply = f"Dear {NAME}, your refund is on its way. Sorry, so sorry, truly sorry."
    ticket_services.record_reply(
        ticket=ticket,
        agent=agent,
        body=reply,
        review=draft_review.review_for_sending(draft=reply, ticket=ticket),
    )
    ticket_services.add_internal_note(
        ticket=ticket, agent=agent, body=f"Called {PHONE}, spoke to {NAME}."
    )
    ticket_services.change_status(ticket=ticket, status=Status.SOLVED, by=agent)
    survey = Survey.objects.filter(ticket=ticket).first() or survey_services.send_survey(
        ticket=ticket
    )
    assert survey is not None
    survey_services.answer_survey(
        survey=survey,
        rating=max(scales.values(survey.scale)),
        comment=f"Great help, thanks! {NAME} ({PHONE})",
    )
    chat = desk.ticket(
        customer=customer, team=team, channel="chat", body=f"{NAME} here again, {EMAIL}"
    )
    ChatSession.objects.create(
        team=team,
        ticket=chat,
        token_hash="a" * 64,
        visitor_name=NAME,
        visitor_email=EMAIL,
        origin="https://shop.example.net",
        last_seen_at=timezone.now(),
    )
    raw = RefusedMail.objects.create(
        sender=f"{NAME} <{EMAIL}>",
        subject=f"Auto-reply from {NAME}",
        detail="bounce",
        content_digest="d" * 16,
        raw=ContentFile(f"From: {EMAIL}\r\n\r\n{NAME}".encode(), name="zq.eml"),
    )
    other = desk.ticket(
        customer=desk.customer("olga@example.com", name="Olga Other"),
        team=team,
        body="Olga's parcel is late.",
    )
    # A lead's reason for suspending the customer names them.
    profile_services.block_customer(
        customer=customer,
        kind="suspend",
        reason=f"{NAME} insulted the agent on the phone",
        by=admin,
        duration=timedelta(days=3),
    )
    month = reports.month_start(timezone.localdate())
    MonthlyReport.objects.create(
        team=None,
        month=month,
        data=reports.build(team=None, month=month),
        generated_at=timezone.now(),
    )
    rollup.rebuild_all()
    return {
        "admin": admin,
        "agent": agent,
        "customer": customer,
        "ticket": ticket,
        "chat": chat,
        "other": other,
        "files": [a.file.name for a in Attachment.objects.all()] + [raw.raw.name],
    }


def test_the_seeded_desk_mentions_the_customer_everywhere_the_scan_looks(world):
    # The scan below must be able to fail: before the erasure it finds the person in many places.
    found = rows_mentioning("Quartzfeather")
    for place in (
        "tickets.Ticket.subject",
        "tickets.Message.body",
        "tickets.Message.review",
        "customers.Customer.name",
        "customers.CustomerBlock.reason",
        "webhooks.EventDelivery.payload",
    ):
        assert any(row.startswith(place) for row in found), (place, found)
    assert any(r.startswith("satisfaction.Survey.comment") for r in rows_mentioning(PHONE))
    assert rows_mentioning(EMAIL)
    assert search.search(Ticket.objects.all(), "Quartzfeather").exists()


def test_erasure_leaves_nothing_personal_and_every_figure_unchanged(world, settings):
    settings.LANGUAGE_CODE = "es"  # the placeholder is written in the desk's language
    customer = world["customer"]
    before = figures()
    report = MonthlyReport.objects.get()
    quoted = Survey.objects.get(ticket=world["ticket"]).comment_redacted
    assert quoted and quoted in json.dumps(report.data, ensure_ascii=False)
    erased = erasure.erase_customer(customer=customer, by=world["admin"], confirmation=EMAIL)

    assert erased.tickets == 2 and erased.attachments == 1 and erased.raw_mails == 1
    for needle in PERSONAL:
        assert rows_mentioning(needle) == [], needle
    assert not search.search(Ticket.objects.all(), "Quartzfeather").exists()
    for name in world["files"]:
        assert not default_storage.exists(name), name
    # The stored CSAT report keeps its figures and loses the anonymised comment it quoted.
    assert MonthlyReport.objects.get().data == json.loads(
        json.dumps(report.data).replace(json.dumps(quoted)[1:-1], "[datos personales borrados]")
    )
    # The figures are the same, and so is a rebuild of the reports from the erased rows.
    assert figures() == before
    rollup.rebuild_all()
    assert figures() == before
    # The rows are still there, with the placeholder in the desk's language.
    ticket = Ticket.objects.get(pk=world["ticket"].pk)
    assert ticket.subject == "[datos personales borrados]"
    assert ticket.erased_at is not None
    assert set(ticket.messages.values_list("kind", flat=True)) == {
        MessageKind.INCOMING,
        MessageKind.OUTGOING,
        MessageKind.NOTE,
    }
    assert MessageAnalysis.objects.filter(message__ticket=ticket, spans={}).exists()
    customer.refresh_from_db()
    assert customer.erased_at is not None and customer.name == customer.email == ""
    assert not CustomerIdentity.objects.filter(customer=customer).exists()
    # Someone else's conversation is untouched.
    assert Message.objects.get(ticket=world["other"]).body == "Olga's parcel is late."
    assert Customer.objects.filter(name="Olga Other").exists()
    event = AuditEvent.objects.get(kind=AuditKind.CUSTOMER_ERASED)
    assert event.actor == world["admin"]
    assert event.detail["customer"] == customer.pk and event.detail["tickets"] == 2


def test_erasure_also_covers_customers_merged_into_the_one_erased(world, desk):
    lead = desk.lead("lena", teams=[world["ticket"].team])
    twin = customer_services.get_or_create_customer(
        channel="chat", handle="visitor-twin-1", name="Zebulon Q.", email="zq.twin@example.org"
    )
    desk.ticket(customer=twin, team=world["ticket"].team, body="Zebulon Q. writing from work")
    profile_services.merge_customers(kept=world["customer"], merged=twin, by=lead)
    erasure.erase_customer(customer=world["customer"], by=world["admin"], confirmation=NAME)
    assert rows_mentioning("zq.twin@example.org") == []
    assert rows_mentioning("Zebulon Q.") == []
    twin.refresh_from_db()
    assert twin.erased_at is not None


def test_a_wrong_or_empty_confirmation_erases_nothing(world):
    before = rows_mentioning("Quartzfeather")
    for typed in ("", "   ", "zebulon", "olga@example.com", EMAIL + "x", "\x00" + EMAIL):
        with pytest.raises(ValidationError):
            erasure.erase_customer(
                customer=world["customer"], by=world["admin"], confirmation=typed
            )
    assert rows_mentioning("Quartzfeather") == before
    assert not AuditEvent.objects.filter(kind=AuditKind.CUSTOMER_ERASED).exists()


def test_the_confirmation_ignores_case_and_spacing(world):
    typed = "  " + NAME.upper().replace(" ", "   ") + " "
    erasure.erase_customer(customer=world["customer"], by=world["admin"], confirmation=typed)
    assert rows_mentioning("Quartzfeather") == []


def test_only_admins_may_erase(world, desk):
    lead = desk.lead("lena", teams=[world["ticket"].team])
    for agent in (world["agent"], lead, None):
        if agent is None:
            continue
        with pytest.raises(PermissionDenied):
            erasure.erase_customer(customer=world["customer"], by=agent, confirmation=EMAIL)
    world["admin"].is_active = False
    with pytest.raises(PermissionDenied):
        erasure.erase_customer(customer=world["customer"], by=world["admin"], confirmation=EMAIL)
    assert rows_mentioning("Quartzfeather")


def test_erasing_twice_is_refused_and_a_merged_away_customer_points_to_the_kept_one(world, desk):
    erasure.erase_customer(customer=world["customer"], by=world["admin"], confirmation=EMAIL)
    with pytest.raises(ValidationError, match="already"):
        erasure.erase_customer(customer=world["customer"], by=world["admin"], confirmation="")
    lead = desk.lead("lena", teams=[world["other"].team])
    kept = world["other"].customer
    away = desk.customer("away@example.com", name="Away")
    desk.ticket(customer=away, team=world["other"].team)
    profile_services.merge_customers(kept=kept, merged=away, by=lead)
    away.refresh_from_db()
    with pytest.raises(ValidationError, match=f"#{kept.pk}"):
        erasure.erase_customer(customer=away, by=world["admin"], confirmation="away@example.com")


def test_the_page_shows_the_button_to_admins_only_and_erases_on_the_typed_address(world):
    customer = world["customer"]
    url = f"/customers/{customer.pk}/"
    client = Client()
    client.force_login(world["agent"])
    assert b"erase-form" not in client.get(url).content
    assert client.post(url + "erase/", {"confirmation": EMAIL}).status_code == 403
    client.force_login(world["admin"])
    assert b"erase-form" in client.get(url).content
    wrong = client.post(url + "erase/", {"confirmation": "nope"}, follow=True)
    assert wrong.status_code == 200 and rows_mentioning("Quartzfeather")
    huge = client.post(url + "erase/", {"confirmation": EMAIL * 1000}, follow=True)
    assert huge.status_code == 200 and rows_mentioning("Quartzfeather")
    done = client.post(url + "erase/", {"confirmation": EMAIL}, follow=True)
    assert done.status_code == 200
    assert rows_mentioning("Quartzfeather") == []
    # The erased ticket still opens (the coach's panels cope with the emptied text and spans).
    page = client.get(f"/tickets/{world['ticket'].pk}/")
    assert page.status_code == 200
    assert "Quartzfeather" not in page.content.decode()
    assert b"erase-form" not in done.content  # erased: nothing left to erase
    assert client.post("/customers/999999/erase/", {"confirmation": EMAIL}).status_code == 404


def test_the_command_needs_yes_and_refuses_unknown_or_erased_customers(world):
    customer = world["customer"]
    with pytest.raises(CommandError, match="--yes"):
        call_command("erase_customer", str(customer.pk))
    assert rows_mentioning("Quartzfeather")
    for bad in ("999999", "abc", "-1", "1" * 40, ""):
        with pytest.raises(CommandError):
            call_command("erase_customer", bad, "--yes")
    out = StringIO()
    call_command("erase_customer", f"#{customer.pk}", "--yes", stdout=out)
    assert f"customer #{customer.pk} erased: 2 tickets" in out.getvalue()
    assert rows_mentioning("Quartzfeather") == []
    with pytest.raises(CommandError, match="already"):
        call_command("erase_customer", str(customer.pk), "--yes")


def test_a_long_erasure_reports_progress_and_commits_batch_by_batch(world, monkeypatch):
    monkeypatch.setattr(erasure, "BATCH", 1)
    seen: list[tuple[int, int]] = []
    erasure.erase_customer(
        customer=world["customer"],
        by=world["admin"],
        confirmation=EMAIL,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 2), (2, 2)]
    assert rows_mentioning("Quartzfeather") == []
