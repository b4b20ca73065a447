"""Shipments in the chat: the order view's shipment section and progress steps, and
the notice a customer gets for each new step (outbox kind `order_shipment`)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.feature import Feature
from handlers.orders.notices import order_and_event, order_buttons, page_line
from handlers.orders.view import AHEAD, CURRENT, DONE, Audience
from handlers.turn import Turn
from handlers.types import Reply
from store.models import Order, OrderStatus, OutboxMessage, Shipment
from store.shipments import BOOKED

ROAD = ("picked_up", "in_transit", "out_for_delivery", "delivered")
DETOURS = {"failed_attempt": "⚠️", "returned": "↩️"}  # shown in place of the road ahead


def _latest(order: Order) -> Shipment | None:
    return order.shipments[-1] if order.shipments else None


def shipment_details(lang: str, courier: str | None, awb: str | None, url: str | None) -> list[str]:
    lines = []
    if courier:
        lines.append(i18n.t("shipping.courier", lang, courier=courier))
    if awb:
        lines.append(i18n.t("shipping.awb", lang, awb=awb))
    if url:
        lines.append(i18n.t("shipping.track", lang, url=url))
    return lines


def shipment_section(turn: Turn, order: Order, audience: Audience) -> list[str]:
    """The shipment's step for anyone; courier, AWB and tracking link (which shows
    where the parcel goes) only for the customer who proved their phone and staff."""
    shipment = _latest(order)
    if shipment is None:
        return []
    lines = [turn.t("shipping.section", step=turn.t("shipping.step." + shipment.status))]
    if audience is not Audience.PUBLIC:
        lines += shipment_details(turn.lang, shipment.courier, shipment.awb, shipment.tracking_url)
    return lines


def shipment_steps(turn: Turn, order: Order, marks: list[str]) -> list[str]:
    """The shipment's road between the kitchen's last step and "completed"."""
    shipment = _latest(order)
    if shipment is None:
        return marks
    status = shipment.status
    if status in DETOURS:
        reached = ROAD.index("out_for_delivery") if status == "failed_attempt" else len(ROAD) - 1
        road = [f"{DONE} {turn.t('shipping.step.' + s)}" for s in ROAD[:reached]]
        road.append(f"{DETOURS[status]} {turn.t('shipping.step.' + status)}")
        if status == "failed_attempt":
            road.append(f"{AHEAD} {turn.t('shipping.step.delivered')}")
    else:  # booked (nothing reached yet) or somewhere on the road; delivered is done
        reached = ROAD.index(status) if status in ROAD else -1
        road = []
        for n, step in enumerate(ROAD):
            done = n < reached or step == status == "delivered"
            mark = DONE if done else CURRENT if n == reached else AHEAD
            road.append(f"{mark} {turn.t('shipping.step.' + step)}")
    kitchen, last = marks[:-1], marks[-1:]
    if status != BOOKED:  # the parcel left: the kitchen's part is done
        kitchen = [DONE + m[1:] if m[0] in (CURRENT, AHEAD) else m for m in kitchen]
    return kitchen + road + last


def shipment_notice(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order, event = order_and_event(session, message.payload)
    business = order.business.name
    step = event.to_status or ""
    detail = event.detail
    lines = [
        i18n.t("shipping.notice", lang, number=order.number, business=business,
               step=i18n.t("shipping.step." + step, lang))
    ]
    lines += shipment_details(lang, detail.get("courier"), detail.get("awb"),
                              detail.get("tracking_url"))
    if step == "failed_attempt":
        lines.append(i18n.t("shipping.failed_help", lang, business=business))
    elif step == "returned":
        lines.append(i18n.t("shipping.returned_help", lang, business=business))
    elif step == "delivered":
        lines.append(i18n.t("notice.completed", lang, business=business))
    if order.status != OrderStatus.CANCELLED and order.due_minor > 0:
        amount = i18n.money(order.due_minor, order.currency, lang, order.business.country)
        lines.append(i18n.t("notice.due", lang, amount=amount))
    lines += page_line(session, order, lang)
    return [Reply("\n".join(lines), buttons=order_buttons(order, lang))]


FEATURE = Feature(
    "shipping",
    renderers={"order_shipment": shipment_notice},
    same_for_all=frozenset({"order_shipment"}),
    sections=(shipment_section,),
    progress=(shipment_steps,),
)
