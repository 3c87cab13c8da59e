"""Hand-written cases in each language, shared by the coach's tests."""

from __future__ import annotations

LANGUAGES = ("en", "es", "ru")

ANGRY_DOUBLE_CHARGE = {
    "en": "You charged me twice for my subscription and nobody answers my emails! This is the third time I write. When will I get my money back?",
    "es": "¡Me han cobrado dos veces la suscripción y nadie contesta mis correos! Es la tercera vez que escribo. ¿Cuándo me devuelven el dinero?",
    "ru": "С меня дважды списали деньги за подписку, и никто не отвечает на письма! Пишу уже третий раз. Когда мне вернут деньги?",
}
ABUSIVE = {
    "en": "You useless idiots, can't you read? Fix my account now, morons.",
    "es": "Sois unos inútiles de mierda, ¿no sabéis leer? Arreglad mi cuenta ya, idiotas.",
    "ru": "Вы бестолковые идиоты, читать не умеете? Почините мой аккаунт, уроды.",
}
THREAT = {
    "en": "I know where your office is. If my money is not back by Friday, someone will get hurt.",
    "es": "Sé dónde está vuestra oficina. Si el viernes no tengo mi dinero, alguien va a salir herido.",
    "ru": "Я знаю, где ваш офис. Если к пятнице деньги не вернут, кто-то пострадает.",
}
CALM_QUESTION = {
    "en": "Hello, could you tell me how to change the delivery address on my order?",
    "es": "Hola, ¿podrían decirme cómo cambiar la dirección de entrega de mi pedido?",
    "ru": "Здравствуйте, подскажите, пожалуйста, как изменить адрес доставки заказа?",
}
GRATEFUL = {
    "en": "Thank you so much, the refund arrived today. You were amazing!",
    "es": "¡Muchísimas gracias, el reembolso llegó hoy! Han sido geniales.",
    "ru": "Огромное спасибо, возврат пришёл сегодня! Вы очень помогли.",
}
FORMAL = {
    "en": "Dear Sir or Madam, I am writing regarding my invoice. I would appreciate it if you could kindly send me a corrected copy. Kind regards, Margaret Hill",
    "es": "Estimados señores: les escribo en relación con mi factura. Le agradecería que me enviara usted una copia corregida. Atentamente, Carmen Ruiz",
    "ru": "Здравствуйте! Прошу Вас прислать исправленный счёт. Будьте добры, сообщите, когда это возможно. С уважением, Анна Петрова",
}
INFORMAL = {
    "en": "hey guys, my app keeps crashing lol, can u fix it pls? thx",
    "es": "oye, la app se me cierra todo el rato jaja, ¿me lo puedes arreglar porfa? gracias!",
    "ru": "привет, слушай, приложение опять вылетает, можешь глянуть плз? спс",
}
OVER_APOLOGY = {
    "en": "I'm so sorry. I truly apologise for this. Sorry again for the trouble, and my deepest apologies once more.",
    "es": "Lo siento muchísimo. Le pido mil disculpas por esto. Perdone de nuevo las molestias, y otra vez lo sentimos mucho.",
    "ru": "Мне очень жаль. Приношу глубочайшие извинения. Ещё раз простите за неудобства, и снова извините нас.",
}
EMPATHY_ONLY = {
    "en": "I completely understand how frustrating this must be, and I'm so sorry you're going through this. That sounds really stressful.",
    "es": "Entiendo perfectamente lo frustrante que debe ser esto y siento mucho que esté pasando por ello. Debe de ser muy estresante.",
    "ru": "Я прекрасно понимаю, как это неприятно, и мне очень жаль, что Вам пришлось с этим столкнуться. Представляю, как это выматывает.",
}
BALANCED = {
    "en": "You're right, we charged you twice and that was our mistake. I've refunded the second charge; you'll see it on your card within 3–5 business days. I'll check on Friday that it has arrived.",
    "es": "Tiene razón, le cobramos dos veces y fue un error nuestro. He reembolsado el segundo cargo; lo verá en su tarjeta en un plazo de 3 a 5 días hábiles. El viernes comprobaré que le ha llegado.",
    "ru": "Вы правы, мы списали оплату дважды, это наша ошибка. Я оформил возврат второго списания, деньги вернутся на карту в течение 3–5 рабочих дней. В пятницу я проверю, что они пришли.",
}
ASSUMPTION = {
    "en": "You've probably already restarted the router, so obviously you must have entered the wrong password.",
    "es": "Seguramente ya habrá reiniciado el router, así que obviamente habrá introducido mal la contraseña.",
    "ru": "Вы, наверное, уже перезагружали роутер, так что, очевидно, Вы ввели неверный пароль.",
}
DEFLECTION = {
    "en": "Our system shows the payment was processed correctly. Please contact your bank about it, as stated in our terms and conditions.",
    "es": "Nuestro sistema indica que el pago se procesó correctamente. Por favor, contacte con su banco, como indican nuestros términos y condiciones.",
    "ru": "По нашим данным, платёж прошёл корректно. Обратитесь, пожалуйста, в свой банк, как указано в условиях обслуживания.",
}
INFORMAL_REPLY = {
    "en": "hey! no worries, gonna sort it out for ya, cool?",
    "es": "¡Hola! Tranqui, te lo arreglo yo, ¿vale? Te escribo mañana.",
    "ru": "Привет! Не парься, щас всё поправлю, напишу тебе завтра.",
}
UNSUPPORTED = {
    "fr": "Bonjour, vous m'avez facturé deux fois et personne ne répond à mes courriels.",
    "de": "Hallo, Sie haben mir zweimal etwas berechnet und niemand antwortet auf meine E-Mails.",
}
