"""What seeded customers and agents write (tests, the demo, the benchmarks), per language.

Plain data with no Django import, so that ``benchmarks/desk_bench.py`` can copy this file
beside django-helpdesk's seeder (its own virtual environment) and seed the same conversations.
"""

from __future__ import annotations

SUBJECTS = {
    "en": ["Charged twice for my order", "Where is my parcel?", "Cannot log in", "Refund please"],
    "es": [
        "Me cobraron dos veces",
        "¿Dónde está mi pedido?",
        "No puedo entrar",
        "Quiero un reembolso",
    ],
    "ru": ["Списали деньги дважды", "Где мой заказ?", "Не могу войти", "Верните деньги"],
}
#: The customer's first message ({n}: an order number).
BODIES = {
    "en": "Hello, I was charged twice for order {n}. Please refund the extra payment.",
    "es": "Hola, me cobraron dos veces el pedido {n}. Por favor devuélvanme el pago extra.",
    "ru": "Здравствуйте, с меня дважды списали оплату за заказ {n}. Верните лишний платёж.",
}
#: An agent's answers, taken in turn as the conversation goes on.
REPLIES = {
    "en": [
        "Sorry about the double charge on order {n}. I have refunded the extra payment; "
        "it should reach your card within 5 working days.",
        "Thanks for checking. The refund for order {n} left us yesterday; your bank may "
        "show it as pending until Friday.",
        "I have asked our payments team to confirm the refund for order {n} and will write "
        "as soon as they answer.",
    ],
    "es": [
        "Disculpe el cobro doble del pedido {n}. Ya le devolvimos el pago extra; "
        "lo verá en su tarjeta en un máximo de 5 días hábiles.",
        "Gracias por revisarlo. El reembolso del pedido {n} salió ayer; su banco puede "
        "mostrarlo como pendiente hasta el viernes.",
        "He pedido a nuestro equipo de pagos que confirme el reembolso del pedido {n} y le "
        "escribiré en cuanto respondan.",
    ],
    "ru": [
        "Извините за двойное списание по заказу {n}. Лишний платёж мы вернули, деньги "
        "поступят на карту в течение 5 рабочих дней.",
        "Спасибо, что проверили. Возврат по заказу {n} отправлен вчера; банк может "
        "показывать его как ожидающий до пятницы.",
        "Я попросил отдел платежей подтвердить возврат по заказу {n} и напишу, как только "
        "они ответят.",
    ],
}
#: The customer writing again after an answer, taken in turn.
FOLLOW_UPS = {
    "en": [
        "Thank you. I still see both payments for order {n} on my statement, is that normal?",
        "It is Friday and the money is not back yet. Can you check again?",
        "The refund arrived today, thanks for your help.",
    ],
    "es": [
        "Gracias. Todavía veo los dos pagos del pedido {n} en mi extracto, ¿es normal?",
        "Ya es viernes y el dinero no ha vuelto. ¿Pueden revisarlo otra vez?",
        "Hoy llegó el reembolso, gracias por la ayuda.",
    ],
    "ru": [
        "Спасибо. В выписке всё ещё оба платежа по заказу {n}, это нормально?",
        "Уже пятница, а деньги так и не вернулись. Проверьте, пожалуйста, ещё раз.",
        "Возврат сегодня пришёл, спасибо за помощь.",
    ],
}


def conversation_text(language: str, position: int, number: int) -> str:
    """The text of message ``position`` (0: the customer's first) of a seeded conversation:
    the customer opens, then agent replies and customer follow-ups alternate.

    ``language``: en, es or ru (anything else is written in English); ``number``: the order
    number the conversation is about.
    """
    texts = language if language in BODIES else "en"
    if position == 0:
        return BODIES[texts].format(n=number)
    turn = (position - 1) // 2
    pool = REPLIES[texts] if position % 2 == 1 else FOLLOW_UPS[texts]
    return pool[turn % len(pool)].format(n=number)
