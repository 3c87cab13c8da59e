"""The interface speaks English, Spanish and Russian; catalogues are complete and compiled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

LOCALE = Path(__file__).resolve().parents[1] / "locale"


@pytest.mark.parametrize("language", ["es", "ru"])
def test_catalogue_is_complete_and_compiled(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    text = po.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    # An empty msgstr with no continuation lines is untranslated; `msgstr ""` followed by
    # quoted lines is how gettext writes a long (wrapped) translation.
    empty = re.compile(r'^msgstr(\[\d\])? ""\n(?!")', re.M)
    untranslated = [e for e in entries if empty.search(e + "\n") and "#, fuzzy" not in e]
    assert untranslated == []
    assert "#, fuzzy" not in text
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Inbox", "Saved views", "Send reply"]),
        ("es", ["Bandeja", "Vistas guardadas", "Enviar respuesta"]),
        ("ru", ["Входящие", "Сохранённые представления", "Отправить ответ"]),
    ],
)
def test_pages_follow_the_agents_language(desk, language, words):
    team = desk.team()
    agent = desk.agent(teams=[team], language=language)
    ticket = desk.ticket(team=team)
    client = Client()
    client.force_login(agent)
    inbox = client.get(reverse("inbox:inbox")).content.decode()
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert words[0] in inbox and words[1] in inbox
    assert words[2] in page
    assert f'<html lang="{language}">' in inbox


@pytest.mark.django_db
def test_login_page_uses_accept_language():
    response = Client().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ru")
    assert "Войти" in response.content.decode()
