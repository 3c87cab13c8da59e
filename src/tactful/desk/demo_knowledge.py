"""The demo's help center (articles in English, Spanish and Russian) and starter playbooks.

The articles answer what the demo's customers write about — a double charge, a refund that
has not arrived, a parcel that is late or damaged, a lost password — so the reply box, the
chat widget and the contact forms have something real to suggest. One article is internal:
agents see it in the reply box, customers never do.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tactful.accounts.models import Agent, Team
from tactful.knowledge import services as knowledge_services
from tactful.knowledge.models import Category
from tactful.playbooks import services as playbook_services

#: (team name or None for the whole desk, English name, Spanish, Russian, order)
CATEGORIES: list[tuple[str | None, str, str, str, int]] = [
    ("Billing", "Payments and refunds", "Pagos y reembolsos", "Оплата и возвраты", 10),
    ("Shipping", "Deliveries and returns", "Envíos y devoluciones", "Доставка и возвраты", 20),
    ("Technical", "Your account", "Tu cuenta", "Ваш аккаунт", 30),
    (None, "Getting in touch", "Contacto", "Как с нами связаться", 40),
]

ARTICLES: list[dict[str, Any]] = [
    {
        "category": "Payments and refunds",
        "en": (
            "Charged twice? How we refund a double charge",
            "If one order was charged twice, we refund the duplicate the same day; your bank shows it within 3–5 working days.",
            "Sometimes a payment goes through twice, for example when the page was reloaded while paying.\n\n"
            "## What we do\n\n1. We find both charges for your order number.\n2. We refund the duplicate the same day and e-mail you the refund reference.\n3. Your bank shows the money back within **3–5 working days**.\n\n"
            "## What you can do\n\n- Write to us with your order number: that is all we need.\n- A *pending* second charge often disappears by itself within 48 hours.",
        ),
        "es": (
            "¿Te cobraron dos veces? Cómo devolvemos un cobro duplicado",
            "Si un pedido se cobró dos veces, devolvemos el cargo duplicado el mismo día; tu banco lo muestra en 3–5 días hábiles.",
            "A veces un pago se cobra dos veces, por ejemplo si la página se recargó mientras pagabas.\n\n"
            "## Qué hacemos\n\n1. Localizamos los dos cargos con tu número de pedido.\n2. Devolvemos el cargo duplicado el mismo día y te enviamos la referencia del reembolso.\n3. Tu banco muestra el dinero en **3–5 días hábiles**.\n\n"
            "## Qué puedes hacer\n\n- Escríbenos con tu número de pedido: es todo lo que necesitamos.\n- Un segundo cargo *pendiente* suele desaparecer solo en 48 horas.",
        ),
        "ru": (
            "Деньги списали дважды? Как мы возвращаем лишний платёж",
            "Если за один заказ деньги списали дважды, мы вернём лишний платёж в тот же день; банк зачислит его за 3–5 рабочих дней.",
            "Иногда оплата проходит дважды — например, если страница перезагрузилась во время оплаты.\n\n"
            "## Что делаем мы\n\n1. Находим оба списания по номеру заказа.\n2. В тот же день возвращаем лишний платёж и присылаем номер возврата.\n3. Банк зачисляет деньги за **3–5 рабочих дней**.\n\n"
            "## Что можете сделать вы\n\n- Напишите нам номер заказа — больше ничего не нужно.\n- Второе списание в статусе *в обработке* часто исчезает само в течение 48 часов.",
        ),
    },
    {
        "category": "Payments and refunds",
        "en": (
            "When will I see my refund?",
            "Refunds leave us within one working day; cards show them in 3–5 working days, bank transfers in up to 10.",
            "Once we confirm a refund by e-mail, the money has left us.\n\n"
            "| Paid with | You see it within |\n|:--|:--|\n| Card | 3–5 working days |\n| PayPal | 1 day |\n| Bank transfer | up to 10 working days |\n\n"
            "Not there after that? Reply to the refund e-mail: we send your bank the transfer reference.",
        ),
        "es": (
            "¿Cuándo veré mi reembolso?",
            "Los reembolsos salen en un día hábil; en tarjeta se ven en 3–5 días hábiles y por transferencia en hasta 10.",
            "Cuando te confirmamos un reembolso por correo, el dinero ya ha salido.\n\n"
            "| Pagaste con | Lo verás en |\n|:--|:--|\n| Tarjeta | 3–5 días hábiles |\n| PayPal | 1 día |\n| Transferencia | hasta 10 días hábiles |\n\n"
            "¿No ha llegado después de ese plazo? Responde al correo del reembolso y enviaremos a tu banco la referencia de la transferencia.",
        ),
        "ru": (
            "Когда придёт мой возврат?",
            "Возврат уходит от нас в течение рабочего дня; на карту он приходит за 3–5 рабочих дней, переводом — до 10.",
            "Когда мы подтверждаем возврат письмом, деньги уже отправлены.\n\n"
            "| Способ оплаты | Срок зачисления |\n|:--|:--|\n| Карта | 3–5 рабочих дней |\n| PayPal | 1 день |\n| Банковский перевод | до 10 рабочих дней |\n\n"
            "Деньги так и не пришли? Ответьте на письмо о возврате — мы передадим вашему банку номер перевода.",
        ),
    },
    {
        "category": "Deliveries and returns",
        "en": (
            "Where is my parcel? Tracking your delivery",
            "Follow your parcel with the tracking link in your shipping e-mail; deliveries take 2–4 working days.",
            "1. Open the e-mail *Your order is on its way*.\n2. Click the tracking number: the carrier's page shows where the parcel is.\n3. No movement for 3 working days? Write to us with your order number and we open an inquiry with the carrier the same day.",
        ),
        "es": (
            "¿Dónde está mi paquete? Seguimiento del envío",
            "Sigue tu paquete con el enlace de seguimiento del correo de envío; las entregas tardan 2–4 días hábiles.",
            "1. Abre el correo *Tu pedido está en camino*.\n2. Pulsa el número de seguimiento: la página del transportista muestra dónde está el paquete.\n3. ¿Sin movimiento durante 3 días hábiles? Escríbenos con tu número de pedido y abrimos una reclamación con el transportista ese mismo día.",
        ),
        "ru": (
            "Где моя посылка? Отслеживание доставки",
            "Следите за посылкой по ссылке из письма об отправке; доставка занимает 2–4 рабочих дня.",
            "1. Откройте письмо *Ваш заказ в пути*.\n2. Нажмите на трек-номер: на сайте перевозчика видно, где посылка.\n3. Статус не меняется 3 рабочих дня? Напишите нам номер заказа — в тот же день мы откроем запрос у перевозчика.",
        ),
    },
    {
        "category": "Deliveries and returns",
        "en": (
            "Your order arrived damaged or wrong",
            "Send us a photo within 14 days: we ship a replacement or refund you, and you keep or return the item at our cost.",
            "We are sorry it reached you like this. Here is the fastest way to fix it:\n\n1. Take a photo of the item and of the label on the box.\n2. Write to us with the photos and your order number.\n3. Choose a replacement (shipped within one working day) or a refund.\n\nYou never pay for a return we caused.",
        ),
        "es": (
            "Tu pedido llegó dañado o equivocado",
            "Envíanos una foto en 14 días: te mandamos un repuesto o te reembolsamos, y la devolución corre de nuestra cuenta.",
            "Lamentamos que te haya llegado así. Esta es la forma más rápida de solucionarlo:\n\n1. Haz una foto del artículo y de la etiqueta de la caja.\n2. Escríbenos con las fotos y tu número de pedido.\n3. Elige un repuesto (enviado en un día hábil) o un reembolso.\n\nNunca pagas una devolución causada por nosotros.",
        ),
        "ru": (
            "Заказ пришёл повреждённым или не тот",
            "Пришлите фото в течение 14 дней: мы отправим замену или вернём деньги, а возврат товара оплатим сами.",
            "Нам жаль, что заказ пришёл таким. Быстрее всего это исправить так:\n\n1. Сфотографируйте товар и этикетку на коробке.\n2. Напишите нам, приложив фото и номер заказа.\n3. Выберите замену (отправим за один рабочий день) или возврат денег.\n\nЗа возврат по нашей вине вы не платите.",
        ),
    },
    {
        "category": "Your account",
        "en": (
            "Can't log in? Reset your password",
            "Use “Forgot password” on the login page; the link in the e-mail works for one hour.",
            "1. On the login page, click **Forgot password**.\n2. Enter the e-mail address of your account.\n3. Open the e-mail and follow the link within one hour.\n\nNo e-mail after 10 minutes? Check the spam folder, then write to us from the address of your account.",
        ),
        "es": (
            "¿No puedes entrar? Restablece tu contraseña",
            "Usa «He olvidado mi contraseña» en la página de acceso; el enlace del correo funciona durante una hora.",
            "1. En la página de acceso, pulsa **He olvidado mi contraseña**.\n2. Escribe la dirección de correo de tu cuenta.\n3. Abre el correo y sigue el enlace en menos de una hora.\n\n¿No llega el correo en 10 minutos? Mira en la carpeta de spam y, si no está, escríbenos desde la dirección de tu cuenta.",
        ),
        "ru": (
            "Не получается войти? Сбросьте пароль",
            "Нажмите «Забыли пароль?» на странице входа; ссылка из письма действует один час.",
            "1. На странице входа нажмите **Забыли пароль?**.\n2. Введите адрес почты вашего аккаунта.\n3. Откройте письмо и перейдите по ссылке в течение часа.\n\nПисьмо не пришло за 10 минут? Проверьте папку «Спам», а затем напишите нам с адреса вашего аккаунта.",
        ),
    },
    {
        "category": "Getting in touch",
        "en": (
            "How to reach us, and when we answer",
            "Chat, e-mail or the contact form: we answer within one working day, chats usually within minutes.",
            "- **Live chat** on our site, weekdays 8:00–20:00.\n- **E-mail** or the **contact form**, any time: we answer within one working day.\n\nA person reads every message. Writing again about the same problem keeps it in one conversation.",
        ),
        "es": (
            "Cómo contactarnos y cuándo respondemos",
            "Chat, correo o formulario de contacto: respondemos en un día hábil; en el chat, normalmente en minutos.",
            "- **Chat en vivo** en nuestra web, de lunes a viernes de 8:00 a 20:00.\n- **Correo** o **formulario de contacto**, a cualquier hora: respondemos en un día hábil.\n\nUna persona lee cada mensaje. Si vuelves a escribir sobre el mismo problema, sigue en la misma conversación.",
        ),
        "ru": (
            "Как с нами связаться и когда мы отвечаем",
            "Чат, почта или форма обратной связи: отвечаем в течение рабочего дня, в чате — обычно за несколько минут.",
            "- **Онлайн-чат** на сайте, по будням с 8:00 до 20:00.\n- **Почта** или **форма обратной связи** — в любое время: отвечаем в течение рабочего дня.\n\nКаждое сообщение читает человек. Если вы снова пишете о той же проблеме, она остаётся в одном разговоре.",
        ),
    },
    {
        "category": "Payments and refunds",
        "internal": True,
        "en": (
            "Refunds over 500: a lead approves (internal)",
            "Refunds over 500 need a lead's approval before they are sent; tell the customer when they will hear back.",
            "1. Add an internal note with the amount and the reason.\n2. Hand the ticket to a lead (*Hand over*) — they approve within 4 working hours.\n3. Tell the customer what happens next and by when; do not promise the amount before approval.",
        ),
        "es": (
            "Reembolsos de más de 500: aprueba un jefe de equipo (interno)",
            "Los reembolsos de más de 500 necesitan la aprobación de un jefe de equipo; di al cliente cuándo tendrá noticias.",
            "1. Añade una nota interna con el importe y el motivo.\n2. Traspasa el ticket a un jefe de equipo (*Traspasar*): lo aprueba en 4 horas hábiles.\n3. Di al cliente qué pasará y cuándo; no prometas el importe antes de la aprobación.",
        ),
        "ru": (
            "Возвраты больше 500: согласует руководитель (внутреннее)",
            "Возврат больше 500 отправляется только после согласования руководителем; скажите клиенту, когда он получит ответ.",
            "1. Добавьте внутреннюю заметку с суммой и причиной.\n2. Передайте тикет руководителю (*Передать*) — он согласует в течение 4 рабочих часов.\n3. Скажите клиенту, что будет дальше и когда; не обещайте сумму до согласования.",
        ),
    },
]


def seed_knowledge() -> int:
    """The starter playbooks (normally there from their migration) and the demo's help center;
    safe to run again. Returns how many articles were added."""
    playbook_services.load_starter()
    author = Agent.objects.filter(username="admin").first()
    if author is None or Category.objects.filter(name=CATEGORIES[0][1]).exists():
        return 0
    teams = {team.name: team for team in Team.objects.all()}
    added = 0
    with transaction.atomic():
        categories = {}
        for team_name, en, es, ru, order in CATEGORIES:
            categories[en] = knowledge_services.save_category(
                by=author,
                name=en,
                names={"es": es, "ru": ru},
                team=teams.get(team_name) if team_name else None,
                order=order,
            )
        for article in ARTICLES:
            knowledge_services.save_article(
                by=author,
                category=categories[article["category"]],
                internal=article.get("internal", False),
                translations={
                    code: knowledge_services.TranslationText(
                        title=article[code][0],
                        summary=article[code][1],
                        body=article[code][2],
                        published=True,
                    )
                    for code in ("en", "es", "ru")
                },
            )
            added += 1
    return added
