"""The one-tap "Pay ₹250.00 now" line: the gateway's payment link for what is due,
where the business has payment links on. The link is made by the context's
`payment_links` (bot/payments/razorpay.py); without one, or when it fails, there is
no line and the view shows UPI as always."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.bookings.links import booking_page_url
from handlers.orders.links import order_page_url
from handlers.types import PaymentLinks, Settings
from store.models import Order, OrderKind


def pay_now_url(
    links: PaymentLinks | None, session: Session, settings: Settings, order: Order, now: datetime
) -> str | None:
    if links is None or order.due_minor <= 0:
        return None
    # The gateway sends the payer back to the page they came for: a booking's own.
    page = booking_page_url if order.kind == OrderKind.BOOKING else order_page_url
    return links.url_for(session, order, now, page(settings, order.id))


def pay_now_line(
    links: PaymentLinks | None, session: Session, settings: Settings, order: Order,
    now: datetime, lang: str,
) -> str | None:
    url = pay_now_url(links, session, settings, order, now)
    if url is None:
        return None
    amount = i18n.money(order.due_minor, order.currency, lang, order.business.country)
    return i18n.t("gateway.pay_now", lang, amount=amount, link=url)
