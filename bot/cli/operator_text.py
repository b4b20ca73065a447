"""Every sentence the operator's commands print (English: an operator's tool, not the
customer conversation), so that they live in one place."""

from __future__ import annotations

from typing import Any

from handlers.i18n import plain_amount, t
from store.errors import AlreadyExists, DomainError, InvalidValue, InvalidValues, NotFound
from store.importer import Change, RowError

LABELS = {
    "name": "Name",
    "code": "Code",
    "currency": "Currency",
    "timezone": "Time zone",
    "country": "Country",
    "default_locale": "Language",
    "contact_phone": "Contact phone",
    "contact_email": "Contact email",
    "address": "Address",
    "upi_id": "UPI ID",
    "upi_payee_name": "UPI payee name",
    "bank_account_name": "Bank account name",
    "bank_account_number": "Bank account number",
    "bank_ifsc": "IFSC",
    "bank_name": "Bank name",
    "accepted_methods": "Accepted methods",
    "payment_note": "Payment note",
    "auto_approve": "Auto-approve",
    "cancel_before_hours": "Cancel up to (h)",
    "phone": "Phone",
    "lookup_check": "Lookup check",
    "shipping_secret": "Shipping secret",
}

# Why a value was refused (InvalidValue's reason) and why a CSV line was (RowError's).
REASONS = {
    "required": "{label} is required",
    "too_long": "{label} is longer than {limit} characters",
    "unknown_field": "there is no field '{field}'",
    "code_format": "'{value}' is not a business code: 2 to 6 letters, like MB",
    "code_reserved": "'{value}' is a word customers type (like PAY or ORDER); choose another code",
    "code_fixed": "the code cannot change: it is printed in every order number of the business",
    "currency": "'{value}' is not a currency code (ISO 4217, like INR, USD or EUR)",
    "timezone": "'{value}' is not a time zone (an IANA name, like Asia/Kolkata)",
    "country": "'{value}' is not a country code (two letters, like IN)",
    "language": "'{value}' is not a language orderbot speaks ({choices})",
    "phone": "'{value}' is not a valid phone number (write it like +919800000011)",
    "email": "'{value}' is not an email address",
    "upi_id": "'{value}' is not a UPI ID (name@handle, like meerasbakes@okaxis)",
    "ifsc": "'{value}' is not an IFSC (4 letters, 0, then 6 letters or digits, like HDFC0001234)",
    "account_number": "'{value}' is not a bank account number (6 to 20 digits)",
    "method": "'{value}' is not a payment method ({choices})",
    "choice": "'{value}' is not one of: {choices}",
    "cancel_hours": "'{value}' is not a number of hours (0 to {maximum}) or off",
    "upi_needs_id": "UPI is accepted but there is no UPI ID: give --upi-id",
    "bank_needs_account": "bank transfer is accepted but the account number or IFSC is missing",
    # CSV lines
    "empty_file": "the file is empty; it needs the header line",
    "missing_columns": "missing column(s): {columns}",
    "unknown_columns": "unknown column(s): {columns}",
    "no_orders": "there are no orders in the file",
    "field_count": "expected {expected} fields (check for a stray comma or a missing one)",
    "number_format": "'{number}' is not an order number of {code} (like {code}-0001)",
    "date": "'{value}' is not a date (DD/MM/YYYY or YYYY-MM-DD, with HH:MM or without)",
    "future_date": "'{value}' is in the future",
    "quantity": "'{value}' is not a quantity (a whole number from 1)",
    "amount": "{column} '{value}' is not an amount (like 180.00)",
    "decimals": "{column} '{value}' has more decimals than {currency} has ({precision})",
    "status": "'{value}' is not a status ({choices})",
    "overpaid": "order {number}: amount paid {paid} is more than its total {total}",
    "disagrees": "order {number}: {column} differs from its first row (line {first_line})",
    "conflict": "order {number} is already there and the file changes its {fields}",
    "update_paid_less": ("order {number}: the file says less was paid than is recorded; "
                         "money given back is a refund (staff: refund {number} AMOUNT)"),
    "update_invalid_transition": "order {number} is {current}; it cannot go to {status}",
    "update_order_cancelled": "order {number} is cancelled; it takes no payments",
    "update_refused": "order {number} could not be updated ({rule})",
    "refused": "order {number} was refused ({rule})",
    "shipping_secret": "it must be 16 to 200 visible characters, no spaces (make one with: "
                       "python -c 'import secrets; print(secrets.token_urlsafe(32))')",
    "nul_byte": "the line holds a NUL character: is the file really CSV text (not UTF-16 or binary)?",
    "total_too_large": "order {number}: its total {total} is far beyond any real order",
    # the bookings CSV (`orderbot bookings import`)
    "no_bookings": "there are no bookings in the file",
    "booking_number_format": "'{number}' is not a booking number of {code} (like {code}-B501)",
    "starts_at": ("'{value}' is not a start time (YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM in the "
                  "business's time zone, or ISO 8601 with an offset: 2026-12-02T11:00+05:30)"),
    "duration": "'{value}' is not a length in minutes (a whole number from 1 to {maximum})",
    "booking_overpaid": "booking {number}: amount paid {paid} is more than its price {price}",
    "booking_price_too_large": "booking {number}: its price is far beyond any real booking",
    "booking_twice": "booking {number} is in the file twice (first on line {first_line})",
    "booking_conflict": "booking {number} is already there and the file changes its {fields}",
    "booking_update_paid_less": ("booking {number}: the file says less was paid than is "
                                 "recorded; money given back is a refund (staff: refund "
                                 "{number} AMOUNT)"),
    "booking_update_invalid_transition": "booking {number} is {current}; it cannot go to {status}",
    "booking_update_order_cancelled": "booking {number} is cancelled; it takes no payments",
    "booking_update_order_closed": "booking {number} is {current}; it can no longer be moved",
    "booking_update_refused": "booking {number} could not be updated ({rule})",
    "booking_refused": "booking {number} was refused ({rule})",
}
COLUMN_NAMES = {"created_at": "date", "paid_minor": "amount_paid", "method": "payment_method",
                "number": "order_number spelling"}


# What an order already there differs in, as the operator reads it.
FIELD_NAMES = {"items": "items", "customer_name": "customer name",
               "customer_phone": "customer phone", "status": "status", "paid": "amount paid",
               "date": "date", "business": "business", "service": "service",
               "starts_at": "start", "duration": "length", "staff": "staff", "price": "price"}
CONFLICT_UPDATE_HINT = " (to apply a newer {what}, import with --update)"


def _names(fields: list[str]) -> str:
    """"start, length, status and amount paid"."""
    names = [FIELD_NAMES.get(f, f) for f in fields]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _status_name(status: str) -> str:
    """A status as the chat and the page name it (the one catalog): "Received" for pending."""
    return t(f"status.{status}", "en")


def _reason(reason: str, params: dict[str, Any]) -> str:
    field = params.get("field") or params.get("column") or ""
    label = LABELS.get(field, field)
    params = {**params, "label": label, "column": COLUMN_NAMES.get(field, field)}
    for name in ("status", "current"):
        if "update_" in reason and name in params:
            params[name] = _status_name(params[name])
    if "fields" in params:
        fields = params["fields"].split(", ")
        params["fields"] = ", ".join(FIELD_NAMES.get(f, f) for f in fields)
        updatable = params.get("updatable", "status, paid").split(", ")
        hint = not params.get("update") and set(fields) <= set(updatable)
        return REASONS[reason].format(**params) + (
            CONFLICT_UPDATE_HINT.format(what=_names(updatable)) if hint else "")
    return REASONS.get(reason, reason).format(**params)


def problem(error: DomainError) -> str:
    """What to tell the operator about a refused command."""
    params = error.params
    if isinstance(error, InvalidValues):
        return "\n".join(problem(each) for each in params["errors"])
    if isinstance(error, InvalidValue):
        label = LABELS.get(params["field"], params["field"])
        reason = _reason(params["reason"], params)
        return reason if reason.startswith(label) else f"{label}: {reason}"  # not "Name: Name…"
    if isinstance(error, AlreadyExists):
        if params["field"] == "code":
            return f"a business with code {params['value']} already exists"
        return f"{params['value']} is already a staff member of this business"
    if isinstance(error, NotFound):
        if "phone" in params:
            return f"{params['phone']} is not an active staff member of {params['business']}"
        return f"there is no business with code {params['business']} (see: orderbot business list)"
    return str(error)


def row_problem(error: RowError) -> str:
    return f"line {error.line}: " + _reason(error.reason, error.params)


NOTHING_TO_CHANGE = "nothing to change: give at least one option (see --help)"
MISSING_REQUIRED = "{options} missing: give it as an option, or run in a terminal to be asked"
NOT_UTF8 = "{path} is not UTF-8 text (save the sheet as 'CSV UTF-8')"
CREATED = "Created business {code} ({name})."
UPDATED = "Updated business {code}."
NO_BUSINESSES = "No businesses yet. Add one: orderbot business add"
STAFF_ADDED = "{name} ({phone}) is now staff of {code}."
STAFF_REMOVED = ("{name} ({phone}) is no longer staff of {code}: no more prompts, no decisions. "
                 "Their past decisions still name them.")
NO_STAFF_WARNING = ("Warning: {code} has no staff, so nobody will be asked about payment "
                    "screenshots (customers are told to contact the business). Add one: "
                    "orderbot staff add {code} +91… --name NAME")
WAITING_PROOFS_SENT = ("Payment screenshots that were waiting went to them for review: "
                       "{count} queued.")
NO_STAFF = "{code} has no staff yet. Add one: orderbot staff add {code} +91… --name NAME"
SECRET_SET = "set (hidden)"
SHIPPING_ROUTE = "Carriers of {code} report to PUBLIC_BASE_URL/webhooks/shipping/<provider>/{code}"
IMPORT_FAILED = "Nothing imported: {count} problem(s) in {path}."
IMPORTED = "Imported {count} {noun}(s) into {code}: {numbers}"
WOULD_IMPORT = "Dry run: would import {count} {noun}(s) into {code}: {numbers}"
UNCHANGED = "Already imported, unchanged: {numbers}"
UPDATED_STATUS = "{number}: status {before} → {after}"
UPDATED_PAID = "{number}: amount paid {before} → {after}"
WOULD_UPDATE = "Dry run: would update {count} {noun}(s)."
UPDATED_ORDERS = "Updated {count} {noun}(s)."
DRY_RUN_DONE = "Dry run: nothing was written."
NOTHING_NEW = "Nothing new to import."


def change_line(change: Change, currency: str) -> str:
    """One change `orders import --update` made, with amounts as the sheet writes them."""
    if change.what == "status":
        return UPDATED_STATUS.format(number=change.number, before=_status_name(str(change.before)),
                                     after=_status_name(str(change.after)))
    return UPDATED_PAID.format(number=change.number,
                               before=plain_amount(int(change.before), currency),
                               after=plain_amount(int(change.after), currency))


# `orderbot orders list|show|status`
NO_ORDER = "there is no order {number}"
NOT_A_STATUS = "'{value}' is not a status: {choices}"
NO_ORDERS = "No such orders in {code}."
ORDER_LINE = "{number} · {when} · {name} · {status} · total {total} · due {due}"
MORE_ORDERS = "…and more: only the newest {limit} are shown."
ORDER_HEADER = "{number} · {business} · placed {when}"
ORDER_CUSTOMER = "Customer: {name} · {phone}"
ORDER_STATUS = "Status: {status} (since {when})"
ORDER_ITEM = "  {quantity} × {name} @ {unit} = {line}"
ORDER_MONEY = "Total {total} · paid {paid} · due {due} ({payment})"
TIMELINE = "Timeline:"
TIMELINE_LINE = "  {when} · {what} · {who}"
EVENT_MONEY = {"payment": "{amount} received ({method})", "refund": "{amount} refunded ({method})"}
CANNOT_MOVE = "{number} is {status}; it cannot go to {target}. It can go to: {options}."
STATUS_CHANGED = "{number}: {before} → {after}."
TOLD = "The customer is being told: {count} queued."
TOLD_NONE = ("No chat of this customer's is linked yet: they will see it when they look the "
             "order up.")


# `orderbot bookings import|list`
MOVED_LINE = "{number}: start {before} → {after}"
BOOKINGS_HEADER = "{code} · {name} · bookings {first} – {last} ({zone})"
NO_BOOKINGS = "No bookings then."
BOOKING_DAY = "{day}"
BOOKING_LINE = ("  {start} – {end} · {number} · {service} · {who} · staff {staff} · {status}"
                " · price {price} · due {due}")
