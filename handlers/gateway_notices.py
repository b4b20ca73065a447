"""Words for the gateway's staff notice: money that came in through a payment link for
an order that could not take it all (cancelled since, or already paid)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.notices import renderer
from handlers.types import Reply
from store.models import GatewayPayment, Order, OrderStatus, OutboxMessage, Payment
from store.payment_links import REFUND_KIND


@renderer(REFUND_KIND)
def _refund_due(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order = session.get(Order, message.payload["order_id"])
    row = session.get(GatewayPayment, message.payload["gateway_payment"])
    if order is None or row is None:
        raise LookupError("order or gateway payment gone")
    booked = session.get(Payment, row.payment_id) if row.payment_id else None
    money = lambda minor: i18n.money(minor, order.currency, lang, order.business.country)  # noqa: E731
    cancelled = order.status == OrderStatus.CANCELLED
    key = "gateway.refund_cancelled" if cancelled else "gateway.refund_overpaid"
    extra = {} if cancelled else {"booked": money(booked.amount_minor if booked else 0)}
    return [Reply(i18n.t(key, lang, number=order.number, amount=money(row.amount_minor),
                         reference=row.gateway_payment_id, refund=money(row.refund_due_minor),
                         **extra))]
