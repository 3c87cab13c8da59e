"""The public contact form: tickets from visitors, and what it refuses (bots, floods, junk)."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tactful.customers.models import Customer, CustomerIdentity
from tactful.desk.testing import assert_same_query_count, bulk_tickets
from tactful.tickets.models import Attachment, Message, Ticket
from tactful.webform import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.TACTFUL_CONTACT_MIN_SECONDS = 2
    # These tests send one address many times; its own limit is tested in
    # test_limits_per_address.py.
    settings.TACTFUL_CONTACT_RATE_PER_ADDRESS = 1000
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def team(desk):
    team = desk.team("Support")
    team.slug = "support"
    team.save(update_fields=["slug"])
    return team


def old_token(seconds: float = 60) -> str:
    """A token from a page opened ``seconds`` ago (a person has had time to type)."""
    return signing.dumps(
        {"t": time.time() - seconds, "n": f"n{time.monotonic_ns()}"},
        salt="tactful.webform.started",
    )


def form_data(**overrides):
    data = {
        "name": "Lucía Pérez",
        "email": "Lucia@Example.com",
        "subject": "Pedido roto",
        "message": "Mi pedido llegó roto. ¿Me pueden ayudar?",
        "language": "es",
        "website": "",
        "started": old_token(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post(client, data, slug="support", **extra):
    return client.post(f"/contact/{slug}/", data, **extra)


def counts():
    return (Ticket.objects.count(), Message.objects.count(), Customer.objects.count())


# --- the happy path ---------------------------------------------------------------------------


def test_a_visitor_files_a_ticket_and_is_thanked_in_their_language(team):
    client = Client()
    response = post(client, form_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == "/contact/support/thanks/?lang=es"
    ticket = Ticket.objects.get()
    assert ticket.channel == "web" and ticket.team == team and ticket.language == "es"
    assert ticket.subject == "Pedido roto"
    message = ticket.messages.get()
    assert message.body == "Mi pedido llegó roto. ¿Me pueden ayudar?"
    assert message.channel == "web" and message.external_id.startswith("webform:")
    customer = ticket.customer
    assert customer.name == "Lucía Pérez" and customer.email == "lucia@example.com"
    assert customer.preferred_language == "es"
    identity = CustomerIdentity.objects.get(customer=customer)
    assert (identity.channel, identity.handle) == ("web", "lucia@example.com")

    thanks = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert thanks.status_code == 200
    assert thanks["Content-Language"] == "es"
    assert '<html lang="es">' in thanks.content.decode()


def test_the_same_visitor_again_is_the_same_customer_and_the_subject_is_optional(team):
    post(Client(), form_data())
    response = post(Client(), form_data(email="lucia@example.COM", subject="", message="Hola\n"))
    assert response.status_code == 302
    assert Customer.objects.count() == 1 and Ticket.objects.count() == 2
    assert Ticket.objects.order_by("-id").first().subject == "Hola"


def test_a_double_submit_of_one_form_is_one_ticket(team):
    data = form_data()
    assert post(Client(), data).status_code == 302
    assert post(Client(), data).status_code == 302
    assert counts() == (1, 1, 1)


def test_attachments_are_kept(team):
    files = [
        SimpleUploadedFile("photo.png", b"\x89PNG fake image", content_type="image/png"),
        SimpleUploadedFile("../../etc/passwd", b"root:x:0:0", content_type="text/plain"),
    ]
    response = post(Client(), form_data(attachments=files))
    assert response.status_code == 302
    names = sorted(Attachment.objects.values_list("filename", flat=True))
    assert names == ["passwd", "photo.png"]


# --- languages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "lang", "subject_label", "selected"),
    [
        ("en-US,en;q=0.9", "en", "Subject", "en"),
        ("es-MX,es;q=0.9", "es", "Asunto", "es"),
        ("ru-RU,ru;q=0.9", "ru", "Тема", "ru"),
    ],
)
def test_the_page_renders_in_each_language(team, accept, lang, subject_label, selected):
    response = Client().get("/contact/support/", HTTP_ACCEPT_LANGUAGE=accept)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == lang
    assert f'<html lang="{lang}">' in html
    assert subject_label in html
    assert f'<option value="{selected}" selected>' in html
    assert "csrftoken" in response.cookies  # the page sets the CSRF cookie
    assert 'class="contact-hp"' in html and 'name="website"' in html


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
def test_lang_parameter_wins_over_the_browser(team, lang):
    response = Client().get(f"/contact/support/?lang={lang}", HTTP_ACCEPT_LANGUAGE="de")
    assert response["Content-Language"] == lang
    assert f'<option value="{lang}" selected>' in response.content.decode()


@pytest.mark.parametrize(
    ("lang", "required"),
    [
        ("en", "This field is required."),
        ("es", "Este campo es obligatorio."),
        ("ru", "Обязательное поле."),
    ],
)
def test_errors_are_shown_in_the_page_language(team, lang, required):
    response = post(Client(), form_data(email=None), HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 400
    assert required in response.content.decode()
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
def test_thanks_page_in_each_language(team, lang):
    response = Client().get(f"/contact/support/thanks/?lang={lang}")
    assert response.status_code == 200 and response["Content-Language"] == lang
    assert f'<html lang="{lang}">' in response.content.decode()


def test_unknown_language_choices_fall_back(team):
    response = post(Client(), form_data(language="fr"))
    assert response.status_code == 400 and counts() == (0, 0, 0)
    page = Client().get("/contact/support/?lang=fr", HTTP_ACCEPT_LANGUAGE="ru")
    assert page["Content-Language"] == "ru"


# --- who gets a form --------------------------------------------------------------------------


def test_unknown_or_unpublished_team_is_404(team, desk):
    desk.team("Hidden")  # no slug: no public form
    assert Client().get("/contact/nobody/").status_code == 404
    assert Client().get("/contact/nobody/thanks/").status_code == 404
    assert post(Client(), form_data(), slug="nobody").status_code == 404
    assert Client().get("/contact/%3Cscript%3E/").status_code == 404
    assert counts() == (0, 0, 0)


def test_other_methods_are_refused(team):
    assert Client().put("/contact/support/").status_code == 405
    assert Client().post("/contact/support/thanks/").status_code == 405


# --- bots and floods --------------------------------------------------------------------------


def test_honeypot_pretends_success_and_stores_nothing(team):
    response = post(Client(), form_data(website="http://spam.example"))
    assert response.status_code == 302 and "/thanks/" in response["Location"]
    assert counts() == (0, 0, 0)


def test_a_form_sent_too_fast_is_asked_again_and_then_accepted(team, settings):
    data = form_data(started=services.issue_form_token())
    response = post(Client(), data)
    assert response.status_code == 400
    assert "That was quick" in response.content.decode()
    assert counts() == (0, 0, 0)
    settings.TACTFUL_CONTACT_MIN_SECONDS = 0  # the visitor waited, then sent it again
    assert post(Client(), data).status_code == 302
    assert counts() == (1, 1, 1)


@pytest.mark.parametrize(
    "token",
    ["", "garbage", signing.dumps({"t": 0, "n": "x"}, salt="another-salt"), "a" * 5000],
)
def test_forged_or_missing_tokens_are_asked_again_with_a_fresh_one(team, token):
    response = post(Client(), form_data(started=token))
    assert response.status_code == 400 and counts() == (0, 0, 0)
    html = response.content.decode()
    assert "send your message again" in html
    fresh = html.split('name="started" value="')[1].split('"')[0]
    assert services.read_form_token(fresh) is not None


def test_expired_tokens_are_refused(team):
    class SignedThreeDaysAgo(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - 3 * 86400)

    expired = SignedThreeDaysAgo(salt="tactful.webform.started").sign_object(
        {"t": time.time() - 3 * 86400, "n": "abc"}
    )
    assert services.read_form_token(expired) is None
    response = post(Client(), form_data(started=expired))
    assert response.status_code == 400 and counts() == (0, 0, 0)
    assert "open too long" in response.content.decode()


def test_rate_limit_per_client_ip(team, settings):
    settings.TACTFUL_CONTACT_RATE_LIMIT = 3
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert post(client, form_data()).status_code == 302
    response = post(client, form_data(), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.TACTFUL_CONTACT_RATE_WINDOW)
    assert response["Content-Language"] == "es"
    assert '<html lang="es">' in response.content.decode()
    assert Ticket.objects.count() == 3
    # Another visitor is not affected; invalid and bot submissions count too.
    other = Client(REMOTE_ADDR="198.51.100.1")
    assert post(other, form_data()).status_code == 302
    for _ in range(2):
        post(other, form_data(website="spam"))
    assert post(other, form_data()).status_code == 429
    assert Ticket.objects.count() == 4


def test_rate_limit_in_english_names_the_wait(team, settings):
    settings.TACTFUL_CONTACT_RATE_LIMIT = 0
    response = post(Client(), form_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "wait 10 minutes" in response.content.decode()
    assert counts() == (0, 0, 0)


def test_ipv6_clients_are_limited_per_64_network(team, settings):
    settings.TACTFUL_CONTACT_RATE_LIMIT = 1
    assert post(Client(REMOTE_ADDR="2001:db8:1:2::1"), form_data()).status_code == 302
    assert post(Client(REMOTE_ADDR="2001:db8:1:2::99"), form_data()).status_code == 429
    assert post(Client(REMOTE_ADDR="2001:db8:1:3::1"), form_data()).status_code == 302


def test_forwarded_for_is_trusted_only_behind_configured_proxies(team, settings):
    settings.TACTFUL_CONTACT_RATE_LIMIT = 1
    # No proxy configured: a client cannot dodge the limit by inventing X-Forwarded-For.
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert post(client, form_data(), HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 302
    assert post(client, form_data(), HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429
    # One proxy: the address it appended (rightmost) is the client; anything left of it is not.
    settings.TACTFUL_CONTACT_PROXY_HOPS = 1
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    assert (
        post(proxy, form_data(), HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.20").status_code == 302
    )
    assert (
        post(proxy, form_data(), HTTP_X_FORWARDED_FOR="8.8.8.8, 198.51.100.20").status_code == 429
    )
    assert post(proxy, form_data(), HTTP_X_FORWARDED_FOR="198.51.100.21").status_code == 302


# --- hostile input ----------------------------------------------------------------------------


def test_csrf_is_enforced(team):
    client = Client(enforce_csrf_checks=True)
    assert post(client, form_data()).status_code == 403
    assert counts() == (0, 0, 0)
    page = client.get("/contact/support/")
    token = page.cookies["csrftoken"].value
    response = post(client, form_data(csrfmiddlewaretoken=token))
    assert response.status_code == 302 and counts() == (1, 1, 1)


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": None},
        {"email": "not-an-address"},
        {"email": "a@b.c" + "x" * 300},
        {"email": "<script>@x.io"},
        {"message": None},
        {"message": "   \n  "},
        {"message": "x" * 100_001},
        {"message": "nul \x00 byte"},
        {"name": "n" * 201},
        {"subject": "s" * 201},
        {"subject": "nul\x00"},
        {"language": ""},
        {"language": "<script>"},
    ],
)
def test_malformed_submissions_store_nothing(team, overrides):
    response = post(Client(), form_data(**overrides))
    assert response.status_code == 400
    assert counts() == (0, 0, 0)


def test_html_and_scripts_are_stored_as_received_and_shown_inert(team, desk):
    body = '<script>alert(1)</script><img src=x onerror="alert(2)"><b>help</b>'
    name = '<img src=x onerror="alert(3)">'
    response = post(Client(), form_data(message=body, name=name, subject="<i>s</i>"))
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.body == body
    admin = desk.admin()
    client = Client()
    client.force_login(admin)
    page = client.get(f"/tickets/{message.ticket_id}/").content.decode()
    assert "<script>alert(1)" not in page and 'onerror="alert' not in page


def test_an_invalid_form_echoes_input_escaped(team):
    response = post(Client(), form_data(email="bad", name='"><script>x()</script>'))
    html = response.content.decode()
    assert response.status_code == 400
    assert "<script>x()" not in html and "&lt;script&gt;x()" in html


def test_attachment_limits_are_respected(team, settings):
    settings.TACTFUL_MAX_ATTACHMENT_BYTES = 1000
    big = SimpleUploadedFile("big.bin", b"x" * 1001, content_type="application/octet-stream")
    response = post(Client(), form_data(attachments=[big]))
    assert response.status_code == 400
    assert "big.bin is too large" in response.content.decode()
    many = [SimpleUploadedFile(f"f{i}.txt", b"hi") for i in range(11)]
    assert post(Client(), form_data(attachments=many)).status_code == 400
    assert counts() == (0, 0, 0)
    assert Attachment.objects.count() == 0


def test_repeated_fields_and_wrong_encodings_do_not_crash(team):
    client = Client()
    response = client.post(
        "/contact/support/",
        b"name=%FF%FE&email=a%40b.co&message=%C3%28&language=en&started=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    response = client.post(
        "/contact/support/",
        "email=a@b.co&email=c@d.co&message=hi&language=en&language=es",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400  # no valid token: asked again, nothing stored
    assert counts() == (0, 0, 0)


# --- speed ------------------------------------------------------------------------------------


def test_query_counts(team, desk, django_assert_max_num_queries):
    for i in range(5):
        desk.ticket(team=team, body=f"older ticket {i}")
    client = Client()
    with django_assert_max_num_queries(1):  # the team
        assert client.get("/contact/support/").status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get("/contact/support/thanks/").status_code == 200
    # The team, then the ticket services (customer, ticket, message, event, search index,
    # coach, automation, SLA clocks and the reports' daily figures): flat as the desk grows.
    with django_assert_max_num_queries(45):
        assert post(client, form_data()).status_code == 302

    def grow():
        bulk_tickets(300, teams=[team])

    assert_same_query_count(lambda: post(client, form_data()), grow, status=302)
