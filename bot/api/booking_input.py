"""Reading the bookings API's JSON bodies and query strings (issue 18): a booking's
number, its start (ISO 8601 with its offset, or the business's local time without
one), length, price and people; every refusal names the field at fault and writes
nothing. Money, phones and the other fields read as the orders API reads them
(bot/api/input.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.api.errors import ApiError
from bot.api.input import MAX_MINOR, Fields, phone_input
from store.bookings import MAX_DURATION_MINUTES, NewBooking
from store.models import BookingStatus, Business, Order

STATUSES = tuple(s.value for s in BookingStatus)
DEFAULT_DURATION = 60
LIST_DAYS, MAX_LIST_DAYS = 7, 92  # GET /bookings: a week by default, a quarter at most
BOOKING_FIELDS = {"number", "service", "starts_at", "duration_minutes", "price_minor",
                  "customer_name", "customer_phone", "staff", "place", "status",
                  "customer_note", "internal_note"}


def booking_number(business: Business, text: str, field_name: str = "number") -> str:
    """The business's code, a dash, `B` and 3–10 digits (GS-B501, gsb501 → GS-B501)."""
    match = re.fullmatch(rf"{re.escape(business.code)}\s*[-#/.]?\s*B\s*(\d{{3,10}})", text,
                         re.I)
    if not match:
        raise ApiError(422, "invalid_number", field_name, msg="invalid_booking_number",
                       prefix=business.code)
    return f"{business.code}-B{match.group(1)}"


def zone_of(business: Business) -> ZoneInfo:
    return ZoneInfo(business.timezone)


def parse_moment(business: Business, text: str, field_name: str) -> datetime:
    """An ISO 8601 date and time: with its offset (`Z`, `+05:30`) as it says, without
    one in the business's time zone; returned in UTC."""
    # An unencoded "+05:30" in a query string arrives as " 05:30".
    typed = text.strip().replace(" ", "+") if "T" in text else text.strip()
    if re.fullmatch(r"[\d-]{1,10}", typed):  # a date alone is no start
        raise ApiError(422, "invalid_value", field_name, msg="invalid_start")
    try:
        moment = datetime.fromisoformat(typed.replace("z", "Z"))
    except ValueError:
        raise ApiError(422, "invalid_value", field_name, msg="invalid_start") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone_of(business))
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class BookingInput:
    """What a POST /bookings body says; None for what it leaves out (an update keeps
    it, a new booking takes the default or refuses)."""

    number: str
    service: str | None = None
    starts_at: datetime | None = None
    duration_minutes: int | None = None
    price_minor: int | None = None
    staff: tuple[str | None] | None = None  # (name,) when given, None when left out
    place: tuple[str | None] | None = None
    status: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)

    def spec(self, order: Order | None) -> NewBooking:
        """The whole booking: this input over the booking `order` already there (a new
        one must give its service, start and price)."""
        if order is None or order.booking is None:
            for name in ("service", "starts_at", "price_minor"):
                if getattr(self, name) is None:
                    raise ApiError(422, "missing_field", name)
            return NewBooking(
                service=self.service or "", starts_at=self.starts_at,  # type: ignore[arg-type]
                duration_minutes=self.duration_minutes or DEFAULT_DURATION,
                price_minor=self.price_minor or 0,
                staff_name=self.staff[0] if self.staff else None,
                place=self.place[0] if self.place else None,
            )
        existing = order.booking
        price = sum(item.line_total_minor for item in order.items)  # not the adjustments
        return NewBooking(
            service=self.service or existing.service,
            starts_at=self.starts_at or existing.starts_at,
            duration_minutes=self.duration_minutes or existing.duration_minutes,
            price_minor=price if self.price_minor is None else self.price_minor,
            staff_name=existing.staff_name if self.staff is None else self.staff[0],
            place=existing.place if self.place is None else self.place[0],
        )


def _duration(fields: Fields) -> int:
    return fields.integer("duration_minutes", minimum=1, maximum=MAX_DURATION_MINUTES,
                          code="invalid_value")


def booking_input(business: Business, body: dict[str, Any]) -> BookingInput:
    top = Fields(body, BOOKING_FIELDS)
    number = booking_number(business, top.text("number", required=True) or "")
    values: dict[str, Any] = {}
    if top.has("service"):
        values["service"] = top.text("service", required=True, limit=200)
    if top.has("starts_at"):
        values["starts_at"] = parse_moment(
            business, top.text("starts_at", required=True) or "", "starts_at")
    if top.has("duration_minutes"):
        values["duration_minutes"] = _duration(top)
    if top.has("price_minor"):
        values["price_minor"] = top.integer("price_minor", minimum=0, maximum=MAX_MINOR)
    if top.has("staff"):
        values["staff"] = (top.text("staff", limit=120),)
    if top.has("place"):
        values["place"] = (top.text("place", limit=1000, multiline=True),)
    if top.has("status"):
        values["status"] = top.choice("status", STATUSES, code="unknown_status")
    fields: dict[str, Any] = {}
    if top.has("customer_name"):
        fields["customer_name"] = top.text("customer_name", limit=120)
    if top.has("customer_phone"):
        fields["customer_phone"] = phone_input(business, top.text("customer_phone", limit=40),
                                          "customer_phone")
    for key in ("customer_note", "internal_note"):
        if top.has(key):
            fields[key] = top.text(key, limit=2000, multiline=True)
    return BookingInput(number, fields=fields, **values)


def booking_status_input(body: dict[str, Any]) -> tuple[str, str | None]:
    fields = Fields(body, {"status", "reason"})
    return (fields.choice("status", STATUSES, code="unknown_status"),
            fields.text("reason", limit=500))


def reschedule_input(business: Business, body: dict[str, Any]) -> tuple[datetime, int | None]:
    """`{"starts_at": "2026-12-03T17:00", "duration_minutes": 90}` (the length optional)."""
    fields = Fields(body, {"starts_at", "duration_minutes"})
    starts_at = parse_moment(business, fields.text("starts_at", required=True) or "",
                             "starts_at")
    return starts_at, _duration(fields) if fields.has("duration_minutes") else None


def _bound(business: Business, text: str, name: str, end: bool) -> datetime:
    """A `from`/`to` bound: a date (`2026-12-02`: the start of that local day, or for
    `to` the end of it) or a date and time."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ApiError(422, "invalid_value", name, msg="invalid_start") from None
        if end:
            day += timedelta(days=1)
        return datetime.combine(day, time(), zone_of(business)).astimezone(UTC)
    return parse_moment(business, text, name)


def range_input(business: Business, args: Any, now: datetime) -> tuple[datetime, datetime]:
    """`GET /bookings?from=&to=`: today (in the business's zone) and the 7 days after
    by default; `to` after `from`, at most 92 days apart."""
    unknown = set(args) - {"from", "to"}
    if unknown:
        raise ApiError(422, "unknown_field", sorted(unknown)[0])
    if args.get("from"):
        start = _bound(business, args["from"], "from", end=False)
    else:
        today = now.astimezone(zone_of(business)).date()
        start = datetime.combine(today, time(), zone_of(business)).astimezone(UTC)
    if args.get("to"):
        end = _bound(business, args["to"], "to", end=True)
    else:
        local = start.astimezone(zone_of(business))
        end = (local.replace(tzinfo=None) + timedelta(days=LIST_DAYS)).replace(
            tzinfo=zone_of(business)).astimezone(UTC)
    if end <= start:
        raise ApiError(422, "invalid_value", "to", msg="range_backwards")
    if end - start > timedelta(days=MAX_LIST_DAYS):
        raise ApiError(422, "invalid_value", "to", msg="range_too_long", limit=MAX_LIST_DAYS)
    return start, end
