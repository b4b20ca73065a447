"""Orders from a spreadsheet: a CSV with one row per item, read and checked whole
before anything is written, then imported through the order services.

The format (header names fixed, any column order; see README "Set up your business"):

    order_number,date,customer_name,customer_phone,item,quantity,unit_price,status,amount_paid
    MB-0001,2026-10-02 10:30,Ravi Kumar,+919811111111,Chocolate cake,1,650.00,ready,300.00

`payment_method` may be added as a tenth column (upi, cash, bank, card, other;
"other" when absent). Rows of one order repeat its date, customer, status and
amount paid; an order that already exists identically is skipped, one that
differs is a conflict — unless `update` is asked for: then a newer sheet's status and
amount paid are applied to it (each change reported), its items, customer and date
must still agree. Nobody is notified: these are past orders.

Sheets as shops save them are read too: dates as DD/MM/YYYY (Excel's default in India)
besides ISO, amounts as `1,000.00` or `₹100`, and `;` or tab between the fields.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store.errors import DomainError
from store.models import Business, Order, OrderStatus
from store.numbers import number_key, parse_phone
from store.orders import (
    MAX_TOTAL_MINOR,
    PAYMENT_METHODS,
    Actor,
    NewItem,
    create_order,
    record_payment,
    set_status,
)
from store.text import clean_text

COLUMNS = (
    "order_number", "date", "customer_name", "customer_phone",
    "item", "quantity", "unit_price", "status", "amount_paid",
)
OPTIONAL_COLUMNS = ("payment_method",)
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
                "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y %H:%M", "%d-%m-%Y")
DELIMITERS = ",;\t"
STATUS_WORDS = {**{s.value: s.value for s in OrderStatus}, "received": OrderStatus.PENDING.value}
# What every row of one order must repeat.
ORDER_FIELDS = ("number", "created_at", "customer_name", "customer_phone", "status",
                "paid_minor", "method")
IMPORTER = Actor("import", via="import")
# 180, 180.00, 1,000.00 or 1,00,000.00 (grouped in threes, or the Indian way), after an
# optional ₹ / Rs / INR.
_AMOUNT = re.compile(r"^(\d{1,12}|\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})*,\d{3})(\.\d+)?$")
_CURRENCY_MARK = re.compile(r"^(?:₹|rs\.?|inr)\s*", re.IGNORECASE)
_QUANTITY = re.compile(r"^\d{1,6}$")


@dataclass(frozen=True)
class RowError:
    """One thing wrong with the file: its line (1 is the header), why, and details."""

    line: int
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlannedOrder:
    number: str
    line: int  # where the order's first row is
    created_at: datetime
    customer_name: str | None
    customer_phone: str | None
    status: str
    paid_minor: int
    method: str
    items: list[NewItem] = field(default_factory=list)

    @property
    def total_minor(self) -> int:
        return sum(i.quantity * i.unit_price_minor for i in self.items)


@dataclass(frozen=True)
class Change:
    """One change `--update` made to an order already there."""

    number: str
    what: str  # "status" or "paid"
    before: str | int
    after: str | int


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class CsvRow:
    """One data row being read: each cell parsed, each problem noted against its line."""

    def __init__(self, line: int, cells: dict[str, str], errors: list[RowError]) -> None:
        self.line, self.cells, self.errors = line, cells, errors

    def fail(self, reason: str, **params: Any) -> None:
        self.errors.append(RowError(self.line, reason, params))

    def text(self, column: str, limit: int, required: bool = False) -> str | None:
        value = clean_text(self.cells.get(column, "")).strip()
        if not value:
            if required:
                self.fail("required", column=column)
            return None
        if len(value) > limit:
            self.fail("too_long", column=column, limit=limit)
        return value

    def money(self, column: str, currency: str) -> int | None:
        value = self.cells.get(column, "").strip() or "0"
        precision = get_currency_precision(currency)
        bare = _CURRENCY_MARK.sub("", value)
        if not _AMOUNT.match(bare):
            self.fail("amount", column=column, value=value)
            return None
        amount = Decimal(bare.replace(",", ""))
        if amount != amount.quantize(Decimal(1).scaleb(-precision)):
            self.fail("decimals", column=column, value=value, currency=currency,
                      precision=precision)
            return None
        return int(amount.scaleb(precision))


def _header_errors(
    fieldnames: list[str] | None, columns: tuple[str, ...], optional: tuple[str, ...]
) -> list[RowError]:
    if not fieldnames:
        return [RowError(1, "empty_file")]
    names = [n.strip().lower() for n in fieldnames]
    missing = [c for c in columns if c not in names]
    unknown = [n for n in names if n not in columns + optional]
    errors = []
    if missing:
        errors.append(RowError(1, "missing_columns", {"columns": ", ".join(missing)}))
    if unknown:
        errors.append(RowError(1, "unknown_columns", {"columns": ", ".join(unknown)}))
    return errors


def _parse_row(row: CsvRow, business: Business, now: datetime) -> PlannedOrder | None:
    """The order and item one row describes, or None when the row has errors."""
    before = len(row.errors)
    number = (row.text("order_number", 40, required=True) or "").upper()
    pattern = rf"^{business.code}[-#/. ]?\d{{3,10}}$"
    if number and not re.match(pattern, number):
        row.fail("number_format", number=number, code=business.code)
    created_at = _parse_date(row, business, now)
    name = row.text("customer_name", 120)
    phone_text = row.text("customer_phone", 40)
    phone = parse_phone(phone_text, business.country) if phone_text else None
    if phone_text and phone is None:
        row.fail("phone", value=phone_text)
    item = row.text("item", 200, required=True)
    quantity_text = row.cells.get("quantity", "").strip()
    if not _QUANTITY.match(quantity_text) or int(quantity_text) == 0:
        row.fail("quantity", value=quantity_text)
    unit_price = row.money("unit_price", business.currency)
    status_text = row.cells.get("status", "").strip().lower()
    status = STATUS_WORDS.get(status_text or "pending")
    if status is None:
        row.fail("status", value=status_text, choices=", ".join(STATUS_WORDS))
    paid = row.money("amount_paid", business.currency)
    method = row.cells.get("payment_method", "").strip().lower() or "other"
    if method not in PAYMENT_METHODS:
        row.fail("method", value=method, choices=", ".join(PAYMENT_METHODS))
    if len(row.errors) > before:
        return None
    assert created_at is not None and item and unit_price is not None and paid is not None
    return PlannedOrder(
        number=number, line=row.line, created_at=created_at, customer_name=name,
        customer_phone=phone, status=str(status), paid_minor=paid, method=method,
        items=[NewItem(item, int(quantity_text), unit_price)],
    )


def _parse_date(row: CsvRow, business: Business, now: datetime) -> datetime | None:
    value = row.cells.get("date", "").strip()
    for fmt in DATE_FORMATS:
        try:
            local = datetime.strptime(value, fmt)
        except ValueError:
            continue
        moment = local.replace(tzinfo=ZoneInfo(business.timezone)).astimezone(UTC)
        if moment > now:
            row.fail("future_date", value=value)
            return None
        return moment
    row.fail("date", value=value)
    return None


def read_orders(
    business: Business, lines: Iterable[str], now: datetime
) -> tuple[list[PlannedOrder], list[RowError]]:
    """Every order the CSV describes, and every problem with it, by line."""
    errors: list[RowError] = []
    orders: dict[str, PlannedOrder] = {}
    for row in csv_rows(lines, COLUMNS, OPTIONAL_COLUMNS, errors):
        planned = _parse_row(row, business, now)
        if planned is None:
            continue
        known = orders.setdefault(number_key(planned.number), planned)
        if known is not planned:
            _merge(known, planned, errors)
    if not orders and not errors:
        errors.append(RowError(1, "no_orders"))
    precision = get_currency_precision(business.currency)
    for order in orders.values():
        if order.total_minor > MAX_TOTAL_MINOR:
            errors.append(RowError(order.line, "total_too_large", {
                "number": order.number,
                "total": str(Decimal(order.total_minor).scaleb(-precision))}))
        elif order.paid_minor > order.total_minor:
            errors.append(RowError(order.line, "overpaid", {
                "number": order.number,
                "paid": str(Decimal(order.paid_minor).scaleb(-precision)),
                "total": str(Decimal(order.total_minor).scaleb(-precision))}))
    return list(orders.values()), errors


def csv_rows(
    lines: Iterable[str], columns: tuple[str, ...], optional: tuple[str, ...],
    errors: list[RowError],
) -> list[CsvRow]:
    """The data rows of a sheet with these columns, each with its line; what is wrong
    with the header, or with a row as a whole (a field too many, a NUL byte), is added
    to `errors` (a wrong header: no rows at all). Blank lines are passed over."""
    lines = list(lines)
    reader = csv.DictReader(lines, restkey="\0extra", restval=None,
                            delimiter=_delimiter(lines[0] if lines else ""))
    header = _header_errors(reader.fieldnames, columns, optional)
    if header:
        errors.extend(header)
        return []
    rows = []
    for raw in reader:
        line = reader.line_num
        if raw.get("\0extra") or None in raw.values():
            errors.append(RowError(line, "field_count", {"expected": len(reader.fieldnames or [])}))
            continue
        cells = {k.strip().lower(): (v or "") for k, v in raw.items() if k}
        if any("\0" in v for v in cells.values()):  # a binary file, or UTF-16 saved as text
            errors.append(RowError(line, "nul_byte"))
            continue
        if any(v.strip() for v in cells.values()):  # else a blank line in the sheet
            rows.append(CsvRow(line, cells, errors))
    return rows


def _delimiter(header: str) -> str:
    """The separator the sheet was saved with (`,` `;` or tab), read off its header by
    csv.Sniffer; a header it cannot place is read with commas (and reported as such)."""
    try:
        return csv.Sniffer().sniff(header, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _merge(order: PlannedOrder, row: PlannedOrder, errors: list[RowError]) -> None:
    """A further item of `order`, whose order columns must say what its first row said."""
    for name in ORDER_FIELDS:
        if getattr(row, name) != getattr(order, name):
            errors.append(RowError(row.line, "disagrees", {
                "number": order.number, "column": name, "first_line": order.line}))
            return
    order.items.extend(row.items)


def _facts(order: Order | PlannedOrder) -> dict[str, Any]:
    """What the file says of an order, to compare one already there with it."""
    return {
        "items": [(i.name, i.quantity, i.unit_price_minor) for i in order.items],
        "customer_name": order.customer_name,
        "customer_phone": order.customer_phone,
        "status": order.status,
        "paid": order.paid_minor,
        "date": order.created_at,
    }


def _differences(existing: Order, planned: PlannedOrder, business: Business) -> list[str]:
    if existing.business_id != business.id:
        return ["business"]
    seen, wanted = _facts(existing), _facts(planned)
    return [name for name in seen if seen[name] != wanted[name]]


def _write(session: Session, business: Business, planned: PlannedOrder) -> None:
    order = create_order(
        session, business, planned.number, planned.items,
        customer_name=planned.customer_name, customer_phone=planned.customer_phone,
        actor=IMPORTER, created_at=planned.created_at,
    )
    # Paid before any change of status: a cancelled order takes no payments.
    if planned.paid_minor:
        record_payment(session, order, planned.paid_minor, planned.method, IMPORTER,
                       now=planned.created_at, notify=False)
    if planned.status != OrderStatus.PENDING:
        set_status(session, order, planned.status, IMPORTER, now=planned.created_at,
                   notify=False)


UPDATABLE = ("status", "paid")


def _update(session: Session, order: Order, planned: PlannedOrder,
            report: ImportReport) -> None:
    """Bring `order` to what a newer sheet says of its amount paid and its status (paid
    first: a cancelled order takes no payments). Money paid never goes down here: that
    is a refund, made by staff."""
    if planned.paid_minor < order.paid_minor:
        raise Refused("paid_less", paid=order.paid_minor)
    if planned.paid_minor > order.paid_minor:
        before = order.paid_minor
        record_payment(session, order, planned.paid_minor - before, planned.method, IMPORTER,
                       now=planned.created_at, notify=False)
        report.changes.append(Change(order.number, "paid", before, order.paid_minor))
    if planned.status != order.status:
        before_status = order.status
        set_status(session, order, planned.status, IMPORTER, notify=False)
        report.changes.append(Change(order.number, "status", before_status, order.status))


class Refused(Exception):
    """A change `--update` may not make (money paid going down: a refund's business)."""

    def __init__(self, rule: str, **params: Any) -> None:
        super().__init__(rule)
        self.rule, self.params = rule, params


@dataclass(frozen=True)
class Rules:
    """How one kind of sheet (orders, bookings) compares a planned row with what is
    there, updates it and writes it; `prefix` names its reasons ("booking_conflict")."""

    differences: Callable[[Order, Any], list[str]]
    update: Callable[[Session, Order, Any, ImportReport], None]
    write: Callable[[Session, Any], None]
    updatable: tuple[str, ...]
    prefix: str = ""
    known: tuple[str, ...] = ("paid_less", "invalid_transition", "order_cancelled")


def existing_rows(session: Session, planned: Iterable[Any], *loads: Any) -> dict[str, Order]:
    """The rows already there of the planned numbers, by number key."""
    return {
        o.number_key: o
        for o in session.scalars(
            select(Order)
            .where(Order.number_key.in_([number_key(p.number) for p in planned]))
            .options(selectinload(Order.items), *(selectinload(load) for load in loads))
        )
    }


def apply_plan(
    session: Session, planned: list[Any], existing: dict[str, Order], rules: Rules,
    report: ImportReport, *, update: bool,
) -> ImportReport:
    """Sort the planned rows into new, changed and unchanged; refuse a change not asked
    for (or not allowed); apply the changes, then write the new ones. Stops at the first
    stage with errors, which the caller then rolls back."""
    fresh, stale = [], []
    for row in planned:
        found = existing.get(number_key(row.number))
        if found is None:
            fresh.append(row)
            continue
        differs = rules.differences(found, row)
        if update and differs and set(differs) <= set(rules.updatable):
            stale.append((found, row))
        elif differs:
            report.errors.append(RowError(row.line, f"{rules.prefix}conflict", {
                "number": row.number, "fields": ", ".join(differs), "update": update,
                "updatable": ", ".join(rules.updatable)}))
        else:
            report.unchanged.append(row.number)
    if report.errors:
        return report
    for found, row in stale:
        try:
            with session.begin_nested():
                rules.update(session, found, row, report)
        except (DomainError, Refused) as error:
            rule = error.rule if isinstance(error, Refused) else error.code
            reason = f"{rules.prefix}update_{rule if rule in rules.known else 'refused'}"
            report.errors.append(RowError(row.line, reason, {
                "number": row.number, "status": row.status, "current": found.status,
                "rule": rule}))
    if report.errors:
        return report
    for row in fresh:
        try:
            rules.write(session, row)
        except DomainError as error:  # a rule the checks above did not foresee
            report.errors.append(RowError(row.line, f"{rules.prefix}refused", {
                "number": row.number, "rule": error.code}))
            return report
        report.created.append(row.number)
    return report


def import_orders(
    session: Session, business: Business, lines: Iterable[str], now: datetime,
    *, update: bool = False,
) -> ImportReport:
    """Check the whole file, then write every new order (and, with `update`, the newer
    status and amount paid of those already there). With any error nothing is written;
    the caller commits (or rolls back, for a dry run)."""
    planned, errors = read_orders(business, lines, now)
    report = ImportReport(errors=errors)
    if errors:
        return report
    rules = Rules(
        differences=lambda found, order: _differences(found, order, business),
        update=_update,
        write=lambda session, order: _write(session, business, order),
        updatable=UPDATABLE,
    )
    return apply_plan(session, planned, existing_rows(session, planned), rules, report,
                      update=update)
