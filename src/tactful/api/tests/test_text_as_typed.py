"""What a customer typed is stored as typed and shown escaped, whichever door it came through.

Only an HTML e-mail is HTML: it keeps its own sanitised rendering. Text typed into a chat box,
a contact form, another system feeding the API, or a plain-text e-mail is shown exactly as
typed, even when it looks like a tag.
"""

from __future__ import annotations

import uuid
from email.message import EmailMessage

import pytest
from django.test import Client

from tactful.api.tests.test_api import Api
from tactful.livechat import services as chat
from tactful.mail.services import ingest_email
from tactful.tickets.models import Message, MessageKind, Ticket
from tactful.webform.tests.test_contact_form import form_data

pytestmark = pytest.mark.django_db

TYPED = "Help <img src=x onerror=alert(1)> please"
SHOWN = "Help &lt;img src=x onerror=alert(1)&gt; please"
#: What the old rendering made of it (the tag interpreted, then stripped).
MANGLED = "Help  please"


@pytest.fixture
def world(desk):
    team = desk.team("Support")
    team.slug = "support"
    team.save(update_fields=["slug"])
    admin = desk.admin()
    client = Client()
    client.force_login(admin)
    return {"team": team, "api": Api(desk.token(admin)), "client": client}


def through_api(world) -> Message:
    payload = {"external_id": "post-1", "body": TYPED, "customer": {"handle": "@maria"}}
    response = world["api"].post("/channels/social/messages", payload)
    assert response.status_code == 201, response.content
    return Message.objects.get(pk=response.json()["message"])


def through_chat(world) -> Message:
    info, _token = chat.start_session(team_slug=world["team"].slug, name="Ada")
    received = chat.receive_visitor_message(
        session_id=info.session_id, client_id=str(uuid.uuid4()), body=TYPED
    )
    return Message.objects.get(pk=received.payload["id"])


def through_contact_form(world) -> Message:
    response = Client().post("/contact/support/", form_data(message=TYPED, subject=""))
    assert response.status_code == 302
    return Message.objects.get()


def through_plain_email(world) -> Message:
    mail = EmailMessage()
    mail["From"] = "casey@example.com"
    mail["To"] = "support@tactful.test"
    mail["Message-ID"] = "<typed@example.com>"
    mail.set_content(TYPED)
    result = ingest_email(mail.as_bytes())
    assert result.status == "created"
    return Message.objects.get(pk=result.message_id)


DOORS = {
    "api": through_api,
    "chat": through_chat,
    "contact form": through_contact_form,
    "plain e-mail": through_plain_email,
}


@pytest.mark.parametrize("door", DOORS)
def test_text_is_stored_as_typed_and_shown_escaped(world, door):
    message = DOORS[door](world)
    assert message.body == TYPED
    ticket = Ticket.objects.get(pk=message.ticket_id)
    if door in {"api", "chat"}:  # no subject given: the first sentence, as typed
        assert ticket.subject == TYPED
    page = world["client"].get(f"/tickets/{ticket.pk}/").content.decode()
    assert SHOWN in page
    assert "<img src=x" not in page and MANGLED not in page
    listed = world["api"].get(f"/tickets/{ticket.pk}/messages").json()["items"]
    (incoming,) = [item for item in listed if item["kind"] == MessageKind.INCOMING]
    assert incoming["body"] == TYPED
    assert SHOWN in incoming["body_html"] and "<img" not in incoming["body_html"]


@pytest.mark.parametrize("door", DOORS)
def test_the_inbox_row_shows_the_subject_escaped(world, door):
    message = DOORS[door](world)
    subject = Ticket.objects.get(pk=message.ticket_id).subject
    inbox = world["client"].get("/inbox/").content.decode()
    assert "<img src=x" not in inbox
    if "<" in subject:
        assert "&lt;img src=x onerror=alert(1)&gt;" in inbox


def test_an_html_email_keeps_its_sanitised_rendering(world):
    mail = EmailMessage()
    mail["From"] = "casey@example.com"
    mail["To"] = "support@tactful.test"
    mail["Subject"] = "Broken"
    mail.set_content(f"<p>{TYPED} <b>now</b></p>", subtype="html")
    result = ingest_email(mail.as_bytes())
    message = Message.objects.get(pk=result.message_id)
    assert message.metadata["format"] == "html"
    page = world["client"].get(f"/tickets/{message.ticket_id}/").content.decode()
    assert "<b>now</b>" in page  # HTML, sanitised
    assert "onerror" not in page.split('class="body"', 1)[1].split("</div>", 1)[0]


def test_a_plain_email_that_mentions_tags_is_not_read_as_html(world):
    mail = EmailMessage()
    mail["From"] = "casey@example.com"
    mail["Subject"] = "Template"
    mail.set_content("Your page shows <b>bold</b> literally")
    message = Message.objects.get(pk=ingest_email(mail.as_bytes()).message_id)
    assert message.metadata["format"] == "text"
    page = world["client"].get(f"/tickets/{message.ticket_id}/").content.decode()
    assert "shows &lt;b&gt;bold&lt;/b&gt; literally" in page


def test_a_stored_email_from_before_formats_were_kept_is_still_sanitised(world):
    mail = EmailMessage()
    mail["From"] = "casey@example.com"
    mail["Subject"] = "Old"
    mail.set_content("<p>Old <b>mail</b><script>alert(1)</script></p>", subtype="html")
    message = Message.objects.get(pk=ingest_email(mail.as_bytes()).message_id)
    message.metadata.pop("format")
    message.save(update_fields=["metadata"])
    page = world["client"].get(f"/tickets/{message.ticket_id}/").content.decode()
    assert "Old <b>mail</b>" in page and "<script>alert(1)" not in page
