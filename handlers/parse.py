"""Reading what people type: order numbers, amounts, phones, keywords, in any
spelling, script or digit system."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

import phonenumbers
from babel.numbers import get_currency_precision

from store.numbers import number_key

# Letters (the business code) then digits, with any of " -#/." between: AK-1001, ak1001,
# #AK 1001. Words that are commands, not codes, are never taken for a prefix.
_ORDER = re.compile(r"(?<![A-Za-z0-9])#?\s*([A-Za-z]{1,6})\s*[-#/.]?\s*(\d{3,10})(?![0-9])")
_NOT_A_CODE = {
    "PAID", "PAY", "APPROVE", "REJECT", "PROOF", "ORDER", "ORDERS", "NO", "NUMBER", "NUM",
    "TRACK", "RS", "INR", "AMOUNT", "CODE", "OTP", "ID", "REF", "UTR", "TXN", "AMT", "CASH",
    "UPI", "BANK", "CARD", "PLUS", "CALL", "PH", "PHONE", "MOB", "TEL", "REFUND", "MERA", "IS",
    "MY", "KA", "KI", "KE", "HAI", "STATUS", "DUE", "OF", "FOR", "AND", "THE", "TO",
}
_SPACES = re.compile(r"\s+")
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\n\t")


def normalize_digits(text: str) -> str:
    """Every Unicode decimal digit (Devanagari १००१, Arabic-Indic…) as ASCII."""
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text
    )


def clean(text: str, limit: int = 4000) -> str:
    """Text as the conversation reads it: digits normalised, control characters gone,
    NFC, trimmed, and cut to a sane length (a huge message is still answered)."""
    text = unicodedata.normalize("NFC", text[: limit * 2]).translate(_CONTROL)
    return normalize_digits(text).strip()[:limit]


def words(text: str) -> str:
    """Lower case, punctuation to spaces, one space between words: for keyword matching."""
    text = "".join(ch if ch.isalnum() or unicodedata.category(ch)[0] == "M" else " " for ch in text)
    return _SPACES.sub(" ", text.casefold()).strip()


def find_order_number(text: str) -> str | None:
    """The first thing in `text` shaped like an order number, as its match key."""
    for match in _ORDER.finditer(normalize_digits(text)):
        prefix = match.group(1).upper()
        if prefix not in _NOT_A_CODE:
            return number_key(prefix + match.group(2))
    return None


_AMOUNT = re.compile(
    r"(?:₹|rs\.?|inr|rupees?|रु\.?|रुपये)?\s*(\d{1,3}(?:,\d{2,3})+|\d+)(?:\.(\d{1,2}))?\s*(?:/-)?",
    re.IGNORECASE,
)


def parse_amount(text: str, currency: str = "INR") -> int | None:
    """An amount of money in minor units: "paid 250", "₹1,250.50", "250/-", "२५०"."""
    text = normalize_digits(text)
    # Order numbers in the same caption ("paid 250 for AK-1001") are not amounts.
    text = _ORDER.sub(" ", text)
    match = _AMOUNT.search(text)
    if not match:
        return None
    try:
        value = Decimal(match.group(1).replace(",", "") + "." + (match.group(2) or "0"))
    except InvalidOperation:
        return None
    minor = int(value.scaleb(get_currency_precision(currency)))
    return minor if 0 < minor < 10**12 else None


def parse_phone(text: str, region: str = "IN") -> str | None:
    """A phone number in any common form as E.164, or None when it is not a valid number."""
    candidate = normalize_digits(text).strip()
    if sum(ch.isdigit() for ch in candidate) < 7 or re.search(r"[A-Za-z]", candidate):
        return None
    try:
        parsed = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """+91 98111 11111: a phone as people read it."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def matches(text: str, phrases: list[str]) -> str | None:
    """The first phrase `text` is, or starts with as whole words; the rest is the argument."""
    said = words(text)
    for phrase in phrases:
        p = words(phrase)
        if p and (said == p or said.startswith(p + " ")):
            return said[len(p) :].strip()
    return None


def mentions(text: str, phrases: list[str]) -> bool:
    """Whether any phrase stands in `text` as whole words."""
    said = f" {words(text)} "
    return any(f" {words(p)} " in said for p in phrases if words(p))
