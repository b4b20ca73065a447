"""Words for the gateway's notices: money that came in through a payment link for an
order that could not take it all (cancelled since, or already paid) — to the staff,
who refund it, and to the customer, who gets it back."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.feature import Renderer
from handlers.types import Reply
from store.models import GatewayPayment, Order, OrderStatus, OutboxMessage, Payment
from store.payment_links import REFUND_CUSTOMER_KIND, REFUND_KIND


def _facts(
    session: Session, message: OutboxMessage, lang: str
) -> tuple[Order, GatewayPayment, Callable[[int], str]]:
    order = session.get(Order, message.payload["order_id"])
    row = session.get(GatewayPayment, message.payload["gateway_payment"])
    if order is None or row is None:
        raise LookupError("order or gateway payment gone")
    return order, row, lambda minor: i18n.money(minor, order.currency, lang,
                                                order.business.country)


def _refund_due(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order, row, money = _facts(session, message, lang)
    booked = session.get(Payment, row.payment_id) if row.payment_id else None
    extra = {}
    if order.status == OrderStatus.CANCELLED:
        key = "gateway.refund_cancelled"
    elif booked is None:
        key = "gateway.refund_paid"  # nothing was due any more
    else:
        key, extra = "gateway.refund_overpaid", {"booked": money(booked.amount_minor)}
    return [Reply(i18n.t(key, lang, number=order.number, amount=money(row.amount_minor),
                         reference=row.gateway_payment_id, refund=money(row.refund_due_minor),
                         **extra))]


def _refund_coming(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order, row, money = _facts(session, message, lang)
    return [Reply(i18n.t("gateway.refund_coming", lang, number=order.number,
                         business=order.business.name, amount=money(row.amount_minor),
                         refund=money(row.refund_due_minor)))]


RENDERERS: dict[str, Renderer] = {REFUND_KIND: _refund_due, REFUND_CUSTOMER_KIND: _refund_coming}
