"""What the staff are sent of their bookings (store/bookings.py queues it): a booking
asked for (`booking_new`: confirm or decline it) and a customer's wish to move or
cancel one (`booking_request`: accept, propose another time, decline). The buttons
answer in the staff's chat (handlers/bookings/staff.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.bookings.staff_view import request_buttons, slot
from handlers.feature import Renderer
from handlers.parse import display_phone
from handlers.types import Button, Reply
from store.models import BookingRequest, Order, OutboxMessage


def _order(session: Session, message: OutboxMessage) -> Order:
    order = session.get(Order, message.payload["order_id"])
    if order is None or order.booking is None:
        raise LookupError("booking gone")
    return order


def _open_buttons(order: Order, lang: str) -> list[Button]:
    return [Button(i18n.t("bookings_staff.button.open", lang, number=order.number),
                   f"bo:{order.number}")]


def _new(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    """A booking asked for: who, what, when, the price; confirm or decline."""
    order = _order(session, message)
    booking = order.booking
    text = i18n.t(
        "bookings_staff.notice.new", lang, number=order.number,
        name=order.customer_name or "—",
        phone=display_phone(order.customer_phone) if order.customer_phone else "—",
        service=booking.service, when=slot(booking, order.business, lang),
        price=i18n.order_money(order, order.total_minor, lang),
    )
    buttons = [
        Button(i18n.t("bookings_staff.button.confirm", lang), f"bst:{order.number}:confirmed"),
        Button(i18n.t("bookings_staff.button.decline", lang), f"bst:{order.number}:cancelled"),
    ]
    return [Reply(text, buttons=tuple(buttons + _open_buttons(order, lang)))]


def _request(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    """A customer asks to move or cancel: the times in words, and the answers."""
    order = _order(session, message)
    request = session.get(BookingRequest, message.payload["request_id"])
    if request is None:
        raise LookupError("request gone")
    booking = order.booking
    business = order.business
    facts = {"name": order.customer_name or "—", "number": order.number,
             "service": booking.service}
    if request.kind == "cancel":
        reason = (i18n.t("bookings_staff.request_reason", lang, reason=request.reason)
                  if request.reason else "")
        text = i18n.t("bookings_staff.notice.cancel", lang, **facts, reason=reason,
                      when=slot(booking, business, lang))
    else:
        words = (i18n.t("bookings_staff.request_words", lang, words=request.wanted_text)
                 if request.wanted_text else "")
        text = i18n.t("bookings_staff.notice.move", lang, **facts, words=words,
                      before=slot(booking, business, lang),
                      after=slot(booking, business, lang, request.wanted_starts_at))
    buttons = request_buttons(request, lang) + _open_buttons(order, lang)
    return [Reply(text, buttons=tuple(buttons))]


RENDERERS: dict[str, Renderer] = {
    "booking_new": _new,
    "booking_request": _request,
}
