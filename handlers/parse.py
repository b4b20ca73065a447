"""Reading what people type: order numbers, amounts, phones, keywords, in any
spelling, script or digit system."""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

import phonenumbers
from babel.numbers import get_currency_precision

# Digits and phones are read by the store too (the operator's commands and imports).
from store.numbers import NOT_A_CODE, normalize_digits, number_key
from store.numbers import parse_phone as parse_phone  # re-exported for the conversation
from store.text import clean_text

# Letters (the business code) then digits, with any of " -#/." between: AK-1001, ak1001,
# #AK 1001; a booking's digits follow a B (GS-B501, gs b501). Words that are commands,
# not codes, are never taken for a prefix.
_ORDER = re.compile(
    r"(?<![A-Za-z0-9])#?\s*([A-Za-z]{1,6})\s*[-#/.]?\s*([Bb]?\d{3,10})(?![0-9])"
)
_SPACES = re.compile(r"\s+")


def clean(text: str, limit: int = 4000) -> str:
    """Text as the conversation reads it: digits normalised, control characters gone,
    NFC, trimmed, and cut to a sane length (a huge message is still answered)."""
    text = unicodedata.normalize("NFC", clean_text(text[: limit * 2], multiline=True))
    return normalize_digits(text).strip()[:limit]


@functools.lru_cache(maxsize=1024)
def words(text: str) -> str:
    """Lower case, punctuation to spaces, one space between words: for keyword matching
    (remembered: every intent asks it of the same message)."""
    text = "".join(ch if ch.isalnum() or unicodedata.category(ch)[0] == "M" else " " for ch in text)
    return _SPACES.sub(" ", text.casefold()).strip()


# Dashes phones and keyboards put between letters and digits (en and em dash, minus, the
# non-breaking hyphen…) and the underscore: all read as "-". Full-width forms (ＡＫ－１００１)
# are folded by NFKC, one character at a time so positions in the text stay the same.
_DASHES = dict.fromkeys(map(ord, "_\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), "-")


def _order_text(text: str) -> str:
    text = normalize_digits(text).translate(_DASHES)
    if text.isascii():
        return text
    return "".join(
        unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch for ch in text
    )


def _order_matches(text: str) -> list[re.Match[str]]:
    return [m for m in _ORDER.finditer(text) if m.group(1).upper() not in NOT_A_CODE]


def _order_match(text: str) -> re.Match[str] | None:
    found = _order_matches(text)
    return found[0] if found else None


def find_order_number(text: str) -> str | None:
    """The first thing in `text` shaped like an order number, as its match key."""
    match = _order_match(_order_text(text))
    return number_key(match.group(1) + match.group(2)) if match else None


def typed_order_number(text: str) -> str | None:
    """The first order number in `text` as it is printed: its letters, a dash, the rest
    ("gs b501" -> "GS-B501", "ak1001" -> "AK-1001")."""
    match = _order_match(_order_text(text))
    return f"{match.group(1)}-{match.group(2)}".upper() if match else None


def find_order_numbers(text: str, limit: int = 3) -> list[str]:
    """Every order number in `text` ("AK-1001 and AK-1003"), first ones first, at most `limit`."""
    keys: list[str] = []
    for match in _order_matches(_order_text(text)):
        key = number_key(match.group(1) + match.group(2))
        if key not in keys:
            keys.append(key)
    return keys[:limit]


def without_order_number(text: str) -> str:
    """`text` less the order number `find_order_number` reads in it (the rest of a command)."""
    text = _order_text(text)
    match = _order_match(text)
    return f"{text[: match.start()]} {text[match.end() :]}".strip() if match else text


_AMOUNT = re.compile(
    r"(?:₹|rs\.?|inr|rupees?|रु\.?|रुपये)?\s*(\d{1,3}(?:,\d{2,3})+|\d+)(?:\.(\d{1,2}))?\s*(?:/-)?",
    re.IGNORECASE,
)


# A minus stuck to a number ("-50", "−₹50"), and a number with decimals ("250.555").
_NEGATIVE = re.compile(r"(?<![\w./])[-−]\s?(?:₹|rs\.?|inr|रु\.?)?\s?(\d[\d,]*(?:\.\d+)?)",
                       re.IGNORECASE)
_DECIMALS = re.compile(r"(?<![\w.])(\d[\d,]*)\.(\d+)(?![\d.])")


def _without_order_numbers(text: str) -> str:
    # Order numbers in the same caption ("paid 250 for AK-1001") are not amounts.
    return _ORDER.sub(lambda m: m.group(0) if m.group(1).upper() in NOT_A_CODE else " ", text)


def amount_problem(text: str, currency: str = "INR") -> tuple[str, str] | None:
    """Why the amount in `text` cannot be taken as it stands, and the amount as typed:
    ("negative", "-50") or ("precision", "250.555") — asked about, never changed."""
    text = _without_order_numbers(_order_text(text))
    negative = _NEGATIVE.search(text)
    if negative:
        return "negative", negative.group(0).strip()
    for match in _DECIMALS.finditer(text):
        if len(match.group(2)) > get_currency_precision(currency):
            return "precision", match.group(0)
    return None


def parse_amount(text: str, currency: str = "INR") -> int | None:
    """An amount of money in minor units: "paid 250", "₹1,250.50", "250/-", "२५०". None
    when there is none, or when taking it would change it (see `amount_problem`)."""
    if amount_problem(text, currency):
        return None
    text = _without_order_numbers(_order_text(text))
    match = _AMOUNT.search(text)
    if not match:
        return None
    try:
        value = Decimal(match.group(1).replace(",", "") + "." + (match.group(2) or "0"))
    except InvalidOperation:
        return None
    minor = int(value.scaleb(get_currency_precision(currency)))
    return minor if 0 < minor < 10**12 else None


@functools.lru_cache(maxsize=4096)  # a business's contact phone is shown in every order's view
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
