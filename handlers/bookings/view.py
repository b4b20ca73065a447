"""What a booking looks like in the chat: the business, the service, the day and time
in words, who serves and where (with a map), the progress line, the price, what is
paid and due and how to pay (the order's own UPI link, QR and bank details), its page,
and the ways on: add to calendar, ask to reschedule, ask to cancel, contact."""

from __future__ import annotations

from urllib.parse import quote_plus

from handlers.bookings.links import booking_page_url
from handlers.bookings.times import booking_slot, day_and_time
from handlers.orders.view import (
    AHEAD,
    CURRENT,
    DONE,
    Audience,
    is_watching,
    money,
    money_lines,
    payment_lines,
    qr_reply,
)
from handlers.people import contact_of
from handlers.turn import Turn
from handlers.types import Button, Reply
from store.bookings import FLOW, OPEN, open_request
from store.models import Booking, BookingRequest, BookingStatus, Order, PaymentStatus

MAPS = "https://www.google.com/maps/search/?api=1&query="


def progress(turn: Turn, order: Order) -> str:
    """requested → confirmed → checked in → completed; a cancelled or missed one says so."""
    if order.status in (BookingStatus.CANCELLED, BookingStatus.NO_SHOW):
        return f"❌ {turn.t('status.' + order.status)}"
    reached = FLOW.index(BookingStatus(order.status))
    marks = []
    for n, step in enumerate(FLOW):
        done = n < reached or step == BookingStatus.COMPLETED == order.status
        mark = DONE if done else CURRENT if n == reached else AHEAD
        marks.append(f"{mark} {turn.t('status.' + step.value)}")
    return " → ".join(marks)


def place_lines(turn: Turn, order: Order, booking: Booking, audience: Audience) -> list[str]:
    """Where: the booking's own place (a home visit: shown to its customer only) or the
    business's address, with a map link."""
    place = booking.place or order.business.address
    if not place or (booking.place and audience is Audience.PUBLIC):
        return []
    return [turn.t("bookings.place", place=place),
            turn.t("bookings.map", url=MAPS + quote_plus(place))]


def request_line(turn: Turn, order: Order, request: BookingRequest | None) -> list[str]:
    """A change the customer asked for that waits for the business (or for them)."""
    if request is None:
        return []
    business = order.business.name
    if request.status == "proposed" and request.proposed_starts_at:
        when = day_and_time(request.proposed_starts_at, order.business, turn.lang)
        return [turn.t("bookings.request_proposed", business=business, when=when)]
    if request.kind == "cancel":
        return [turn.t("bookings.request_cancel_waiting", business=business)]
    wanted = request.wanted_starts_at
    when = day_and_time(wanted, order.business, turn.lang) if wanted else request.wanted_text or ""
    return [turn.t("bookings.request_move_waiting", business=business, when=when)]


def booking_text(turn: Turn, order: Order, audience: Audience) -> str:
    t = turn.t
    booking = order.booking
    business = order.business
    lines = [t("bookings.header", number=order.number, business=business.name)]
    name = (order.customer_name or "").strip()
    if name:
        lines.append(t("order.for", name=name.split()[0] if audience is Audience.PUBLIC else name))
    lines.append(t("bookings.service", service=booking.service))
    lines.append(t("bookings.when", when=booking_slot(booking, business, turn.lang)))
    if booking.staff_name:
        lines.append(t("bookings.with", staff=booking.staff_name))
    lines += place_lines(turn, order, booking, audience)
    lines += ["", t("bookings.status", status=t("status." + order.status)), progress(turn, order)]
    if audience is not Audience.PUBLIC:
        lines += request_line(turn, order, open_request(turn.session, order.id))
    lines += ["", t("bookings.price", amount=money(turn, order, order.total_minor))]
    lines += money_lines(turn, order, "bookings.cancelled_nothing_due")
    if audience is not Audience.PUBLIC and order.customer_note:
        lines.append(t("order.customer_note", note=order.customer_note))
    if audience is Audience.VENDOR:
        lines += vendor_lines(turn, order)
    elif order.due_minor > 0:
        lines += ["", *payment_lines(turn, order)]
    lines += ["", t("web.link", url=booking_page_url(turn.ctx.settings, order.id, turn.lang))]
    contact = contact_of(business, turn.lang)
    lines += ["", t("order.contact", business=business.name, contact=contact)]
    return "\n".join(lines)


def vendor_lines(turn: Turn, order: Order) -> list[str]:
    """What only the business sees: the customer's phone and the internal note."""
    lines = []
    if order.customer_phone:
        lines.append(turn.t("bookings.customer_phone", phone=order.customer_phone))
    if order.internal_note:
        lines.append(turn.t("bookings.internal_note", note=order.internal_note))
    return [""] + lines if lines else []


def booking_list_line(turn: Turn, order: Order) -> str:
    """One booking in the list of a phone's bookings and orders."""
    return turn.t("bookings.list_booking", number=order.number, business=order.business.name,
                  service=order.booking.service,
                  when=booking_slot(order.booking, order.business, turn.lang),
                  status=turn.t("status." + order.status), due=money(turn, order, order.due_minor))


def booking_buttons(turn: Turn, order: Order, audience: Audience) -> tuple[Button, ...]:
    t = turn.t
    number = order.number
    buttons = [Button(t("bookings.button.calendar"), f"bcal:{number}")]
    if BookingStatus(order.status) in OPEN:
        buttons.append(Button(t("bookings.button.reschedule"), f"bmove:{number}"))
        buttons.append(Button(t("bookings.button.cancel"), f"bcancel:{number}"))
        if order.due_minor > 0:
            buttons.append(Button(t("button.pay"), f"pay:{number}"))
        if is_watching(turn, order):
            buttons.append(Button(t("button.stop_updates"), f"stop:{number}"))
        elif audience is Audience.PUBLIC:  # the booking's own phone hears of it anyway
            buttons.append(Button(t("button.notify"), f"notify:{number}"))
    buttons.append(Button(t("bookings.button.contact"), f"bcontact:{number}"))
    return tuple(buttons)


def booking_view(turn: Turn, order: Order, audience: Audience) -> list[Reply]:
    """The booking's whole view; remembers it as the chat's current one (a payment
    screenshot sent next is a proof for it)."""
    turn.chat.current_order_id = order.id
    replies = [Reply(booking_text(turn, order, audience),
                     buttons=booking_buttons(turn, order, audience),
                     refresh_of=f"order:{order.number}")]
    paying = order.payment_status != PaymentStatus.PAID and audience is not Audience.VENDOR
    qr = qr_reply(turn, order) if paying and order.status != BookingStatus.CANCELLED else None
    return replies + ([qr] if qr else [])
