"""The one-tap "Pay ₹250.00 now" line: the gateway's payment link for what is due,
where the business has payment links on. The link is made by whatever the adapter
put in `ctx.extras["payment_links"]` (bot/payments/razorpay.py); without one, or
when it fails, there is no line and the view shows UPI as always."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.bookings.links import booking_page_url
from handlers.orders.links import order_page_url
from handlers.types import Settings
from store.models import Order, OrderKind

EXTRAS_KEY = "payment_links"


class PaymentLinks(Protocol):
    def url_for(
        self, session: Session, order: Order, now: datetime, callback_url: str
    ) -> str | None: ...


def pay_now_url(
    extras: dict[str, Any], session: Session, settings: Settings, order: Order, now: datetime
) -> str | None:
    links: PaymentLinks | None = extras.get(EXTRAS_KEY)
    if links is None or order.due_minor <= 0:
        return None
    # The gateway sends the payer back to the page they came for: a booking's own.
    page = booking_page_url if order.kind == OrderKind.BOOKING else order_page_url
    return links.url_for(session, order, now, page(settings, order.id))


def pay_now_line(
    extras: dict[str, Any], session: Session, settings: Settings, order: Order, now: datetime,
    lang: str,
) -> str | None:
    url = pay_now_url(extras, session, settings, order, now)
    if url is None:
        return None
    amount = i18n.money(order.due_minor, order.currency, lang, order.business.country)
    return i18n.t("gateway.pay_now", lang, amount=amount, link=url)
