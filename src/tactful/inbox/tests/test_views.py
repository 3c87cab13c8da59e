"""The inbox and ticket page: filters, actions, roles, hostile input."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tactful.inbox.models import SavedView
from tactful.tickets.models import EventKind, Message, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(desk):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    ana = desk.agent("ana", teams=[billing])
    sam = desk.agent("sam", teams=[shipping])
    lead = desk.lead("lee", teams=[billing, shipping])
    admin = desk.admin("root")
    mine = desk.ticket(
        team=billing, subject="Charged twice", body="You charged me twice for order 77."
    )
    theirs = desk.ticket(team=shipping, subject="Parcel lost", body="Where is my parcel?")
    return {
        "billing": billing,
        "shipping": shipping,
        "ana": ana,
        "sam": sam,
        "lead": lead,
        "admin": admin,
        "mine": mine,
        "theirs": theirs,
    }


def login(agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def test_anonymous_users_are_sent_to_log_in(world):
    client = Client()
    for url in (
        reverse("inbox:inbox"),
        reverse("inbox:ticket", args=[world["mine"].pk]),
        reverse("inbox:team_load"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(reverse("inbox:reply", args=[world["mine"].pk]), {"body": "hi"})
    assert response.status_code == 302
    assert not Message.objects.filter(body="hi").exists()


def test_login_page_and_real_login(world):
    client = Client()
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "ana", "password": "pw-for-tests-only"})
    assert response.status_code == 302
    assert client.get(reverse("inbox:inbox")).status_code == 200
    bad = Client().post(reverse("login"), {"username": "ana", "password": "wrong"})
    assert bad.status_code == 200 and b"didn" in bad.content


def test_agents_see_only_their_teams(world):
    client = login(world["ana"])
    page = client.get(reverse("inbox:inbox")).content.decode()
    assert "Charged twice" in page and "Parcel lost" not in page
    assert client.get(reverse("inbox:ticket", args=[world["theirs"].pk])).status_code == 404
    response = client.post(reverse("inbox:reply", args=[world["theirs"].pk]), {"body": "sneaky"})
    assert response.status_code == 404
    assert not Message.objects.filter(body="sneaky").exists()
    lead_page = login(world["lead"]).get(reverse("inbox:inbox")).content.decode()
    assert "Charged twice" in lead_page and "Parcel lost" in lead_page


def test_team_load_and_admin_are_for_leads_and_admins(world):
    assert login(world["ana"]).get(reverse("inbox:team_load")).status_code == 403
    assert login(world["lead"]).get(reverse("inbox:team_load")).status_code == 200
    assert login(world["ana"]).get(reverse("admin:index")).status_code == 302
    assert login(world["lead"]).get(reverse("admin:index")).status_code == 302
    admin = login(world["admin"])
    assert admin.get(reverse("admin:index")).status_code == 200
    for model in (
        "tickets/ticket",
        "tickets/message",
        "tickets/ticketevent",
        "customers/customer",
        "accounts/agent",
        "accounts/team",
        "coaching/messageanalysis",
        "api/apitoken",
        "inbox/savedview",
    ):
        assert admin.get(f"/admin/{model}/").status_code == 200, model
    assert admin.get(f"/admin/tickets/ticket/{world['mine'].pk}/change/").status_code == 200


def test_filters_narrow_the_inbox(world, desk):
    client = login(world["lead"])
    url = reverse("inbox:inbox")
    assert "Parcel lost" not in client.get(url, {"team": world["billing"].pk}).content.decode()
    assert "Parcel lost" in client.get(url, {"team": world["shipping"].pk}).content.decode()
    assert "Charged twice" not in client.get(url, {"status": "solved"}).content.decode()
    assert (
        "Charged twice"
        in client.get(url, {"status": "all", "channel": "email", "language": "en"}).content.decode()
    )
    assert "Charged twice" not in client.get(url, {"language": "ru"}).content.decode()
    assert "Charged twice" not in client.get(url, {"abuse": "yes"}).content.decode()


def test_search_finds_subject_and_body(world):
    client = login(world["lead"])
    page = client.get(reverse("inbox:inbox"), {"q": "order 77"}).content.decode()
    assert "Charged twice" in page and "Parcel lost" not in page


@pytest.mark.parametrize(
    "params",
    [
        {"status": "exploded"},
        {"priority": "9"},
        {"intensity": "2"},
        {"intensity": "nan-ish"},
        {"team": "'; drop table"},
        {"assignee": "-1"},
        {"sort": "password"},
        {"page": "0"},
        {"page": "99999999999999999999"},
        {"size": "100000"},
        {"q": "x" * 201},
        {"emotion": "rage"},
    ],
)
def test_malformed_filters_are_a_400_with_a_message(world, params):
    response = login(world["ana"]).get(reverse("inbox:inbox"), params)
    assert response.status_code == 400
    assert b'role="alert"' in response.content


def test_htmx_gets_only_the_rows(world):
    response = login(world["ana"]).get(
        reverse("inbox:inbox"), headers={"HX-Request": "true", "HX-Target": "ticket-list"}
    )
    assert response.status_code == 200
    assert b"<html" not in response.content and b"Charged twice" in response.content


def test_saved_views(world):
    client = login(world["ana"])
    response = client.post(
        reverse("inbox:save_view"),
        {"name": "Urgent billing", "query": "priority=4&priority=3&page=2"},
    )
    assert response.status_code == 302
    view = SavedView.objects.get(name="Urgent billing")
    assert view.query == "priority=4&priority=3"
    assert b"Urgent billing" in client.get(reverse("inbox:inbox")).content
    bad = client.post(reverse("inbox:save_view"), {"name": "Bad", "query": "status=nope"})
    assert bad.status_code == 302 and not SavedView.objects.filter(name="Bad").exists()
    # Someone else's view cannot be deleted.
    assert login(world["sam"]).post(reverse("inbox:delete_view", args=[view.pk])).status_code == 404
    client.post(reverse("inbox:delete_view", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_reply_note_and_timeline(world):
    client = login(world["ana"])
    ticket = world["mine"]
    response = client.post(
        reverse("inbox:reply", args=[ticket.pk]),
        {"body": "Refund is on its way.", "status": "pending"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("inbox:note", args=[ticket.pk]), {"body": "Checked with finance."}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.assignee == world["ana"]
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "Refund is on its way." in page and "Checked with finance." in page
    assert "Status: New → Pending" in page


def test_status_priority_tags_assign_merge(world, desk):
    client = login(world["lead"])
    ticket = world["mine"]
    other = desk.ticket(team=world["billing"], customer=ticket.customer, subject="Same issue")
    assert (
        client.post(reverse("inbox:status", args=[ticket.pk]), {"status": "open"}).status_code
        == 302
    )
    assert (
        client.post(reverse("inbox:priority", args=[ticket.pk]), {"priority": "4"}).status_code
        == 302
    )
    assert (
        client.post(
            reverse("inbox:tags", args=[ticket.pk]), {"tags": "billing, Refund"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("inbox:assign", args=[ticket.pk]), {"assignee": str(world["ana"].pk)}
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("inbox:team", args=[ticket.pk]), {"team": str(world["shipping"].pk)}
        ).status_code
        == 302
    )
    assert (
        client.post(reverse("inbox:merge", args=[other.pk]), {"target": str(ticket.pk)}).status_code
        == 302
    )
    ticket.refresh_from_db()
    other.refresh_from_db()
    assert ticket.priority == 4 and ticket.team == world["shipping"]
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing", "refund"]
    assert other.merged_into == ticket and other.status == Status.CLOSED
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {
        EventKind.STATUS_CHANGED,
        EventKind.PRIORITY_CHANGED,
        EventKind.TAGS_CHANGED,
        EventKind.ASSIGNED,
        EventKind.TEAM_CHANGED,
        EventKind.MERGED_FROM,
    } <= kinds


def test_agents_cannot_assign_others_or_move_teams(world):
    client = login(world["ana"])
    ticket = world["mine"]
    response = client.post(
        reverse("inbox:assign", args=[ticket.pk]), {"assignee": str(world["lead"].pk)}
    )
    assert response.status_code == 403
    response = client.post(
        reverse("inbox:team", args=[ticket.pk]), {"team": str(world["shipping"].pk)}
    )
    assert response.status_code == 403
    response = client.post(reverse("inbox:assign", args=[ticket.pk]), {"assignee": "next"})
    assert response.status_code == 403
    assert (
        client.post(reverse("inbox:assign", args=[ticket.pk]), {"assignee": "me"}).status_code
        == 302
    )
    ticket.refresh_from_db()
    assert ticket.assignee == world["ana"] and ticket.team == world["billing"]


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("reply", {"body": ""}),
        ("reply", {"body": "x" * 100_001}),
        ("reply", {"body": "ok", "status": "exploded"}),
        ("reply", {"body": "nul \x00 byte"}),
        ("note", {"body": "   "}),
        ("status", {"status": "lost"}),
        ("status", {}),
        ("priority", {"priority": "abc"}),
        ("assign", {"assignee": "<script>"}),
        ("assign", {"assignee": "999999"}),
        ("team", {"team": "999999"}),
        ("tags", {"tags": "<b>bold</b>"}),
        ("tags", {"tags": ",".join(f"t{i}" for i in range(30))}),
        ("merge", {"target": "abc"}),
        ("merge", {"target": "999999"}),
        ("subject", {"subject": "s" * 201}),
    ],
)
def test_hostile_ticket_actions_are_refused_whole(world, action, data):
    client = login(world["lead"])
    ticket = world["mine"]
    before_messages = Message.objects.count()
    before_events = ticket.events.count()
    response = client.post(reverse(f"inbox:{action}", args=[ticket.pk]), data)
    assert response.status_code == 400, response.content[:300]
    assert b'role="alert"' in response.content
    assert Message.objects.count() == before_messages
    assert ticket.events.count() == before_events


def test_merge_into_itself_is_refused(world):
    ticket = world["mine"]
    response = login(world["lead"]).post(
        reverse("inbox:merge", args=[ticket.pk]), {"target": ticket.pk}
    )
    assert response.status_code == 400


def test_oversized_request_is_refused(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = login(world["lead"])
    response = client.post(reverse("inbox:reply", args=[world["mine"].pk]), {"body": "x" * 5000})
    assert response.status_code == 400
    assert not Message.objects.filter(kind="out").exists()


def test_csrf_is_enforced(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["ana"])
    response = client.post(reverse("inbox:reply", args=[world["mine"].pk]), {"body": "forged"})
    assert response.status_code == 403
    assert not Message.objects.filter(body="forged").exists()


def test_customer_html_is_rendered_inert(world, desk):
    hostile = (
        '<p>Hi</p><script>alert(1)</script><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)">x</a>'
    )
    ticket = desk.ticket(team=world["billing"], body=hostile, subject="<script>alert(4)</script>")
    page = login(world["ana"]).get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "<script>alert" not in page
    assert "onerror" not in page
    assert "javascript:alert" not in page
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in page
    assert Message.objects.get(ticket=ticket).body == hostile  # stored as received
    inbox = login(world["ana"]).get(reverse("inbox:inbox")).content.decode()
    assert "<script>alert(4)" not in inbox


def test_attachments_download_only_for_those_who_see_the_ticket(world):
    client = login(world["ana"])
    ticket = world["mine"]
    upload = SimpleUploadedFile("evil.html", b"<script>alert(1)</script>", content_type="text/html")
    client.post(reverse("inbox:note", args=[ticket.pk]), {"body": "file", "attachments": [upload]})
    attachment = Message.objects.get(body="file").attachments.get()
    response = client.get(reverse("inbox:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert "attachment" in response["Content-Disposition"]
    assert (
        login(world["sam"]).get(reverse("inbox:attachment", args=[attachment.pk])).status_code
        == 404
    )


def test_collision_warning(world):
    ticket = world["mine"]
    lead = login(world["lead"])
    ana = login(world["ana"])
    lead.get(reverse("inbox:viewers", args=[ticket.pk]))  # the open page polls this
    page = ana.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert 'hx-trigger="load, every 15s"' in page
    assert "also looking at this ticket" in page and "Lee" in page
    ana.get(reverse("inbox:viewers", args=[ticket.pk]))
    poll = lead.get(reverse("inbox:viewers", args=[ticket.pk])).content.decode()
    assert "Ana" in poll


def test_new_ticket_from_a_phone_call(world):
    client = login(world["ana"])
    response = client.post(
        reverse("inbox:new_ticket"),
        {
            "channel": "phone",
            "customer_name": "Pat",
            "customer_handle": "+1 555 0100",
            "language": "fr",
            "subject": "",
            "body": "Caller cannot log in.",
            "priority": "3",
            "team": str(world["billing"].pk),
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Caller cannot log in.")
    assert (
        ticket.channel == "phone" and ticket.language == "und" and ticket.team == world["billing"]
    )
    assert ticket.events.get(kind=EventKind.CREATED).actor == world["ana"]
    bad = client.post(
        reverse("inbox:new_ticket"), {"channel": "fax", "customer_handle": "", "body": ""}
    )
    assert bad.status_code == 400
    not_mine = client.post(
        reverse("inbox:new_ticket"),
        {
            "channel": "phone",
            "customer_handle": "+1 555 0101",
            "body": "hello",
            "priority": "2",
            "team": str(world["shipping"].pk),
        },
    )
    assert not_mine.status_code == 400
    assert Ticket.objects.count() == 3


def test_language_switch_is_per_agent(world):
    client = login(world["ana"])
    response = client.post(
        reverse("inbox:set_language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("inbox:inbox")
    world["ana"].refresh_from_db()
    assert world["ana"].language == "es"
    assert client.get(reverse("inbox:inbox"))["Content-Language"] == "es"
    assert login(world["sam"]).get(reverse("inbox:inbox"))["Content-Language"] == "en"
    assert client.post(reverse("inbox:set_language"), {"language": "xx"}).status_code == 400


def test_retry_failed_analysis_button(world, monkeypatch, django_capture_on_commit_callbacks):
    import tactful.coach

    monkeypatch.setattr(tactful.coach, "analyze_message", lambda text, *, language=None: 1 / 0)
    ticket = world["mine"]
    message = ticket.messages.get()
    from tactful.coaching.analysis import AnalysisError, analyze_incoming_message

    with pytest.raises(AnalysisError):
        analyze_incoming_message(message=message)
    client = login(world["ana"])
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "analysis failed" in page and "ZeroDivisionError" in page
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("inbox:retry_analysis", args=[ticket.pk, message.pk]))
    assert response.status_code == 302
    message.analysis.refresh_from_db()
    assert message.analysis.status == "done"


def test_ticket_page_shows_the_coach_reading(world):
    """The thread's one query brings each message's reading: badges and the side panel."""
    from tactful.coaching.analysis import analyze_incoming_message

    ticket = world["mine"]
    message = ticket.messages.get()
    analyze_incoming_message(message=message)
    analysis = message.analysis
    analysis.refresh_from_db()
    assert analysis.status == "done" and analysis.emotions
    page = login(world["ana"]).get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "How the customer feels" in page
    assert f"emotion-{analysis.top_emotion}" in page
    assert f"{round(analysis.intensity * 100)}%" in page
    assert page.count('class="meter"') == len(analysis.emotions)
