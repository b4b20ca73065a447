"""Words for the order's own queued messages (a status, a payment, a refund, an
adjustment, a colleague's change for the other staff), and the parts other notices
share: the notice's order and event, its buttons and the line with its page."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.bookings.links import booking_page_url
from handlers.feature import Renderer
from handlers.orders.links import order_page_url
from handlers.types import Button, Reply
from store.models import Order, OrderKind, OrderStatus, OutboxMessage, StatusEvent


def order_and_event(session: Session, payload: dict[str, Any]) -> tuple[Any, StatusEvent]:
    """The notice's order and its event. A notice shows the order's own columns and its
    business, which the delivery has usually loaded already: no statement for them then
    (items, payments and timeline are read only if a notice ever shows them)."""
    order = session.get(Order, payload["order_id"])
    event = session.get(StatusEvent, payload["event_id"])
    if order is None or event is None:
        raise LookupError("order or event gone")
    return order, event


def _next_step(order: Any, lang: str) -> list[str]:
    """What the customer can do next: pay what is due, pick up, or nothing."""
    t = lambda key, **p: i18n.t(key, lang, **p)  # noqa: E731
    lines = []
    if order.status == OrderStatus.COMPLETED:
        lines.append(t("notice.completed", business=order.business.name))
    elif order.status == OrderStatus.READY and order.fulfilment == "pickup":
        lines.append(t("notice.ready_pickup", business=order.business.name))
    if order.to_refund_minor > 0:  # cancelled after paying, or a total lowered below it
        lines.append(t("money.notice_to_refund",
                       amount=i18n.order_money(order, order.to_refund_minor, lang),
                       business=order.business.name))
    if order.status != OrderStatus.CANCELLED and order.due_minor > 0:
        lines.append(t("notice.due", amount=i18n.order_money(order, order.due_minor, lang)))
    return lines


def page_line(session: Session, order: Any, lang: str) -> list[str]:
    """The link to the order's own page (a booking's: its booking page), as every order
    view ends (none when the session carries no settings to sign it with)."""
    settings = session.info.get("settings")
    if settings is None:
        return []
    page = booking_page_url if order.kind == OrderKind.BOOKING else order_page_url
    return [i18n.t("web.link", lang, url=page(settings, order.id, lang))]


def order_buttons(order: Any, lang: str) -> tuple[Button, ...]:
    buttons = [Button(i18n.t("button.refresh", lang), f"refresh:{order.number}")]
    if order.status != OrderStatus.CANCELLED and order.due_minor > 0:
        buttons.append(Button(i18n.t("button.pay", lang), f"pay:{order.number}"))
    return tuple(buttons)


def _status(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order, event = order_and_event(session, message.payload)
    lines = [
        i18n.t(
            "notice.status",
            lang,
            number=order.number,
            business=order.business.name,
            status=i18n.t("status." + (event.to_status or order.status), lang),
        )
    ]
    if event.detail.get("reason"):
        lines.append(i18n.t("notice.reason", lang, reason=event.detail["reason"]))
    lines += _next_step(order, lang) + page_line(session, order, lang)
    return [Reply("\n".join(lines), buttons=order_buttons(order, lang))]


def _payment(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order, event = order_and_event(session, message.payload)
    lines = [
        i18n.t(
            "notice.payment",
            lang,
            number=order.number,
            amount=i18n.order_money(order, event.detail["amount_minor"], lang),
            paid=i18n.order_money(order, event.detail["paid_minor"], lang),
            total=i18n.order_money(order, order.total_minor, lang),
        )
    ]
    due = event.detail["due_minor"]
    lines.append(
        i18n.t("notice.due", lang, amount=i18n.order_money(order, due, lang))
        if due > 0
        else i18n.t("notice.paid_full", lang)
    )
    lines += page_line(session, order, lang)
    return [Reply("\n".join(lines), buttons=order_buttons(order, lang))]


def _refund(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order, event = order_and_event(session, message.payload)
    text = i18n.t(
        "notice.refund",
        lang,
        number=order.number,
        amount=i18n.order_money(order, event.detail["amount_minor"], lang),
    )
    text = "\n".join([text, *page_line(session, order, lang)])
    return [Reply(text, buttons=order_buttons(order, lang))]


def _adjustment(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    """A discount or a charge: the new total, then what is due or to be refunded."""
    order, event = order_and_event(session, message.payload)
    detail = event.detail
    amount = int(detail["amount_minor"])
    reason = detail.get("reason")
    lines = [i18n.t(
        "money.notice_discount" if amount < 0 else "money.notice_charge", lang,
        business=order.business.name, number=order.number,
        amount=i18n.order_money(order, abs(amount), lang),
        reason=i18n.t("money.reason", lang, reason=reason) if reason else "",
        total=i18n.order_money(order, int(detail["total_minor"]), lang),
    )]
    due, back = int(detail["due_minor"]), int(detail.get("to_refund_minor", 0))
    if due > 0:
        lines.append(i18n.t("notice.due", lang, amount=i18n.order_money(order, due, lang)))
    elif back > 0:
        lines.append(i18n.t("money.notice_to_refund", lang,
                            amount=i18n.order_money(order, back, lang),
                            business=order.business.name))
    lines += page_line(session, order, lang)
    return [Reply("\n".join(lines), buttons=order_buttons(order, lang))]


def _staff_update(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    """To the other staff: a colleague took or gave back money, or cancelled an order."""
    order, event = order_and_event(session, message.payload)
    detail = event.detail or {}
    facts = {"by": event.actor or "?", "number": order.number}
    if event.kind in ("payment", "refund"):
        text = i18n.t(
            f"staff_news.{event.kind}", lang, **facts,
            amount=i18n.order_money(order, detail["amount_minor"], lang),
            method=i18n.method_label(detail.get("method"), lang),
            due=i18n.order_money(order, order.due_minor, lang),
        )
    elif event.kind == "adjustment":
        amount = int(detail["amount_minor"])
        text = i18n.t(
            "money.staff_adjustment", lang, **facts,
            amount=("−" if amount < 0 else "+") + i18n.order_money(order, abs(amount), lang),
            reason=i18n.t("money.reason", lang, reason=detail["reason"]) if detail.get("reason") else "",
            total=i18n.order_money(order, int(detail["total_minor"]), lang),
            due=i18n.order_money(order, order.due_minor, lang),
        )
    else:
        text = i18n.t("staff_news.cancelled", lang, **facts,
                      reason=detail.get("reason") or i18n.t("staff_news.no_reason", lang))
    return [Reply(text)]


RENDERERS: dict[str, Renderer] = {
    "order_status": _status,
    "order_payment": _payment,
    "order_refund": _refund,
    "order_adjustment": _adjustment,
    "staff_update": _staff_update,
}
# Each of them words the order and its event, whoever receives it.
SAME_FOR_ALL = frozenset(RENDERERS)
