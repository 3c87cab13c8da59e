"""Judgements that depend on the customer's state and the whole thread, en/es/ru.

Each case comes with its counterpart, so a test fails if the coach flags everything as well as
if it flags nothing.
"""

from __future__ import annotations

import pytest

from tactful.coach import (
    ConversationMessage,
    DeadEndEvidence,
    analyze_message,
    paraphrase,
    review_conversation,
    review_reply,
)
from tactful.coach.tests.cases import ANGRY_DOUBLE_CHARGE, CALM_QUESTION, GRATEFUL, LANGUAGES

# --- a calm how-to question answered in full ----------------------------------------------------

HOW_TO_ANSWER = {
    "en": "You can change it under My account > Orders: open the order, click 'Edit address', "
    "enter the new delivery address and save. The change applies at once if the order has "
    "not shipped.",
    "es": "Puede cambiar la dirección en Mi cuenta > Pedidos: abra el pedido, pulse «Editar "
    "dirección», escriba la nueva dirección de entrega y guarde. El cambio se aplica al momento "
    "si el pedido aún no ha salido.",
    "ru": "Адрес можно изменить в разделе «Мой аккаунт» → «Заказы»: откройте заказ, нажмите "
    "«Изменить адрес», введите новый адрес доставки и сохраните. Изменение вступает в силу "
    "сразу, если заказ ещё не отправлен.",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_complete_answer_to_a_calm_question_is_balanced(language: str) -> None:
    review = review_reply(HOW_TO_ANSWER[language], customer_message=CALM_QUESTION[language])
    assert review.balance == "balanced", review.balance_reason
    assert not review.kinds() & {"no_next_step", "unanswered_question", "empathy_missing"}
    # The same reply to an angry customer who was double-charged still falls short.
    angry = review_reply(HOW_TO_ANSWER[language], customer_message=ANGRY_DOUBLE_CHARGE[language])
    assert angry.balance == "too_little"
    assert "empathy_missing" in angry.kinds()


# --- over-sympathy and missing empathy ----------------------------------------------------------

UPSET = {
    "en": "My parcel was lost AGAIN, this is the second time this month and I'm furious. "
    "I needed it for my daughter's birthday!",
    "es": "¡Han vuelto a perder mi paquete! Es la segunda vez este mes y estoy furiosa. "
    "¡Lo necesitaba para el cumpleaños de mi hija!",
    "ru": "Мою посылку ОПЯТЬ потеряли, второй раз за месяц, я в бешенстве. "
    "Она была нужна на день рождения дочери!",
}
GUSHING = {
    "en": "Oh no, I'm so, so sorry, that must be incredibly stressful for you! "
    "I'll send a replacement by express courier today.",
    "es": "¡Ay, no! Lo siento muchísimo, de verdad, debe de ser increíblemente estresante. "
    "Hoy mismo le enviaré un paquete de reemplazo por mensajería urgente.",
    "ru": "Ох, мне так, так жаль, это, должно быть, невероятно тяжело! "
    "Сегодня же я отправлю Вам замену срочной доставкой.",
}
MEASURED = {
    "en": "I'm sorry we lost your parcel again; that's our mistake. I've sent a replacement by "
    "express courier, and you'll have it tomorrow before noon.",
    "es": "Siento que hayamos vuelto a perder su paquete; es un error nuestro. He enviado un "
    "reemplazo por mensajería urgente y lo recibirá mañana antes del mediodía.",
    "ru": "Мне жаль, что мы снова потеряли Вашу посылку, это наша ошибка. Я отправил замену "
    "срочной доставкой, Вы получите её завтра до полудня.",
}
CURT = {
    "en": "Order a new one.",
    "es": "Haga un pedido nuevo.",
    "ru": "Закажите новую.",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_gushing_sympathy_is_over_sympathy_even_with_a_next_step(language: str) -> None:
    review = review_reply(GUSHING[language], customer_message=UPSET[language])
    assert review.next_step.present
    assert "over_sympathy" in review.kinds()
    assert "empathy_without_action" not in review.kinds()  # the next step is action
    assert review.balance == "too_much"
    finding = next(f for f in review.findings if f.kind == "over_sympathy")
    assert finding.spans and all(0 <= s.start < s.end <= len(review.text) for s in finding.spans)
    measured = review_reply(MEASURED[language], customer_message=UPSET[language])
    assert "over_sympathy" not in measured.kinds()
    assert measured.balance == "balanced", measured.findings


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_curt_reply_to_an_upset_customer_misses_empathy(language: str) -> None:
    review = review_reply(CURT[language], customer_message=UPSET[language])
    assert "empathy_missing" in review.kinds()
    assert review.balance == "too_little"
    # To a calm customer the same brevity is not a lack of empathy.
    calm = review_reply(CURT[language], customer_message=CALM_QUESTION[language])
    assert "empathy_missing" not in calm.kinds()


# --- sarcasm ------------------------------------------------------------------------------------

SARCASTIC_THANKS = {
    "en": ["Thanks for nothing.", "Well, thanks a lot for nothing, guys."],
    "es": ["Gracias por nada.", "Pues muchas gracias por nada, de verdad."],
    "ru": ["Спасибо за ничего.", "Ну спасибо за ничего, ребята."],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_sarcastic_thanks_is_not_gratitude(language: str) -> None:
    for text in SARCASTIC_THANKS[language]:
        analysis = analyze_message(text, language=language)
        assert analysis.top_emotion in {"anger", "frustration"}, (text, analysis.emotions)
        assert analysis.emotions.gratitude < 0.1
    grateful = analyze_message(GRATEFUL[language])
    assert grateful.top_emotion == "gratitude"
    # A thread that ends in sarcastic thanks did not get better.
    thread = review_conversation(
        [
            ConversationMessage("customer", ANGRY_DOUBLE_CHARGE[language]),
            ConversationMessage("agent", CURT[language]),
            ConversationMessage("customer", SARCASTIC_THANKS[language][0]),
        ]
    )
    assert thread.trajectory != "better"


# --- tone mirroring -----------------------------------------------------------------------------

COLLEAGUE = {
    "en": "Good afternoon. Your colleague assured me that the refund would arrive on Monday; "
    "I would appreciate an update.",
    "es": "Buenos días, su compañero me dijo que el reembolso llegaría el lunes y sigo esperando.",
    "ru": "Добрый день. Ваш коллега обещал, что возврат придёт в понедельник, но я всё ещё жду.",
}
CASUAL_DRAFT = {
    "en": "hey! no worries, gonna chase ur refund today, it'll be there by thursday, cool?",
    "es": "Hola, te cuento: tu reembolso ya está en camino, te llegará el jueves.",
    "ru": "Привет! Не парься, твой возврат уже в пути, придёт тебе в четверг.",
}
FORMAL_DRAFT = {
    "en": "Good afternoon. I have checked your refund: it was issued today and will reach "
    "your card by Thursday.",
    "es": "Buenos días. He revisado su reembolso: se emitió hoy y le llegará a su tarjeta el jueves.",
    "ru": "Добрый день. Я проверил Ваш возврат: он оформлен сегодня и придёт на Вашу карту в четверг.",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_casual_draft_to_a_formal_customer_is_flagged(language: str) -> None:
    customer = analyze_message(COLLEAGUE[language], language=language)
    assert customer.formality == "formal"
    review = review_reply(CASUAL_DRAFT[language], customer_message=customer)
    assert "formality_mismatch" in review.kinds()
    matching = review_reply(FORMAL_DRAFT[language], customer_message=customer)
    assert "formality_mismatch" not in matching.kinds()


# --- owning the mistake -------------------------------------------------------------------------

DOUBLE_CHARGE = {
    "en": "You charged me twice for the same order!",
    "es": "¡Me han cobrado dos veces el mismo pedido!",
    "ru": "С меня дважды списали деньги за один заказ!",
}
SYMPATHY_AND_REFUND = {
    "en": "I'm so sorry to hear that, that must be frustrating. I've refunded the second "
    "charge; you'll see it within 3-5 days.",
    "es": "Siento mucho lo ocurrido, debe de ser frustrante. He reembolsado el segundo cargo; "
    "lo verá en 3-5 días.",
    "ru": "Мне очень жаль, это, должно быть, неприятно. Я оформил возврат второго списания, "
    "деньги придут через 3–5 дней.",
}
OWNED = {
    "en": "You're right, we charged you twice and that was our mistake. I've refunded the "
    "second charge; you'll see it within 3-5 days.",
    "es": "Tiene razón, le cobramos dos veces y fue un error nuestro. He reembolsado el segundo "
    "cargo; lo verá en 3-5 días.",
    "ru": "Вы правы, мы списали деньги дважды, это наша ошибка. Я оформил возврат второго "
    "списания, деньги придут через 3–5 дней.",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_sympathy_and_a_refund_are_not_an_admission(language: str) -> None:
    review = review_reply(SYMPATHY_AND_REFUND[language], customer_message=DOUBLE_CHARGE[language])
    assert "fault_not_admitted" in review.kinds()
    assert review.awareness.score <= 3
    owned = review_reply(OWNED[language], customer_message=DOUBLE_CHARGE[language])
    assert "fault_not_admitted" not in owned.kinds()


# --- assumptions are about the customer -----------------------------------------------------------

ASSUMES = {
    "en": "You probably missed our call because your number on file is wrong.",
    "es": "Seguramente no vio nuestra llamada porque su número en el sistema está mal.",
    "ru": "Вы, наверное, пропустили наш звонок, потому что у Вас в системе указан неверный номер.",
}
POLICY = {
    "en": "Delivery times are not guaranteed.",
    "es": "Los plazos de entrega no están garantizados.",
    "ru": "Сроки доставки не гарантируются.",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_assumption_is_about_the_customer(language: str) -> None:
    review = review_reply(ASSUMES[language], language=language)
    finding = next(f for f in review.findings if f.kind == "assumption")
    assert finding.spans
    with_customer = review_reply(ASSUMES[language], customer_message=UPSET[language])
    assert "assumption" in with_customer.kinds()
    assert "assumption" not in review_reply(POLICY[language], language=language).kinds()


# --- paraphrase agreement -------------------------------------------------------------------------

SURPRISE = {
    "en": (
        "My gift arrived broken, and it was supposed to be a surprise for my mum.",
        "your gift arrived broken, and it was supposed to be a surprise for your mum",
    ),
    "es": (
        "Mi regalo llegó roto y tenía que ser una sorpresa para mi madre.",
        "su regalo llegó roto y tenía que ser una sorpresa para su madre",
    ),
    "ru": (
        "Мой подарок пришёл разбитым, а это должен был быть сюрприз для мамы.",
        "Ваш подарок пришёл разбитым, а это должен был быть сюрприз для мамы",
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_paraphrase_keeps_the_subject_of_each_clause(language: str) -> None:
    original, expected = SURPRISE[language]
    assert expected in paraphrase(original, language=language)


@pytest.mark.parametrize(
    ("customer", "expected"),
    [
        (
            "Я заказала платье, а мне прислали не тот размер.",
            "Вы заказали платье, а Вам прислали не тот размер",
        ),
        (
            "Я уже три раза писала, но потом позвонила.",
            "Вы уже три раза писали, но потом позвонили",
        ),
        (
            "Курьер должен был приехать вчера, я ждала весь день.",
            "курьер должен был приехать вчера, Вы ждали весь день",
        ),
        (
            "Мне обещали, что курьер должен был приехать.",
            "Вам обещали, что курьер должен был приехать",
        ),
    ],
)
def test_russian_paraphrase_agrees_in_gender_and_number(customer: str, expected: str) -> None:
    text = paraphrase(customer, language="ru")
    assert expected in text, text
    assert "должны был" not in text


# --- dead ends from the whole thread ----------------------------------------------------------------

CIRCLES: dict[str, list[list[tuple[str, str]]]] = {
    "en": [
        [
            ("customer", "I want a refund for the concert tickets, I can't go anymore."),
            ("agent", "Unfortunately, tickets are non-refundable as per our terms."),
            ("customer", "I understand, but I still want a refund for the concert tickets."),
            ("agent", "I'm afraid we cannot refund tickets; they are non-refundable."),
            ("customer", "So you won't refund the concert tickets? I want my refund!"),
        ],
        [
            ("customer", "My internet has been down since Monday. When will it be fixed?"),
            ("agent", "We are looking into it."),
            ("customer", "It's still down since Monday! When will my internet be fixed?"),
            ("agent", "Our engineers are working on it."),
            ("customer", "STILL DOWN since Monday!!! When will you fix my internet?! Ridiculous!"),
        ],
        [
            ("customer", "The app crashes every time I open my account page."),
            ("agent", "Please reinstall the app and try again."),
            ("customer", "I reinstalled it twice and the app still crashes on the account page."),
            ("agent", "Please reinstall the app and try again."),
            (
                "customer",
                "I told you, reinstalling does nothing! The app still crashes on my account page!",
            ),
        ],
    ],
    "es": [
        [
            ("customer", "Quiero el reembolso de las entradas del concierto, ya no puedo ir."),
            (
                "agent",
                "Lamentablemente, las entradas no son reembolsables según nuestras condiciones.",
            ),
            (
                "customer",
                "Lo entiendo, pero sigo queriendo el reembolso de las entradas del concierto.",
            ),
            ("agent", "Me temo que no podemos reembolsar las entradas; no son reembolsables."),
            (
                "customer",
                "¿Entonces no me reembolsan las entradas del concierto? ¡Quiero mi reembolso!",
            ),
        ],
        [
            ("customer", "Mi internet no funciona desde el lunes. ¿Cuándo lo van a arreglar?"),
            ("agent", "Lo estamos revisando."),
            (
                "customer",
                "¡Sigue sin funcionar desde el lunes! ¿Cuándo van a arreglar mi internet?",
            ),
            ("agent", "Nuestros técnicos están trabajando en ello."),
            (
                "customer",
                "¡¡¡SIGUE SIN FUNCIONAR desde el lunes!!! ¿Cuándo arreglan mi internet? ¡Es ridículo!",
            ),
        ],
        [
            ("customer", "La aplicación se cierra cada vez que abro la página de mi cuenta."),
            ("agent", "Por favor, reinstale la aplicación y vuelva a intentarlo."),
            (
                "customer",
                "La reinstalé dos veces y la aplicación se sigue cerrando en la página de la cuenta.",
            ),
            ("agent", "Por favor, reinstale la aplicación y vuelva a intentarlo."),
            (
                "customer",
                "¡Ya les dije que reinstalar no sirve! ¡La aplicación se sigue cerrando en la página de mi cuenta!",
            ),
        ],
    ],
    "ru": [
        [
            ("customer", "Хочу вернуть деньги за билеты на концерт, я не смогу пойти."),
            ("agent", "К сожалению, билеты не подлежат возврату согласно нашим правилам."),
            ("customer", "Я понимаю, но всё равно хочу вернуть деньги за билеты на концерт."),
            ("agent", "К сожалению, мы не можем вернуть деньги: билеты не подлежат возврату."),
            (
                "customer",
                "То есть деньги за билеты на концерт вы не вернёте? Я хочу вернуть деньги!",
            ),
        ],
        [
            ("customer", "У меня не работает интернет с понедельника. Когда его починят?"),
            ("agent", "Мы разбираемся."),
            ("customer", "Интернет не работает с понедельника! Когда почините мой интернет?"),
            ("agent", "Наши инженеры работают над этим."),
            (
                "customer",
                "ДО СИХ ПОР не работает интернет с понедельника!!! Когда почините? Это издевательство!",
            ),
        ],
        [
            ("customer", "Приложение вылетает каждый раз, когда я открываю страницу аккаунта."),
            ("agent", "Пожалуйста, переустановите приложение и попробуйте снова."),
            (
                "customer",
                "Я дважды переустановил приложение, оно всё равно вылетает на странице аккаунта.",
            ),
            ("agent", "Пожалуйста, переустановите приложение и попробуйте снова."),
            (
                "customer",
                "Я же написал, переустановка не помогает! Приложение вылетает на странице аккаунта!",
            ),
        ],
    ],
}
PROGRESS = {
    "en": [
        ("customer", "My order 58213 arrived damaged, the lamp is cracked."),
        ("agent", "I'm sorry about that. Could you send a photo of the lamp?"),
        ("customer", "Sure, photo attached. The box was crushed on one side too."),
        ("agent", "Thank you. I've sent a new lamp; it arrives on Friday."),
        ("customer", "Great, thank you so much for the quick help!"),
    ],
    "es": [
        ("customer", "Mi pedido 58213 llegó dañado, la lámpara está rota."),
        ("agent", "Lo siento. ¿Podría enviarme una foto de la lámpara?"),
        ("customer", "Claro, adjunto la foto. La caja también venía aplastada por un lado."),
        ("agent", "Gracias. Le he enviado una lámpara nueva; llegará el viernes."),
        ("customer", "¡Genial, muchísimas gracias por la ayuda tan rápida!"),
    ],
    "ru": [
        ("customer", "Мой заказ 58213 пришёл повреждённым, лампа треснула."),
        ("agent", "Мне жаль. Не могли бы Вы прислать фото лампы?"),
        ("customer", "Конечно, фото во вложении. Коробка тоже была смята с одной стороны."),
        ("agent", "Спасибо. Я отправил Вам новую лампу, она придёт в пятницу."),
        ("customer", "Отлично, огромное спасибо за быструю помощь!"),
    ],
}


def _thread(rows: list[tuple[str, str]]) -> list[ConversationMessage]:
    return [ConversationMessage(author, text) for author, text in rows]  # type: ignore[arg-type]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("which", [0, 1, 2])
def test_threads_that_go_round_in_circles_are_dead_ends_with_evidence(
    language: str, which: int
) -> None:
    rows = CIRCLES[language][which]
    review = review_conversation(_thread(rows))
    assert review.dead_end, review.evidence
    assert review.trajectory == "dead_end"
    assert review.recommended_move in {"escalate", "close_respectfully"}
    assert len(review.evidence) >= 2 and len(review.dead_end_reasons) >= len(review.evidence)
    for item in review.evidence:
        assert isinstance(item, DeadEndEvidence) and item.message
        assert item.turns and all(0 <= t < len(rows) for t in item.turns)
        authors = {rows[t][0] for t in item.turns}
        if item.reason == "repeated_refusal":
            assert authors == {"agent"}
        else:
            assert authors == {"customer"}
        # The last customer turn is where the thread stands now: it is part of the evidence.
        if item.reason in {"repeated_demand", "no_new_information", "rising_anger"}:
            assert len(rows) - 1 in item.turns


def test_each_kind_of_circle_is_named() -> None:
    reasons = {
        which: {e.reason for e in review_conversation(_thread(CIRCLES["en"][which])).evidence}
        for which in range(3)
    }
    assert "repeated_refusal" in reasons[0] and "repeated_demand" in reasons[0]
    assert "rising_anger" in reasons[1]
    assert "repeated_refusal" in reasons[2]  # the agent pasted the same reply twice


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_thread_that_moves_forward_is_no_dead_end(language: str) -> None:
    review = review_conversation(_thread(PROGRESS[language]))
    assert not review.dead_end, review.evidence
    assert review.trajectory == "better"
    assert review.recommended_move == "continue"
