"""Message bodies on the ticket page: HTML sanitised, typed text shown exactly as typed."""

from __future__ import annotations

from tactful.inbox.templatetags.desk_tags import render_body


def test_html_email_is_sanitised_not_escaped() -> None:
    html = render_body(
        '<p>Hola <b>equipo</b></p><script>alert(1)</script><img src=x onerror="x()">'
    )
    assert "<b>equipo</b>" in html
    assert "<script" not in html and "onerror" not in html


def test_text_typed_in_chat_or_form_is_shown_as_typed() -> None:
    typed = "Я написал <b>жирным</b> & <script>alert(1)</script>"
    html = render_body(typed, plain=True)
    assert "&lt;b&gt;жирным&lt;/b&gt;" in html
    assert "&lt;script&gt;" in html and "<script" not in html
    assert "&amp;" in html


def test_the_ticket_page_offers_an_emails_original_when_quotes_were_stripped(desk, client) -> None:
    from tactful.tickets import inbound

    agent = desk.agent("emma")
    ticket = desk.ticket(body="Still broken.")
    inbound.record_incoming_message(
        ticket=ticket,
        body="¿Y ahora qué?",
        channel="email",
        original_body="¿Y ahora qué?\n\nEl lun, 2 nov, Soporte escribió:\n> <script>x()</script> Hola",
    )
    client.force_login(agent)
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert html.count('<details class="original">') == 1  # only where something was stripped
    assert "El lun, 2 nov, Soporte escribió:" in html
    assert "&lt;script&gt;x()&lt;/script&gt;" in html and "<script>x()" not in html


def test_a_colleague_copied_on_the_thread_is_shown_under_their_own_name(desk, client) -> None:
    from tactful.customers import services as customer_services
    from tactful.tickets import inbound

    agent = desk.agent("emma")
    ticket = desk.ticket(body="Where is my order?")
    colleague = customer_services.get_or_create_customer(
        channel="email", handle="dana@example.com", name="Dana Colleague"
    )
    inbound.record_incoming_message(
        ticket=ticket, body="Adding Dana's note.", channel="email", author=colleague
    )
    client.force_login(agent)
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Dana Colleague" in html
    assert str(ticket.customer) in html  # the first message is still the customer's
