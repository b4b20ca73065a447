"""What a customer does with a booking in the chat: add it to their calendar, reach the
business, and ask to move or cancel it. A booking number typed is the order lookup's
(the same guard and throttles): it finds the row and the order view hands a booking to
`booking_view`.

    ask to reschedule ─> AWAITING_BOOKING_TIME ─ "tomorrow 5pm" ─> CONFIRMING_BOOKING_CHANGE
    ask to cancel ─────────────────────────────────────────────> CONFIRMING_BOOKING_CHANGE
    CONFIRMING_BOOKING_CHANGE ─ yes ─> a request to the staff (or cancelled at once when
                                       the business allows it that long before) ─ no ─> kept
    a time the staff proposed ─ accept / decline ─> the customer's own decision

Only the booking's customer (a proven phone) may ask for a change; anyone who typed
the number may add it to a calendar or see how to reach the business."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import i18n
from handlers.bookings import notices
from handlers.bookings.links import booking_calendar_url
from handlers.bookings.times import booking_slot, slot
from handlers.bookings.view import booking_view
from handlers.feature import Feature
from handlers.orders.view import Audience, audience_for
from handlers.parse import find_order_number, matches
from handlers.people import contact_of
from handlers.turn import State, Turn
from handlers.types import Button, Reply
from handlers.when import parse_when
from store import bookings, outbox, staff_news
from store.errors import DomainError
from store.models import BookingRequest, BookingStatus, Order, OrderKind
from store.orders import Actor
from store.queries import order_by_id, order_by_number

CUSTOMER = Actor("customer")


def _booking_from_button(turn: Turn, number: str) -> Order | None:
    """The booking a button names: only one this chat has seen (its current one, or
    one of its proven phone), so buttons cannot be used to probe numbers."""
    order = order_by_number(turn.session, number) if number else None
    if order is None or not bookings.is_booking(order):
        return None
    if order.id == turn.chat.current_order_id or audience_for(turn, order) is not Audience.PUBLIC:
        return order
    return None


def _say(turn: Turn, key: str, order: Order, **params: str) -> list[Reply]:
    return [Reply(turn.t(key, number=order.number, business=order.business.name, **params))]


def _may_change(turn: Turn, order: Order) -> list[Reply] | None:
    """Why this chat may not ask for a change now, or None when it may."""
    if audience_for(turn, order) is not Audience.OWNER:
        mine = Button(turn.t("button.my_orders"), "myorders")
        return [Reply(turn.t("bookings.prove_phone", number=order.number), buttons=(mine,))]
    if BookingStatus(order.status) not in bookings.OPEN:
        return _say(turn, "bookings.closed", order, status=turn.t("status." + order.status))
    return None


# ── add to calendar, contact ─────────────────────────────────────────────────


def _calendar(turn: Turn, number: str) -> list[Reply] | None:
    order = _booking_from_button(turn, number)
    if order is None:
        return None
    url = booking_calendar_url(turn.ctx.settings, order.id)
    return _say(turn, "bookings.calendar", order, url=url)


def _contact(turn: Turn, number: str) -> list[Reply] | None:
    order = _booking_from_button(turn, number)
    if order is None:
        return None
    return _say(turn, "order.contact", order, contact=contact_of(order.business, turn.lang))


# ── ask to reschedule ────────────────────────────────────────────────────────


def _changeable(turn: Turn, number: str) -> Order | list[Reply] | None:
    """The booking a change button names, or why it may not be changed from here."""
    order = _booking_from_button(turn, number)
    if order is None:
        return None
    refused = _may_change(turn, order)
    if refused:
        return refused
    turn.chat.current_order_id = order.id
    return order


def _reschedule(turn: Turn, number: str) -> list[Reply] | None:
    order = _changeable(turn, number)
    if not isinstance(order, Order):
        return order
    turn.set_state(State.AWAITING_BOOKING_TIME, order_id=order.id)
    when = booking_slot(order.booking, order.business, turn.lang)
    keep = Button(turn.t("bookings.button.keep"), f"bkeep:{order.number}")
    return [Reply(turn.t("bookings.ask_time", number=order.number, when=when), buttons=(keep,))]


def _state_booking(turn: Turn) -> Order | None:
    order = order_by_id(turn.session, int(turn.data.get("order_id") or 0))
    return order if order is not None and bookings.is_booking(order) else None


def _awaiting_time(turn: Turn) -> list[Reply] | None:
    """The customer's preferred day and time, in their words; anything that is plainly
    something else (a number, help) leaves the question and is answered as usual."""
    order = _state_booking(turn)
    if order is None or not turn.text or find_order_number(turn.text) or \
            _is_something_else(turn):
        turn.reset()
        return None
    zone = ZoneInfo(order.business.timezone)
    wanted = parse_when(turn.text, turn.lang, zone, turn.now)
    if wanted is None:
        return _say(turn, "bookings.time_not_understood", order)
    if wanted <= turn.now:
        return _say(turn, "bookings.time_past", order)
    if wanted == order.booking.starts_at:
        return _say(turn, "bookings.time_same", order)
    return _confirm_move(turn, order, wanted)


# What a customer may type instead of a time: each leaves the question and is answered.
_OTHER_WORDS = ("help", "language", "my_orders", "pay", "track", "notify", "stop", "forget")


def _is_something_else(turn: Turn) -> bool:
    return any(matches(turn.text, i18n.phrases(f"keywords.{name}")) is not None
               for name in _OTHER_WORDS)


def _confirm_move(turn: Turn, order: Order, wanted: datetime) -> list[Reply]:
    turn.set_state(State.CONFIRMING_BOOKING_CHANGE, order_id=order.id, kind="reschedule",
                   wanted=wanted.isoformat(), said=turn.text[:200])
    when = slot(wanted, order.booking.duration_minutes, order.business, turn.lang)
    return [Reply(turn.t("bookings.confirm_move", number=order.number,
                         business=order.business.name, when=when),
                  buttons=_yes_no(turn, order, "bookings.button.send_move"))]


def _yes_no(turn: Turn, order: Order, yes: str) -> tuple[Button, ...]:
    return (Button(turn.t(yes), f"bsend:{order.number}"),
            Button(turn.t("bookings.button.keep"), f"bkeep:{order.number}"))


# ── ask to cancel ────────────────────────────────────────────────────────────


def _cancel(turn: Turn, number: str) -> list[Reply] | None:
    order = _changeable(turn, number)
    if not isinstance(order, Order):
        return order
    turn.set_state(State.CONFIRMING_BOOKING_CHANGE, order_id=order.id, kind="cancel")
    now = bookings.can_cancel_now(order.business, order.booking, turn.now)
    key, yes = (("bookings.confirm_cancel_now", "bookings.button.cancel_now") if now
                else ("bookings.confirm_cancel_ask", "bookings.button.send_cancel"))
    when = booking_slot(order.booking, order.business, turn.lang)
    return [Reply(turn.t(key, number=order.number, business=order.business.name, when=when),
                  buttons=_yes_no(turn, order, yes))]


# ── the customer's yes or no ─────────────────────────────────────────────────


def _confirming(turn: Turn) -> list[Reply] | None:
    """"yes" / "no" typed instead of tapped; anything else leaves the question."""
    order = _state_booking(turn)
    said = turn.text
    if order is not None and matches(said, i18n.phrases("bookings.keywords.yes")) == "":
        return _send(turn, order.number)
    if order is not None and matches(said, i18n.phrases("bookings.keywords.no")) == "":
        return _keep(turn, order.number)
    turn.reset()
    return None


def _send(turn: Turn, number: str) -> list[Reply] | None:
    """The confirmed change: a request to the staff, or a cancellation at once."""
    order = _booking_from_button(turn, number)
    data = turn.data
    if order is None or turn.chat.state != State.CONFIRMING_BOOKING_CHANGE or \
            data.get("order_id") != order.id:
        return None
    turn.reset()
    refused = _may_change(turn, order)
    if refused:
        return refused
    try:
        if data.get("kind") == "reschedule":
            wanted = datetime.fromisoformat(str(data["wanted"]))
            bookings.request_change(turn.session, order, "reschedule", chat_id=turn.chat.id,
                                    wanted_starts_at=wanted, wanted_text=data.get("said"),
                                    now=turn.now)
            when = slot(wanted, order.booking.duration_minutes, order.business, turn.lang)
            return _say(turn, "bookings.move_sent", order, when=when)
        if bookings.can_cancel_now(order.business, order.booking, turn.now):
            event = bookings.cancel(turn.session, order, _customer(order), now=turn.now)
            _tell_staff(turn, order, staff_news.KIND, {"event_id": event.id}, f"staff:{event.id}")
            return _say(turn, "bookings.cancelled_now", order)
        bookings.request_change(turn.session, order, "cancel", chat_id=turn.chat.id, now=turn.now)
        return _say(turn, "bookings.cancel_sent", order)
    except DomainError:
        return _say(turn, "bookings.closed", order, status=turn.t("status." + order.status))


def _customer(order: Order) -> Actor:
    """The customer as the timeline and the staff's news name them."""
    return Actor((order.customer_name or "").strip() or CUSTOMER.name)


def _tell_staff(turn: Turn, order: Order, kind: str, payload: dict[str, int], key: str) -> None:
    """Every staff chat of the business hears what the customer did (the store tells a
    staff member's colleagues only, and nobody of a customer's own decision)."""
    channels = tuple(turn.ctx.settings.staff_channels)
    for _, chat in staff_news.staff_chats(turn.session, order.business_id, channels, turn.now):
        outbox.enqueue_for(turn.session, chat, kind=kind,
                           payload={"order_id": order.id, **payload},
                           key=f"{key}:chat:{chat.id}", order_id=order.id, now=turn.now)


def _keep(turn: Turn, number: str) -> list[Reply] | None:
    order = _booking_from_button(turn, number)
    if order is None:
        return None
    turn.reset()
    return _say(turn, "bookings.kept", order)


# ── a time the staff proposed ────────────────────────────────────────────────


def _proposal(turn: Turn, arg: str, accept: bool) -> list[Reply] | None:
    """Accept or decline the staff's proposed time: by the chat that asked, or the
    booking's proven customer."""
    request = turn.session.get(BookingRequest, int(arg)) if arg.isdigit() else None
    order = order_by_id(turn.session, request.order_id) if request else None
    if request is None or order is None or order.kind != OrderKind.BOOKING:
        return None
    if request.chat_id != turn.chat.id and audience_for(turn, order) is not Audience.OWNER:
        return None
    request = bookings.lock_request(turn.session, request.id, order.business_id)
    if request.status != "proposed" or request.proposed_starts_at is None:
        return _say(turn, "bookings.proposal_gone", order)
    when = slot(request.proposed_starts_at, order.booking.duration_minutes, order.business,
                turn.lang)
    try:
        bookings.decide_request(turn.session, request, accept, _customer(order), now=turn.now)
    except DomainError:
        return _say(turn, "bookings.proposal_gone", order)
    _tell_staff(turn, order, notices.CUSTOMER_DECIDED, {"request_id": request.id},
                f"bdecided:{request.id}")
    turn.chat.current_order_id = order.id
    return _say(turn, "bookings.proposal_accepted" if accept else "bookings.proposal_declined",
                order, when=when)


def _accept(turn: Turn, arg: str) -> list[Reply] | None:
    return _proposal(turn, arg, True)


def _decline(turn: Turn, arg: str) -> list[Reply] | None:
    return _proposal(turn, arg, False)


FEATURE = Feature(
    "bookings",
    buttons={
        "bcal": _calendar,
        "bcontact": _contact,
        "bmove": _reschedule,
        "bcancel": _cancel,
        "bsend": _send,
        "bkeep": _keep,
        "baccept": _accept,
        "bdecline": _decline,
    },
    states={
        State.AWAITING_BOOKING_TIME: _awaiting_time,
        State.CONFIRMING_BOOKING_CHANGE: _confirming,
    },
    renderers=notices.RENDERERS,
    views={OrderKind.BOOKING.value: booking_view},
)
