"""A small knowledge base in three languages, written through the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from tactful.knowledge import services

REFUND = {
    "en": services.TranslationText(
        title="Charged twice? How refunds of a double charge work",
        summary="If you were charged twice for one order, we refund the duplicate within 3–5 working days.",
        body="## What happened\n\nSometimes a payment is taken twice.\n\n1. We find the duplicate charge.\n2. We refund it the same day.\n3. Your bank shows it within 3–5 working days.",
        published=True,
    ),
    "es": services.TranslationText(
        title="¿Te cobraron dos veces? Cómo devolvemos un cobro duplicado",
        summary="Si te cobraron dos veces un pedido, devolvemos el cargo duplicado en 3–5 días hábiles.",
        body="## Qué pasó\n\nA veces un pago se cobra dos veces.\n\n1. Localizamos el cargo duplicado.\n2. Lo devolvemos el mismo día.\n3. Tu banco lo muestra en 3–5 días hábiles.",
        published=True,
    ),
    "ru": services.TranslationText(
        title="Деньги списали дважды? Как мы возвращаем лишний платёж",
        summary="Если за один заказ деньги списали дважды, мы вернём лишний платёж за 3–5 рабочих дней.",
        body="## Что случилось\n\nИногда оплата проходит дважды.\n\n1. Мы находим лишнее списание.\n2. Возвращаем его в тот же день.\n3. Банк зачислит возврат за 3–5 рабочих дней.",
        published=True,
    ),
}
TRACKING = {
    "en": services.TranslationText(
        title="Where is my parcel? Tracking a delivery",
        summary="Follow your parcel with the tracking number in your shipping e-mail.",
        body="Open the shipping e-mail and click the tracking number. Deliveries take 2–4 days.",
        published=True,
    ),
    "es": services.TranslationText(
        title="¿Dónde está mi paquete? Seguimiento del envío",
        summary="Sigue tu paquete con el número de seguimiento del correo de envío.",
        body="Abre el correo de envío y pulsa el número de seguimiento. Los envíos tardan 2–4 días.",
        published=True,
    ),
    "ru": services.TranslationText(
        title="Где моя посылка? Отслеживание доставки",
        summary="Следите за посылкой по трек-номеру из письма об отправке.",
        body="Откройте письмо об отправке и нажмите на трек-номер. Доставка занимает 2–4 дня.",
        published=True,
    ),
}


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def kb(desk: Any) -> dict[str, Any]:
    billing = desk.team("Billing")
    billing.slug = "billing"
    billing.save(update_fields=["slug"])
    shipping = desk.team("Shipping")
    shipping.slug = "shipping"
    shipping.save(update_fields=["slug"])
    lead = desk.lead("lena", teams=[billing])
    admin = desk.admin("root")
    money = services.save_category(
        by=admin, name="Payments", names={"es": "Pagos", "ru": "Оплата"}, team=billing
    )
    parcels = services.save_category(
        by=admin, name="Deliveries", names={"es": "Envíos", "ru": "Доставка"}
    )
    refund = services.save_article(by=admin, category=money, translations=REFUND)
    tracking = services.save_article(by=admin, category=parcels, translations=TRACKING)
    internal = services.save_article(
        by=admin,
        category=money,
        internal=True,
        translations={
            "en": services.TranslationText(
                title="Refund approvals over 500 (internal)",
                body="Refunds over 500 need a lead's approval: ask in the team channel.",
                published=True,
            )
        },
    )
    draft = services.save_article(
        by=admin,
        category=parcels,
        translations={
            "en": services.TranslationText(
                title="Parcel lockers (draft)", body="Coming soon: parcel lockers.", published=False
            )
        },
    )
    return {
        "billing": billing,
        "shipping": shipping,
        "lead": lead,
        "admin": admin,
        "money": money,
        "parcels": parcels,
        "refund": refund,
        "tracking": tracking,
        "internal": internal,
        "draft": draft,
    }
