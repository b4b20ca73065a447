"""Every sentence the operator's commands print (English: an operator's tool, not the
customer conversation), so that they live in one place."""

from __future__ import annotations

from typing import Any

from store.errors import AlreadyExists, DomainError, InvalidValue, InvalidValues, NotFound
from store.importer import RowError

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
    "phone": "Phone",
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
    "upi_needs_id": "UPI is accepted but there is no UPI ID: give --upi-id",
    "bank_needs_account": "bank transfer is accepted but the account number or IFSC is missing",
    # CSV lines
    "empty_file": "the file is empty; it needs the header line",
    "missing_columns": "missing column(s): {columns}",
    "unknown_columns": "unknown column(s): {columns}",
    "no_orders": "there are no orders in the file",
    "field_count": "expected {expected} fields (check for a stray comma or a missing one)",
    "number_format": "'{number}' is not an order number of {code} (like {code}-0001)",
    "date": "'{value}' is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM)",
    "future_date": "'{value}' is in the future",
    "quantity": "'{value}' is not a quantity (a whole number from 1)",
    "amount": "{column} '{value}' is not an amount (like 180.00)",
    "decimals": "{column} '{value}' has more decimals than {currency} has ({precision})",
    "status": "'{value}' is not a status ({choices})",
    "overpaid": "order {number}: amount paid {paid} is more than its total {total}",
    "disagrees": "order {number}: {column} differs from its first row (line {first_line})",
    "conflict": "order {number} already exists with a different {fields}",
    "refused": "order {number} was refused ({rule})",
}
COLUMN_NAMES = {"created_at": "date", "paid_minor": "amount_paid", "method": "payment_method",
                "number": "order_number spelling"}


def _reason(reason: str, params: dict[str, Any]) -> str:
    field = params.get("field") or params.get("column") or ""
    label = LABELS.get(field, field)
    params = {**params, "label": label, "column": COLUMN_NAMES.get(field, field)}
    return REASONS.get(reason, reason).format(**params)


def problem(error: DomainError) -> str:
    """What to tell the operator about a refused command."""
    params = error.params
    if isinstance(error, InvalidValues):
        return "\n".join(problem(each) for each in params["errors"])
    if isinstance(error, InvalidValue):
        return f"{LABELS.get(params['field'], params['field'])}: " + _reason(
            params["reason"], params)
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
NO_STAFF = "{code} has no staff yet. Add one: orderbot staff add {code} +91… --name NAME"
IMPORT_FAILED = "Nothing imported: {count} problem(s) in {path}."
IMPORTED = "Imported {count} order(s) into {code}: {numbers}"
WOULD_IMPORT = "Dry run: would import {count} order(s) into {code}: {numbers}"
UNCHANGED = "Already imported, unchanged: {numbers}"
DRY_RUN_DONE = "Dry run: nothing was written."
NOTHING_NEW = "Nothing new to import."
