"""Demo conversations: 23 situations a support team meets, each in English, Spanish and Russian.

Each scenario: the channel, the team, tags, the subject and the customer's message in each
language, and the status it ends in. Optional parts of the conversation, in the order the seed
plays them (``tactful.desk.demo``):

- ``quoted``: e-mail only; the history under the customer's mail (``from``: ``shop``, ``team``
  or ``customer``), which the mail app strips from the stored text and keeps in the original;
- ``owner``: per language, the agent the lead gives the ticket to (when round-robin chose
  someone else);
- ``left_chat``: the visitor left the chat unanswered; it continues by e-mail;
- ``reply`` (the agent's own words) or ``canned_reply`` (``parts``: starter-library keys and
  the agent's own sentences per language), sent with the coach's review;
- ``followup``: the customer's next message, through the same door (an e-mail reply quoting
  ours, the same chat, the same API thread);
- ``handover``: the agent hands the conversation to a lead with a ``note``, as the follow-up
  comes in;
- ``second_reply``: a later reply by the ``owner`` or the ``lead``, from ``parts``, in the
  listed ``languages`` (all by default).

The replies are written to show the coach's gauge: most are balanced, ``wrong_item`` and
``broken_product`` apologise too much without a next step, ``sad_gift`` offers no empathy.
"""

from __future__ import annotations

from typing import Any

Text = dict[str, str]

SCENARIOS: list[dict[str, Any]] = [
    {
        "key": "double_charge",
        "channel": "email",
        "team": "Billing",
        "tags": ["billing", "refund"],
        "priority": 3,
        "subject": {
            "en": "Charged twice for order #48213",
            "es": "Me cobraron dos veces el pedido #48213",
            "ru": "Дважды списали деньги за заказ №48213",
        },
        "body": {
            "en": "I was charged TWICE for the same order. $89.90 left my account two times this morning. This is unacceptable, I want the duplicate refunded today.",
            "es": "Me han cobrado DOS VECES el mismo pedido. Se me descontaron 89,90 € dos veces esta mañana. Es inaceptable, quiero que me devuelvan el cargo duplicado hoy mismo.",
            "ru": "С меня ДВАЖДЫ списали оплату за один и тот же заказ. Сегодня утром 8 990 ₽ ушли со счёта два раза. Это недопустимо, верните лишний платёж сегодня же.",
        },
        "reply": {
            "en": "You're right, that second charge is our mistake, and I'm sorry for the worry it caused. I've refunded $89.90 just now; your bank will show it within 3–5 working days. I'll check on Friday that it has arrived.",
            "es": "Tiene toda la razón, el segundo cargo es un error nuestro y lamento la preocupación. Acabo de devolverle 89,90 €; su banco lo mostrará en 3–5 días hábiles. El viernes comprobaré que le ha llegado.",
            "ru": "Вы правы, второе списание — наша ошибка, простите за беспокойство. Я только что оформил возврат 8 990 ₽, банк зачислит его за 3–5 рабочих дней. В пятницу я проверю, что деньги пришли.",
        },
        "quoted": {
            "from": "shop",
            "text": {
                "en": "Thank you for your order #48213.\nTotal charged to your card: $89.90\nEstimated delivery: 3 working days.",
                "es": "Gracias por su pedido n.º 48213.\nImporte cargado en su tarjeta: 89,90 €\nEntrega estimada: 3 días hábiles.",
                "ru": "Спасибо за заказ №48213.\nСписано с карты: 8 990 ₽\nОриентировочная доставка: 3 рабочих дня.",
            },
        },
        "status": "pending",
    },
    {
        "key": "abusive",
        "channel": "chat",
        "team": "Technical",
        "tags": ["app"],
        "subject": {
            "en": "Your app is garbage",
            "es": "Vuestra app es una basura",
            "ru": "Ваше приложение — мусор",
        },
        "body": {
            "en": "Are you idiots? Your stupid app crashed AGAIN and deleted my notes. You people are completely useless, get someone competent on the phone.",
            "es": "¿Sois idiotas o qué? Vuestra app de mierda se ha vuelto a cerrar y me ha borrado las notas. Sois unos inútiles, pásenme con alguien competente.",
            "ru": "Вы там идиоты? Ваше дурацкое приложение ОПЯТЬ упало и стёрло мои заметки. Вы абсолютно бесполезные люди, дайте мне кого-нибудь толкового.",
        },
        "status": "open",
    },
    {
        "key": "threat",
        "channel": "social",
        "team": "Billing",
        "tags": ["escalation"],
        "priority": 4,
        "subject": {
            "en": "Final warning before I come to your office",
            "es": "Último aviso antes de presentarme en su oficina",
            "ru": "Последнее предупреждение, потом я приду к вам в офис",
        },
        "body": {
            "en": "If my money is not back by tomorrow I will come to your office and you will regret it. I know where your support people sit.",
            "es": "Si mañana no tengo mi dinero de vuelta iré a su oficina y se van a arrepentir. Sé dónde se sienta su gente de soporte.",
            "ru": "Если завтра деньги не вернутся, я приду к вам в офис, и вы пожалеете. Я знаю, где сидят ваши сотрудники поддержки.",
        },
        "status": "open",
    },
    {
        "key": "confused_setup",
        "channel": "web",
        "team": "Technical",
        "tags": ["setup"],
        "subject": {
            "en": "How do I connect the printer?",
            "es": "¿Cómo conecto la impresora?",
            "ru": "Как подключить принтер?",
        },
        "body": {
            "en": "I'm not sure what I'm doing wrong. The guide says to press the WPS button, but I can't find one. Do I need a cable? Which app should I install?",
            "es": "No sé qué estoy haciendo mal. La guía dice que pulse el botón WPS, pero no lo encuentro. ¿Necesito un cable? ¿Qué aplicación tengo que instalar?",
            "ru": "Не понимаю, что я делаю не так. В инструкции сказано нажать кнопку WPS, но я её не нахожу. Нужен ли кабель? Какое приложение ставить?",
        },
        "reply": {
            "en": "Let's do it together. Your model has no WPS button, so: 1. Install the Tactful Print app. 2. Open it and tap “Add printer”. 3. Hold the power button for 5 seconds until the light blinks blue. No cable needed. Did the printer appear in the app?",
            "es": "Vamos a hacerlo juntos. Su modelo no tiene botón WPS, así que: 1. Instale la app Tactful Print. 2. Ábrala y pulse «Añadir impresora». 3. Mantenga el botón de encendido 5 segundos hasta que la luz parpadee en azul. No hace falta cable. ¿Le aparece la impresora en la app?",
            "ru": "Давайте сделаем это вместе. У вашей модели нет кнопки WPS, поэтому: 1. Установите приложение Tactful Print. 2. Откройте его и нажмите «Добавить принтер». 3. Удерживайте кнопку питания 5 секунд, пока индикатор не замигает синим. Кабель не нужен. Принтер появился в приложении?",
        },
        "followup": {
            "en": "Yes! It shows up now. Thank you, that was much easier than the manual.",
            "es": "¡Sí! Ya aparece. Gracias, ha sido mucho más fácil que el manual.",
            "ru": "Да! Теперь он виден. Спасибо, это было гораздо проще, чем в инструкции.",
        },
        "status": "solved",
    },
    {
        "key": "grateful",
        "channel": "email",
        "team": "Shipping",
        "tags": ["feedback"],
        "subject": {
            "en": "Thank you, Maria!",
            "es": "¡Gracias, María!",
            "ru": "Спасибо, Мария!",
        },
        "body": {
            "en": "I just wanted to say thank you. Maria found my lost parcel and had it delivered before my daughter's birthday. You made our weekend!",
            "es": "Solo quería darles las gracias. María encontró mi paquete perdido y lo entregaron antes del cumpleaños de mi hija. ¡Nos han alegrado el fin de semana!",
            "ru": "Просто хотела сказать спасибо. Мария нашла мою потерянную посылку, и её доставили до дня рождения дочки. Вы сделали наши выходные!",
        },
        "status": "solved",
    },
    {
        "key": "worried_data",
        "channel": "email",
        "team": "Technical",
        "tags": ["security"],
        "priority": 3,
        "subject": {
            "en": "Did someone access my account?",
            "es": "¿Alguien ha entrado en mi cuenta?",
            "ru": "Кто-то заходил в мой аккаунт?",
        },
        "body": {
            "en": "I got an email saying my password was changed, but I didn't change it. I'm really worried — my card details are saved there. What should I do?",
            "es": "Me llegó un correo diciendo que mi contraseña se cambió, pero yo no la cambié. Estoy muy preocupada, tengo la tarjeta guardada ahí. ¿Qué hago?",
            "ru": "Мне пришло письмо, что пароль изменён, но я его не меняла. Я очень волнуюсь — там сохранена моя карта. Что мне делать?",
        },
        "status": "new",
    },
    {
        "key": "sad_gift",
        "channel": "chat",
        "team": "Shipping",
        "tags": ["shipping", "late"],
        "subject": {
            "en": "The gift didn't arrive in time",
            "es": "El regalo no llegó a tiempo",
            "ru": "Подарок не пришёл вовремя",
        },
        "body": {
            "en": "The present for my grandmother's 90th birthday never arrived. The party was yesterday. I'm honestly heartbroken, it was meant to be a surprise.",
            "es": "El regalo para el 90 cumpleaños de mi abuela nunca llegó. La fiesta fue ayer. Estoy muy triste, era una sorpresa.",
            "ru": "Подарок на 90-летие бабушки так и не пришёл. Праздник был вчера. Мне очень грустно, это должен был быть сюрприз.",
        },
        "left_chat": True,
        "reply": {
            "en": "Delivery dates are estimates and are not guaranteed. You can request a refund from the Orders page on our website.",
            "es": "Las fechas de entrega son estimadas y no están garantizadas. Puede solicitar un reembolso desde la página Pedidos de nuestra web.",
            "ru": "Сроки доставки ориентировочные и не гарантируются. Вы можете оформить возврат на странице «Заказы» на нашем сайте.",
        },
        "status": "open",
    },
    {
        "key": "login_loop",
        "channel": "web",
        "team": "Technical",
        "tags": ["login"],
        "subject": {
            "en": "Stuck in a login loop",
            "es": "Atascado en un bucle al iniciar sesión",
            "ru": "Бесконечный вход в аккаунт",
        },
        "body": {
            "en": "Every time I log in it sends me back to the login page. I've cleared cookies, tried another browser, reset my password twice. This has wasted my whole afternoon.",
            "es": "Cada vez que inicio sesión me devuelve a la página de inicio. He borrado las cookies, probado otro navegador y cambiado la contraseña dos veces. He perdido toda la tarde.",
            "ru": "Каждый раз после входа меня выкидывает обратно на страницу входа. Я чистил куки, пробовал другой браузер, дважды менял пароль. Потерял на это весь день.",
        },
        "status": "open",
    },
    {
        "key": "refund_neutral",
        "channel": "email",
        "team": "Billing",
        "tags": ["refund"],
        "priority": 1,
        "subject": {
            "en": "Refund for returned jacket",
            "es": "Reembolso de la chaqueta devuelta",
            "ru": "Возврат денег за куртку",
        },
        "body": {
            "en": "Hello, I returned the blue jacket (order 51877) last week. Could you tell me when the refund will be processed? Thanks.",
            "es": "Hola, la semana pasada devolví la chaqueta azul (pedido 51877). ¿Podrían decirme cuándo se procesará el reembolso? Gracias.",
            "ru": "Здравствуйте, на прошлой неделе я вернул синюю куртку (заказ 51877). Подскажите, когда будет возврат денег? Спасибо.",
        },
        "canned_reply": {
            "parts": [
                "ack-waiting",
                {
                    "en": "Your jacket reached our warehouse on Monday and passed the return check.",
                    "es": "Su chaqueta llegó a nuestro almacén el lunes y ha pasado la revisión de devoluciones.",
                    "ru": "Ваша куртка поступила на наш склад в понедельник и прошла проверку возврата.",
                },
                "next-step-checking",
            ],
        },
        "status": "pending",
    },
    {
        "key": "late_parcel",
        "channel": "email",
        "team": "Shipping",
        "tags": ["shipping", "late"],
        "subject": {
            "en": "Parcel stuck for 10 days",
            "es": "Paquete parado desde hace 10 días",
            "ru": "Посылка стоит на месте 10 дней",
        },
        "body": {
            "en": "The tracking has said “in transit” for 10 days now. You promised delivery in 3 days. When will it actually arrive?",
            "es": "El seguimiento lleva 10 días diciendo «en tránsito». Prometieron la entrega en 3 días. ¿Cuándo llegará de verdad?",
            "ru": "Уже 10 дней в отслеживании написано «в пути». Вы обещали доставку за 3 дня. Когда она на самом деле придёт?",
        },
        "quoted": {
            "from": "shop",
            "text": {
                "en": "Good news: your parcel is on its way!\nEstimated delivery: in 3 days.\nTrack it at track.tactful.example/TS4471",
                "es": "¡Buenas noticias: su paquete está en camino!\nEntrega estimada: en 3 días.\nSígalo en track.tactful.example/TS4471",
                "ru": "Отличные новости: ваша посылка в пути!\nОриентировочная доставка: через 3 дня.\nОтслеживание: track.tactful.example/TS4471",
            },
        },
        "reply": {
            "en": "I'm sorry, we promised three days and it has been ten. The parcel is held at the Lyon depot; I've asked them to send it today by express, at our cost. You'll get the new tracking number by email this afternoon.",
            "es": "Lo siento, prometimos tres días y ya van diez. El paquete está retenido en el almacén de Lyon; he pedido que lo envíen hoy por urgente, a nuestro cargo. Esta tarde recibirá el nuevo número de seguimiento por correo.",
            "ru": "Простите, мы обещали три дня, а прошло десять. Посылка задержана на складе в Лионе; я попросил отправить её сегодня экспрессом за наш счёт. Новый трек-номер придёт вам на почту сегодня днём.",
        },
        "followup": {
            "en": "Got the new tracking number, thank you. It says the parcel will be here tomorrow.",
            "es": "Ya tengo el nuevo número de seguimiento, gracias. Dice que el paquete llega mañana.",
            "ru": "Новый трек-номер пришёл, спасибо. Пишут, что посылку доставят завтра.",
        },
        "second_reply": {"by": "owner", "parts": ["closing-solved"]},
        "status": "solved",
    },
    {
        "key": "wrong_item",
        "channel": "chat",
        "team": "Shipping",
        "tags": ["shipping", "wrong-item"],
        "subject": {
            "en": "Wrong size delivered",
            "es": "Me enviaron la talla equivocada",
            "ru": "Прислали не тот размер",
        },
        "body": {
            "en": "I ordered the shoes in 42 and got 38. Now I have to go to the post office again? Seriously?",
            "es": "Pedí las zapatillas en la 42 y me llegó la 38. ¿Ahora tengo que volver a Correos? ¿En serio?",
            "ru": "Я заказывал ботинки 42 размера, а пришли 38. Мне теперь снова идти на почту? Серьёзно?",
        },
        "owner": {"en": "agent", "es": "agent", "ru": "boris"},
        "reply": {
            "en": "I'm so sorry about this! I'm really sorry for the inconvenience, we sincerely apologise. Sorry again, I completely understand how frustrating this must be.",
            "es": "¡Lo siento muchísimo! De verdad lamento las molestias, le pedimos disculpas. Perdón otra vez, entiendo perfectamente lo frustrante que es.",
            "ru": "Мне очень жаль! Простите, пожалуйста, за неудобства, мы приносим свои извинения. Ещё раз извините, я прекрасно понимаю, как это неприятно.",
        },
        "followup": {
            "en": "Stop apologising and fix it. Are you all idiots? I want my shoes in 42, not another useless sorry.",
            "es": "Deje de pedir perdón y arréglelo. ¿Sois idiotas o qué? Quiero mis zapatillas en la 42, no otra disculpa inútil.",
            "ru": "Хватит извиняться, исправьте уже. Вы там идиоты? Мне нужны ботинки 42 размера, а не очередные бесполезные извинения.",
        },
        "handover": {
            "note": {
                "en": "The customer started insulting us after my reply. Needs someone who can book a courier pickup for the exchange.",
                "es": "The customer turned abusive after my apology. Can you take it and arrange the exchange?",
                "ru": "Клиент перешёл на оскорбления после моего ответа. Нужен тот, кто может оформить обмен с курьером.",
            },
        },
        "second_reply": {
            "by": "lead",
            "languages": ["en"],
            "parts": [
                "boundary-abusive-language",
                {
                    "en": "You're right that the wrong size is our mistake. I have booked a courier to collect the size 38 pair tomorrow between 9 and 12, and your size 42 pair leaves our warehouse today.",
                },
            ],
        },
        "status": "open",
    },
    {
        "key": "cancel_subscription",
        "channel": "web",
        "team": "Billing",
        "tags": ["subscription"],
        "subject": {
            "en": "Cancel my subscription",
            "es": "Cancelar mi suscripción",
            "ru": "Отменить подписку",
        },
        "body": {
            "en": "Please cancel my subscription at the end of this month. I don't need it any more.",
            "es": "Por favor, cancelen mi suscripción a final de mes. Ya no la necesito.",
            "ru": "Пожалуйста, отмените мою подписку в конце месяца. Она мне больше не нужна.",
        },
        "status": "new",
    },
    {
        "key": "feature_question",
        "channel": "forum",
        "team": "Technical",
        "tags": ["question"],
        "priority": 1,
        "subject": {
            "en": "Can I export my data to CSV?",
            "es": "¿Puedo exportar mis datos a CSV?",
            "ru": "Можно ли выгрузить данные в CSV?",
        },
        "body": {
            "en": "Is there a way to export all my invoices to CSV? I need them for my accountant before the end of the quarter.",
            "es": "¿Hay alguna forma de exportar todas mis facturas a CSV? Las necesito para mi gestor antes de que acabe el trimestre.",
            "ru": "Есть ли способ выгрузить все счета в CSV? Они нужны моему бухгалтеру до конца квартала.",
        },
        "status": "new",
    },
    {
        "key": "account_locked",
        "channel": "phone",
        "team": "Technical",
        "tags": ["login", "phone"],
        "priority": 3,
        "subject": {
            "en": "Phone call: account locked before a deadline",
            "es": "Llamada: cuenta bloqueada antes de una entrega",
            "ru": "Звонок: аккаунт заблокирован перед дедлайном",
        },
        "body": {
            "en": "Call notes: customer locked out after three wrong passwords, needs access urgently for a client presentation at 3 pm. Very stressed, repeated that she could lose the client.",
            "es": "Notas de la llamada: la clienta quedó bloqueada tras tres contraseñas erróneas y necesita acceso urgente para una presentación a las 15:00. Muy estresada, repitió que podría perder al cliente.",
            "ru": "Заметки по звонку: клиентку заблокировало после трёх неверных паролей, доступ срочно нужен для презентации в 15:00. Очень нервничает, повторяла, что может потерять клиента.",
        },
        "status": "open",
    },
    {
        "key": "video_call",
        "channel": "video",
        "team": "Technical",
        "tags": ["video-call"],
        "subject": {
            "en": "Video call: router setup walkthrough",
            "es": "Videollamada: configuración del router",
            "ru": "Видеозвонок: настройка роутера",
        },
        "body": {
            "en": "Video call notes: walked the customer through the router setup. Wi-Fi works, but the customer was confused by the 5 GHz network name and asked for written steps.",
            "es": "Notas de la videollamada: guiamos al cliente en la configuración del router. El wifi funciona, pero le confundió el nombre de la red de 5 GHz y pidió los pasos por escrito.",
            "ru": "Заметки по видеозвонку: помогли клиенту настроить роутер. Wi-Fi работает, но клиента запутало имя сети 5 ГГц, он попросил инструкцию письменно.",
        },
        "status": "pending",
    },
    {
        "key": "invoice_formal",
        "channel": "email",
        "team": "Billing",
        "tags": ["invoice"],
        "priority": 1,
        "subject": {
            "en": "Request for a corrected invoice",
            "es": "Solicitud de factura rectificativa",
            "ru": "Просьба исправить счёт",
        },
        "body": {
            "en": "Dear Sir or Madam, I would be grateful if you could issue a corrected invoice with our company's VAT number. Kind regards, J. Whitfield",
            "es": "Estimados señores: les agradecería que emitieran una factura rectificativa con el NIF de nuestra empresa. Atentamente, J. Herrera",
            "ru": "Уважаемые коллеги! Прошу Вас выставить исправленный счёт с ИНН нашей компании. С уважением, Ю. Петрова",
        },
        "status": "new",
    },
    {
        "key": "broken_product",
        "channel": "email",
        "team": "Shipping",
        "tags": ["damaged"],
        "subject": {
            "en": "Blender arrived broken",
            "es": "La batidora llegó rota",
            "ru": "Блендер пришёл сломанным",
        },
        "body": {
            "en": "The blender arrived with a cracked jug. I'm disappointed, it was a present for my mum. Can you send a new one?",
            "es": "La batidora llegó con la jarra rota. Estoy decepcionada, era un regalo para mi madre. ¿Pueden enviarme otra?",
            "ru": "Блендер пришёл с треснувшей чашей. Я расстроена, это был подарок маме. Можете прислать новый?",
        },
        "reply": {
            "en": "I'm so sorry to hear that! We sincerely apologise for the inconvenience. I'm really sorry your mum's present arrived broken, and I apologise again for the disappointment.",
            "es": "¡Siento muchísimo oír eso! Le pedimos sinceras disculpas por las molestias. Lamento de verdad que el regalo de su madre llegara roto, y le pido perdón otra vez por la decepción.",
            "ru": "Мне очень жаль это слышать! Приносим искренние извинения за неудобства. Очень сожалею, что подарок для мамы пришёл разбитым, и ещё раз прошу прощения за огорчение.",
        },
        "status": "open",
    },
    {
        "key": "address_change",
        "channel": "chat",
        "team": "Shipping",
        "tags": ["shipping"],
        "priority": 1,
        "subject": {
            "en": "Change delivery address",
            "es": "Cambiar la dirección de entrega",
            "ru": "Изменить адрес доставки",
        },
        "body": {
            "en": "Hi! I've just moved. Can you change the delivery address for order 60012 to 14 Park Lane, Bristol?",
            "es": "¡Hola! Me acabo de mudar. ¿Pueden cambiar la dirección del pedido 60012 a Calle Mayor 14, Valencia?",
            "ru": "Привет! Я только что переехала. Можно изменить адрес доставки заказа 60012 на ул. Ленина, 14, Казань?",
        },
        "reply": {
            "en": "Thanks for letting us know, and congratulations on the move! I've changed the address for order 60012 to 14 Park Lane, Bristol; an updated confirmation will reach you by e-mail within a few minutes.",
            "es": "Gracias por avisarnos y ¡enhorabuena por la mudanza! He cambiado la dirección del pedido 60012 a Calle Mayor 14, Valencia; en unos minutos recibirá la confirmación actualizada por correo.",
            "ru": "Спасибо, что предупредили, и поздравляю с переездом! Я изменил адрес доставки заказа 60012 на ул. Ленина, 14, Казань; обновлённое подтверждение придёт на почту в течение нескольких минут.",
        },
        "status": "solved",
    },
    {
        "key": "broken_promise",
        "channel": "email",
        "team": "Billing",
        "tags": ["billing", "escalation"],
        "priority": 3,
        "subject": {
            "en": "You promised a callback — nobody called",
            "es": "Prometieron llamarme y nadie llamó",
            "ru": "Обещали перезвонить — никто не позвонил",
        },
        "body": {
            "en": "Last Tuesday your colleague promised someone would call me back within 24 hours about the overcharge. Nobody called. I have now written four times. I am fed up.",
            "es": "El martes pasado su compañero me prometió que me llamarían en 24 horas por el cobro de más. Nadie llamó. Ya he escrito cuatro veces. Estoy harto.",
            "ru": "В прошлый вторник ваш коллега обещал, что мне перезвонят в течение суток насчёт переплаты. Никто не позвонил. Я пишу уже в четвёртый раз. Мне это надоело.",
        },
        "quoted": {
            "from": "customer",
            "text": {
                "en": "Hello, my last invoice was £30 higher than my plan. Please call me back about it, my number is on my account.",
                "es": "Hola, mi última factura vino 30 € más cara que mi tarifa. Llámenme, por favor, mi número está en mi cuenta.",
                "ru": "Здравствуйте, последний счёт на 3 000 ₽ больше моего тарифа. Перезвоните мне, пожалуйста, номер есть в аккаунте.",
            },
        },
        # The angry Spanish ticket stays unanswered with Ana: the coach's tour starts there.
        "owner": {"es": "ana"},
        "status": "open",
    },
    {
        "key": "forum_bug",
        "channel": "forum",
        "team": "Technical",
        "tags": ["bug"],
        "subject": {
            "en": "Sync fails with error 0x80",
            "es": "La sincronización falla con el error 0x80",
            "ru": "Синхронизация падает с ошибкой 0x80",
        },
        "body": {
            "en": "Since the last update, sync fails with error 0x80 on Android 14. Anyone else? Logs attached in my previous post.",
            "es": "Desde la última actualización la sincronización falla con el error 0x80 en Android 14. ¿A alguien más le pasa? Dejé los registros en mi mensaje anterior.",
            "ru": "После последнего обновления синхронизация падает с ошибкой 0x80 на Android 14. У кого-то ещё так? Логи в моём предыдущем посте.",
        },
        "status": "open",
    },
    {
        "key": "html_email",
        "channel": "email",
        "team": "Billing",
        "tags": ["billing"],
        "subject": {
            "en": "Invoice question (HTML e-mail)",
            "es": "Pregunta sobre la factura (correo HTML)",
            "ru": "Вопрос по счёту (HTML-письмо)",
        },
        "body": {
            "en": "<p>Hello,</p><p>Why does my invoice show <b>two</b> service fees?</p><script>alert('this script is shown inert')</script><img src=x onerror=alert(1)>",
            "es": "<p>Hola:</p><p>¿Por qué mi factura muestra <b>dos</b> comisiones de servicio?</p><script>alert('este script no se ejecuta')</script><img src=x onerror=alert(1)>",
            "ru": "<p>Здравствуйте!</p><p>Почему в счёте <b>две</b> сервисные комиссии?</p><script>alert('скрипт не выполняется')</script><img src=x onerror=alert(1)>",
        },
        "quoted": {
            "from": "team",
            "text": {
                "en": "Your invoice INV-2291 for June is attached.",
                "es": "Adjuntamos su factura INV-2291 de junio.",
                "ru": "Во вложении ваш счёт INV-2291 за июнь.",
            },
        },
        "status": "new",
    },
    {
        "key": "urgent_outage",
        "channel": "phone",
        "team": "Technical",
        "tags": ["outage", "phone"],
        "priority": 4,
        "subject": {
            "en": "Phone call: shop checkout down",
            "es": "Llamada: el pago de la tienda no funciona",
            "ru": "Звонок: не работает оплата в магазине",
        },
        "body": {
            "en": "Call notes: the customer's online shop cannot take payments since 9:00. They are losing sales every minute and want an engineer immediately.",
            "es": "Notas de la llamada: la tienda online del cliente no puede cobrar desde las 9:00. Pierden ventas cada minuto y quieren un técnico ya.",
            "ru": "Заметки по звонку: интернет-магазин клиента не принимает оплату с 9:00. Они теряют продажи каждую минуту и требуют инженера немедленно.",
        },
        "status": "open",
    },
    {
        "key": "repeated_demand",
        "channel": "social",
        "team": "Billing",
        "tags": ["refund", "social"],
        "subject": {
            "en": "Where is my refund?!",
            "es": "¡¿Dónde está mi reembolso?!",
            "ru": "Где мой возврат?!",
        },
        "body": {
            "en": "Where is my refund? I asked three weeks ago. WHERE IS MY REFUND?",
            "es": "¿Dónde está mi reembolso? Lo pedí hace tres semanas. ¿¡DÓNDE ESTÁ MI REEMBOLSO!?",
            "ru": "Где мой возврат? Я просил три недели назад. ГДЕ МОЙ ВОЗВРАТ?",
        },
        "reply": {
            "en": "I understand, three weeks is far too long. I've checked: the refund was stuck in a manual review. I've released it now, and you'll see it within 2 working days.",
            "es": "Lo entiendo, tres semanas es demasiado. Lo he revisado: el reembolso estaba atascado en una revisión manual. Ya lo he liberado y lo verá en 2 días hábiles.",
            "ru": "Понимаю, три недели — это слишком долго. Я проверил: возврат застрял на ручной проверке. Я его уже провёл, деньги придут в течение 2 рабочих дней.",
        },
        "followup": {
            "en": "You said that last time. Where is my refund?",
            "es": "Eso mismo me dijeron la última vez. ¿Dónde está mi reembolso?",
            "ru": "В прошлый раз мне сказали то же самое. Где мой возврат?",
        },
        "status": "open",
    },
]

#: Customers per language (name, e-mail local part); picked in turn.
CUSTOMERS = {
    "en": [
        ("Olivia Bennett", "olivia.bennett"),
        ("James Carter", "james.carter"),
        ("Priya Shah", "priya.shah"),
        ("Tom Hughes", "tom.hughes"),
        ("Grace Kim", "grace.kim"),
        ("Daniel Reed", "daniel.reed"),
    ],
    "es": [
        ("Lucía Fernández", "lucia.fernandez"),
        ("Javier Romero", "javier.romero"),
        ("Carmen Ruiz", "carmen.ruiz"),
        ("Diego Torres", "diego.torres"),
        ("Elena Navarro", "elena.navarro"),
        ("Pablo Ortega", "pablo.ortega"),
    ],
    "ru": [
        ("Анна Смирнова", "anna.smirnova"),
        ("Дмитрий Волков", "dmitry.volkov"),
        ("Ольга Кузнецова", "olga.kuznetsova"),
        ("Сергей Морозов", "sergey.morozov"),
        ("Екатерина Попова", "ekaterina.popova"),
        ("Игорь Лебедев", "igor.lebedev"),
    ],
}

#: Teams: name, the address customers write to, how new tickets are assigned. Technical spreads
#: hostile and high-intensity conversations by emotional load instead of taking turns.
TEAMS = [
    ("Billing", "billing@tactful.example", "round_robin"),
    ("Technical", "tech@tactful.example", "load_aware"),
    ("Shipping", "shipping@tactful.example", "round_robin"),
]

#: Who sent the history quoted under a customer's e-mail (name, address); ``customer`` is the
#: customer themselves and ``team`` the ticket's team.
QUOTED_SENDERS = {"shop": ("Tactful Shop", "orders@shop.tactful.example")}

#: Signatures under customers' e-mails: the mail app strips them (the original keeps them).
MOBILE_FOOTERS = {
    "en": "Sent from my iPhone",
    "es": "Enviado desde mi iPhone",
    "ru": "Отправлено с iPhone",
}

#: Agents of the demo: username, first, last, role, interface language, teams.
AGENTS = [
    ("admin", "Alex", "Admin", "admin", "en", []),
    ("lead", "Lena", "Lead", "lead", "en", ["Billing", "Technical", "Shipping"]),
    ("agent", "Emma", "Evans", "agent", "en", ["Billing", "Shipping"]),
    ("ana", "Ana", "García", "agent", "es", ["Billing", "Technical"]),
    ("boris", "Boris", "Ivanov", "agent", "ru", ["Technical", "Shipping"]),
]

#: The customer languages each demo agent answers (assignment follows them); the lead: any.
ANSWERS = {"agent": ["en"], "ana": ["en", "es"], "boris": ["en", "ru"]}

#: Demo passwords: local demo only (127.0.0.1), printed on start.
PASSWORDS = {
    "admin": "tactful-admin",
    "lead": "tactful-lead",
    "agent": "tactful-agent",
    "ana": "tactful-ana",
    "boris": "tactful-boris",
}
