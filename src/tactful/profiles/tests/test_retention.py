"""Retention: old closed tickets lose their personal data and old files go, in batches, once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tactful.accounts.models import AuditEvent, AuditKind
from tactful.profiles import erasure, tasks
from tactful.reports import rollup
from tactful.reports.models import DailyFigures
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Attachment, Message, Status, Ticket

pytestmark = pytest.mark.django_db


def _aged(ticket: Ticket, *, days: int, status: str | None = Status.CLOSED) -> Ticket:
    """Move a ticket and its messages ``days`` into the past, as if it had been there."""
    then = timezone.now() - timedelta(days=days)
    fields = {"created_at": then, "updated_at": then}
    if status is not None:
        fields.update(status=status, solved_at=then)
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    Message.objects.filter(ticket=ticket).update(created_at=then)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def tickets(desk):
    team = desk.team("Billing")
    agent = desk.agent("arlo", teams=[team])
    customer = desk.customer("rita@example.com", name="Rita Retained")

    def make(body: str, *, days: int, status: str | None = Status.CLOSED) -> Ticket:
        ticket = desk.ticket(
            customer=customer,
            team=team,
            body=body,
            attachments=[SimpleUploadedFile(f"{body[:8]}.txt", body.encode())],
        )
        ticket_services.record_reply(ticket=ticket, agent=agent, body=f"Re: {body}")
        return _aged(ticket, days=days, status=status)

    return {
        "old_closed": make("Old closed ticket text", days=400),
        "old_solved": make("Old solved ticket text", days=380, status=Status.SOLVED),
        "recent_closed": make("Recent closed ticket text", days=10),
        "old_open": make("Old but still open text", days=500, status=None),
    }


def _files() -> dict[int, str]:
    return dict(Attachment.objects.values_list("message__ticket_id", "file"))


def test_retention_is_off_by_default_and_changes_nothing(tickets, settings):
    assert settings.TACTFUL_RETENTION_CLOSED_TICKETS_DAYS == 0
    assert settings.TACTFUL_RETENTION_ATTACHMENTS_DAYS == 0
    bodies = sorted(Message.objects.values_list("pk", "body"))
    run = erasure.apply_retention()
    assert (run.tickets, run.attachments) == (0, 0)
    assert sorted(Message.objects.values_list("pk", "body")) == bodies
    assert Attachment.objects.count() == 4
    assert not AuditEvent.objects.filter(kind=AuditKind.RETENTION_ERASED).exists()


def test_negative_days_count_as_off(tickets, settings):
    settings.TACTFUL_RETENTION_CLOSED_TICKETS_DAYS = -5
    settings.TACTFUL_RETENTION_ATTACHMENTS_DAYS = -1
    assert erasure.apply_retention().tickets == 0
    assert Attachment.objects.count() == 4


def test_closed_tickets_past_the_period_are_erased_once_and_the_figures_stay(
    tickets, settings, caplog
):
    settings.TACTFUL_RETENTION_CLOSED_TICKETS_DAYS = 365
    rollup.rebuild_all()
    daily = sorted(DailyFigures.objects.values_list("day", "team_id", "replies"))
    files = _files()
    with caplog.at_level(logging.INFO, logger="tactful.profiles.erasure"):
        run = tasks.apply_retention_task.delay().get()
    assert run == {"tickets": 2, "attachments": 2}  # the erased tickets' files went with them
    assert "retention: 2 tickets erased" in caplog.text
    erased = {tickets["old_closed"].pk, tickets["old_solved"].pk}
    assert set(Ticket.objects.exclude(erased_at=None).values_list("pk", flat=True)) == erased
    for pk in erased:
        assert not Message.objects.filter(ticket_id=pk).exclude(body=erasure.placeholder()).exists()
        assert not default_storage.exists(files[pk])
    # Recent closed and old open tickets keep everything.
    for key in ("recent_closed", "old_open"):
        assert Message.objects.filter(ticket=tickets[key], body__contains="text").exists()
        assert default_storage.exists(files[tickets[key].pk])
    # Timestamps and statuses stay, so the reports rebuilt from the rows read the same.
    assert Ticket.objects.get(pk=tickets["old_closed"].pk).status == Status.CLOSED
    assert (
        Ticket.objects.get(pk=tickets["old_closed"].pk).updated_at
        == tickets["old_closed"].updated_at
    )
    rollup.rebuild_all()
    assert sorted(DailyFigures.objects.values_list("day", "team_id", "replies")) == daily
    # A second pass finds nothing left to do.
    assert erasure.apply_retention().tickets == 0
    assert AuditEvent.objects.filter(kind=AuditKind.RETENTION_ERASED).count() == 1


def test_old_attachments_are_deleted_whatever_the_tickets_state(tickets, settings):
    settings.TACTFUL_RETENTION_ATTACHMENTS_DAYS = 90
    files = _files()
    run = erasure.apply_retention()
    assert run == erasure.RetentionRun(tickets=0, attachments=3)
    assert set(_files()) == {tickets["recent_closed"].pk}
    for key in ("old_closed", "old_solved", "old_open"):
        assert not default_storage.exists(files[tickets[key].pk])
        # Only the file goes: the conversation keeps its text.
        assert Message.objects.filter(ticket=tickets[key], body__contains="text").exists()
    assert erasure.apply_retention().attachments == 0


def test_a_pass_stops_at_its_limit_and_the_next_one_continues(tickets, settings):
    settings.TACTFUL_RETENTION_CLOSED_TICKETS_DAYS = 30
    assert erasure.apply_retention(limit=1).tickets == 1
    assert erasure.apply_retention(limit=1).tickets == 1
    assert erasure.apply_retention(limit=1).tickets == 0
    assert Ticket.objects.exclude(erased_at=None).count() == 2
