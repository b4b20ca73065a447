"""What the staff are sent of their bookings (store/bookings.py queues it): a booking
asked for (`booking_new`: confirm or decline it) and a customer's wish to move or
cancel one (`booking_request`: accept, propose another time, decline). The buttons
answer in the staff's chat (handlers/bookings/staff.py). On WhatsApp each may be a
quick-reply template of its own (`TWILIO_TEMPLATE_BOOKING_NEW`,
`TWILIO_TEMPLATE_BOOKING_REQUEST`; README) whose buttons answer the same way."""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.bookings.staff_view import request_buttons, slot
from handlers.feature import Renderer, TemplateFields
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


def _new_facts(order: Order, lang: str) -> dict[str, str]:
    booking = order.booking
    return {
        "number": order.number, "name": order.customer_name or "—",
        "phone": display_phone(order.customer_phone) if order.customer_phone else "—",
        "service": booking.service, "when": slot(booking, order.business, lang),
        "price": i18n.order_money(order, order.total_minor, lang),
    }


def _new(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    """A booking asked for: who, what, when, the price; confirm or decline."""
    order = _order(session, message)
    text = i18n.t("bookings_staff.notice.new", lang, **_new_facts(order, lang))
    buttons = [
        Button(i18n.t("bookings_staff.button.confirm", lang), f"bst:{order.number}:confirmed"),
        Button(i18n.t("bookings_staff.button.decline", lang), f"bst:{order.number}:cancelled"),
    ]
    return [Reply(text, buttons=tuple(buttons + _open_buttons(order, lang)))]


def _new_fields(session: Session, message: OutboxMessage, lang: str) -> dict[str, str]:
    """The quick-reply template's variables (README, "TWILIO_TEMPLATE_BOOKING_NEW"):
    {{1}} the booking's number, {{2}} the customer, {{3}} the service, {{4}} when, {{5}}
    the price."""
    facts = _new_facts(_order(session, message), lang)
    return {"1": facts["number"], "2": facts["name"], "3": facts["service"],
            "4": facts["when"], "5": facts["price"]}


def _request_of(session: Session, message: OutboxMessage) -> BookingRequest:
    request = session.get(BookingRequest, message.payload["request_id"])
    if request is None:
        raise LookupError("request gone")
    return request


def _request_text(order: Order, request: BookingRequest, lang: str) -> str:
    booking = order.booking
    business = order.business
    facts = {"name": order.customer_name or "—", "number": order.number,
             "service": booking.service}
    if request.kind == "cancel":
        reason = (i18n.t("bookings_staff.request_reason", lang, reason=request.reason)
                  if request.reason else "")
        return i18n.t("bookings_staff.notice.cancel", lang, **facts, reason=reason,
                      when=slot(booking, business, lang))
    words = (i18n.t("bookings_staff.request_words", lang, words=request.wanted_text)
             if request.wanted_text else "")
    return i18n.t("bookings_staff.notice.move", lang, **facts, words=words,
                  before=slot(booking, business, lang),
                  after=slot(booking, business, lang, request.wanted_starts_at))


def _request(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    """A customer asks to move or cancel: the times in words, and the answers."""
    order = _order(session, message)
    request = _request_of(session, message)
    buttons = request_buttons(request, lang) + _open_buttons(order, lang)
    return [Reply(_request_text(order, request, lang), buttons=tuple(buttons))]


def _request_fields(session: Session, message: OutboxMessage, lang: str) -> dict[str, str]:
    """The quick-reply template's variables (README, "TWILIO_TEMPLATE_BOOKING_REQUEST"):
    {{1}} the request's number, {{2}} the booking's number, {{3}} what is asked, worded."""
    order = _order(session, message)
    request = _request_of(session, message)
    return {"1": str(request.id), "2": order.number, "3": _request_text(order, request, lang)}


RENDERERS: dict[str, Renderer] = {
    "booking_new": _new,
    "booking_request": _request,
}
TEMPLATE_FIELDS: dict[str, TemplateFields] = {
    "booking_new": _new_fields,
    "booking_request": _request_fields,
}
