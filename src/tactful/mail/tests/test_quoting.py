"""Quoted history and signatures are cut from replies in English, Spanish and Russian."""

from __future__ import annotations

import pytest

from tactful.mail.quoting import html_to_text, strip_html_quotes, strip_quotes

CASES = {
    # --- English ---
    "en_gmail": (
        "Still broken, see the screenshot.\n\n"
        "On Mon, Jan 15, 2024 at 10:00 AM Support <support@example.com> wrote:\n"
        "> Please restart the app.\n> Thanks",
        "Still broken, see the screenshot.",
    ),
    "en_wrapped_attribution": (
        "Works now.\n\nOn Mon, Jan 15, 2024 at 10:00 AM Very Long Support Team Name <\n"
        "support@example.com> wrote:\n\n> Try again.",
        "Works now.",
    ),
    "en_outlook_original": (
        "Thanks, that fixed it.\n\n-----Original Message-----\nFrom: Support\n"
        "Sent: Monday\nTo: me\nSubject: Fix\n\nRestart it.",
        "Thanks, that fixed it.",
    ),
    "en_outlook_header_block": (
        "Any news?\n\n________________________________\nFrom: Support <s@example.com>\n"
        "Sent: Monday, January 15, 2024 10:00 AM\nTo: Ann <ann@example.com>\n"
        "Subject: RE: Order\n\nWe are looking into it.",
        "Any news?",
    ),
    "en_bold_outlook_block_without_underline": (
        "See above.\n\n*From:* Support <s@example.com>\n*Sent:* Monday\n*To:* Ann\n"
        "*Subject:* Order\n\nOld text.",
        "See above.",
    ),
    "en_interleaved_quote_lines": (
        "> Did you restart?\nYes, twice.\n> Which version?\n4.2",
        "Yes, twice.\n4.2",
    ),
    "en_signature": ("The invoice is wrong.\n\n-- \nAnn Buyer\nBuyer Ltd", "The invoice is wrong."),
    "en_iphone": ("Refund please.\n\nSent from my iPhone", "Refund please."),
    # --- Spanish ---
    "es_gmail": (
        "Sigue sin funcionar.\n\nEl lun, 15 ene 2024 a las 10:00, Soporte (<s@example.com>) "
        "escribió:\n> Reinicie la aplicación.",
        "Sigue sin funcionar.",
    ),
    "es_wrapped_attribution": (
        "Gracias.\n\nEl lun, 15 ene 2024 a las 10:00, Soporte Técnico <\ns@example.com> "
        "escribió:\n> Hola",
        "Gracias.",
    ),
    "es_outlook_original": (
        "¿Alguna novedad?\n\n-----Mensaje original-----\nDe: Soporte\nEnviado el: lunes\n"
        "Para: Ana\nAsunto: Pedido\n\nLo revisamos.",
        "¿Alguna novedad?",
    ),
    "es_outlook_header_block": (
        "Todavía nada.\n\nDe: Soporte <s@example.com>\nEnviado: lunes, 15 de enero de 2024\n"
        "Para: Ana\nAsunto: RE: Pedido\n\nTexto viejo.",
        "Todavía nada.",
    ),
    "es_mobile": ("Quiero el reembolso.\n\nEnviado desde mi iPhone", "Quiero el reembolso."),
    "es_signature": ("Gracias.\n\n-- \nAna López", "Gracias."),
    # --- Russian ---
    "ru_thunderbird": (
        "Спасибо, всё работает.\n\n15.01.2024 10:00, Поддержка пишет:\n> Перезапустите.",
        "Спасибо, всё работает.",
    ),
    "ru_wrote": (
        "Деньги не пришли.\n\n15 января 2024, Поддержка написал(а):\n> Мы вернули деньги.",
        "Деньги не пришли.",
    ),
    "ru_gmail": (
        "Что дальше?\n\nпн, 15 янв. 2024 г. в 10:00, Поддержка <s@example.com>:\n\n> Ответ.",
        "Что дальше?",
    ),
    "ru_outlook_original": (
        "Жду ответа.\n\n-----Исходное сообщение-----\nОт: Поддержка\nОтправлено: 15 января\n"
        "Кому: Иван\nТема: Заказ\n\nСтарый текст.",
        "Жду ответа.",
    ),
    "ru_outlook_header_block": (
        "Есть новости?\n\nОт: Поддержка <s@example.com>\nОтправлено: 15 января 2024 г. 10:00\n"
        "Кому: Иван\nТема: RE: Заказ\n\nСтарый текст.",
        "Есть новости?",
    ),
    "ru_mobile": ("Верните деньги.\n\nОтправлено с iPhone", "Верните деньги."),
    "ru_signature": ("Спасибо.\n\n-- \nИван Петров\n+7 900 000-00-00", "Спасибо."),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_quotes_and_signatures_are_stripped(case: str):
    original, expected = CASES[case]
    assert strip_quotes(original) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Only a quote: better keep everything than store an empty message.
        "> just a quote\n> nothing new",
        # Words like "from:" inside a sentence are not a header block.
        "I got a mail from: the bank.\nIt said: Sent: nothing.",
        # A single "From:" line without the rest of the header block.
        "From: my phone, sorry for typos.\nThe app crashes on start.",
        # "--" inside text is not a signature delimiter.
        "Version 2 -- the new one -- crashes.",
        "Escribí: no funciona. ¿Me ayudan?",
        "Я написал: верните деньги. Ответьте, пожалуйста.",
    ],
)
def test_ordinary_text_is_left_alone(text: str):
    assert strip_quotes(text) == text.strip()


def test_crlf_text_is_handled():
    assert strip_quotes("Hi\r\n\r\nOn Mon, Ann <a@x.example> wrote:\r\n> old") == "Hi"


def test_html_gmail_quote_is_cut_and_stays_html():
    html = (
        '<div dir="ltr">Arrived, <b>thanks</b>!</div><div class="gmail_quote">'
        '<div class="gmail_attr">On Mon, Support &lt;s@x.example&gt; wrote:</div>'
        "<blockquote>Ships tomorrow.</blockquote></div>"
    )
    result = strip_html_quotes(html)
    assert "<b>thanks</b>" in result
    assert "Ships tomorrow" not in result
    assert "wrote" not in result


def test_html_outlook_reply_is_cut():
    html = (
        "<p>Hola, ¿novedades?</p><hr>"
        '<div id="divRplyFwdMsg"><b>De:</b> Soporte<br><b>Enviado:</b> lunes</div>'
        "<div>Texto viejo</div>"
    )
    result = strip_html_quotes(html)
    assert "novedades" in result
    assert "Texto viejo" not in result


def test_html_blockquote_with_attribution_outside_it():
    html = (
        "<div>Спасибо!</div><div>15.01.2024 10:00, Поддержка пишет:</div>"
        "<blockquote type='cite'>Старое</blockquote>"
    )
    result = strip_html_quotes(html)
    assert "Спасибо" in result
    assert "пишет" not in result
    assert "Старое" not in result


def test_html_that_is_all_quote_is_kept():
    html = "<blockquote>only old text</blockquote>"
    assert strip_html_quotes(html) == html


def test_html_to_text_drops_scripts_and_keeps_lines():
    text = html_to_text(
        "<html><head><style>p{}</style><script>alert(1)</script></head>"
        "<body><p>One &amp; two</p><p>Three</p></body></html>"
    )
    assert text == "One & two\n\nThree"


@pytest.mark.parametrize(
    "html",
    [
        "<div " * 200_000,
        "-" * 1_000_000,
        "<" * 500_000,
        "<p>" + "word " * 200_000 + "</p>",
        '<div class="' + "x" * 100_000,
    ],
)
def test_hostile_html_is_returned_unchanged_without_a_quote(html: str):
    # Linear-time scanning: these would take minutes with a backtracking regex or html.parser.
    assert strip_html_quotes(html) == html
    assert isinstance(html_to_text(html), str)


@pytest.mark.parametrize(
    "text",
    [
        "0123456789abcdef" * 131_072,  # a 2 MB single line
        ("x" * 450 + "@" + "b" * 40 + ":\n") * 4000,
        ("On " + "x" * 450 + ":\n") * 4000,
    ],
)
def test_hostile_plain_text_is_left_alone(text: str):
    assert strip_quotes(text) == text.strip()
