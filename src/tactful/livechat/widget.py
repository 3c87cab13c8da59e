"""The widget's script: the static file, the call code and its strings in en, es and ru.

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
CALL_FILE = WIDGET_FILE.with_name("call.js")
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
    # Video calls ({name}: who calls).
    "call_start": gettext_noop("Start a video call"),
    "call_invite": gettext_noop("{name} invites you to a video call."),
    "call_accept": gettext_noop("Accept"),
    "call_decline": gettext_noop("Decline"),
    "call_go": gettext_noop("Call"),
    "call_cancel": gettext_noop("Cancel"),
    "call_recording": gettext_noop("I agree to this call being recorded."),
    "call_recording_hint": gettext_noop(
        "This team records calls only with your agreement: leave it unticked to talk without recording."
    ),
    "call_ringing": gettext_noop("Calling… waiting for someone to answer."),
    "call_connecting": gettext_noop("Connecting the call…"),
    "call_connected": gettext_noop("In a call"),
    "call_reconnecting": gettext_noop("The connection is unstable: reconnecting the call…"),
    "call_peer_away": gettext_noop(
        "The agent's connection dropped: waiting for them to come back…"
    ),
    "call_mute": gettext_noop("Mute"),
    "call_unmute": gettext_noop("Unmute"),
    "call_camera_off": gettext_noop("Turn camera off"),
    "call_camera_on": gettext_noop("Turn camera on"),
    "call_share": gettext_noop("Share my screen"),
    "call_stop_share": gettext_noop("Stop sharing"),
    "call_hangup": gettext_noop("Hang up"),
    "call_remote_muted": gettext_noop("Muted"),
    "call_remote_camera_off": gettext_noop("Camera off"),
    "call_denied": gettext_noop(
        "Your browser blocked the camera and microphone. Allow them for this site to be seen and heard; you can still see and hear us."
    ),
    "call_no_camera": gettext_noop("No camera could be used: the call goes on with sound only."),
    "call_no_devices": gettext_noop(
        "No camera or microphone could be used: you can still see and hear us."
    ),
    "call_unsupported": gettext_noop("This browser cannot make video calls."),
    "call_share_failed": gettext_noop("Your screen is not being shared."),
    "call_failed": gettext_noop("The call could not connect."),
    "call_declined": gettext_noop("The call was declined."),
    "call_unanswered": gettext_noop(
        "Nobody could answer the call; keep writing here and we will reply."
    ),
    "call_ended": gettext_noop("The call has ended."),
    "call_busy": gettext_noop("A call is already going on."),
    "call_unavailable": gettext_noop("Video calls are not available in this chat."),
    "call_write_first": gettext_noop("Write your question first, then ask for a call."),
    # While an agent types a reply ({name}: the agent's first name).
    "agent_typing": gettext_noop("{name} is typing…"),
    "support_typing": gettext_noop("Support is typing…"),
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
        "call_start": "Iniciar una videollamada",
        "call_invite": "{name} te invita a una videollamada.",
        "call_accept": "Aceptar",
        "call_decline": "Rechazar",
        "call_go": "Llamar",
        "call_cancel": "Cancelar",
        "call_recording": "Acepto que se grabe esta llamada.",
        "call_recording_hint": "Este equipo solo graba las llamadas si lo aceptas: déjalo sin marcar para hablar sin grabación.",
        "call_ringing": "Llamando… esperando a que alguien responda.",
        "call_connecting": "Conectando la llamada…",
        "call_connected": "En llamada",
        "call_reconnecting": "La conexión es inestable: reconectando la llamada…",
        "call_peer_away": "Se cortó la conexión del agente: esperando a que vuelva…",
        "call_mute": "Silenciar",
        "call_unmute": "Activar micrófono",
        "call_camera_off": "Apagar la cámara",
        "call_camera_on": "Encender la cámara",
        "call_share": "Compartir mi pantalla",
        "call_stop_share": "Dejar de compartir",
        "call_hangup": "Colgar",
        "call_remote_muted": "Micrófono apagado",
        "call_remote_camera_off": "Cámara apagada",
        "call_denied": "Tu navegador bloqueó la cámara y el micrófono. Permítelos en este sitio para que te veamos y oigamos; tú puedes seguir viéndonos y oyéndonos.",
        "call_no_camera": "No se pudo usar ninguna cámara: la llamada sigue solo con sonido.",
        "call_no_devices": "No se pudo usar ninguna cámara ni micrófono: puedes seguir viéndonos y oyéndonos.",
        "call_unsupported": "Este navegador no puede hacer videollamadas.",
        "call_share_failed": "Tu pantalla no se está compartiendo.",
        "call_failed": "No se pudo conectar la llamada.",
        "call_declined": "La llamada fue rechazada.",
        "call_unanswered": "Nadie pudo atender la llamada; sigue escribiendo aquí y te responderemos.",
        "call_ended": "La llamada ha terminado.",
        "call_busy": "Ya hay una llamada en curso.",
        "call_unavailable": "Las videollamadas no están disponibles en este chat.",
        "call_write_first": "Escribe primero tu pregunta y luego pide una llamada.",
        "agent_typing": "{name} está escribiendo…",
        "support_typing": "Soporte está escribiendo…",
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
        "call_start": "Начать видеозвонок",
        "call_invite": "{name} приглашает вас в видеозвонок.",
        "call_accept": "Принять",
        "call_decline": "Отклонить",
        "call_go": "Позвонить",
        "call_cancel": "Отмена",
        "call_recording": "Я согласен(на) на запись этого звонка.",
        "call_recording_hint": "Эта команда записывает звонки только с вашего согласия: не ставьте отметку, чтобы говорить без записи.",
        "call_ringing": "Звоним… ждём, пока кто-нибудь ответит.",
        "call_connecting": "Соединяем звонок…",
        "call_connected": "Идёт звонок",
        "call_reconnecting": "Связь нестабильна: восстанавливаем звонок…",
        "call_peer_away": "У оператора пропала связь: ждём, пока он вернётся…",
        "call_mute": "Выключить микрофон",
        "call_unmute": "Включить микрофон",
        "call_camera_off": "Выключить камеру",
        "call_camera_on": "Включить камеру",
        "call_share": "Показать мой экран",
        "call_stop_share": "Остановить показ",
        "call_hangup": "Завершить",
        "call_remote_muted": "Микрофон выключен",
        "call_remote_camera_off": "Камера выключена",
        "call_denied": "Браузер заблокировал камеру и микрофон. Разрешите их для этого сайта, чтобы мы вас видели и слышали; вы по-прежнему видите и слышите нас.",
        "call_no_camera": "Не удалось использовать камеру: звонок продолжается только со звуком.",
        "call_no_devices": "Не удалось использовать ни камеру, ни микрофон: вы по-прежнему видите и слышите нас.",
        "call_unsupported": "Этот браузер не поддерживает видеозвонки.",
        "call_share_failed": "Ваш экран не показывается.",
        "call_failed": "Не удалось соединить звонок.",
        "call_declined": "Звонок отклонён.",
        "call_unanswered": "Никто не смог ответить на звонок; пишите здесь, и мы ответим.",
        "call_ended": "Звонок завершён.",
        "call_busy": "Звонок уже идёт.",
        "call_unavailable": "Видеозвонки в этом чате недоступны.",
        "call_write_first": "Сначала напишите свой вопрос, затем попросите звонок.",
        "agent_typing": "{name} печатает…",
        "support_typing": "Поддержка печатает…",
    },
}

#: The widget's Spanish with *usted* (the desk's own register): the texts that address the
#: visitor. The catalogues hold the *tú* texts; a team picks one on its settings page.
USTED: dict[str, str] = {
    "title": "Escríbanos",
    "intro": "¡Hola! Díganos quién es para poder responderle aunque se vaya, o siga en anonimato.",
    "anonymous": "Ambos son opcionales: déjelos vacíos para seguir en anonimato.",
    "placeholder": "Escriba su mensaje…",
    "you": "Usted",
    "empty": "Pregúntenos lo que quiera: le responderá una persona.",
    "too_long": "Su mensaje es demasiado largo (máximo {max} caracteres).",
    "slow_down": "Vaya un poco más despacio: lo enviaremos en un momento.",
    "by_email": "Si se va, le responderemos en {email}.",
    "come_back": "Sin correo, vuelva a esta página para leer nuestra respuesta.",
    "call_invite": "{name} le invita a una videollamada.",
    "call_recording_hint": "Este equipo solo graba las llamadas si usted lo acepta: déjelo sin marcar para hablar sin grabación.",
    "call_denied": "Su navegador bloqueó la cámara y el micrófono. Permítalos en este sitio para que le veamos y oigamos; usted puede seguir viéndonos y oyéndonos.",
    "call_no_devices": "No se pudo usar ninguna cámara ni micrófono: puede seguir viéndonos y oyéndonos.",
    "call_share_failed": "Su pantalla no se está compartiendo.",
    "call_unanswered": "Nadie pudo atender la llamada; siga escribiendo aquí y le responderemos.",
    "call_write_first": "Escriba primero su pregunta y luego pida una llamada.",
}


def catalog(spanish: str = "usted") -> dict[str, dict[str, str]]:
    """The widget's strings per language, through gettext (with the fallbacks above); the
    Spanish in the team's register (``usted`` or ``tu``)."""
    result: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        with translation.override(language):
            texts = {}
            for key, msgid in STRINGS.items():
                text = _(msgid)
                if language != "en" and text == msgid:
                    text = FALLBACK[language][key]
                texts[key] = text
        if language == "es" and spanish == "usted":
            texts.update(USTED)
        result[language] = texts
    return result


def _render(spanish: str = "usted") -> str:
    source = WIDGET_FILE.read_text(encoding="utf-8")
    strings = json.dumps(catalog(spanish), ensure_ascii=False)
    # The call code the agent's page loads as a file lives inside the widget's closure here:
    # nothing of it reaches the embedding page's globals.
    call_core = CALL_FILE.read_text(encoding="utf-8")
    return (
        source.replace("/*STRINGS*/{}", strings, 1)
        .replace("/*MAX_CHARS*/2000", str(MAX_CHAT_MESSAGE_CHARS), 1)
        .replace("/*CALL_CORE*/", call_core, 1)
    )


_render_once = cache(_render)


def widget_script(spanish: str = "usted") -> str:
    """The script as served, one per Spanish register (rendered once per process; re-read on
    every request in DEBUG)."""
    spanish = spanish if spanish in {"usted", "tu"} else "usted"
    return _render(spanish) if settings.DEBUG else _render_once(spanish)
