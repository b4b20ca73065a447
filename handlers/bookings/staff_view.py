"""What the staff see of their bookings: a day's bookings by time, and one booking in
full — when and where, the customer's contact, the internal note, a request waiting
for them, the timeline — with buttons that move it on. Times are the business's
local time, worded for the reader ("Wed 25 Nov, 11:00 am – 12:00 pm")."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from handlers import i18n
from handlers.bookings.links import booking_page_url
from handlers.orders.view import money
from handlers.turn import Turn
from handlers.types import Button, Reply
from handlers.vendor.view import TIMELINE_LIMIT, customer_lines, event_line, proof_lines
from store import bookings, chat_reads
from store.models import Booking, BookingRequest, BookingStatus, Business, Order, StatusEvent

LIST_LIMIT = 20


def moment(at: datetime, business: Business, lang: str) -> str:
    """"Wed 25 Nov, 11:00 am": a start in the business's zone."""
    locale = i18n.babel_locale(lang, business.country)
    local = at.astimezone(ZoneInfo(business.timezone))
    return i18n.t("bookings_staff.moment", lang, day=format_date(local, "EEE d MMM", locale=locale),
                  start=i18n.clock_time(local, locale))


def slot(booking: Booking, business: Business, lang: str, starts_at: datetime | None = None
         ) -> str:
    """"Wed 25 Nov, 11:00 am – 12:00 pm": the booking's time (or the same length from
    `starts_at`), in the business's zone."""
    start = starts_at or booking.starts_at
    end = start + timedelta(minutes=booking.duration_minutes)
    locale = i18n.babel_locale(lang, business.country)
    zone = ZoneInfo(business.timezone)
    local = start.astimezone(zone)
    return i18n.t("bookings_staff.slot", lang, day=format_date(local, "EEE d MMM", locale=locale),
                  start=i18n.clock_time(local, locale),
                  end=i18n.clock_time(end.astimezone(zone), locale))


# ── a day's bookings ───────────────────────────────────────────────────────────


def day_bounds(business: Business, now: datetime, offset: int) -> tuple[datetime, datetime]:
    """The UTC start and end of the business's local day `offset` days from today."""
    zone = ZoneInfo(business.timezone)
    day = now.astimezone(zone).date() + timedelta(days=offset)
    start = datetime.combine(day, time(0), zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), zone)


def _day_name(turn: Turn, business: Business, offset: int) -> str:
    start, _ = day_bounds(business, turn.now, offset)
    locale = i18n.babel_locale(turn.lang, business.country)
    word = turn.t("bookings_staff.today" if offset == 0 else "bookings_staff.tomorrow")
    return f"{word}, {format_date(start, 'EEE d MMM', locale=locale)}"


def day_lines(turn: Turn, business: Business, offset: int) -> tuple[list[str], list[Order]]:
    """One day's bookings of the business (cancelled ones left out), by start time."""
    start, end = day_bounds(business, turn.now, offset)
    found = [o for o in bookings.bookings_between(turn.session, business.id, start, end)
             if o.status != BookingStatus.CANCELLED][:LIST_LIMIT]
    day = _day_name(turn, business, offset)
    if not found:
        return [turn.t("bookings_staff.list_none", day=day)], []
    locale = i18n.babel_locale(turn.lang, business.country)
    lines = [turn.t("bookings_staff.list_title", day=day)]
    for order in found:
        booking = bookings.booking_of(order)
        line = turn.t(
            "bookings_staff.list_item", number=order.number, service=booking.service,
            time=i18n.clock_time(booking.starts_at.astimezone(ZoneInfo(business.timezone)),
                                 locale),
            name=order.customer_name or "—", status=turn.t("status." + order.status),
        )
        if order.due_minor > 0 and order.status in bookings.OPEN:
            line += turn.t("bookings_staff.list_due", due=money(turn, order, order.due_minor))
        lines.append(line)
    return lines, found


def bookings_list(turn: Turn, offsets: tuple[int, ...]) -> list[Reply]:
    """The staff's bookings on each day of `offsets` (0 today, 1 tomorrow), each a choice."""
    lines: list[str] = []
    listed: list[Order] = []
    for staff in turn.staff:
        for offset in offsets:
            day, orders = day_lines(turn, staff.business, offset)
            lines += ([""] if lines else []) + day
            listed += orders
    buttons = tuple(Button(o.number, f"bo:{o.number}") for o in listed[:10])
    return [Reply("\n".join(lines), buttons=buttons)]


# ── one booking ────────────────────────────────────────────────────────────────


def request_buttons(request: BookingRequest, lang: str) -> list[Button]:
    """Accept, propose another time (a move only), decline: a request waiting for staff."""
    def button(name: str, answer: str) -> Button:
        return Button(i18n.t(f"bookings_staff.button.{name}", lang), f"breq:{request.id}:{answer}")

    proposing = [button("propose", "propose")] if request.kind == "reschedule" else []
    return [button("accept", "yes"), *proposing, button("decline", "no")]


def status_buttons(turn: Turn, order: Order) -> list[Button]:
    """The statuses the booking may go to now, a move while it is open, and cancel."""
    number = order.number
    buttons = []
    for status in bookings.allowed_next(order.status):
        if status is BookingStatus.CANCELLED:
            continue
        label = (turn.t("bookings_staff.button.confirm") if status is BookingStatus.CONFIRMED
                 else turn.t("vendor.button.move", status=turn.t("status." + status.value)))
        buttons.append(Button(label, f"bst:{number}:{status.value}"))
    if order.status in bookings.OPEN:
        buttons.append(Button(turn.t("bookings_staff.button.move"), f"bsmove:{number}"))
        buttons.append(Button(turn.t("bookings_staff.button.cancel"), f"bst:{number}:cancelled"))
    return buttons


def booking_buttons(turn: Turn, order: Order, refresh: bool = False) -> tuple[Button, ...]:
    """A request's answers first when one waits, then the moves, (re)open and the list."""
    request = bookings.open_request(turn.session, order.id)
    waiting = request_buttons(request, turn.lang) if request and request.status == "pending" else []
    reopen = (turn.t("button.refresh") if refresh
              else turn.t("bookings_staff.button.open", number=order.number))
    return (*waiting, *status_buttons(turn, order), Button(reopen, f"bo:{order.number}"),
            Button(turn.t("bookings_staff.button.list"), "bl"))


def _request_line(turn: Turn, order: Order, request: BookingRequest) -> str:
    business = order.business
    if request.status == "proposed" and request.proposed_starts_at:
        return turn.t("bookings_staff.request_proposed",
                      when=slot(order.booking, business, turn.lang, request.proposed_starts_at))
    if request.kind == "cancel":
        reason = (turn.t("bookings_staff.request_reason", reason=request.reason)
                  if request.reason else "")
        return turn.t("bookings_staff.request_cancel", reason=reason)
    words = (turn.t("bookings_staff.request_words", words=request.wanted_text)
             if request.wanted_text else "")
    return turn.t("bookings_staff.request_move", words=words,
                  when=slot(order.booking, business, turn.lang, request.wanted_starts_at))


def booking_text(turn: Turn, order: Order) -> str:
    booking = bookings.booking_of(order)
    business = order.business
    t = turn.t
    lines = [
        t("bookings_staff.header", number=order.number, business=business.name),
        t("bookings_staff.service", service=booking.service),
        t("bookings_staff.when", when=slot(booking, business, turn.lang)),
    ]
    if booking.staff_name:
        lines.append(t("bookings_staff.with_staff", name=booking.staff_name))
    place = booking.place or business.address
    if place:
        lines.append(t("bookings_staff.place", place=place))
    lines += ["", t("bookings_staff.status", status=t("status." + order.status)),
              t("bookings_staff.money", price=money(turn, order, order.total_minor),
                paid=money(turn, order, order.paid_minor),
                due=money(turn, order, order.due_minor))]
    if order.to_refund_minor:
        lines.append(t("money.to_refund", amount=money(turn, order, order.to_refund_minor)))
    request = bookings.open_request(turn.session, order.id)
    if request is not None:
        lines.append(_request_line(turn, order, request))
    lines += ["", *customer_lines(turn, order)]
    if order.customer_note:
        lines.append(t("bookings_staff.customer_note", note=order.customer_note))
    lines += ["", *timeline_lines(turn, order)]
    proofs = proof_lines(turn, order)
    page = turn.t("web.link", url=booking_page_url(turn.ctx.settings, order.id, turn.lang))
    return "\n".join(lines + ([""] + proofs if proofs else []) + ["", page])


def booking_view(turn: Turn, order: Order) -> list[Reply]:
    """The booking as its staff see it; it becomes the chat's current one."""
    turn.chat.current_order_id = order.id
    return [Reply(booking_text(turn, order), buttons=booking_buttons(turn, order, True),
                  refresh_of=f"order:{order.number}")]


# ── the timeline ───────────────────────────────────────────────────────────────


def _booking_event(turn: Turn, order: Order, event: StatusEvent) -> str | None:
    """A booking's own timeline lines (a move, a request and its outcome), worded."""
    detail = event.detail or {}
    business = order.business

    def at(key: str) -> str:
        return moment(datetime.fromisoformat(str(detail[key])), business, turn.lang)

    if event.kind == "reschedule" and "from" in detail:
        return turn.t("bookings_staff.timeline.moved", before=at("from"), after=at("to"))
    if event.kind == "update":
        return turn.t("bookings_staff.timeline.updated")
    if event.kind != "request":
        return None
    outcome = detail.get("outcome")
    if outcome == "proposed" and detail.get("proposed"):
        return turn.t("bookings_staff.timeline.proposed", when=at("proposed"))
    if outcome:
        label = turn.t(f"bookings_staff.request_status.{outcome}")
        return turn.t("bookings_staff.timeline.answered", outcome=label)
    if detail.get("kind") == "cancel":
        return turn.t("bookings_staff.timeline.asked_cancel")
    wanted = at("wanted") if detail.get("wanted") else "—"
    return turn.t("bookings_staff.timeline.asked_move", when=wanted)


def timeline_lines(turn: Turn, order: Order) -> list[str]:
    events = chat_reads.latest_events(turn.session, order.id, TIMELINE_LIMIT)
    lines = [turn.t("vendor.timeline.title")]
    for event in reversed(events):
        what = _booking_event(turn, order, event)
        if what is None:
            lines.append(event_line(turn, order, event))
            continue
        if (event.detail or {}).get("reason"):
            what += " — " + str(event.detail["reason"])
        lines.append(turn.t("vendor.timeline.line", what=what, who=event.actor,
                            when=i18n.when(event.created_at, order.business.timezone,
                                           turn.lang, order.business.country)))
    return lines
