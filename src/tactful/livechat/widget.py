"""The widget's script: the static file plus its strings in English, Spanish and Russian.

The strings are ordinary gettext messages (``makemessages`` finds them here), rendered once
per process for each language into the script. Until the desk's catalogues translate a string,
the Spanish and Russian texts below keep the widget usable in those languages.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tactful.livechat.services import MAX_CHAT_MESSAGE_CHARS

WIDGET_FILE = Path(__file__).resolve().parent / "static" / "livechat" / "widget.js"
LANGUAGES = ("en", "es", "ru")

#: The widget's texts (msgids); ``{email}`` and ``{max}`` are filled in by the script.
STRINGS: dict[str, str] = {
    "title": gettext_noop("Chat with us"),
    "open": gettext_noop("Open the chat"),
    "close": gettext_noop("Close the chat"),
    "intro": gettext_noop(
        "Hi! Tell us who you are so we can answer even if you leave, or stay anonymous."
    ),
    "name": gettext_noop("Name (optional)"),
    "email": gettext_noop("E-mail (optional)"),
    "start": gettext_noop("Start chatting"),
    "anonymous": gettext_noop("Both are optional: leave them empty to stay anonymous."),
    "placeholder": gettext_noop("Type your message…"),
    "send": gettext_noop("Send"),
    "you": gettext_noop("You"),
    "support": gettext_noop("Support"),
    "sending": gettext_noop("sending…"),
    "empty": gettext_noop("Ask us anything: a person will answer here."),
    "connecting": gettext_noop("Connecting…"),
    "reconnecting": gettext_noop("Connection lost, reconnecting…"),
    "connected": gettext_noop("Connected"),
    "unavailable": gettext_noop("This chat is not available."),
    "invalid_email": gettext_noop("That e-mail address does not look right."),
    "too_long": gettext_noop("Your message is too long (at most {max} characters)."),
    "rejected": gettext_noop("This message could not be sent."),
    "slow_down": gettext_noop("Slow down a little: we will send it in a moment."),
    "error": gettext_noop("Something went wrong; we will try again."),
    "by_email": gettext_noop("If you leave, we will answer at {email}."),
    "come_back": gettext_noop("Without an e-mail, come back to this page to read our answer."),
}

#: Spanish and Russian texts used while the gettext catalogues lack a translation.
FALLBACK: dict[str, dict[str, str]] = {
    "es": {
        "title": "Chatea con nosotros",
        "open": "Abrir el chat",
        "close": "Cerrar el chat",
        "intro": "¡Hola! Dinos quién eres para poder responderte aunque te vayas, o sigue en anonimato.",
        "name": "Nombre (opcional)",
        "email": "Correo electrónico (opcional)",
        "start": "Empezar a chatear",
        "anonymous": "Ambos son opcionales: déjalos vacíos para seguir en anonimato.",
        "placeholder": "Escribe tu mensaje…",
        "send": "Enviar",
        "you": "Tú",
        "support": "Soporte",
        "sending": "enviando…",
        "empty": "Pregúntanos lo que quieras: te responderá una persona.",
        "connecting": "Conectando…",
        "reconnecting": "Se perdió la conexión, reconectando…",
        "connected": "Conectado",
        "unavailable": "Este chat no está disponible.",
        "invalid_email": "Esa dirección de correo no parece correcta.",
        "too_long": "Tu mensaje es demasiado largo (máximo {max} caracteres).",
        "rejected": "No se pudo enviar este mensaje.",
        "slow_down": "Ve un poco más despacio: lo enviaremos en un momento.",
        "error": "Algo salió mal; lo intentaremos de nuevo.",
        "by_email": "Si te vas, te responderemos en {email}.",
        "come_back": "Sin correo, vuelve a esta página para leer nuestra respuesta.",
    },
    "ru": {
        "title": "Напишите нам",
        "open": "Открыть чат",
        "close": "Закрыть чат",
        "intro": "Здравствуйте! Представьтесь, чтобы мы могли ответить, даже если вы уйдёте, или оставайтесь анонимным.",
        "name": "Имя (необязательно)",
        "email": "Эл. почта (необязательно)",
        "start": "Начать чат",
        "anonymous": "Оба поля необязательны: оставьте их пустыми, чтобы остаться анонимным.",
        "placeholder": "Введите сообщение…",
        "send": "Отправить",
        "you": "Вы",
        "support": "Поддержка",
        "sending": "отправка…",
        "empty": "Спросите нас о чём угодно: ответит живой человек.",
        "connecting": "Подключение…",
        "reconnecting": "Связь потеряна, переподключаемся…",
        "connected": "Подключено",
        "unavailable": "Этот чат недоступен.",
        "invalid_email": "Этот адрес эл. почты выглядит неверным.",
        "too_long": "Сообщение слишком длинное (не больше {max} символов).",
        "rejected": "Это сообщение не удалось отправить.",
        "slow_down": "Чуть медленнее: мы отправим его через мгновение.",
        "error": "Что-то пошло не так; попробуем ещё раз.",
        "by_email": "Если вы уйдёте, мы ответим на {email}.",
        "come_back": "Без эл. почты вернитесь на эту страницу, чтобы прочитать ответ.",
    },
}


def catalog() -> dict[str, dict[str, str]]:
    """The widget's strings per language, through gettext (with the fallbacks above)."""
    result: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        with translation.override(language):
            texts = {}
            for key, msgid in STRINGS.items():
                text = _(msgid)
                if language != "en" and text == msgid:
                    text = FALLBACK[language][key]
                texts[key] = text
        result[language] = texts
    return result


def _render() -> str:
    source = WIDGET_FILE.read_text(encoding="utf-8")
    strings = json.dumps(catalog(), ensure_ascii=False)
    return source.replace("/*STRINGS*/{}", strings, 1).replace(
        "/*MAX_CHARS*/2000", str(MAX_CHAT_MESSAGE_CHARS), 1
    )


_render_once = cache(_render)


def widget_script() -> str:
    """The script as served (rendered once per process; re-read on every request in DEBUG)."""
    return _render() if settings.DEBUG else _render_once()
