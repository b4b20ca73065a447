"""A booking's time as people read it, in the business's zone and the reader's
language: "Wed 25 Nov, 11:00 am – 12:00 pm" (the day of the end too when it is
another day)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from handlers import i18n
from store.models import Booking, Business

DAY_PATTERN = "EEE d MMM"


def _local(moment: datetime, business: Business) -> datetime:
    return moment.astimezone(ZoneInfo(business.timezone))


def day_and_time(moment: datetime, business: Business, lang: str) -> str:
    """"Wed 25 Nov, 11:00 am"."""
    locale = i18n.babel_locale(lang, business.country)
    local = _local(moment, business)
    return f"{format_date(local, DAY_PATTERN, locale=locale)}, {i18n.clock_time(local, locale)}"


def slot(starts_at: datetime, minutes: int, business: Business, lang: str) -> str:
    """"Wed 25 Nov, 11:00 am – 12:00 pm" for a start and a length."""
    start = _local(starts_at, business)
    end = _local(starts_at + timedelta(minutes=minutes), business)
    if end.date() != start.date():
        return f"{day_and_time(starts_at, business, lang)} – {day_and_time(end, business, lang)}"
    locale = i18n.babel_locale(lang, business.country)
    return f"{day_and_time(starts_at, business, lang)} – {i18n.clock_time(end, locale)}"


def booking_slot(booking: Booking, business: Business, lang: str) -> str:
    return slot(booking.starts_at, booking.duration_minutes, business, lang)
