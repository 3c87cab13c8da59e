"""The customer portal: e-mailed link and code, their refusals, the thread and the reply."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tactful.portal import services
from tactful.portal.models import PortalCode
from tactful.tickets import inbound
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Message, Status

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://\S+/portal/in/(\S+)/")
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lucia(desk):
    customer = desk.customer("lucia@example.com", name="Lucía", language="es")
    agent = desk.agent("ana")
    ticket = desk.ticket(customer=customer, subject="La caja llegó vacía", language="es")
    ticket_services.record_reply(ticket=ticket, agent=agent, body="Le enviamos otra hoy.")
    ticket_services.add_internal_note(ticket=ticket, agent=agent, body="SECRET: refund approved")
    return customer, ticket


@pytest.fixture(autouse=True)
def _mail_after_commit(django_capture_on_commit_callbacks):
    """The login e-mail leaves after the commit: run those callbacks as each request ends."""
    global _capture
    _capture = django_capture_on_commit_callbacks


_capture = None


def ask(client: Client, address: str = "lucia@example.com"):
    assert _capture is not None
    with _capture(execute=True):
        response = client.post("/portal/login/", {"email": address})
    return response


def last_mail() -> tuple[str, str]:
    body = mail.outbox[-1].body
    return LINK.search(body).group(1), CODE.search(body.split("code")[-1]).group(1)


def logged_in(client: Client) -> Client:
    ask(client)
    token, _code = last_mail()
    response = client.post(f"/portal/in/{token}/")
    assert response.status_code == 302
    return client


def test_an_emailed_link_logs_in_once_and_lists_the_tickets_in_their_language(lucia, client):
    _customer, _ticket = lucia
    response = ask(client)
    assert response.status_code == 200
    assert mail.outbox[-1].to == ["lucia@example.com"]
    assert "enlace" in mail.outbox[-1].body  # Spanish, the customer's language
    token, _code = last_mail()
    # Opening the link asks to continue: a mail scanner's visit uses nothing up.
    assert client.get(f"/portal/in/{token}/").status_code == 200
    assert client.post(f"/portal/in/{token}/").status_code == 302
    page = client.get("/portal/")
    assert "La caja llegó vacía" in page.content.decode()
    assert page["Content-Language"] == "es"
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
    # Used: the same link again says so.
    again = Client().post(f"/portal/in/{token}/")
    assert again.status_code == 410


def test_the_code_logs_in_on_another_device(lucia, client):
    ask(client)
    _token, code = last_mail()
    other = Client()
    response = other.post("/portal/code/", {"email": "Lucia@Example.com", "code": code})
    assert response.status_code == 302
    assert "La caja llegó vacía" in other.get("/portal/").content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(lucia, client):
    known = ask(client).content.decode()
    mail.outbox.clear()
    unknown = ask(Client(), "nobody@example.com")
    assert unknown.status_code == 200
    assert not mail.outbox
    assert unknown.content.decode().count("csrfmiddlewaretoken") == known.count(
        "csrfmiddlewaretoken"
    )


def test_the_thread_shows_replies_but_never_internal_notes(lucia, client):
    _customer, ticket = lucia
    page = logged_in(client).get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Le enviamos otra hoy." in page
    assert "SECRET" not in page


def test_a_reply_goes_through_the_one_door_and_reopens_a_solved_ticket(lucia, client):
    customer, ticket = lucia
    ticket_services.change_status(ticket=ticket, status=Status.SOLVED, by=None)
    logged_in(client)
    response = client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "Sigue vacía."})
    assert response.status_code == 302
    message = Message.objects.filter(ticket=ticket).order_by("-pk").first()
    assert message.body == "Sigue vacía." and message.channel == "web"
    assert message.author_customer_id == customer.pk and message.metadata == {"via": "portal"}
    assert ticket.events.filter(kind="received", message=message).exists()
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_expired_tampered_and_used_links_say_what_went_wrong(lucia, client):
    ask(client)
    token, _code = last_mail()
    tampered = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    response = client.get(f"/portal/in/{tampered}/")
    assert response.status_code == 400 and "not valid" in response.content.decode()
    for junk in ["x", "a" * 400, "%00", "..%2F..%2F"]:
        assert client.get(f"/portal/in/{junk}/").status_code in {400, 404}
    PortalCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(f"/portal/in/{token}/")
    assert response.status_code == 410 and "expired" in response.content.decode()
    PortalCode.objects.update(expires_at=timezone.now() + timedelta(minutes=5))
    assert client.post(f"/portal/in/{token}/").status_code == 302
    response = Client().get(f"/portal/in/{token}/")
    assert response.status_code == 410 and "already used" in response.content.decode()


def test_wrong_codes_spend_the_code(lucia, client):
    ask(client)
    _token, code = last_mail()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(services.MAX_ATTEMPTS):
        response = client.post("/portal/code/", {"email": "lucia@example.com", "code": wrong})
        assert response.status_code == 400, attempt
    # Even the right code is refused now.
    response = client.post("/portal/code/", {"email": "lucia@example.com", "code": code})
    assert response.status_code == 400 and "already used" in response.content.decode()


@pytest.mark.parametrize(
    "code", ["", "12345", "1234567", "abcdef", "' OR 1=1", "\x00" * 6, "9" * 5000]
)
def test_malformed_codes_are_refused(lucia, client, code):
    ask(client)
    response = client.post("/portal/code/", {"email": "lucia@example.com", "code": code})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "address", ["", "not-an-address", "a@b@c", "x" * 300 + "@example.com", "nul\x00@x.com"]
)
def test_malformed_addresses_are_refused_clearly(client, address):
    response = client.post("/portal/login/", {"email": address})
    assert response.status_code == 400
    assert not mail.outbox


def test_asking_too_often_is_rate_limited(lucia, client, settings):
    for _ in range(settings.TACTFUL_PORTAL_RATE_PER_ADDRESS):
        assert ask(client).status_code == 200
    response = ask(client)
    assert response.status_code == 429
    assert len(mail.outbox) == settings.TACTFUL_PORTAL_RATE_PER_ADDRESS


def test_login_forms_need_the_csrf_token(lucia):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/portal/login/", {"email": "lucia@example.com"}).status_code == 403
    assert not mail.outbox


def test_another_customer_s_ticket_is_not_found(lucia, desk, client):
    other = desk.ticket(customer=desk.customer("boris@example.com"))
    logged_in(client)
    assert client.get(f"/portal/tickets/{other.pk}/").status_code == 404
    response = client.post(f"/portal/tickets/{other.pk}/reply/", {"body": "hi"})
    assert response.status_code == 404
    assert not other.messages.filter(body="hi").exists()


def test_an_empty_reply_says_so(lucia, client):
    _customer, ticket = lucia
    logged_in(client)
    response = client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "   "})
    assert response.status_code == 400


def test_the_portal_session_is_not_an_agent_login(lucia, client, desk):
    _customer, ticket = lucia
    logged_in(client)
    assert "sessionid" not in client.cookies
    response = client.get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # A forged portal cookie is nobody.
    forged = Client()
    forged.cookies[services.COOKIE] = client.cookies[services.COOKIE].value[:-3] + "abc"
    assert "La caja" not in forged.get("/portal/").content.decode()


def test_logging_out_ends_the_portal_session(lucia, client):
    logged_in(client)
    client.post("/portal/logout/")
    assert "La caja" not in client.get("/portal/").content.decode()


def test_the_page_links_to_a_waiting_survey(lucia, client):
    from tactful.satisfaction import links
    from tactful.satisfaction.models import Survey

    _customer, ticket = lucia
    now = timezone.now()
    survey = Survey.objects.create(
        ticket=ticket,
        channel="email",
        language="es",
        scale="five",
        nonce=links.new_nonce(),
        sent_at=now,
        expires_at=now + timedelta(days=7),
    )
    page = logged_in(client).get("/portal/").content.decode()
    assert links.page_url(survey) in page.replace("&amp;", "&")


@pytest.mark.postgres
def test_the_ticket_list_makes_the_same_queries_at_3_tickets_as_at_40(lucia, desk, client):
    from tactful.desk.testing import assert_same_query_count

    customer, _ticket = lucia
    logged_in(client)
    for i in range(2):
        desk.ticket(customer=customer, subject=f"Pedido {i}")

    def grow() -> None:
        for i in range(37):
            desk.ticket(customer=customer, subject=f"Otro pedido {i}")

    assert_same_query_count(lambda: client.get("/portal/"), grow)
    assert client.get("/portal/").content.decode().count('class="num"') == 40


@pytest.mark.postgres
def test_the_thread_makes_the_same_queries_at_2_messages_as_at_40(lucia, desk, client):
    from tactful.desk.testing import assert_same_query_count

    _customer, ticket = lucia
    agent = desk.agent("otro")
    logged_in(client)

    def grow() -> None:
        for i in range(19):
            ticket_services.record_reply(ticket=ticket, agent=agent, body=f"Respuesta {i}")
            inbound.record_incoming_message(ticket=ticket, body=f"Mensaje {i}")

    assert_same_query_count(lambda: client.get(f"/portal/tickets/{ticket.pk}/"), grow)


def test_too_many_tries_from_one_client_are_rate_limited(lucia, client, settings):
    settings.TACTFUL_PORTAL_RATE_PER_IP = 4
    for i in range(4):
        client.post("/portal/code/", {"email": "lucia@example.com", "code": f"{i:06d}"})
    response = client.post("/portal/code/", {"email": "lucia@example.com", "code": "000000"})
    assert response.status_code == 429
