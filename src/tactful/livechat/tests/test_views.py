"""Chat pages: the widget script, the try-it page, embed codes and the ticket pane partial."""

from __future__ import annotations

import json
import re

import pytest

from tactful.livechat import widget

pytestmark = [pytest.mark.chat, pytest.mark.django_db]


def _catalog(script: str) -> dict[str, dict[str, str]]:
    match = re.search(r"const STRINGS = (\{.*?\});\n", script, re.S)
    assert match, "the strings were not rendered into the script"
    return json.loads(match.group(1))


def test_the_widget_script_is_javascript_with_its_strings_and_no_queries(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/chat/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "max-age" in response["Cache-Control"]
    script = response.content.decode()
    assert "/*STRINGS*/" not in script and "/*MAX_CHARS*/" not in script
    assert "const MAX_CHARS = 2000;" in script
    assert "attachShadow" in script and "innerHTML" not in script
    assert not response.cookies  # a script tag on a foreign site needs no cookie


@pytest.mark.parametrize(
    ("language", "title", "start"),
    [
        ("en", "Chat with us", "Start chatting"),
        ("es", "Escríbanos", "Empezar a chatear"),
        ("ru", "Напишите нам", "Начать чат"),
    ],
)
def test_the_widget_speaks_english_spanish_and_russian(client, language, title, start):
    catalog = _catalog(client.get("/chat/widget.js").content.decode())
    assert catalog[language]["title"] == title
    assert catalog[language]["start"] == start
    assert set(catalog[language]) == set(widget.STRINGS)
    assert all(text.strip() for text in catalog[language].values())


def test_every_widget_string_has_spanish_and_russian_fallbacks():
    for language in ("es", "ru"):
        assert set(widget.FALLBACK[language]) == set(widget.STRINGS)
        # Placeholders survive translation.
        for key, msgid in widget.STRINGS.items():
            for placeholder in re.findall(r"\{\w+\}", msgid):
                assert placeholder in widget.FALLBACK[language][key], (language, key)


def _first_argument(source: str, start: int) -> str:
    """The first argument of the call whose ``(`` is just before ``start``: up to the comma or
    parenthesis that closes it, skipping nested brackets and quoted text."""
    depth, index, quote = 0, start, ""
    while index < len(source):
        char = source[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif char == "," and depth == 0:
            break
        index += 1
    return source[start:index]


def _asked_texts(source: str) -> list[tuple[int, int]]:
    """Where the script's ``t(…)`` and ``setStatus(…)`` calls name the text they show: the
    span of each one's first argument."""
    spans = []
    for call in re.finditer(r"(?<![\w.$])(?:t|setStatus)\(", source):
        spans.append((call.end(), call.end() + len(_first_argument(source, call.end()))))
    return spans


def test_every_text_the_widget_script_asks_for_is_a_translated_widget_string():
    """The script shows its texts through ``t(key)`` (or ``setStatus(key)``): each key must be
    one of ``widget.STRINGS``, the gettext messages that makemessages extracts and the desk's
    i18n test requires in es and ru. A key missing there would show the key itself."""
    source = widget.WIDGET_FILE.read_text(encoding="utf-8")
    asked, prefixes = set(), set()
    for start, end in _asked_texts(source):
        asked.update(re.findall(r'"([^"\\]*)"', source[start:end]))
        prefixes.update(re.findall(r"`(\w*)\$\{", source[start:end]))
    assert {"title", "send", "call_start", "connected"} <= asked  # the scan reads the script
    assert asked - set(widget.STRINGS) - {""} == set()  # "": no text (setStatus(""))
    # `call_${key}`: keys made at run time must at least start like some of the strings.
    assert {p for p in prefixes if not any(k.startswith(p) for k in widget.STRINGS)} == set()


def test_the_widget_script_sets_no_text_of_its_own():
    """Visible text (content, placeholders, titles, labels) comes from ``t()`` or from the
    desk's (translated) frames, never from an English literal in the script."""
    source = widget.WIDGET_FILE.read_text(encoding="utf-8")
    for start, end in reversed(_asked_texts(source)):  # the keys t() is given are not text
        source = source[:start] + " " * (end - start) + source[end:]
    shown = re.finditer(
        r'(?:\b(?:text|placeholder|title)|"aria-label")\s*:\s*([^,}\n]*)'
        r"|\btextContent\s*=\s*([^;\n]*)",
        source,
    )
    literal_words = [
        match.group(0)
        for match in shown
        for literal in re.findall(r'"([^"]*)"', match.group(1) or match.group(2) or "")
        if re.search(r"[^\W\d_]", re.sub(r"\\u[0-9A-Fa-f]{4}", "", literal))
    ]
    assert literal_words == []


def test_the_widget_script_refuses_other_methods(client):
    assert client.post("/chat/widget.js").status_code == 405


def test_the_try_page_embeds_the_team_widget(client, chat_team, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(f"/chat/try/{chat_team.slug}/?lang=ru")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-team="{chat_team.slug}"' in html and 'data-lang="ru"' in html
    assert f'src="/chat/widget.js?team={chat_team.slug}"' in html


@pytest.mark.parametrize(
    "path",
    [
        "/chat/try/nope/",
        "/chat/try/%3Cscript%3E/",
        "/chat/try/" + "a" * 300 + "/",
    ],
)
def test_the_try_page_for_unknown_teams_is_404(client, chat_team, path):
    assert client.get(path).status_code == 404


def test_the_try_page_ignores_a_hostile_language(client, chat_team):
    html = client.get(f'/chat/try/{chat_team.slug}/?lang="><script>alert(1)</script>').content
    assert b"<script>alert(1)" not in html and b"data-lang" not in html


def test_embed_codes_need_a_login_and_a_fixed_number_of_queries(
    client, desk, django_assert_max_num_queries
):
    for name in ("Billing", "Shipping", "Technical"):
        desk.team(name)
    assert client.get("/chat/embed/").status_code == 302
    client.force_login(desk.agent())
    with django_assert_max_num_queries(4):  # session, user, teams (+ language middleware)
        response = client.get("/chat/embed/")
    html = response.content.decode()
    for slug in ("billing", "shipping", "technical"):
        assert f"data-team=&quot;{slug}&quot;" in html  # shown as code, escaped
    assert "http://testserver/chat/widget.js" in html


def test_the_ticket_page_shows_the_chat_pane_only_on_chat_tickets(client, desk):
    team = desk.team("Support")
    agent = desk.agent(teams=[team])
    client.force_login(agent)
    chat = desk.ticket(channel="chat", team=team)
    email = desk.ticket(channel="email", team=team)
    chat_page = client.get(f"/tickets/{chat.pk}/").content.decode()
    assert 'id="livechat"' in chat_page and "livechat/agent.js" in chat_page
    assert f'data-ticket="{chat.pk}"' in chat_page
    assert 'id="livechat"' not in client.get(f"/tickets/{email.pk}/").content.decode()


def test_the_admin_lists_chat_sessions_without_their_token(
    client, desk, chat_team, django_assert_max_num_queries
):
    from tactful.livechat import services
    from tactful.livechat.models import ChatSession

    for n in range(3):
        services.start_session(team_slug=chat_team.slug, name=f"Visitor {n}")
    client.force_login(desk.admin())
    # session, user, count x2, rows (with team and ticket joined), filters
    with django_assert_max_num_queries(8):
        response = client.get("/admin/livechat/chatsession/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Visitor 2" in html
    assert not any(h in html for h in ChatSession.objects.values_list("token_hash", flat=True))


def test_the_widget_speaks_spanish_in_the_team_register(client, chat_team, desk):
    from tactful.livechat import services

    def spanish(url):
        return _catalog(client.get(url).content.decode())["es"]

    # The desk's own register, for teams that chose nothing and for old embed codes.
    formal = spanish(f"/chat/widget.js?team={chat_team.slug}")
    assert formal["placeholder"] == "Escriba su mensaje…" and formal["you"] == "Usted"
    assert spanish("/chat/widget.js") == formal
    services.set_spanish_address(team=chat_team, address="tu")
    informal = spanish(f"/chat/widget.js?team={chat_team.slug}")
    assert informal["placeholder"] == "Escribe tu mensaje…" and informal["you"] == "Tú"
    assert informal["title"] == "Chatea con nosotros"
    # Other teams and the other languages are untouched.
    other = desk.team("Sales")
    assert spanish(f"/chat/widget.js?team={other.slug}") == formal
    catalog = _catalog(client.get(f"/chat/widget.js?team={chat_team.slug}").content.decode())
    assert catalog["en"]["title"] == "Chat with us"


def test_every_usted_text_keeps_its_placeholders():
    for key, text in widget.USTED.items():
        assert key in widget.STRINGS
        for placeholder in re.findall(r"\{\w+\}", widget.STRINGS[key]):
            assert placeholder in text, key


@pytest.mark.parametrize(
    "team", ["nope", "%3Cscript%3E", "a" * 300, "x'; DROP TABLE livechat_chatsettings;--", "\x00"]
)
def test_a_hostile_team_in_the_widget_url_gets_the_default_script(
    client, chat_team, team, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        response = client.get("/chat/widget.js", {"team": team})
    assert response.status_code == 200
    assert _catalog(response.content.decode())["es"]["you"] == "Usted"


def test_a_widget_setting_refuses_other_registers(chat_team):
    from django.core.exceptions import ValidationError

    from tactful.livechat import services

    with pytest.raises(ValidationError):
        services.set_spanish_address(team=chat_team, address="vos")
