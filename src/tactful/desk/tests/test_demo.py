"""The demo desk: every channel through its own door, the coach and the automation at work.

The seeded tests share one seeded database (module fixture, about ten seconds on SQLite); each
test runs in a transaction that is rolled back, so none of them can spoil the seed for another.
"""

from __future__ import annotations

import email
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import policy
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tactful.accounts.models import Agent, AssignmentMode, Team
from tactful.automation.models import Notification, NotificationKind
from tactful.automation.selectors import emotional_loads
from tactful.canned.models import CannedResponse
from tactful.customers.models import Customer
from tactful.desk import demo, demo_knowledge
from tactful.desk.demo_data import SCENARIOS
from tactful.knowledge import selectors as knowledge_selectors
from tactful.knowledge.models import ArticleTranslation
from tactful.livechat import services as livechat_services
from tactful.livechat.models import ChatSession
from tactful.mail import matching
from tactful.mail.parsing import parse_email
from tactful.mail.quoting import strip_quotes
from tactful.playbooks import selectors as playbook_selectors
from tactful.tickets.models import EventKind, Message, MessageKind, Status, Ticket, TicketEvent

LANGUAGES = ("en", "es", "ru")
ALL_CHANNELS = {"email", "chat", "web", "social", "forum", "phone", "video"}


def scenario(key: str) -> dict[str, Any]:
    return next(s for s in SCENARIOS if s["key"] == key)


def demo_ticket(key: str, language: str) -> Ticket:
    ticket_id = demo.demo_ticket_id(key, language)
    assert ticket_id is not None, f"{key}/{language} was not seeded"
    return Ticket.objects.get(pk=ticket_id)


def incoming(ticket: Ticket) -> list[Message]:
    return list(
        Message.objects.filter(ticket=ticket, kind=MessageKind.INCOMING).order_by("created_at")
    )


def outgoing(ticket: Ticket) -> list[Message]:
    return list(
        Message.objects.filter(ticket=ticket, kind=MessageKind.OUTGOING).order_by("created_at")
    )


# --- the e-mails the demo writes (fast: no database) -----------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_attribution_line_is_recognised_as_the_start_of_a_quote(language):
    """Whatever the day and month, the mail app cuts the history the demo quotes."""
    first = datetime(2024, 1, 1, 9, 5, tzinfo=timezone.get_current_timezone())
    for offset in range(0, 366, 5):  # every weekday and every month
        when = first + timedelta(days=offset)
        line = demo.attribution(language, when=when, name="Tactful Shop", address="o@shop.example")
        text = f"The customer's words.\n\n{line}\n> Our earlier text.\n> Second line."
        assert strip_quotes(text) == "The customer's words.", line


@pytest.mark.parametrize(
    ("name", "subject", "body"),
    [
        ("Lucía Fernández", "¡¿Dónde está mi reembolso?!", "Hola,\n\n-- \nLucía"),
        ("Анна Смирнова", "Где мой возврат?", "Здравствуйте!\n> цитата"),
        ("O'Brien, Tom", "Re: order #48213 [#7]", "Hello <b>there</b>"),
    ],
)
def test_raw_email_round_trips_through_the_mail_parser(name, subject, body):
    raw = demo.raw_email(
        sender=(name, "tom@example.com"),
        to=("Billing", "billing@tactful.example"),
        subject=subject,
        body=body,
        message_id="demo-1-1@mail.example.com",
        date=timezone.now(),
        in_reply_to="tactful.5.abc@tactful.example",
        references=["demo-1-1@mail.example.com", "tactful.5.abc@tactful.example"],
    )
    parsed = parse_email(raw)
    assert parsed.from_address == "tom@example.com" and parsed.from_name == name
    assert parsed.subject == subject
    assert parsed.text.strip() == body.strip()
    assert parsed.message_id == "demo-1-1@mail.example.com"
    assert parsed.in_reply_to == ["tactful.5.abc@tactful.example"]


@pytest.mark.parametrize(
    ("name", "subject"),
    [("Tom", "Hello\r\nBcc: everyone@example.com"), ("Tom\nBcc: everyone@example.com", "Hi")],
)
def test_raw_email_refuses_a_newline_that_would_smuggle_a_header(name, subject):
    with pytest.raises(ValueError):
        demo.raw_email(
            sender=(name, "tom@example.com"),
            to=("Billing", "billing@tactful.example"),
            subject=subject,
            body="Hi",
            message_id="x@example.com",
            date=timezone.now(),
        )


def test_raw_email_html_body_is_sent_as_html():
    raw = demo.raw_email(
        sender=("Tom", "tom@example.com"),
        to=("Billing", "billing@tactful.example"),
        subject="Invoice",
        body="<p>Two <b>fees</b>?</p><script>alert(1)</script>",
        message_id="x@example.com",
        date=timezone.now(),
        html=True,
    )
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message.get_content_type() == "text/html"
    assert "<script>alert(1)</script>" in message.get_content()


# --- the seeded desk --------------------------------------------------------------------------


def _wipe() -> None:
    """Empty the database as a transactional test does, then put the shipped data back."""
    from tactful.automation.services import install_default_rules
    from tactful.canned.services import load_starter

    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM tickets_ticket_fts")
            cursor.execute("DELETE FROM knowledge_article_fts")
    install_default_rules()
    load_starter()


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    """The demo, seeded once for this module and committed (the coach and rules run)."""
    with django_db_blocker.unblock():
        _wipe()  # whatever an earlier module left behind
        try:
            yield demo.seed_demo()
        finally:
            _wipe()


def played() -> Any:
    """The scenario tickets, without the three months of bulk history behind the reports."""
    return demo.played_tickets()


def _counts() -> dict[str, int]:
    return {
        "agents": Agent.objects.count(),
        "teams": Team.objects.count(),
        "customers": Customer.objects.count(),
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "events": TicketEvent.objects.count(),
        "sessions": ChatSession.objects.count(),
        "notifications": Notification.objects.count(),
    }


@pytest.mark.slow
@pytest.mark.django_db
def test_seeding_again_changes_nothing(seeded):
    before = _counts()
    assert demo.is_seeded()
    assert demo.seed_demo() == seeded
    assert demo.seed_demo() == seeded
    assert _counts() == before
    assert played().count() == len(SCENARIOS) * 3
    assert before["tickets"] == len(SCENARIOS) * 3 + demo.HISTORY_TICKETS


@pytest.mark.slow
@pytest.mark.django_db
def test_an_interrupted_seed_resumes_where_it_stopped(seeded):
    last = demo_ticket("repeated_demand", "ru")
    subject, channel = last.subject, last.channel
    before = Counter(Ticket.objects.values_list("channel", flat=True))
    last.delete()
    assert not demo.is_seeded()

    demo.seed_demo()

    assert demo.is_seeded()
    assert Counter(Ticket.objects.values_list("channel", flat=True)) == before
    again = demo_ticket("repeated_demand", "ru")
    assert (again.subject, again.channel) == (subject, channel)
    # The customer's second post joined the same thread, and the agent's reply is there.
    assert len(incoming(again)) == 2 and len(outgoing(again)) == 1


@pytest.mark.slow
@pytest.mark.django_db
def test_every_channel_in_every_language(seeded):
    pairs = set(played().values_list("channel", "language"))
    assert {channel for channel, _language in pairs} == ALL_CHANNELS
    for channel in ALL_CHANNELS:
        assert {language for c, language in pairs if c == channel} == set(LANGUAGES), channel
    assert Counter(played().values_list("language", flat=True)) == {
        language: len(SCENARIOS) for language in LANGUAGES
    }


@pytest.mark.slow
@pytest.mark.django_db
def test_teams_have_public_addresses_and_technical_spreads_load(seeded):
    teams = {team.name: team for team in Team.objects.all()}
    assert {name: team.slug for name, team in teams.items()} == {
        "Billing": "billing",
        "Technical": "technical",
        "Shipping": "shipping",
    }
    assert teams["Billing"].email_address == "billing@tactful.example"
    assert all(team.email_address.endswith("@tactful.example") for team in teams.values())
    assert teams["Technical"].assignment_mode == AssignmentMode.LOAD_AWARE
    assert teams["Billing"].assignment_mode == AssignmentMode.ROUND_ROBIN


@pytest.mark.slow
@pytest.mark.django_db
def test_email_tickets_came_in_as_mail_and_keep_the_original(seeded):
    tickets = list(played().filter(channel="email").select_related("team"))
    assert len(tickets) == 27
    for ticket in tickets:
        first = incoming(ticket)[0]
        assert first.metadata["message_id"].startswith("demo-"), ticket.pk
        # Routed by the address the customer wrote to.
        assert first.metadata["to"] == [ticket.team.email_address]
        # What the customer wrote this time is stored; the mail as sent is kept beside it.
        assert first.original_body.startswith(first.body.strip()), ticket.pk
        assert len(first.original_body) > len(first.body)
        assert "\n-- \n" not in first.body and "iPhone" not in first.body
    for language in LANGUAGES:
        for key in ("double_charge", "late_parcel", "broken_promise"):
            first = incoming(demo_ticket(key, language))[0]
            quote = scenario(key)["quoted"]["text"][language].splitlines()[0]
            assert f"> {quote}" in first.original_body, (key, language)
            assert quote not in first.body
            assert first.body.strip() == scenario(key)["body"][language]


@pytest.mark.slow
@pytest.mark.django_db
def test_html_mail_keeps_its_markup_and_loses_the_quote(seeded):
    for language in LANGUAGES:
        first = incoming(demo_ticket("html_email", language))[0]
        assert "<script>" in first.body  # stored as received, sanitised when shown
        assert "gmail_quote" in first.original_body and "gmail_quote" not in first.body


@pytest.mark.slow
@pytest.mark.django_db
def test_customers_answer_our_email_in_the_same_ticket(seeded):
    for key in ("late_parcel", "confused_setup"):  # an e-mail and a contact-form ticket
        for language in LANGUAGES:
            ticket = demo_ticket(key, language)
            answer = incoming(ticket)[-1]
            assert answer.channel == "email", (key, language)
            assert answer.body.strip() == scenario(key)["followup"][language]
            # Our reply, quoted under the answer, is in the original only.
            reply = outgoing(ticket)[0]
            first_line = reply.body.splitlines()[0]
            assert f"> {first_line}" in answer.original_body
            # It answers the Message-ID our reply left with (threaded by header, not subject).
            assert [matching.our_message_pk(i) for i in answer.metadata["in_reply_to"]] == [
                reply.pk
            ]


@pytest.mark.slow
@pytest.mark.django_db
def test_chat_tickets_are_live_chat_sessions(seeded):
    lead = Agent.objects.get(username="lead")
    tickets = list(played().filter(channel="chat"))
    assert len(tickets) == 12
    for ticket in tickets:
        session = ChatSession.objects.get(ticket=ticket)
        assert session.origin == demo.SHOP_ORIGIN
        assert all(m.metadata["chat_session"] == session.pk for m in incoming(ticket))
        state = livechat_services.agent_ticket_state(agent=lead, ticket_id=ticket.pk)
        assert state is not None and state["session"] == session.pk
        assert livechat_services.history(session.pk)[0]["from"] == "visitor"
    # Abusive visitors stay anonymous by e-mail; the others can be written to.
    for language in LANGUAGES:
        assert ChatSession.objects.get(ticket=demo_ticket("abusive", language)).visitor_email == ""
        left = ChatSession.objects.get(ticket=demo_ticket("sad_gift", language))
        assert left.converted, language
        # The visitor had left, so the agent's answer went out by e-mail, after the switch.
        assert left.last_seen_at < left.converted_to_email_at
        replies = outgoing(left.ticket)
        assert [m.channel for m in replies] == ["email"]
        assert replies[0].created_at > left.converted_to_email_at


@pytest.mark.slow
@pytest.mark.django_db
def test_contact_form_and_api_channels(seeded):
    for ticket in played().filter(channel="web").select_related("team"):
        first = incoming(ticket)[0]
        assert first.external_id.startswith("webform:")
        assert first.metadata == {"form": ticket.team.slug}
    loggers = {"en": "lead", "es": "ana", "ru": "boris"}
    for channel in ("social", "forum", "phone", "video"):
        for ticket in played().filter(channel=channel):
            first = incoming(ticket)[0]
            assert first.metadata["thread_id"] == f"{channel}-thread-{first.external_id[5:]}"
            created = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CREATED)
            if channel in {"phone", "video"}:
                assert created.actor.username == loggers[ticket.language]
            else:
                assert created.actor is None
    # No outgoing webhook in the demo: social and forum replies stay on the desk.
    social_replies = Message.objects.filter(
        kind=MessageKind.OUTGOING, channel="social", ticket__in=played()
    )
    assert social_replies.count() == 3
    assert set(social_replies.values_list("delivery_state", flat=True)) == {""}
    delivered = Message.objects.filter(
        kind=MessageKind.OUTGOING, channel__in=["email", "chat"], ticket__in=played()
    )
    assert set(delivered.values_list("delivery_state", flat=True)) == {"sent"}


@pytest.mark.slow
@pytest.mark.django_db
def test_replies_carry_the_coachs_review(seeded):
    # Agents' replies in the played conversations (Tactful's own messages, such as
    # satisfaction surveys, have no review; the bulk history has none either).
    replies = list(
        Message.objects.filter(
            kind=MessageKind.OUTGOING, author_agent__isnull=False, ticket__in=played()
        ).select_related("ticket")
    )
    assert len(replies) >= 25
    for reply in replies:
        assert isinstance(reply.review, dict), reply.pk
        assert reply.review["balance"] in {"balanced", "too_much", "too_little"}
        assert reply.review["text"]
    balances = Counter(reply.review["balance"] for reply in replies)
    assert balances["balanced"] > balances["too_much"] > 0 and balances["too_little"] > 0
    for language in LANGUAGES:
        for key in ("wrong_item", "broken_product"):
            review = outgoing(demo_ticket(key, language))[0].review
            kinds = {finding["kind"] for finding in review["findings"]}
            assert review["balance"] == "too_much", (key, language)
            assert {"over_apology", "empathy_without_action"} <= kinds, (key, language)
        for key in ("double_charge", "address_change"):
            assert outgoing(demo_ticket(key, language))[0].review["balance"] == "balanced"


@pytest.mark.slow
@pytest.mark.django_db
def test_some_replies_are_built_from_canned_responses(seeded):
    canned = Message.objects.filter(kind=MessageKind.OUTGOING, metadata__has_key="canned_ids")
    languages = set()
    for reply in canned.select_related("ticket"):
        ids = reply.metadata["canned_ids"]
        assert ids and CannedResponse.objects.filter(pk__in=ids).count() == len(ids)
        assert "{{" not in reply.body
        languages.add(reply.ticket.language)
    assert languages == set(LANGUAGES)
    # The refund answer: two templates around the agent's own sentence, name filled in.
    for language in LANGUAGES:
        ticket = demo_ticket("refund_neutral", language)
        reply = outgoing(ticket)[0]
        assert len(reply.metadata["canned_ids"]) == 2
        assert ticket.customer.first_name in reply.body and f"{ticket.pk}" in reply.body
        assert ticket.status == Status.PENDING


@pytest.mark.slow
@pytest.mark.django_db
def test_default_rules_fired_on_the_seeded_tickets(seeded):
    fired = Counter(
        event.data["rule"] for event in TicketEvent.objects.filter(kind=EventKind.RULE_FIRED)
    )
    assert fired["Protect agents"] >= 6 and fired["Angry and our fault"] >= 1
    lead = Agent.objects.get(username="lead")
    for language in LANGUAGES:
        abusive = demo_ticket("abusive", language)
        assert abusive.abuse and abusive.assignee == lead, language
        assert TicketEvent.objects.filter(
            ticket=abusive, kind=EventKind.RULE_FIRED, data__rule="Protect agents"
        ).exists()


@pytest.mark.slow
@pytest.mark.django_db
def test_an_abusive_chat_was_handed_over_to_the_lead(seeded):
    lead = Agent.objects.get(username="lead")
    for language in LANGUAGES:
        ticket = demo_ticket("wrong_item", language)
        handover = TicketEvent.objects.get(ticket=ticket, kind=EventKind.HANDED_OVER)
        owner = scenario("wrong_item")["owner"][language]
        assert handover.actor.username == owner and handover.data["to"] == lead.pk
        assert handover.data["note"] == scenario("wrong_item")["handover"]["note"][language]
        assert ticket.assignee == lead and ticket.abuse and ticket.status == Status.OPEN
        assert Notification.objects.filter(
            recipient=lead, ticket=ticket, kind=NotificationKind.HANDOVER
        ).exists()
        assert Notification.objects.filter(
            recipient=lead, ticket=ticket, kind=NotificationKind.RULE
        ).exists()
    # The lead answered the English one with the boundary template.
    answer = outgoing(demo_ticket("wrong_item", "en"))[-1]
    assert answer.author_agent == lead and answer.metadata["canned_ids"]


@pytest.mark.slow
@pytest.mark.django_db
def test_emotional_load_is_spread_across_the_team(seeded):
    loads = {Agent.objects.get(pk=pk).username: load for pk, load in emotional_loads().items()}
    assert {"lead", "agent", "ana", "boris"} <= set(loads)
    assert all(load.load > 0 for load in loads.values())
    assert sum(load.hostile for name, load in loads.items() if name != "lead") >= 2


@pytest.mark.slow
@pytest.mark.django_db
def test_ana_has_an_angry_spanish_ticket_waiting(seeded):
    ticket = demo_ticket("broken_promise", "es")
    assert ticket.language == "es" and ticket.assignee.username == "ana"
    assert ticket.status == Status.OPEN and not outgoing(ticket)
    assert ticket.emotion in {"anger", "frustration"}


@pytest.mark.slow
@pytest.mark.django_db
def test_the_timeline_is_in_the_past_and_in_order(seeded):
    now = timezone.now()
    for ticket in Ticket.objects.all():
        messages = list(Message.objects.filter(ticket=ticket).order_by("id"))
        times = [m.created_at for m in messages]
        assert times == sorted(times), ticket.pk
        assert ticket.created_at <= times[0] and times[-1] < now
        if ticket.first_response_at is not None:
            assert ticket.created_at < ticket.first_response_at < now


@pytest.mark.slow
@pytest.mark.django_db
def test_service_levels_and_three_months_of_history(seeded, client):
    from tactful.sla.models import Policy, TicketSla

    assert set(Policy.objects.values_list("name", flat=True)) == {"Urgent", "Standard"}
    now = timezone.now()
    summaries = TicketSla.objects.filter(ticket__in=played())
    at_risk = summaries.filter(warn_at__lte=now, due_at__gt=now, breached=False)
    late = summaries.filter(due_at__lte=now)
    assert at_risk.count() >= 2 and late.count() >= 1
    oldest = Ticket.objects.order_by("created_at").first()
    assert (now - oldest.created_at).days >= 80
    client.force_login(Agent.objects.get(username="lead"))
    page = client.get("/reports/?range=90&bucket=week")
    assert page.status_code == 200
    assert "SLA at risk" in client.get("/inbox/?sla=at_risk_or_breached").content.decode()


@pytest.mark.slow
@pytest.mark.django_db
def test_the_tour_points_at_every_channel_and_the_coach(seeded):
    lines = "\n".join(demo.demo_tour("http://127.0.0.1:8000/"))
    for slug in ("billing", "technical", "shipping"):
        assert f"http://127.0.0.1:8000/contact/{slug}/" in lines
        assert f"http://127.0.0.1:8000/chat/try/{slug}/" in lines
    assert "billing@tactful.example" in lines
    angry = demo.demo_ticket_id("broken_promise", "es")
    assert f"http://127.0.0.1:8000/tickets/{angry}/" in lines


@pytest.mark.slow
@pytest.mark.django_db
def test_seeded_pages_open(seeded, client):
    client.force_login(Agent.objects.get(username="lead"))
    for key, language in [
        ("double_charge", "es"),
        ("wrong_item", "ru"),
        ("sad_gift", "en"),
        ("confused_setup", "en"),
        ("repeated_demand", "es"),
        ("account_locked", "ru"),
    ]:
        response = client.get(f"/tickets/{demo.demo_ticket_id(key, language)}/")
        assert response.status_code == 200, (key, language)
    for page in ("/inbox/", "/team-load/", "/automation/notifications/"):
        assert client.get(page).status_code == 200, page


@pytest.mark.slow
@pytest.mark.django_db
def test_quality_reviews_human_and_automatic_a_dispute_and_a_calibration_round(seeded, client):
    from tactful.quality import calibration
    from tactful.quality.demo import ROUND_NAME
    from tactful.quality.models import CalibrationRound, Dispute, Review, ReviewAssignment

    # The played conversations: the bulk history behind the reports is silent (no reviews).
    solved = played().filter(status__in=[Status.SOLVED, Status.CLOSED])
    answered = solved.filter(
        messages__kind=MessageKind.OUTGOING, messages__author_agent__isnull=False
    ).distinct()
    assert answered.count() >= 8
    for ticket in answered:  # the coach reviewed every solved conversation, with both scorecards
        assert (
            Review.objects.filter(ticket=ticket, source="coach")
            .values("scorecard")
            .distinct()
            .count()
            == 2
        )
    people = Review.objects.filter(source="human", round__isnull=True)
    assert people.count() >= 3
    assert (
        people.filter(message__isnull=False).exists()
        and people.filter(overrides__isnull=False).exists()
    )
    assert Dispute.objects.filter(status="open").count() == 1
    round = CalibrationRound.objects.get(name=ROUND_NAME)
    result = calibration.round_agreement(round)
    assert len(result.reviewers) == 2 and all(
        len(done) == len(result.tickets) for done in result.graded.values()
    )
    assert result.coach_kappa is not None and result.alpha is not None
    assert ReviewAssignment.objects.exists()
    assert all(r.created_at < timezone.now() for r in Review.objects.all())
    client.force_login(Agent.objects.get(username="lead"))
    for page in (
        "/quality/",
        "/quality/disputes/",
        "/quality/scorecards/",
        "/quality/sampling/",
        "/quality/team/",
        "/quality/calibration/",
        f"/quality/calibration/{round.pk}/",
    ):
        assert client.get(page).status_code == 200, page
    dispute = Dispute.objects.get(status="open")
    client.force_login(dispute.raised_by)
    assert client.get("/quality/mine/").status_code == 200


def test_the_help_center_and_the_playbooks_come_with_the_demo(seeded):
    translations = ArticleTranslation.objects.all()
    assert set(translations.values_list("language", flat=True)) == {"en", "es", "ru"}
    assert translations.filter(article__internal=True).exists()
    for language, query in (("en", "charged twice"), ("es", "paquete"), ("ru", "пароль")):
        assert knowledge_selectors.public_search(None, query, language=language), query
    lines = "\n".join(demo.demo_tour("http://127.0.0.1:8000/"))
    assert "http://127.0.0.1:8000/help/billing/" in lines
    # The Spanish double charge: the playbook for our mistakes, and the refund article.
    ticket = Ticket.objects.get(pk=demo.demo_ticket_id("double_charge", "es"))
    matches = playbook_selectors.for_ticket(ticket)
    assert "our_mistake" in [m.playbook.starter_key for m in matches]
    found, _words = knowledge_selectors.ticket_suggestions(ticket)
    assert found[0].title == "¿Te cobraron dos veces? Cómo devolvemos un cobro duplicado"
    assert demo_knowledge.seed_knowledge() == 0
