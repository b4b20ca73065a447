"""`orderbot bookings import|list` (issue 18): a business's bookings from a
spreadsheet, and its day (or week) of bookings by time, in its own time zone.

Thin on purpose: the file's checks and the writing are store/booking_import.py's, the
reading store/bookings.py's; the sentences are bot/cli/operator_text.py's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from bot.cli import operator_text as text
from bot.cli.operator import Shop, database, import_sheet, refusals, sheet_options
from handlers import i18n
from handlers.parse import display_phone
from store import businesses
from store.booking_import import COLUMNS, import_bookings
from store.bookings import bookings_between
from store.importer import Change
from store.models import Business, Order

WEEK = 7


@click.group()
def bookings() -> None:
    """Bring in and list a business's bookings (appointments)."""


IMPORT_HELP = f"""Import the bookings of the business CODE from FILE, a CSV with one row per
booking.

\b
Header (fixed names, any order):
  {",".join(COLUMNS)}

\b
- booking_number starts with the business code and B: GS-B601
- starts_at is YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM in the business's time zone, or
  ISO 8601 with an offset (2026-12-02T11:00+05:30)
- duration_minutes is a whole number (60); staff may be empty
- status: requested, confirmed (the default), checked_in, completed, cancelled, no_show
- price and amount_paid are amounts like 800.00, 1,200.00 or ₹800 (may be empty: 0)

Every row is checked first and each bad one reported by line; then all bookings are
imported or none. Bookings already imported identically are skipped; one the file
changes is refused, unless --update: then a newer start, length, status and amount
paid are applied (its service, customer, staff and price must still agree). Nobody is
notified. See samples/bookings.csv."""


def _change_line(change: Change, shop: Shop) -> str:
    """One change `--update` made; a move in the business's local times."""
    if change.what != "starts_at":
        return text.change_line(change, shop.currency)
    before, after = (i18n.when(datetime.fromisoformat(str(v)), shop.timezone, "en",
                               shop.country) for v in (change.before, change.after))
    return text.MOVED_LINE.format(number=change.number, before=before, after=after)


@bookings.command("import", help=IMPORT_HELP)
@sheet_options("Apply a newer start, length, status and amount paid to bookings there.")
@refusals
def bookings_import(code: str, file: Path, dry_run: bool, update: bool) -> None:
    import_sheet(
        code, file, dry_run, noun="booking",
        run=lambda session, found, lines, now: import_bookings(session, found, lines, now,
                                                               update=update),
        change_line=_change_line,
    )


def _window(business: Business, day: date | None, now: datetime) -> tuple[datetime, datetime]:
    """The day asked for, or today and the six days after, in the business's zone."""
    zone = ZoneInfo(business.timezone)
    first = day or now.astimezone(zone).date()
    last = first + timedelta(days=1 if day else WEEK)
    return (datetime.combine(first, time(), zone).astimezone(UTC),
            datetime.combine(last, time(), zone).astimezone(UTC))


def _line(order: Order) -> str:
    business, booking = order.business, order.booking
    assert booking is not None
    zone = ZoneInfo(business.timezone)
    locale = i18n.babel_locale("en", business.country)
    start, end = (i18n.clock_time(m.astimezone(zone), locale)
                  for m in (booking.starts_at, booking.ends_at))
    who = [order.customer_name or "—"]
    if order.customer_phone:
        who.append(display_phone(order.customer_phone))
    return text.BOOKING_LINE.format(
        start=start, end=end, number=order.number, service=booking.service,
        who=" · ".join(who), staff=booking.staff_name or "—",
        status=i18n.t(f"status.{order.status}", "en"),
        price=i18n.order_money(order, order.total_minor, "en"),
        due=i18n.order_money(order, order.due_minor, "en"),
    )


@bookings.command("list")
@click.argument("code")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="One day, YYYY-MM-DD, in the business's time zone. [default: today and "
                   "the 6 days after]")
@refusals
def bookings_list(code: str, day: datetime | None) -> None:
    """The bookings of the business CODE by start time, grouped by day."""
    with database() as runtime, runtime.sessions() as session:
        business = businesses.get_business(session, code)
        start, end = _window(business, day.date() if day else None, runtime.clock())
        found = bookings_between(session, business.id, start, end)
        zone = business.timezone
        click.echo(text.BOOKINGS_HEADER.format(
            code=business.code, name=business.name, zone=zone,
            first=i18n.day(start, zone, "en", business.country),
            last=i18n.day(end - timedelta(seconds=1), zone, "en", business.country)))
        if not found:
            click.echo(text.NO_BOOKINGS)
        shown_day = None
        for order in found:
            assert order.booking is not None
            local_day = i18n.day(order.booking.starts_at, zone, "en", business.country)
            if local_day != shown_day:
                click.echo(text.BOOKING_DAY.format(day=local_day))
                shown_day = local_day
            click.echo(_line(order))
