"""Message bodies on the ticket page: HTML sanitised, typed text shown exactly as typed."""

from __future__ import annotations

from tactful.inbox.templatetags.desk_tags import render_body


def test_html_email_is_sanitised_not_escaped() -> None:
    html = render_body('<p>Hola <b>equipo</b></p><script>alert(1)</script><img src=x onerror="x()">')
    assert "<b>equipo</b>" in html
    assert "<script" not in html and "onerror" not in html


def test_text_typed_in_chat_or_form_is_shown_as_typed() -> None:
    typed = "Я написал <b>жирным</b> & <script>alert(1)</script>"
    html = render_body(typed, plain=True)
    assert "&lt;b&gt;жирным&lt;/b&gt;" in html
    assert "&lt;script&gt;" in html and "<script" not in html
    assert "&amp;" in html
