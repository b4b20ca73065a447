"""The business's staff and their bookings, in their own chat: `bookings` (today's and
tomorrow's, by time), `bookings tomorrow`, a booking number (the full view), `GS-B501
checked in` / `no show` / `completed` / `confirmed`, `move GS-B501 3/12 17:00`; the
answers to a booking asked for (confirm / decline) and to a customer's wish to move or
cancel one (accept / propose another time / decline).

Money and cancelling are the order commands' (`paid GS-B501 200 upi`, `cancel GS-B501
reason`, handlers/vendor): this feature tells them how a booking moves
(`Feature.staff_kinds`). Only ever the staff's own business's bookings: another's number
falls through to the order commands' refusal or the customer's answer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import i18n
from handlers.bookings.staff_notices import RENDERERS, TEMPLATE_FIELDS
from handlers.bookings.staff_view import booking_buttons, booking_view, bookings_list, slot
from handlers.feature import Feature, StaffKind
from handlers.parse import find_order_number, matches, mentions, without_order_number, words
from handlers.turn import State, Turn
from handlers.types import Reply
from handlers.vendor.commands import (
    actor_for,
    ask_cancel_reason,
    change_status,
    is_another_command,
    refusal,
    told,
)
from handlers.vendor.parse import is_only, strip_phrase, verb_of, vocabulary
from handlers.when import parse_when
from store import bookings
from store.errors import AlreadyDecided, DomainError, InvalidTransition, OrderClosed
from store.models import BookingRequest, BookingStatus, Order, StatusEvent
from store.queries import order_by_id, order_by_number

# Checked in this order: "no show" before a "show" another list might hold.
STATUSES = ("no_show", "checked_in", "completed", "confirmed")


def _keywords(name: str) -> list[str]:
    return i18n.phrases(f"bookings_staff.keywords.{name}")


def _own_booking(turn: Turn, number: str | None) -> Order | None:
    """The booking `number` names, only if it is one of the staff member's businesses'."""
    order = order_by_number(turn.session, number) if number and turn.staff else None
    if order is None or order.business_id not in turn.business_ids():
        return None
    return order if bookings.is_booking(order) else None


def _current_booking(turn: Turn) -> Order | None:
    if not turn.staff or turn.chat.current_order_id is None:
        return None
    order = order_by_id(turn.session, turn.chat.current_order_id)
    if order is None or order.business_id not in turn.business_ids():
        return None
    return order if bookings.is_booking(order) else None


def _zone(order: Order) -> ZoneInfo:
    return ZoneInfo(order.business.timezone)


# ── reading the staff's words ──────────────────────────────────────────────────


def list_days(text: str) -> tuple[int, ...] | None:
    """`bookings` → today and tomorrow; `bookings today` / `कल की बुकिंग` → that day."""
    found, rest = strip_phrase(text, _keywords("list"))
    if found is None:
        return None
    if not words(rest):
        return (0, 1)
    for offset, name in ((0, "today"), (1, "tomorrow")):
        if any(words(rest) == words(p) for p in _keywords(name)):
            return (offset,)
    return None


def status_in(text: str) -> str | None:
    for status in STATUSES:
        if mentions(text, _keywords(f"status.{status}")):
            return status
    return None


def _only_status(text: str) -> str | None:
    status = status_in(text)
    said = words(text)
    keywords = _keywords(f"status.{status}") if status else []
    return status if any(said == words(p) for p in keywords) else None


# ── free text ──────────────────────────────────────────────────────────────────


def _command(turn: Turn) -> list[Reply] | None:
    if not turn.staff or not turn.text or mentions(turn.text, vocabulary("proofs")):
        return None
    days = list_days(turn.text)
    if days is not None:
        turn.reset()
        return bookings_list(turn, days)
    number = find_order_number(turn.text)
    if number is not None:
        order = _own_booking(turn, number)
        return _numbered(turn, order, without_order_number(turn.text)) if order else None
    order = _current_booking(turn)
    if order is None:
        return None
    if matches(turn.text, _keywords("move")) is not None:  # "move 3/12 17:00": the last opened
        _, timing = strip_phrase(turn.text, _keywords("move"))
        return move(turn, order, timing)
    status = _only_status(turn.text)
    return _change(turn, order, status) if status else None


def _numbered(turn: Turn, order: Order, rest: str) -> list[Reply] | None:
    """A command on a booking named by its number. Money and cancel words are the
    order commands'; anything else they do not know opens the booking."""
    moving, timing = strip_phrase(rest, _keywords("move"))
    if moving:
        return move(turn, order, timing)
    if verb_of(rest):
        return None  # paid, refund, cancel, discount, charge: handlers/vendor
    answered = _typed_answer(turn, order, rest)
    if answered is not None:
        return answered
    status = status_in(rest)
    if status:
        return _change(turn, order, status)
    return None  # the order commands open it (their "open"), or explain a status


def _typed_answer(turn: Turn, order: Order, rest: str) -> list[Reply] | None:
    """`accept GS-B501`, `decline GS-B501`, `propose GS-B501 3/12 17:00`: the buttons of
    a wish still waiting, typed. A booking asked for and declined is cancelled."""
    request = bookings.open_request(turn.session, order.id)
    for answer in ("propose", "decline", "accept"):
        found, timing = strip_phrase(rest, _keywords(f"request.{answer}"))
        if found is None:
            continue
        if request is None or request.status != "pending":
            if answer == "decline" and order.status == BookingStatus.REQUESTED:
                return _status_button(turn, f"{order.number}:{BookingStatus.CANCELLED.value}")
            return None
        turn.reset()
        turn.chat.current_order_id = order.id
        if answer == "propose":
            return _at(turn, order, timing, request.id) if words(timing) else _ask_propose(
                turn, order, request)
        return _decide(turn, order, request.id, accept=answer == "accept")
    return None


def _change(turn: Turn, order: Order, status: str) -> list[Reply]:
    """A new status; the booking becomes the chat's current one (`done` then acts on it)."""
    turn.reset()
    turn.chat.current_order_id = order.id
    return change_status(turn, order, status)


# ── moving a booking, proposing a time ─────────────────────────────────────────


def move(turn: Turn, order: Order, timing: str) -> list[Reply]:
    """Move the booking to the moment `timing` names; without one, ask for it."""
    turn.reset()
    turn.chat.current_order_id = order.id
    if order.status not in bookings.OPEN:
        return [_closed(turn, order)]
    if not words(timing):
        turn.set_state(State.AWAITING_STAFF_TIME, order=order.number)
        return [Reply(turn.t("bookings_staff.ask_time", number=order.number))]
    return _at(turn, order, timing, None)


def _at(turn: Turn, order: Order, timing: str, request_id: int | None) -> list[Reply]:
    """The moment in `timing` for a move (or a proposal for `request_id`); asked again
    when it cannot be read."""
    starts_at = parse_when(timing, turn.lang, _zone(order), turn.now)
    if starts_at is None:
        turn.set_state(State.AWAITING_STAFF_TIME, order=order.number, request=request_id)
        return [Reply(turn.t("bookings_staff.time_unread", number=order.number))]
    turn.reset()
    if request_id is not None:
        return _propose(turn, order, request_id, starts_at)
    return _move_to(turn, order, starts_at)


def _closed(turn: Turn, order: Order) -> Reply:
    return Reply(turn.t("bookings_staff.closed_move", number=order.number,
                        status=turn.t("status." + order.status)),
                 buttons=booking_buttons(turn, order))


def _explain(turn: Turn, order: Order, error: DomainError) -> str | None:
    """The words for a move's or a request's "no" (the order commands word the rest)."""
    if isinstance(error, OrderClosed):
        return _closed(turn, order).text
    if isinstance(error, InvalidTransition) and error.params.get("same") and (
        error.params.get("target") == order.status
    ):
        return turn.t("bookings_staff.same_time", number=order.number,
                      when=slot(order.booking, order.business, turn.lang))
    if isinstance(error, AlreadyDecided):
        status = str(error.params.get("status"))
        return turn.t("bookings_staff.request_gone", number=order.number,
                      status=turn.t(f"bookings_staff.request_status.{status}"))
    return None


def _move_to(turn: Turn, order: Order, starts_at: datetime) -> list[Reply]:
    before = slot(order.booking, order.business, turn.lang)
    replies: list[Reply] = []
    with refusal(turn, order, replies, explain=lambda e: _explain(turn, order, e)):
        event = bookings.reschedule(turn.session, order, starts_at, actor_for(turn, order),
                                    now=turn.now)
        replies.append(_moved_reply(turn, order, before, event))
    return replies


def _moved_reply(turn: Turn, order: Order, before: str, event: StatusEvent) -> Reply:
    after = slot(order.booking, order.business, turn.lang)
    text = "\n".join([turn.t("bookings_staff.moved_ok", number=order.number, before=before,
                             after=after), told(turn, event)])
    return Reply(text, buttons=booking_buttons(turn, order))


def _propose(turn: Turn, order: Order, request_id: int, starts_at: datetime) -> list[Reply]:
    replies: list[Reply] = []
    with refusal(turn, order, replies, explain=lambda e: _explain(turn, order, e)):
        request = bookings.lock_request(turn.session, request_id, order.business_id)
        bookings.propose_time(turn.session, request, starts_at, actor_for(turn, order),
                              now=turn.now)
        when = slot(order.booking, order.business, turn.lang, starts_at)
        replies.append(Reply(turn.t("bookings_staff.proposed_ok", number=order.number,
                                    when=when), buttons=booking_buttons(turn, order)))
    return replies


def _time_words(turn: Turn) -> list[Reply] | None:
    """The answer to "when should it start?": a moment, "keep", or another command."""
    order = _own_booking(turn, turn.data.get("order"))
    if order is None or is_another_command(turn.text) or list_days(turn.text) is not None:
        turn.reset()  # not staff any more, or a new command: route it as such
        return None
    if is_only(turn.text, "keep"):
        turn.reset()
        return [Reply(turn.t("bookings_staff.kept", number=order.number),
                      buttons=booking_buttons(turn, order))]
    request_id = turn.data.get("request")
    return _at(turn, order, turn.text, int(request_id) if request_id else None)


# ── buttons ────────────────────────────────────────────────────────────────────


def _open_button(turn: Turn, number: str) -> list[Reply] | None:
    order = _own_booking(turn, number)
    if order is None:
        return None
    turn.reset()
    return booking_view(turn, order)


def _list_button(turn: Turn, _arg: str) -> list[Reply] | None:
    if not turn.staff:
        return None
    turn.reset()
    return bookings_list(turn, (0, 1))


def _status_button(turn: Turn, arg: str) -> list[Reply] | None:
    """`bst:GS-B501:checked_in`; cancelled (a decline too) asks the reason first."""
    number, _, status = arg.rpartition(":")
    order = _own_booking(turn, number)
    if order is None or status not in {s.value for s in BookingStatus}:
        return None
    if status == BookingStatus.CANCELLED:
        turn.reset()
        turn.chat.current_order_id = order.id
        return ask_cancel_reason(turn, order)
    return _change(turn, order, status)


def _move_button(turn: Turn, number: str) -> list[Reply] | None:
    order = _own_booking(turn, number)
    return move(turn, order, "") if order else None


def _request_button(turn: Turn, arg: str) -> list[Reply] | None:
    """`breq:<id>:yes|no|propose`: the staff's answer to a customer's wish."""
    request_id, _, answer = arg.partition(":")
    request = (turn.session.get(BookingRequest, int(request_id))
               if turn.staff and request_id.isdigit() else None)
    order = order_by_id(turn.session, request.order_id) if request else None
    if request is None or order is None or order.business_id not in turn.business_ids():
        return None
    turn.reset()
    turn.chat.current_order_id = order.id
    if answer == "propose":
        return _ask_propose(turn, order, request)
    return _decide(turn, order, request.id, accept=answer == "yes")


def _ask_propose(turn: Turn, order: Order, request: BookingRequest) -> list[Reply]:
    if request.status != "pending":
        return [Reply(_explain(turn, order, AlreadyDecided(status=request.status)) or "")]
    turn.set_state(State.AWAITING_STAFF_TIME, order=order.number, request=request.id)
    return [Reply(turn.t("bookings_staff.ask_propose", number=order.number))]


def _decide(turn: Turn, order: Order, request_id: int, *, accept: bool) -> list[Reply]:
    """Accept or decline a request still pending (one the staff proposed another time
    for waits for the customer, not for them)."""
    before = slot(order.booking, order.business, turn.lang)
    replies: list[Reply] = []
    with refusal(turn, order, replies, explain=lambda e: _explain(turn, order, e)):
        request = bookings.lock_request(turn.session, request_id, order.business_id)
        if request.status != "pending":
            raise AlreadyDecided(status=request.status)
        previous = order.status
        event = bookings.decide_request(turn.session, request, accept,
                                        actor_for(turn, order), now=turn.now)
        replies.append(_decided_reply(turn, order, request, event, before, previous))
    return replies


def _decided_reply(turn: Turn, order: Order, request: BookingRequest,
                   event: StatusEvent | None, before: str, previous: str) -> Reply:
    if event is None:
        lines = [turn.t("bookings_staff.declined_ok", number=order.number, when=before),
                 turn.t("bookings_staff.customer_told")]
    elif request.kind == "cancel":
        lines = [turn.t("vendor.cancelled_ok", number=order.number,
                        before=turn.t("status." + previous)), told(turn, event)]
    else:
        when = slot(order.booking, order.business, turn.lang)
        lines = [turn.t("bookings_staff.accepted_move", number=order.number, when=when),
                 told(turn, event)]
    return Reply("\n".join(lines), buttons=booking_buttons(turn, order))


# ── how the order commands move a booking ──────────────────────────────────────


def _set_status(session, order: Order, status: str, actor, **kwargs) -> StatusEvent:  # noqa: ANN001
    """bookings.set_status, with an order's status word ("ready") refused as a move
    the booking cannot make."""
    if status not in {s.value for s in BookingStatus}:
        raise InvalidTransition(current=order.status, target=status)
    return bookings.set_status(session, order, status, actor, **kwargs)


BOOKING = StaffKind(
    next_statuses=lambda status: [s.value for s in bookings.allowed_next(status)],
    set_status=_set_status,
    view=booking_view,
    buttons=booking_buttons,
)

FEATURE = Feature(
    "bookings_staff",
    buttons={"bo": _open_button, "bl": _list_button, "bst": _status_button,
             "bsmove": _move_button, "breq": _request_button},
    intents=(_command,),
    states={State.AWAITING_STAFF_TIME: _time_words},
    renderers=RENDERERS,
    template_fields=TEMPLATE_FIELDS,
    staff_kinds={"booking": BOOKING},
)
