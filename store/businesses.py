"""The operator's set-up: businesses and their staff. Every value is checked here,
whichever door it came in by (a command, a prompt, a script), and a business is
written whole or not at all."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from babel.numbers import list_currencies
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from store.errors import AlreadyExists, InvalidValue, InvalidValues, NotFound
from store.models import Business, Chat, Order, OutboxMessage, OutboxStatus, Staff
from store.numbers import NOT_A_CODE, parse_phone
from store.outbox import phone_addresses
from store.queries import business_by_code
from store.text import clean_text

CODE = re.compile(r"^[A-Z]{2,6}$")
UPI_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,255}@[A-Za-z][A-Za-z0-9]{1,63}$")
IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ACCOUNT_NUMBER = re.compile(r"^[0-9]{6,20}$")
METHODS = ("upi", "cash", "bank", "card")
LANGUAGES = ("en", "hi")

# Every field an operator sets, in the order `business show` lists them.
FIELDS = (
    "name", "code", "currency", "timezone", "country", "default_locale",
    "contact_phone", "contact_email", "address",
    "upi_id", "upi_payee_name",
    "bank_account_name", "bank_account_number", "bank_ifsc", "bank_name",
    "accepted_methods", "payment_note", "auto_approve", "cancel_before_hours",
)
LOOKUP_CHECKS = ("none", "phone4")  # Business.lookup_check
REQUIRED = ("name", "code", "currency", "timezone", "country", "default_locale")
DEFAULTS: dict[str, Any] = {
    "currency": "INR", "timezone": "Asia/Kolkata", "country": "IN", "default_locale": "en",
}
_LIMITS = {"name": 120, "address": 2000, "upi_payee_name": 100, "bank_account_name": 120,
           "bank_name": 120, "payment_note": 2000, "contact_email": 254}


def _bad(field: str, value: Any, reason: str, **params: Any) -> InvalidValue:
    return InvalidValue(f"{field}: {reason}", field=field, value=value, reason=reason, **params)


def _text(field: str, value: str) -> str:
    value = clean_text(value).strip()
    limit = _LIMITS.get(field, 200)
    if len(value) > limit:
        raise _bad(field, value, "too_long", limit=limit)
    return value


def _code(value: str) -> str:
    code = value.upper()
    if not CODE.match(code):
        raise _bad("code", value, "code_format")
    if code in NOT_A_CODE:
        raise _bad("code", value, "code_reserved")
    return code


def _currency(value: str) -> str:
    currency = value.upper()
    if currency not in list_currencies():
        raise _bad("currency", value, "currency")
    return currency


def _timezone(value: str) -> str:
    # Only names of the IANA database: ZoneInfo would also open a file path.
    if value not in available_timezones():
        raise _bad("timezone", value, "timezone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise _bad("timezone", value, "timezone") from error
    return value


def _country(value: str) -> str:
    country = value.upper()
    if country not in phonenumbers.SUPPORTED_REGIONS:
        raise _bad("country", value, "country")
    return country


def _language(value: str) -> str:
    if value.lower() not in LANGUAGES:
        raise _bad("default_locale", value, "language", choices=", ".join(LANGUAGES))
    return value.lower()


def _upi_id(value: str) -> str:
    if not UPI_ID.match(value):
        raise _bad("upi_id", value, "upi_id")
    return value.lower()


def _ifsc(value: str) -> str:
    ifsc = value.upper()
    if not IFSC.match(ifsc):
        raise _bad("bank_ifsc", value, "ifsc")
    return ifsc


def _account_number(value: str) -> str:
    number = value.replace(" ", "")
    if not ACCOUNT_NUMBER.match(number):
        raise _bad("bank_account_number", value, "account_number")
    return number


def _email(value: str) -> str:
    if not EMAIL.match(value):
        raise _bad("contact_email", value, "email")
    return _text("contact_email", value)


AUTO_APPROVE = ("statement",)  # what may approve a proof by itself (never OCR alone)


def _auto_approve(value: str) -> str | None:
    """"statement" (a proof the bank statement confirms approves itself), or "off"."""
    value = value.lower()
    if value == "off":
        return None
    if value not in AUTO_APPROVE:
        raise _bad("auto_approve", value, "choice", choices="statement, off")
    return value


MAX_CANCEL_HOURS = 24 * 30


def _cancel_hours(value: str | int) -> int | None:
    """How many hours before a booking a customer may still cancel it themselves (0:
    until it starts), or "off": every cancellation is a request the staff decide."""
    text = str(value).strip().lower()
    if text == "off":
        return None
    if not text.isascii() or not text.isdigit() or int(text) > MAX_CANCEL_HOURS:
        raise _bad("cancel_before_hours", value, "cancel_hours", maximum=MAX_CANCEL_HOURS)
    return int(text)


def _methods(value: str | list[str]) -> list[str]:
    names = value if isinstance(value, list) else re.split(r"[\s,]+", value)
    methods: list[str] = []
    for name in (n.strip().lower() for n in names):
        if name and name not in METHODS:
            raise _bad("accepted_methods", name, "method", choices=", ".join(METHODS))
        if name and name not in methods:
            methods.append(name)
    if not methods:
        raise _bad("accepted_methods", value, "required")
    return methods


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "code": _code,
    "currency": _currency,
    "timezone": _timezone,
    "country": _country,
    "default_locale": _language,
    "upi_id": _upi_id,
    "bank_ifsc": _ifsc,
    "bank_account_number": _account_number,
    "contact_email": _email,
    "accepted_methods": _methods,
    "auto_approve": _auto_approve,
    "cancel_before_hours": _cancel_hours,
}


def clean_value(field: str, value: Any, *, country: str = "IN") -> Any:
    """`value` as it is stored, or InvalidValue saying why it cannot be. A blank
    optional value is None (it clears the field); phones are read in `country`."""
    if field not in FIELDS:
        raise _bad(field, value, "unknown_field")
    if isinstance(value, str):
        value = value.strip()
    if value in ("", None, []):
        if field in REQUIRED or field == "accepted_methods":
            raise _bad(field, value, "required")
        return None
    if field == "contact_phone":
        phone = parse_phone(value, country)
        if phone is None:
            raise _bad(field, value, "phone")
        return phone
    check = _CHECKS.get(field)
    return check(value) if check else _text(field, value)


def _check_whole(values: Mapping[str, Any]) -> None:
    """What only the fields together can tell: a method accepted needs its details."""
    methods = values.get("accepted_methods") or []
    if "upi" in methods and not values.get("upi_id"):
        raise _bad("upi_id", None, "upi_needs_id")
    if "bank" in methods and not (values.get("bank_account_number") and values.get("bank_ifsc")):
        raise _bad("bank_account_number", None, "bank_needs_account")


def _cleaned(values: Mapping[str, Any], country: str) -> dict[str, Any]:
    """Every value cleaned, or InvalidValues naming each one refused (not just the first)."""
    cleaned, errors = {}, []
    for field, value in values.items():
        try:
            cleaned[field] = clean_value(field, value, country=country)
        except InvalidValue as error:
            errors.append(error)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InvalidValues(errors=errors)
    return cleaned


def _country_or_default(value: Any) -> str:
    """The region phones are read in; a bad country is reported with the other fields."""
    try:
        return clean_value("country", value)
    except InvalidValue:
        return DEFAULTS["country"]


def create_business(session: Session, values: Mapping[str, Any]) -> Business:
    """A new business from the operator's values (defaults filled in), checked whole."""
    merged = {**DEFAULTS, **{k: v for k, v in values.items() if v is not None}}
    for field in REQUIRED:
        merged.setdefault(field, None)
    if not merged.get("accepted_methods"):  # what the details given make possible, and cash
        merged["accepted_methods"] = [
            *(["upi"] if merged.get("upi_id") else []),
            *(["bank"] if merged.get("bank_account_number") else []),
            "cash",
        ]
    country = _country_or_default(merged["country"])
    cleaned = _cleaned(merged, country)
    _check_whole(cleaned)
    if business_by_code(session, cleaned["code"]) is not None:
        raise AlreadyExists(f"code {cleaned['code']}", field="code", value=cleaned["code"])
    business = Business(**cleaned)
    session.add(business)
    session.flush()
    return business


def update_business(session: Session, code: str, changes: Mapping[str, Any]) -> Business:
    """Change some fields of a business; the result must still be whole. The code
    stays: it is printed in every order number the business already has."""
    business = get_business(session, code)
    if "code" in changes:
        raise _bad("code", changes["code"], "code_fixed")
    country = _country_or_default(changes.get("country", business.country))
    cleaned = _cleaned(changes, country)
    current = {field: getattr(business, field) for field in FIELDS}
    _check_whole({**current, **cleaned})
    for field, value in cleaned.items():
        setattr(business, field, value)
    session.flush()
    return business


def get_business(session: Session, code: str) -> Business:
    business = business_by_code(session, code)
    if business is None:
        raise NotFound(f"business {code}", business=code.upper())
    return business


def list_businesses(session: Session) -> list[tuple[Business, int, int]]:
    """Every business with its active staff count and its order count, by code."""
    staff = (
        select(func.count(Staff.id))
        .where(Staff.business_id == Business.id, Staff.active.is_(True))
        .scalar_subquery()
    )
    orders = select(func.count(Order.id)).where(Order.business_id == Business.id).scalar_subquery()
    rows = session.execute(select(Business, staff, orders).order_by(Business.code)).all()
    return [(business, n_staff, n_orders) for business, n_staff, n_orders in rows]


def staff_phone(business: Business, phone: str) -> str:
    """A staff phone as E.164, read in the business's country."""
    e164 = parse_phone(phone, business.country)
    if e164 is None:
        raise _bad("phone", phone, "phone")
    return e164


def _member(session: Session, business: Business, phone: str) -> Staff | None:
    return session.scalars(
        select(Staff).where(Staff.business_id == business.id, Staff.phone == phone)
    ).one_or_none()


def add_staff(session: Session, code: str, phone: str, name: str) -> Staff:
    """A staff member of the business; someone removed before comes back active."""
    business = get_business(session, code)
    e164 = staff_phone(business, phone)
    name = _text("name", name.strip())
    if not name:
        raise _bad("name", name, "required")
    member = _member(session, business, e164)
    if member is not None and member.active:
        raise AlreadyExists(f"staff {e164}", field="phone", value=e164)
    if member is None:
        member = Staff(business_id=business.id, phone=e164, name=name, active=True)
        session.add(member)
    else:
        member.name, member.active = name, True
    session.flush()
    return member


def remove_staff(session: Session, code: str, phone: str) -> Staff:
    """The member stops being staff: kept (past decisions name them), but inactive,
    so they get no more prompts and can decide nothing."""
    business = get_business(session, code)
    e164 = staff_phone(business, phone)
    member = _member(session, business, e164)
    if member is None or not member.active:
        raise NotFound(f"staff {e164}", business=business.code, phone=e164)
    member.active = False
    _drop_prompts(session, member)
    session.flush()
    return member


def _phone_addresses(session: Session, phone: str) -> list[str]:
    """The phone as it is written on each channel whose address is a phone."""
    formats = {"{phone}", *phone_addresses(session).values()}
    return sorted(f.format(phone=phone) for f in formats)


def _drop_prompts(session: Session, member: Staff) -> None:
    """Prompts queued for the member and not yet delivered are not sent: a message meant
    for a staff member names them in its payload (`staff_id`)."""
    their_chats = select(Chat.id).where(Chat.staff_id == member.id)
    waiting = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.HELD.value]),
            or_(
                OutboxMessage.chat_id.in_(their_chats),
                OutboxMessage.address.in_(_phone_addresses(session, member.phone)),
            ),
        )
    )
    for message in waiting:
        if (message.payload or {}).get("staff_id") == member.id:
            message.status = OutboxStatus.FAILED.value
            message.last_error = "the recipient is no longer staff"


def list_staff(session: Session, code: str) -> list[Staff]:
    business = get_business(session, code)
    return list(
        session.scalars(select(Staff).where(Staff.business_id == business.id).order_by(Staff.id))
    )


SHIPPING_SECRET = re.compile(r"[!-~]{16,200}")  # visible ASCII, long enough not to guess


def set_shipping_secret(session: Session, code: str, secret: str) -> Business:
    """Set (or with "" clear) the secret that checks the business's carrier reports."""
    business = get_business(session, code)
    secret = secret.strip()
    if secret and not SHIPPING_SECRET.fullmatch(secret):
        raise _bad("shipping_secret", "(hidden)", "shipping_secret")
    business.shipping_secret = secret or None
    session.flush()
    return business
