"""Bookings from a spreadsheet (issue 18): a CSV with one row per booking, read and
checked whole before anything is written, then imported through the booking services.

    booking_number,service,starts_at,duration_minutes,customer_name,customer_phone,staff,status,price,amount_paid
    GS-B601,Haircut,2026-12-02 11:00,60,Ravi Kumar,+919811111111,Neha,confirmed,800.00,200.00

`starts_at` is the business's local time (YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM) unless
it carries an offset (2026-12-02T11:00+05:30); `status` is confirmed when empty;
money reads as in the orders import (`1,000.00`, `₹800`). A booking already there
identically is skipped; one that differs is a conflict, unless `update`: then a newer
start, length, status and amount paid are applied (its service, customer, staff and
price must agree). Nobody is notified, the staff of a requested booking neither: the
shop already knows its own bookings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from store import bookings
from store.importer import (
    IMPORTER,
    Change,
    CsvRow,
    ImportReport,
    Refused,
    RowError,
    Rules,
    apply_plan,
    csv_rows,
    existing_rows,
)
from store.models import BookingStatus, Business, Order
from store.numbers import number_key, parse_phone
from store.orders import MAX_TOTAL_MINOR, record_payment

COLUMNS = (
    "booking_number", "service", "starts_at", "duration_minutes", "customer_name",
    "customer_phone", "staff", "status", "price", "amount_paid",
)
LOCAL_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S",
                 "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M")
STATUS_WORDS = {s.value: s.value for s in BookingStatus} | {
    "checked in": "checked_in", "no show": "no_show", "no-show": "no_show",
}
DEFAULT_STATUS = BookingStatus.CONFIRMED.value
_DURATION = re.compile(r"^\d{1,4}$")
UPDATABLE = ("starts_at", "duration", "status", "paid")


@dataclass
class PlannedBooking:
    number: str
    line: int
    spec: bookings.NewBooking
    customer_name: str | None
    customer_phone: str | None
    status: str
    paid_minor: int


def _parse_start(row: CsvRow, business: Business) -> datetime | None:
    """The start in UTC: as written with an offset, else the business's local time."""
    value = row.cells.get("starts_at", "").strip()
    if re.search(r"(Z|[+-]\d{2}:?\d{2})$", value) and "T" in value:
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except ValueError:
            pass
    else:
        for fmt in LOCAL_FORMATS:
            try:
                local = datetime.strptime(value, fmt)
            except ValueError:
                continue
            return local.replace(tzinfo=ZoneInfo(business.timezone)).astimezone(UTC)
    row.fail("starts_at", value=value)
    return None


def _parse_duration(row: CsvRow) -> int | None:
    value = row.cells.get("duration_minutes", "").strip()
    if not _DURATION.match(value) or not 0 < int(value) <= bookings.MAX_DURATION_MINUTES:
        row.fail("duration", value=value, maximum=bookings.MAX_DURATION_MINUTES)
        return None
    return int(value)


def _parse_row(row: CsvRow, business: Business) -> PlannedBooking | None:
    """The booking one row describes, or None when the row has errors."""
    before = len(row.errors)
    number = (row.text("booking_number", 40, required=True) or "").upper()
    match = re.fullmatch(rf"{re.escape(business.code)}\s*[-#/.]?\s*B\s*(\d{{3,10}})", number)
    if number and not match:
        row.fail("booking_number_format", number=number, code=business.code)
    service = row.text("service", 200, required=True)
    starts_at = _parse_start(row, business)
    duration = _parse_duration(row)
    name = row.text("customer_name", 120)
    phone_text = row.text("customer_phone", 40)
    phone = parse_phone(phone_text, business.country) if phone_text else None
    if phone_text and phone is None:
        row.fail("phone", value=phone_text)
    staff = row.text("staff", 120)
    status_text = " ".join(row.cells.get("status", "").strip().lower().split())
    status = STATUS_WORDS.get(status_text or DEFAULT_STATUS)
    if status is None:
        row.fail("status", value=status_text, choices=", ".join(s.value for s in BookingStatus))
    price = row.money("price", business.currency)
    paid = row.money("amount_paid", business.currency)
    if price is not None and paid is not None and paid > price:
        row.fail("booking_overpaid", number=number, paid=row.cells["amount_paid"].strip(),
                 price=row.cells["price"].strip())
    if price is not None and price > MAX_TOTAL_MINOR:
        row.fail("booking_price_too_large", number=number)
    if len(row.errors) > before or not match:
        return None
    assert service and starts_at and duration and status and price is not None
    return PlannedBooking(
        number=f"{business.code}-B{match.group(1)}", line=row.line,
        spec=bookings.NewBooking(service, starts_at, duration, price, staff_name=staff),
        customer_name=name, customer_phone=phone, status=status, paid_minor=paid or 0,
    )


def read_bookings(
    business: Business, lines: Iterable[str]
) -> tuple[list[PlannedBooking], list[RowError]]:
    """Every booking the CSV describes, and every problem with it, by line."""
    errors: list[RowError] = []
    planned: dict[str, PlannedBooking] = {}
    for row in csv_rows(lines, COLUMNS, (), errors):
        booking = _parse_row(row, business)
        if booking is None:
            continue
        first = planned.setdefault(number_key(booking.number), booking)
        if first is not booking:
            errors.append(RowError(booking.line, "booking_twice", {
                "number": booking.number, "first_line": first.line}))
    if not planned and not errors:
        errors.append(RowError(1, "no_bookings"))
    return list(planned.values()), errors


def _facts(order: Order, planned: PlannedBooking) -> dict[str, tuple[Any, Any]]:
    """Each fact of a booking: (what is there, what the file says)."""
    booking, spec = bookings.booking_of(order), planned.spec
    return {
        "service": (booking.service, spec.service),
        "starts_at": (booking.starts_at, spec.starts_at),
        "duration": (booking.duration_minutes, spec.duration_minutes),
        "customer_name": (order.customer_name, planned.customer_name),
        "customer_phone": (order.customer_phone, planned.customer_phone),
        "staff": (booking.staff_name, spec.staff_name),
        "status": (order.status, planned.status),
        "price": (order.total_minor, spec.price_minor),
        "paid": (order.paid_minor, planned.paid_minor),
    }


def _differences(existing: Order, planned: PlannedBooking, business: Business) -> list[str]:
    if existing.business_id != business.id or not bookings.is_booking(existing):
        return ["business"]
    return [name for name, (seen, wanted) in _facts(existing, planned).items()
            if seen != wanted]


def _write(session: Session, business: Business, planned: PlannedBooking,
           now: datetime) -> None:
    """A new booking, paid before it is cancelled (a cancelled booking takes no money)."""
    cancelled = planned.status == BookingStatus.CANCELLED
    first = DEFAULT_STATUS if cancelled and planned.paid_minor else planned.status
    order = bookings.create_booking(
        session, business, planned.number, planned.spec, status=first,
        customer_name=planned.customer_name, customer_phone=planned.customer_phone,
        actor=IMPORTER, now=now, notify_staff=False,
    )
    if planned.paid_minor:
        record_payment(session, order, planned.paid_minor, "other", IMPORTER, now=now,
                       notify=False)
    if first != planned.status:
        bookings.set_status(session, order, planned.status, IMPORTER, now=now, notify=False)


def _update(session: Session, order: Order, planned: PlannedBooking, now: datetime,
            report: ImportReport) -> None:
    """Bring `order` to a newer sheet's start, length, amount paid and status (in that
    order: a cancelled booking neither moves nor takes money)."""
    booking = bookings.booking_of(order)
    spec = planned.spec
    if (booking.starts_at, booking.duration_minutes) != (spec.starts_at, spec.duration_minutes):
        before = booking.starts_at
        bookings.reschedule(session, order, spec.starts_at, IMPORTER,
                            duration_minutes=spec.duration_minutes, now=now, notify=False)
        report.changes.append(Change(order.number, "starts_at", before.isoformat(),
                                     spec.starts_at.isoformat()))
    if planned.paid_minor < order.paid_minor:
        raise Refused("paid_less")
    if planned.paid_minor > order.paid_minor:
        before_paid = order.paid_minor
        record_payment(session, order, planned.paid_minor - before_paid, "other", IMPORTER,
                       now=now, notify=False)
        report.changes.append(Change(order.number, "paid", before_paid, order.paid_minor))
    if planned.status != order.status:
        before_status = order.status
        bookings.set_status(session, order, planned.status, IMPORTER, now=now, notify=False)
        report.changes.append(Change(order.number, "status", before_status, order.status))


def import_bookings(
    session: Session, business: Business, lines: Iterable[str], now: datetime,
    *, update: bool = False,
) -> ImportReport:
    """Check the whole file, then write every new booking (and, with `update`, the
    newer start, status and amount paid of those already there). With any error
    nothing is written; the caller commits (or rolls back, for a dry run)."""
    planned, errors = read_bookings(business, lines)
    report = ImportReport(errors=errors)
    if errors:
        return report
    rules = Rules(
        differences=lambda found, booking: _differences(found, booking, business),
        update=lambda session, found, booking, report: _update(session, found, booking, now,
                                                               report),
        write=lambda session, booking: _write(session, business, booking, now),
        updatable=UPDATABLE, prefix="booking_",
        known=("paid_less", "invalid_transition", "order_cancelled", "order_closed"),
    )
    return apply_plan(session, planned, existing_rows(session, planned, Order.booking), rules,
                      report, update=update)
