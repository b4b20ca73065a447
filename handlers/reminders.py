"""Words for a booking's reminder (outbox kind `booking_reminder`, queued by
store/reminders.py): what, where, when in the business's zone, with whom, and what is
still to pay. Rendered at delivery, so a booking moved, closed or begun since it was
queued sends nothing (the render fails as "nothing to send": bot/worker.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from sqlalchemy.orm import Session

from handlers import i18n
from handlers.feature import Feature
from handlers.types import Reply
from store import reminders
from store.models import Booking, Order, OutboxMessage


def time_span(booking: Booking, zone: str, lang: str, country: str = "IN") -> str:
    """"Tue 2 Dec, 11:00 am – 12:00 pm" in the business's zone, in the reader's words."""
    locale = i18n.babel_locale(lang, country)
    start = booking.starts_at.astimezone(ZoneInfo(zone))
    end = booking.ends_at.astimezone(ZoneInfo(zone))
    day = format_date(start, "EEE d MMM", locale=locale)
    return f"{day}, {i18n.clock_time(start, locale)} – {_end(start, end, locale)}"


def _end(start: datetime, end: datetime, locale: Locale) -> str:
    clock = i18n.clock_time(end, locale)
    if end.date() == start.date():
        return clock
    return f"{format_date(end, 'EEE d MMM', locale=locale)}, {clock}"


def _reminder(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order = session.get(Order, message.payload["order_id"])
    if order is None or not reminders.is_current(order, message.payload, reminders.now_of(session)):
        raise LookupError("the booking moved, closed or began since its reminder was queued")
    booking, business = order.booking, order.business
    t = lambda key, **p: i18n.t(key, lang, **p)  # noqa: E731
    when = time_span(booking, business.timezone, lang, business.country)
    lines = [t("reminder.title", service=booking.service, business=business.name, when=when),
             t("reminder.number", number=order.number)]
    place = booking.place or business.address
    if place:
        lines.append(t("reminder.place", place=place))
    if booking.staff_name:
        lines.append(t("reminder.staff", staff=booking.staff_name))
    if order.due_minor > 0:
        lines.append(t("reminder.due", amount=i18n.order_money(order, order.due_minor, lang)))
    return [Reply("\n".join(lines))]


FEATURE = Feature(name="reminders", renderers={reminders.KIND: _reminder})
