"""What a booking's web page shows, as data for a template: the booking's when and
where, its progress, price and how to pay, its timeline and whom to ask — the order
page's parts (handlers/orders/page.py) wherever a booking is an order (money, payment,
contact), its own where it is a time with the business. For the public audience:
first name only, no phone or notes; worded in the reader's language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date

from handlers import i18n
from handlers.bookings.links import booking_calendar_url, maps_url
from handlers.orders import page
from handlers.orders.page import Contact, Event, Payment, Step, Totals
from handlers.types import Settings
from store.bookings import FLOW, booking_of
from store.models import Booking, BookingStatus, Order, StatusEvent
from store.numbers import NOT_A_CODE, normalize_digits, number_key

B = BookingStatus
ENDED = (B.CANCELLED, B.NO_SHOW)  # the progress line stops where it was, then says this

# A booking number as people type it: the business's code, a dash or not, then a letter
# or a few and digits ("GS-B501", "gs b501", "GS–B501"). The order numbers' reader
# (handlers/parse.py) would take "B501" alone for the number.
_BOOKING_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])#?\s*([A-Za-z]{1,6})\s*[-_#/.\u2010-\u2015\u2212]?\s*"
    r"([A-Za-z]{1,3}\d{2,10})(?![0-9])"
)


def _booking_number(text: str) -> tuple[str, str] | None:
    for match in _BOOKING_NUMBER.finditer(normalize_digits(text)):
        if match.group(1).upper() not in NOT_A_CODE:
            return match.group(1).upper(), match.group(2).upper()
    return None


def booking_number_key(text: str) -> str | None:
    """The match key of the first booking number in `text` ("GSB501"), or None."""
    found = _booking_number(text)
    return number_key("".join(found)) if found else None


def booking_number_printed(text: str) -> str | None:
    """The first booking number in `text` as numbers are printed ("GS-B501"), or None:
    what is said of a number must look the same whether it exists."""
    found = _booking_number(text)
    return "-".join(found) if found else None


@dataclass(frozen=True)
class BookingPage(Totals):
    lang: str
    business: str
    initials: str
    number: str
    service: str
    first_name: str | None
    status: str
    cancelled: bool
    missed: bool
    steps: list[Step]
    when: str  # "Tue 2 Dec, 11:00 am – 12:00 pm", in the business's zone
    starts_iso: str
    staff_name: str | None
    place: str | None
    maps_url: str | None
    calendar_url: str
    payment: Payment | None
    timeline: list[Event]
    contact: Contact


def span(booking: Booking, zone: str, lang: str, country: str = "IN") -> str:
    """"Tue 2 Dec, 11:00 am – 12:00 pm": the day and the times in the business's zone
    (the end's day too when the booking runs past midnight)."""
    locale = i18n.babel_locale(lang, country)
    tz = ZoneInfo(zone)
    start, end = booking.starts_at.astimezone(tz), booking.ends_at.astimezone(tz)
    first = f"{_day(start, locale)}, {i18n.clock_time(start, locale)}"
    last = i18n.clock_time(end, locale)
    if end.date() != start.date():
        last = f"{_day(end, locale)}, {last}"
    return f"{first} – {last}"


def _day(local: datetime, locale: Locale) -> str:
    return format_date(local, "EEE d MMM", locale=locale)


def moment(order: Order, at: datetime, lang: str) -> str:
    """A start as the page words it: "Tue 2 Dec, 11:00 am", in the business's zone."""
    business = order.business
    locale = i18n.babel_locale(lang, business.country)
    local = at.astimezone(ZoneInfo(business.timezone))
    return f"{_day(local, locale)}, {i18n.clock_time(local, locale)}"


def steps(order: Order, lang: str) -> list[Step]:
    """requested → confirmed → checked in → completed, each done, current or ahead; a
    cancelled or missed booking shows the steps it reached, then what became of it."""
    labels = [i18n.t("status." + status, lang) for status in FLOW]
    status = B(order.status)
    if status in ENDED:
        reached = FLOW.index(_status_before(order, status))
        done = [Step(label, "done") for label in labels[: reached + 1]]
        return done + [Step(i18n.t("status." + status, lang),
                            "cancelled" if status is B.CANCELLED else "problem")]
    reached = FLOW.index(status)
    if status is B.COMPLETED:
        return [Step(label, "done") for label in labels]
    return [
        Step(label, "done" if n < reached else "current" if n == reached else "ahead")
        for n, label in enumerate(labels)
    ]


def _status_before(order: Order, ended: BookingStatus) -> BookingStatus:
    for event in reversed(order.events):
        if event.kind == "status" and event.to_status == ended and event.from_status:
            before = B(event.from_status)
            return before if before in FLOW else B.REQUESTED
    return B.REQUESTED


def event_text(order: Order, event: StatusEvent, lang: str) -> str | None:
    """A booking's own timeline lines (made, moved), then the order page's wording."""
    detail = event.detail or {}
    if event.kind == "status" and event.from_status is None:
        return i18n.t("bookings_web.event.made", lang,
                      status=i18n.t("status." + (event.to_status or order.status), lang))
    if event.kind == "reschedule" and "to" in detail:
        moved = {
            key: moment(order, datetime.fromisoformat(detail[key]), lang) for key in ("from", "to")
            if key in detail
        }
        key = "moved" if "from" in moved else "moved_to"
        return i18n.t(f"bookings_web.event.{key}", lang, **moved)
    if event.kind == "request":
        return _request_text(order, detail, lang)
    return page.event_text(order, event, lang)


def _request_text(order: Order, detail: dict[str, Any], lang: str) -> str | None:
    """The customer's wish to move or cancel, and what the business answered (an
    accepted wish is the move's or the cancellation's own line)."""
    at = lambda key: moment(order, datetime.fromisoformat(detail[key]), lang)  # noqa: E731
    outcome = detail.get("outcome")
    if outcome == "declined":
        return i18n.t("bookings_web.event.request_declined", lang, business=order.business.name)
    if outcome == "proposed" and detail.get("proposed"):
        return i18n.t("bookings_web.event.request_proposed", lang,
                      business=order.business.name, when=at("proposed"))
    if outcome is None and detail.get("kind") == "cancel":
        return i18n.t("bookings_web.event.request_cancel", lang)
    if outcome is None and detail.get("wanted"):
        return i18n.t("bookings_web.event.request_move", lang, when=at("wanted"))
    return None


def place_of(order: Order, booking: Booking) -> str | None:
    """Where the booking is: its own place, else the business's address."""
    place = booking.place or order.business.address
    return place.strip() if place and place.strip() else None


def build(settings: Settings, order: Order, lang: str, *,
          pay_now: str | None = None) -> BookingPage:
    booking = booking_of(order)
    business = order.business
    place = place_of(order, booking)
    name = (order.customer_name or "").split()
    return BookingPage(
        lang=lang,
        business=business.name,
        initials=page.initials(business.name),
        number=order.number,
        service=booking.service,
        first_name=name[0] if name else None,
        status=i18n.t("status." + order.status, lang),
        cancelled=order.status == B.CANCELLED,
        missed=order.status == B.NO_SHOW,
        steps=steps(order, lang),
        when=span(booking, business.timezone, lang, business.country),
        starts_iso=booking.starts_at.isoformat(),
        staff_name=booking.staff_name,
        place=place,
        maps_url=maps_url(place) if place else None,
        calendar_url=booking_calendar_url(settings, order.id),
        **page.totals(order, lang),
        payment=page.payment(order, settings, lang, pay_now),
        timeline=page.timeline(order, lang, describe=event_text),
        contact=page.contact(order, settings),
    )
