"""A booking as a calendar file (RFC 5545, written by the `icalendar` library): one
event whose UID stays the booking's for life, so that a calendar app which adds the
file again — after a move or a cancellation, with a higher SEQUENCE — updates the
entry it has instead of adding a second one. Times carry the business's zone (TZID and
its VTIMEZONE), so the entry shows the salon's 11:00 wherever the phone is."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from handlers import i18n
from handlers.booking_page import place_of
from handlers.bookings.links import booking_page_url
from handlers.types import Settings
from store.bookings import booking_of
from store.models import BookingStatus, Order

PRODID = "-//orderbot//bookings//EN"
# The event's STATUS for each of the booking's: asked for but not yet agreed is
# TENTATIVE; a cancelled or missed booking no longer holds the time.
STATUS = {
    BookingStatus.REQUESTED: "TENTATIVE",
    BookingStatus.CANCELLED: "CANCELLED",
    BookingStatus.NO_SHOW: "CANCELLED",
}


def uid(settings: Settings, order_id: int) -> str:
    """`booking-42@bot.example.in`: the same for the booking whatever becomes of it."""
    host = urlsplit(settings.public_base_url).hostname or "orderbot"
    return f"booking-{order_id}@{host}"


def ics(settings: Settings, order: Order, lang: str, now: datetime) -> bytes:
    """The booking's calendar file, worded in `lang`, stamped `now`."""
    booking = booking_of(order)
    business = order.business
    zone = ZoneInfo(business.timezone)
    page = booking_page_url(settings, order.id, lang)
    event = Event()
    event.add("uid", uid(settings, order.id))
    event.add("dtstamp", now)
    event.add("last-modified", booking.updated_at)
    event.add("dtstart", booking.starts_at.astimezone(zone))
    event.add("dtend", booking.ends_at.astimezone(zone))
    event.add("sequence", booking.sequence)
    event.add("status", STATUS.get(BookingStatus(order.status), "CONFIRMED"))
    event.add("summary", i18n.t("bookings_web.ics.summary", lang, service=booking.service,
                                business=business.name))
    place = place_of(order, booking)
    if place:
        event.add("location", " ".join(place.split()))
    event.add("url", page)
    event.add("description", _description(order, page, lang))
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _description(order: Order, page: str, lang: str) -> str:
    booking = booking_of(order)
    lines = [i18n.t("bookings_web.ics.number", lang, number=order.number)]
    if booking.staff_name:
        lines.append(i18n.t("bookings_web.ics.staff", lang, name=booking.staff_name))
    lines.append(i18n.t("bookings_web.ics.details", lang, url=page))
    return "\n".join(lines)
