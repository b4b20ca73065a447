"""Words for a booking's queued messages to its customer: a new status, a move, the
staff's answer to a change they asked for (a time proposed comes with accept and
decline), and the money ones — a payment, a refund, an adjustment, a screenshot's
decision — which say what they say for an order (their page link is the booking's)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.bookings.links import booking_calendar_url
from handlers.bookings.times import booking_slot, day_and_time, slot
from handlers.feature import Renderer
from handlers.orders import notices as order_notices
from handlers.people import contact_of
from handlers.proofs import notices as proof_notices
from handlers.types import Button, Reply
from store.models import BookingRequest, BookingStatus, Order, OutboxMessage


def _t(lang: str):  # noqa: ANN202 - the language's t()
    return lambda key, **params: i18n.t(key, lang, **params)


def _money(order: Order, minor: int, lang: str) -> str:
    return i18n.order_money(order, minor, lang)


def _next_step(order: Order, lang: str) -> list[str]:
    """What follows a status: thanks, money to come back, or what is still due."""
    t = _t(lang)
    lines = []
    if order.status == BookingStatus.COMPLETED:
        lines.append(t("bookings.notice_thanks", business=order.business.name))
    if order.to_refund_minor > 0:
        lines.append(t("money.notice_to_refund", amount=_money(order, order.to_refund_minor, lang),
                       business=order.business.name))
    if order.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED) and order.due_minor > 0:
        lines.append(t("notice.due", amount=_money(order, order.due_minor, lang)))
    return lines


def _status(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order, event = order_notices.order_and_event(session, message.payload)
    t = _t(lang)
    status = event.to_status or order.status
    lines = [t("bookings.notice_status", number=order.number, business=order.business.name,
               status=t("status." + status), service=order.booking.service,
               when=booking_slot(order.booking, order.business, lang))]
    if event.detail.get("reason"):
        lines.append(t("notice.reason", reason=event.detail["reason"]))
    lines += _next_step(order, lang) + order_notices.page_line(session, order, lang)
    return [Reply("\n".join(lines), buttons=order_notices.order_buttons(order, lang))]


def _reschedule(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order, event = order_notices.order_and_event(session, message.payload)
    t = _t(lang)
    detail = event.detail
    minutes = int(detail.get("duration_minutes") or order.booking.duration_minutes)
    moved_to = slot(datetime.fromisoformat(detail["to"]), minutes, order.business, lang)
    before = day_and_time(datetime.fromisoformat(detail["from"]), order.business, lang)
    lines = [t("bookings.notice_moved", number=order.number, business=order.business.name,
               when=moved_to, before=before)]
    settings = session.info.get("settings")
    if settings is not None:
        lines.append(t("bookings.notice_calendar", url=booking_calendar_url(settings, order.id)))
    lines += order_notices.page_line(session, order, lang)
    return [Reply("\n".join(lines), buttons=order_notices.order_buttons(order, lang))]




def _answer(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    """The staff's answer to the customer's request: declined, or another time proposed
    (to accept or decline here)."""
    order = session.get(Order, message.payload["order_id"])
    request = session.get(BookingRequest, message.payload["request_id"])
    if order is None or request is None:
        raise LookupError("booking or request gone")
    t = _t(lang)
    facts = {"number": order.number, "business": order.business.name,
             "when": booking_slot(order.booking, order.business, lang)}
    if request.status == "proposed" and request.proposed_starts_at is not None:
        proposed = slot(request.proposed_starts_at, order.booking.duration_minutes,
                        order.business, lang)
        buttons = (Button(t("bookings.button.accept"), f"baccept:{request.id}"),
                   Button(t("bookings.button.decline"), f"bdecline:{request.id}"))
        return [Reply(t("bookings.notice_proposed", proposed=proposed, **facts), buttons=buttons)]
    key = "bookings.notice_cancel_declined" if request.kind == "cancel" else \
        "bookings.notice_move_declined"
    text = t(key, contact=contact_of(order.business, lang), **facts)
    return [Reply(text, buttons=order_notices.order_buttons(order, lang))]


# To the staff: the customer accepted or declined the time they proposed.
CUSTOMER_DECIDED = "booking_customer_decided"


def _customer_decided(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order = session.get(Order, message.payload["order_id"])
    request = session.get(BookingRequest, message.payload["request_id"])
    if order is None or request is None or request.proposed_starts_at is None:
        raise LookupError("booking or request gone")
    t = _t(lang)
    proposed = slot(request.proposed_starts_at, order.booking.duration_minutes, order.business,
                    lang)
    key = ("bookings.staff_proposal_accepted" if request.status == "accepted"
           else "bookings.staff_proposal_declined")
    who = (order.customer_name or "").strip() or t("words.a_customer")
    return [Reply(t(key, who=who, number=order.number, proposed=proposed,
                    when=booking_slot(order.booking, order.business, lang)))]


RENDERERS: dict[str, Renderer] = {
    CUSTOMER_DECIDED: _customer_decided,
    "booking_status": _status,
    "booking_reschedule": _reschedule,
    "booking_answer": _answer,
    # Money reads the same for a booking as for an order.
    "booking_payment": order_notices.RENDERERS["order_payment"],
    "booking_refund": order_notices.RENDERERS["order_refund"],
    "booking_adjustment": order_notices.RENDERERS["order_adjustment"],
    "booking_proof": proof_notices.RENDERERS["order_proof"],
}
