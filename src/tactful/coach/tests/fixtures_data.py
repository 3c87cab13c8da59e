"""Small, generated stand-ins for the public data folder and ``coach_examples/``.

The real data (``../shared/data``) is not available to the tests, so these builders write tiny
files in exactly the layouts the readers in ``tactful.coach._data`` expect. Texts come from
templates × fillers with a fixed seed: varied enough for 5-fold stratified cross-validation,
small enough that training a head takes seconds.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from tactful.coach._data import GOEMOTIONS_LABELS, XED_LABELS

FILLERS: dict[str, dict[str, list[str]]] = {
    "en": {
        "item": [
            "order",
            "parcel",
            "invoice",
            "refund",
            "subscription",
            "booking",
            "card payment",
            "account",
            "delivery",
            "ticket",
        ],
        "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the weekend"],
        "n": ["2", "3", "5", "12", "24", "48"],
        "name": ["Anna", "Ben", "Carla", "Dmitri", "Elena", "Farid"],
    },
    "es": {
        "item": [
            "pedido",
            "paquete",
            "reembolso",
            "envío",
            "abono",
            "recibo",
            "billete",
            "contrato",
        ],
        "day": ["el lunes", "el martes", "el miércoles", "el jueves", "el viernes"],
        "n": ["2", "3", "5", "12", "24", "48"],
        "name": ["Lucía", "Pablo", "Marta", "Jorge", "Sofía", "Andrés"],
    },
    "ru": {
        "item": ["заказ", "платёж", "счёт", "возврат", "билет", "аккаунт", "договор", "тариф"],
        "day": ["в понедельник", "во вторник", "в среду", "в четверг", "в пятницу"],
        "n": ["2", "3", "5", "12", "24", "48"],
        "name": ["Анна", "Борис", "Ольга", "Иван", "Мария", "Павел"],
    },
}

#: Customer messages by the coach's customer emotion (also the public emotion sets' texts).
EMOTION_TEMPLATES: dict[str, dict[str, list[str]]] = {
    "en": {
        "anger": [
            "This is outrageous, you charged me again for the {item} and nobody cares!",
            "I am furious about the {item}, {day} was the last straw.",
            "Absolutely unacceptable, your team lied about my {item} {n} times!",
        ],
        "frustration": [
            "I have asked about the {item} {n} times and it is still not sorted.",
            "Again the {item} is stuck, this keeps happening since {day}.",
            "Honestly tired of chasing the {item}, {name} has been waiting forever.",
        ],
        "sadness": [
            "I'm really sad the {item} never came, it was a gift for {name}.",
            "So disappointing, I was looking forward to the {item} on {day}.",
            "I feel let down, {name} cried when the {item} was lost.",
        ],
        "worry": [
            "I'm worried the {item} won't arrive before {day}, what if it is lost?",
            "I'm nervous about my {item}, is the money from {name} safe?",
            "Scared that the {item} was stolen, it has been {n} days.",
        ],
        "confusion": [
            "I don't understand the {item} page, which button do I press on {day}?",
            "Confused: the {item} says {n} but the email to {name} said something else?",
            "What does this {item} status mean? I'm lost since {day}.",
        ],
        "gratitude": [
            "Thank you so much for sorting the {item} on {day}!",
            "Thanks {name}, the {item} arrived and it's perfect.",
            "Really grateful for the quick help with my {item}, all {n} of them.",
        ],
        "neutral": [
            "My {item} number is {n}, I placed it on {day}.",
            "Please update the address on the {item} to the office of {name}.",
            "Can you send the {item} details to {name} by {day}?",
        ],
    },
    "es": {
        "anger": [
            "¡Esto es indignante, me habéis vuelto a cobrar el {item} y a nadie le importa!",
            "Estoy furioso con el {item}, lo de {day} fue el colmo.",
            "¡Inaceptable, me habéis mentido sobre el {item} {n} veces!",
        ],
        "frustration": [
            "He preguntado por el {item} {n} veces y sigue sin resolverse.",
            "Otra vez el {item} atascado, esto pasa desde {day}.",
            "Estoy harto de perseguir el {item}, {name} lleva esperando una eternidad.",
        ],
        "sadness": [
            "Estoy muy triste, el {item} nunca llegó y era un regalo para {name}.",
            "Qué decepción, esperaba el {item} para {day}.",
            "Me siento fatal, {name} lloró cuando se perdió el {item}.",
        ],
        "worry": [
            "Me preocupa que el {item} no llegue antes de {day}, ¿y si se ha perdido?",
            "Estoy nerviosa por el {item}, ¿está seguro el dinero de {name}?",
            "Tengo miedo de que me hayan robado el {item}, ya van {n} días.",
        ],
        "confusion": [
            "No entiendo la página del {item}, ¿qué botón pulso {day}?",
            "Estoy confundida: el {item} dice {n} pero el correo a {name} decía otra cosa.",
            "¿Qué significa este estado del {item}? No me aclaro desde {day}.",
        ],
        "gratitude": [
            "¡Muchísimas gracias por arreglar el {item} {day}!",
            "Gracias {name}, el {item} llegó y está perfecto.",
            "Muy agradecido por la ayuda con el {item}, los {n}.",
        ],
        "neutral": [
            "El número de mi {item} es {n}, lo hice {day}.",
            "Por favor, actualicen la dirección del {item} a la oficina de {name}.",
            "¿Pueden enviar los datos del {item} a {name} antes de {day}?",
        ],
    },
    "ru": {
        "anger": [
            "Это возмутительно, вы опять списали деньги за {item}, и всем плевать!",
            "Я в ярости, {item} {day} — это последняя капля.",
            "Совершенно недопустимо, ваши сотрудники {n} раза врали мне про {item}!",
        ],
        "frustration": [
            "Я спрашивал про {item} уже {n} раза, и до сих пор ничего не решено.",
            "Опять {item} завис, это повторяется с {day}.",
            "Надоело бегать за вами: {item} висит, {name} ждёт целую вечность.",
        ],
        "sadness": [
            "Мне очень грустно, {item} так и не пришёл, а это был подарок для {name}.",
            "Как обидно, я так ждал {item} {day}.",
            "Мне так жаль, {name} плакала, когда {item} потерялся.",
        ],
        "worry": [
            "Я переживаю, что {item} не придёт {day}, вдруг он потерялся?",
            "Я волнуюсь за {item}, деньги {name} в безопасности?",
            "Боюсь, что {item} украли, прошло уже {n} дней.",
        ],
        "confusion": [
            "Не понимаю, где в приложении {item}, какую кнопку нажать {day}?",
            "Я запуталась: {item} показывает {n}, а в письме для {name} было другое.",
            "Что значит этот статус, {item} {day}? Ничего не понимаю.",
        ],
        "gratitude": [
            "Огромное спасибо, что {item} исправили {day}!",
            "Спасибо, {name}, {item} пришёл, всё отлично.",
            "Очень благодарна за помощь, {item} и все {n} документа в порядке.",
        ],
        "neutral": [
            "Номер моего обращения {n}, {item} оформлен {day}.",
            "Пожалуйста, укажите адрес офиса {name}, это для {item}.",
            "Можно прислать {item} на почту {name} {day}?",
        ],
    },
}

#: Agents' replies and customers' messages for the project's own tasks, by language and label.
OWN_TEMPLATES: dict[str, dict[str, dict[str, list[str]]]] = {
    "over_apology": {
        "en": {
            "ok": [
                "Your {item} was sent on {day}; the tracking number is {n}.",
                "I've refunded the {item} and you'll see it within {n} days, {name}.",
                "Sorry about the delay with the {item}. It ships on {day}.",
            ],
            "over_apology": [
                "I'm so sorry, I really apologise, we're terribly sorry about the {item}. Sorry again, {name}.",
                "Sorry, sorry, so sorry about the {item}! We deeply apologise and apologise again for {day}.",
                "Please forgive us, we are so very sorry about the {item}, and I apologise {n} times over, sorry.",
            ],
        },
        "es": {
            "ok": [
                "El {item} se envió {day}; el número de seguimiento es {n}.",
                "He devuelto el importe del {item}; lo verá en {n} días, {name}.",
                "Lo siento por el retraso con el {item}; sale {day}.",
            ],
            "over_apology": [
                "Lo siento muchísimo, mil disculpas, de verdad lo sentimos mucho por el {item}. Perdón otra vez, {name}.",
                "Perdón, perdón, le pedimos perdón por el {item}; sentimos mucho lo de {day}, disculpe las molestias.",
                "Nuestras más sinceras disculpas por el {item}, lo sentimos, lo siento de verdad, perdone {n} veces.",
            ],
        },
        "ru": {
            "ok": [
                "Ваш {item} отправлен {day}, номер отслеживания {n}.",
                "Я оформил возврат, {item} закрыт, деньги придут через {n} дня, {name}.",
                "Извините за задержку: {item} будет готов {day}.",
            ],
            "over_apology": [
                "Простите, пожалуйста, приносим свои извинения, нам очень жаль, извините ещё раз за {item}, {name}.",
                "Извините, извините, тысяча извинений за {item}! Просим прощения за {day}, простите нас.",
                "Прошу прощения, очень сожалею, извините нас {n} раз за {item}, простите.",
            ],
        },
    },
    "next_step": {
        "en": {
            "none": [
                "We understand how annoying the {item} issue is, {name}.",
                "That sounds frustrating; the {item} system has been busy since {day}.",
                "Thanks for letting us know about the {item}, {name}, it happens sometimes.",
            ],
            "next_step": [
                "I'll email you the new {item} by {day}, and you'll receive a refund within {n} days.",
                "We will send a replacement {item} today; you'll get tracking within {n} hours, {name}.",
                "I'll call you on {day} to confirm the {item} is fixed.",
            ],
        },
        "es": {
            "none": [
                "Entendemos lo molesto que es lo del {item}, {name}.",
                "Qué situación con el {item}; el sistema va lento desde {day}.",
                "Gracias por avisarnos del {item}, {name}, a veces pasa.",
            ],
            "next_step": [
                "Le enviaremos el nuevo {item} {day} y recibirá el reembolso en {n} días.",
                "Voy a revisar el {item} ahora y le llamaré {day}, {name}.",
                "Le devolveremos el {item}; tendrá la confirmación en {n} horas.",
            ],
        },
        "ru": {
            "none": [
                "Понимаем, как это неприятно, {name}, {item} — больная тема.",
                "Да, ситуация неприятная: {item} с {day} обрабатывается медленно.",
                "Спасибо, что сообщили, {name}, {item} иногда так себя ведёт.",
            ],
            "next_step": [
                "Я перезвоню вам {day} и проверю {item}; вы получите ответ в течение {n} часов.",
                "Мы отправим новый {item} {day}, вам придёт письмо, {name}.",
                "Я проверю {item} и напишу вам в течение {n} часов.",
            ],
        },
    },
    "assumption": {
        "en": {
            "ok": [
                "Could you tell me which {item} page you used on {day}?",
                "Let's check the {item} together; what do you see on screen, {name}?",
                "The {item} form changed on {day}, so the steps may look different.",
            ],
            "assumption": [
                "You probably entered the wrong {item} number on {day}.",
                "As you know, the {item} terms are on our site, {name}.",
                "You must have clicked the wrong {item} button; it was {n} steps, {name}.",
            ],
        },
        "es": {
            "ok": [
                "¿Podría decirme qué página del {item} usó {day}?",
                "Revisemos juntos el {item}; ¿qué ve en la pantalla, {name}?",
                "El formulario del {item} cambió {day}, así que los pasos pueden verse distintos.",
            ],
            "assumption": [
                "Seguramente usted introdujo mal el número del {item} {day}.",
                "Como usted ya sabe, las condiciones del {item} están en la web, {name}.",
                "Como ya le dije, el {item} se gestiona en la app; eran {n} pasos, {name}.",
            ],
        },
        "ru": {
            "ok": [
                "Подскажите, пожалуйста, какой {item} вы открывали {day}?",
                "Давайте вместе проверим {item}: что вы видите на экране, {name}?",
                "Форма изменилась {day}, поэтому {item} может выглядеть иначе.",
            ],
            "assumption": [
                "Вы наверняка ввели неверный {item} {day}.",
                "Как вы знаете, {item} оформляется в приложении, {name}.",
                "Как я уже говорил, {item} нужно было проверить {day}, там всего {n} шага.",
            ],
        },
    },
    "company_fault": {
        "en": {
            "other": [
                "Hi, can I change the delivery address for my {item} before {day}?",
                "How do I download the {item} receipt? {name} needs it.",
                "Is the {item} available for {n} people? I'd like it by {day}.",
            ],
            "company_fault": [
                "You charged me twice for the {item} on {day}!",
                "The {item} still hasn't arrived and you promised me it would come by {day}, {name} says.",
                "You sent the wrong order instead of my {item}, reference {n}.",
            ],
        },
        "es": {
            "other": [
                "Hola, ¿puedo cambiar la dirección del {item}? Lo necesito {day}.",
                "¿Cómo descargo el justificante del {item}? {name} lo necesita.",
                "¿El {item} sirve para {n} personas? Lo querría {day}.",
            ],
            "company_fault": [
                "Me han cobrado dos veces el {item} {day}.",
                "Tengo un cobro duplicado por el {item}, referencia {n}, {name}.",
                "Me siguen cobrando el {item} aunque lo cancelé {day}.",
            ],
        },
        "ru": {
            "other": [
                "Здравствуйте, можно изменить адрес, куда придёт {item}? Нужно {day}.",
                "Как скачать {item} в приложении? Это нужно для {name}.",
                "Подскажите, подойдёт ли {item} для {n} человек? Хочу оформить {day}.",
            ],
            "company_fault": [
                "У меня списали дважды за {item} {day}!",
                "Деньги продолжают списывать за {item}, хотя я отменил подписку {day}.",
                "Повторное списание за {item}, номер {n}, верните деньги, {name}.",
            ],
        },
    },
    "formality": {
        "en": {
            "informal": [
                "hey {name}, ur {item} is sorted lol, c ya {day}",
                "yo, gonna fix the {item} real quick, no worries mate, {n} mins",
                "cool cool, {item} done, cheers {name}! see ya {day}",
            ],
            "formal": [
                "Dear {name}, we are pleased to confirm that your {item} was processed on {day}.",
                "Kindly note that the {item} will be dispatched on {day}. Yours sincerely.",
                "We should be grateful if you would confirm the {item} reference {n}, {name}.",
            ],
        },
        "es": {
            "informal": [
                "oye {name}, tu {item} ya está, tranqui, nos vemos {day}",
                "ey, te arreglo el {item} en {n} minutos, ¿vale?",
                "genial, ya tienes el {item}, ¡un abrazo, {name}! hasta {day}",
            ],
            "formal": [
                "Estimado {name}: le confirmamos que su {item} fue tramitado {day}.",
                "Le rogamos que nos indique la referencia del {item}, {n}. Atentamente, {name}.",
                "Usted recibirá su {item} {day}. Quedamos a su entera disposición.",
            ],
        },
    },
    "abuse_threat": {
        "en": {
            "none": [
                "Hello, my {item} has not updated since {day}, can you check?",
                "Could you resend the {item} email to {name}?",
                "The {item} shows {n} items but I ordered one.",
            ],
            "abuse": [
                "You useless idiots, fix my {item} now, morons.",
                "What a bunch of clowns, {name} and the rest of you can't handle a simple {item}.",
                "Stupid incompetent fools, {n} days for a {item}? Pathetic idiots.",
            ],
            "threat": [
                "I know where your office is. If the {item} isn't fixed by {day}, someone will get hurt.",
                "Fix the {item} or I'll come round on {day} and you'll regret it, {name}.",
                "You better pray I don't see you after {day}, that {item} is the last straw.",
            ],
        },
        "es": {
            "none": [
                "Hola, mi {item} no se actualiza desde {day}, ¿pueden mirarlo?",
                "¿Podrían reenviar el correo del {item} a {name}?",
                "El {item} muestra {n} artículos, pero pedí uno.",
            ],
            "abuse": [
                "Sois unos inútiles, arreglad el {item} ya, idiotas.",
                "Panda de payasos, {name} y los demás no sabéis gestionar un {item}.",
                "Imbéciles incompetentes, ¿{n} días para un {item}? Patéticos.",
            ],
            "threat": [
                "Sé dónde está vuestra oficina. Si el {item} no está {day}, alguien va a salir herido.",
                "Arreglad el {item} o me presento {day} y os arrepentiréis, {name}.",
                "Más os vale que no os vea después de {day}, lo del {item} es la gota que colma el vaso.",
            ],
        },
        "ru": {
            "none": [
                "Здравствуйте, {item} не обновляется с {day}, проверьте, пожалуйста.",
                "Можете переслать письмо про {item} для {name}?",
                "{item} показывает {n} позиции, а я заказывал одну.",
            ],
            "abuse": [
                "Вы бестолковые идиоты, почините {item}, уроды.",
                "Клоуны, {name} и все остальные не могут справиться с {item}.",
                "Тупые бездари, {n} дней на {item}? Жалкие идиоты.",
            ],
            "threat": [
                "Я знаю, где ваш офис. Если {item} не исправят {day}, кто-то пострадает.",
                "Почините {item}, или я приду {day}, и вы пожалеете, {name}.",
                "Молитесь, чтобы я не встретил вас {day}, {item} — последняя капля.",
            ],
        },
    },
}

#: Tasks whose rows carry the customer's message: (customer templates, reply templates by label).
OWN_TEMPLATES["emotional_reaction"] = {
    "en": {
        "none": [
            "Your {item} left the warehouse on {day}.",
            "Try restarting the {item} page, {name}; it takes {n} minutes.",
            "The {item} costs {n} pounds and renews on {day}.",
        ],
        "weak": [
            "Sorry to hear about the {item}, {name}. Hang in there.",
            "Hope the {item} works out by {day}, good luck!",
            "That's rough about the {item}, take care, {name}.",
        ],
        "strong": [
            "I feel so sad reading about the {item}, {name}, my heart goes out to you.",
            "I'm heartbroken that the {item} was lost before {day}, I feel awful.",
            "Honestly I feel terrible for you about the {item}, it makes me so upset.",
        ],
    },
    "es": {
        "none": [
            "Su {item} salió del almacén {day}.",
            "Pruebe a recargar la página del {item}, {name}; tarda {n} minutos.",
            "El {item} cuesta {n} euros y se renueva {day}.",
        ],
        "weak": [
            "Siento lo del {item}, {name}. Ánimo.",
            "Espero que el {item} se arregle {day}, ¡suerte!",
            "Qué faena lo del {item}, cuídate, {name}.",
        ],
        "strong": [
            "Me pone muy triste leer lo del {item}, {name}, se me parte el corazón.",
            "Me duele muchísimo que el {item} se perdiera antes de {day}, me siento fatal.",
            "De verdad me siento fatal por ti con el {item}, me da mucha pena.",
        ],
    },
    "ru": {
        "none": [
            "Ваш {item} покинул склад {day}.",
            "Попробуйте обновить страницу, {name}, {item} загружается {n} минут.",
            "{item} стоит {n} рублей и продлевается {day}.",
        ],
        "weak": [
            "Жаль, что так вышло с {item}, {name}. Держитесь.",
            "Надеюсь, {item} наладится {day}, удачи!",
            "Неприятно вышло с {item}, берегите себя, {name}.",
        ],
        "strong": [
            "Мне очень грустно читать про {item}, {name}, у меня сердце разрывается.",
            "Мне так больно, что {item} потерялся {day}, я очень переживаю.",
            "Мне правда очень жаль Вас из-за {item}, я так расстроена.",
        ],
    },
}
OWN_TEMPLATES["exploration"] = {
    "en": {
        "none": [
            "Your {item} left the warehouse on {day}.",
            "Sorry about the {item}, {name}, hang in there.",
            "The {item} costs {n} pounds.",
        ],
        "weak": [
            "What happened with the {item}, {name}?",
            "Could you send the {item} number from {day}?",
            "How long has the {item} been like this, {n} days?",
        ],
        "strong": [
            "Are you feeling let down by how the {item} was handled since {day}, {name}?",
            "Do you feel worried that the {item} will fail again after {n} tries?",
            "Has the {item} left you feeling anxious and alone, {name}?",
        ],
    },
    "es": {
        "none": [
            "Su {item} salió del almacén {day}.",
            "Siento lo del {item}, {name}, ánimo.",
            "El {item} cuesta {n} euros.",
        ],
        "weak": [
            "¿Qué pasó con el {item}, {name}?",
            "¿Podría enviarme el número del {item} de {day}?",
            "¿Desde cuándo está así el {item}, {n} días?",
        ],
        "strong": [
            "¿Se siente decepcionado por cómo se gestionó el {item} {day}, {name}?",
            "¿Le preocupa que el {item} vuelva a fallar tras {n} intentos?",
            "¿El {item} le ha dejado con angustia y sensación de soledad, {name}?",
        ],
    },
    "ru": {
        "none": [
            "Ваш {item} покинул склад {day}.",
            "Жаль, что так вышло с {item}, {name}, держитесь.",
            "{item} стоит {n} рублей.",
        ],
        "weak": [
            "Что случилось с {item}, {name}?",
            "Пришлите номер {item} от {day}?",
            "Как давно {item} так работает, {n} дней?",
        ],
        "strong": [
            "Вы чувствуете себя обманутым из-за того, как решали {item} {day}, {name}?",
            "Вас тревожит, что {item} снова сломается после {n} попыток?",
            "Вам одиноко и тревожно из-за {item}, {name}?",
        ],
    },
}


CUSTOMER_TASKS: dict[str, dict[str, tuple[list[str], dict[str, list[str]]]]] = {
    "empathy_without_action": {
        "en": (
            [
                "My {item} has been missing since {day} and I'm upset.",
                "Nobody answered about my {item} for {n} days.",
            ],
            {
                "ok": [
                    "I'm sorry, that's stressful. I've traced the {item} and it arrives on {day}.",
                    "That's a long wait, {name}. I've refunded the {item} and you'll see it within {n} days.",
                ],
                "empathy_without_action": [
                    "I completely understand how upsetting this is, {name}, and I hear you.",
                    "That must be so frustrating, we really feel for you about the {item}.",
                ],
            },
        ),
        "es": (
            [
                "Mi {item} no aparece desde {day} y estoy molesto.",
                "Nadie me contesta sobre el {item} desde hace {n} días.",
            ],
            {
                "ok": [
                    "Lo siento, es estresante. He localizado el {item} y llega {day}.",
                    "Es mucha espera, {name}. He devuelto el importe del {item}; lo verá en {n} días.",
                ],
                "empathy_without_action": [
                    "Entiendo perfectamente lo molesto que es, {name}, le escucho.",
                    "Debe de ser muy frustrante, de verdad lo sentimos por el {item}.",
                ],
            },
        ),
        "ru": (
            [
                "Мой {item} пропал {day}, я расстроен.",
                "Мне {n} дней не отвечают про {item}.",
            ],
            {
                "ok": [
                    "Понимаю, это неприятно. Я нашёл {item}, он придёт {day}.",
                    "Долгое ожидание, {name}. Я оформил возврат за {item}, деньги придут через {n} дня.",
                ],
                "empathy_without_action": [
                    "Я прекрасно понимаю, как это неприятно, {name}, я вас слышу.",
                    "Представляю, как это раздражает, нам очень жаль, что {item} так подвёл.",
                ],
            },
        ),
    },
    "fault_admission": {
        "en": (
            [
                "You charged me twice for the {item} on {day}.",
                "The {item} you sent was wrong, order {n}.",
            ],
            {
                "admitted": [
                    "You're right, that was our mistake with the {item}. I've fixed it and you'll see it on {day}.",
                    "That's our error, {name}; the {item} was processed twice. The refund is on its way.",
                ],
                "deflected": [
                    "The courier is responsible for the {item}, please contact them.",
                    "Our system shows the {item} was correct on {day}, so it must be your bank, {name}.",
                ],
            },
        ),
        "es": (
            [
                "Me cobraron dos veces el {item} {day}.",
                "El {item} que me enviaron era incorrecto, pedido {n}.",
            ],
            {
                "admitted": [
                    "Tiene razón, fue un error nuestro con el {item}. Ya lo he corregido y lo verá {day}.",
                    "Es un fallo nuestro, {name}: el {item} se procesó dos veces. El reembolso ya está en camino.",
                ],
                "deflected": [
                    "La responsabilidad del {item} es de la empresa de mensajería, contacte con ellos.",
                    "Nuestro sistema muestra que el {item} estaba bien {day}, será cosa de su banco, {name}.",
                ],
            },
        ),
        "ru": (
            [
                "Вы дважды списали деньги за {item} {day}.",
                "{item} оформили неправильно, номер {n}.",
            ],
            {
                "admitted": [
                    "Вы правы, это наша ошибка, {item} оформлен неверно. Я всё исправил, изменения будут {day}.",
                    "Это наш промах, {name}: {item} провели дважды. Деньги уже возвращаем.",
                ],
                "deflected": [
                    "За {item} отвечает курьерская служба, обратитесь к ним.",
                    "В нашей системе {item} был в порядке {day}, скорее всего, это ваш банк, {name}.",
                ],
            },
        ),
    },
}

#: What a full fixture holds: every own task in en/es/ru, except formality (no Russian file).
OWN_LANGUAGES = {
    task: ("en", "es") if task == "formality" else ("en", "es", "ru")
    for task in [*OWN_TEMPLATES, *CUSTOMER_TASKS, "customer_emotion"]
}


def generate(
    templates: list[str], fillers: dict[str, list[str]], count: int, seed: str
) -> list[str]:
    """``count`` distinct texts from ``templates``, filled deterministically from ``seed``."""
    rng = random.Random(seed)
    found: dict[str, None] = {}
    for attempt in range(count * 200):
        template = templates[attempt % len(templates)]
        text = template.format(**{slot: rng.choice(values) for slot, values in fillers.items()})
        found.setdefault(text, None)
        if len(found) == count:
            return list(found)
    raise ValueError(f"templates for {seed} cannot give {count} distinct texts")


def _write_jsonl(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


def write_own_examples(
    root: Path, *, per_label: int = 12, tasks: tuple[str, ...] | None = None
) -> Path:
    """``<root>/<lang>/<task>.jsonl`` with ``per_label`` rows per label and language."""
    for task, languages in OWN_LANGUAGES.items():
        if tasks is not None and task not in tasks:
            continue
        for language in languages:
            rows: list[dict[str, str]] = []
            fillers = FILLERS[language]
            if task == "customer_emotion":
                by_label = EMOTION_TEMPLATES[language]
            elif task in OWN_TEMPLATES:
                by_label = OWN_TEMPLATES[task][language]
            else:
                by_label = {}
            for label, templates in by_label.items():
                for text in generate(
                    templates, fillers, per_label, f"own:{task}:{language}:{label}"
                ):
                    rows.append(
                        {"id": f"{language}-{task}-{len(rows):03d}", "text": text, "label": label}
                    )
            if task in CUSTOMER_TASKS:
                customer_templates, replies = CUSTOMER_TASKS[task][language]
                # Each customer message gets one reply of each label: a group the split keeps together.
                customers = generate(
                    customer_templates, fillers, per_label, f"cust:{task}:{language}"
                )
                for label, templates in replies.items():
                    texts = generate(
                        templates, fillers, per_label, f"own:{task}:{language}:{label}"
                    )
                    for customer, text in zip(customers, texts, strict=True):
                        rows.append(
                            {
                                "id": f"{language}-{task}-{len(rows):03d}",
                                "customer": customer,
                                "text": text,
                                "label": label,
                            }
                        )
            _write_jsonl(root / language / f"{task}.jsonl", rows)
    return root


#: Customer emotion → (GoEmotions label, XED label or None) used to label the public fixtures.
PUBLIC_LABELS: dict[str, tuple[str, str | None]] = {
    "anger": ("anger", "anger"),
    "frustration": ("annoyance", "anticipation"),  # XED's anticipation has no customer emotion
    "sadness": ("sadness", "sadness"),
    "worry": ("fear", "fear"),
    "confusion": ("confusion", "surprise"),  # neither has XED counterpart: dropped on relabel
    "gratitude": ("gratitude", "joy"),
    "neutral": ("neutral", None),
}


def _emotion_rows(language: str, per_label: int, seed: str) -> list[tuple[str, str]]:
    rows = []
    for emotion, templates in EMOTION_TEMPLATES[language].items():
        for text in generate(
            templates, FILLERS[language], per_label, f"{seed}:{language}:{emotion}"
        ):
            rows.append((text, emotion))
    return rows


def write_public_data(root: Path, *, per_label: int = 24) -> Path:
    """A miniature ``../shared/data`` with every file the readers open."""
    go = root / "goemotions"
    go.mkdir(parents=True)
    for split, n in (("train", per_label), ("dev", max(6, per_label // 3)), ("test", 6)):
        lines = []
        for k, (text, emotion) in enumerate(_emotion_rows("en", n, f"go-{split}")):
            ids = [GOEMOTIONS_LABELS.index(PUBLIC_LABELS[emotion][0])]
            if emotion == "anger" and k % 3 == 0:
                ids.append(GOEMOTIONS_LABELS.index("annoyance"))  # multi-label rows exist
            lines.append(f"{text}\t{','.join(map(str, ids))}\tgo{split}{k}")
        # A row whose only label has no customer emotion (curiosity): kept by the reader.
        lines.append(
            f"I wonder how the tracking works?\t{GOEMOTIONS_LABELS.index('curiosity')}\tgo{split}-cur"
        )
        (go / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    ru = root / "ru_goemotions"
    ru.mkdir()
    for split, n in (("validation", per_label // 2), ("test", 6)):
        with (ru / f"ru-go-emotions-simplified-{split}.csv").open(
            "w", encoding="utf-8", newline=""
        ) as handle:
            writer = csv.writer(handle)
            writer.writerow(["ru_text", "text", "labels", "id"])
            for k, (text, emotion) in enumerate(_emotion_rows("ru", n, f"ru-{split}")):
                ids = [GOEMOTIONS_LABELS.index(PUBLIC_LABELS[emotion][0])]
                if emotion == "sadness" and k % 2 == 0:
                    ids.append(GOEMOTIONS_LABELS.index("disappointment"))
                writer.writerow(
                    [text, f"english {k}", "[" + " ".join(map(str, ids)) + "]", f"ru{split}{k}"]
                )

    xed = root / "xed"
    xed.mkdir()
    names = {"en": "en-annotated.tsv", "es": "es-projections.tsv", "ru": "ru-projections.tsv"}
    for language, name in names.items():
        lines = []
        for text, emotion in _emotion_rows(language, per_label // 2, f"xed-{language}"):
            xed_label = PUBLIC_LABELS[emotion][1]
            if xed_label is None:
                continue
            ids = [XED_LABELS.index(xed_label) + 1]
            if emotion == "anger":
                ids.append(XED_LABELS.index("disgust") + 1)
            lines.append(f"{text}\t{', '.join(map(str, ids))}")
        lines += [
            "a row with an out-of-range label\t9",
            "a row with a broken label\tx",
            "\t1",
        ]
        (xed / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    neutral = generate(EMOTION_TEMPLATES["en"]["neutral"], FILLERS["en"], per_label, "xed-neu")
    (xed / "neu_en.txt").write_text(
        "".join(f"9\t{text}\n" for text in neutral) + "9\t\n", encoding="utf-8"
    )

    epitome = root / "epitome"
    epitome.mkdir()
    for name in ("emotional-reactions", "interpretations", "explorations"):
        with (epitome / f"{name}-reddit.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["sp_id", "rp_id", "seeker_post", "response_post", "level", "rationales"]
            )
            writer.writerow(
                ["s1", "r1", "I lost my job today.", "That sounds awful, I'm sorry.", "2", "awful|"]
            )
            writer.writerow(
                ["s2", "r2", "Feeling low, again.", "What happened, do you want to talk?", "1", ""]
            )
            writer.writerow(["s3", "r3", 'Nobody, "ever", listens.', "", "0", ""])

    esconv = root / "esconv_strategies"
    esconv.mkdir()
    with (esconv / "test_supporter_turns.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["conversation_id", "supporter_response", "strategy"])
        writer.writerow(["1", "How long have you felt this way?", "Question"])
        writer.writerow(["1", "So you feel stuck, is that right?", "Restatement or Paraphrasing"])
        writer.writerow(["2", "It sounds like you're really hurt.", "Reflection of feelings"])
    _write_real_text_sets(root, per_label)
    return root


#: ED emotions written for each coach emotion in the miniature EmpatheticDialogues.
ED_FOR = {
    "anger": "furious",
    "frustration": "annoyed",
    "sadness": "sad",
    "worry": "anxious",
    "gratitude": "grateful",
    "neutral": "prepared",
}
UMSAB_FOR = {"anger": 0, "frustration": 0, "sadness": 0, "neutral": 1, "gratitude": 2}


def _write_real_text_sets(root: Path, per_label: int) -> None:
    """EmpatheticDialogues situations, UMSAB Spanish tweets and RuSSE ParaDetox, in miniature."""
    ed = root / "empathetic_intents" / "empatheticdialogues_full_by_emotion"
    ed.mkdir(parents=True)
    for emotion, ed_emotion in ED_FOR.items():
        texts = generate(
            EMOTION_TEMPLATES["en"][emotion], FILLERS["en"], per_label // 2, f"ed-{emotion}"
        )
        with (ed / f"{ed_emotion}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Dialog_ID", "Type", "Actor", "Text"])
            for k, text in enumerate(texts):
                writer.writerow([f"hit:{k}_conv:{ed_emotion}", "situation", "none", text])
                writer.writerow([f"hit:{k}_conv:{ed_emotion}", "utterance", "speaker", text])
    umsab = root / "xlmt_sentiment_es"
    umsab.mkdir()
    for split, n in (("train", per_label // 2), ("val", 4), ("test", 6)):
        rows = [
            (text, UMSAB_FOR[emotion])
            for text, emotion in _emotion_rows("es", n, f"umsab-{split}")
            if emotion in UMSAB_FOR
        ]
        (umsab / f"{split}_text.txt").write_text(
            "\n".join(text for text, _ in rows) + "\n", encoding="utf-8"
        )
        (umsab / f"{split}_labels.txt").write_text(
            "\n".join(str(label) for _, label in rows) + "\n", encoding="utf-8"
        )
    detox = root / "ru_paradetox_russe2022"
    detox.mkdir()
    templates = OWN_TEMPLATES["abuse_threat"]["ru"]
    abuse = generate(templates["abuse"], FILLERS["ru"], per_label // 2, "detox-toxic")
    calm = generate(templates["none"], FILLERS["ru"], per_label // 2, "detox-neutral")
    for split in ("train", "dev"):
        lines = ["toxic_comment\tneutral_comment1\tneutral_comment2\tneutral_comment3"]
        for toxic, neutral in zip(abuse, calm, strict=False):
            lines.append(f"{toxic} ({split})\t{neutral} ({split})\t\t")
        lines.append("\tне токсичный, но без пары\t\t")  # no toxic text: skipped
        (detox / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (detox / "test.tsv").write_text(
        "toxic_comment\n" + "\n".join(f"{t} (test)" for t in abuse) + "\n", encoding="utf-8"
    )
