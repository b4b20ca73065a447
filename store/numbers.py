"""Pure helpers shared by the store and the conversation: order-number keys, the
words that are never a business code, digits in any script, and phones as E.164."""

import re
import unicodedata

import phonenumbers

_NOT_KEY = re.compile(r"[^0-9A-Z]")

# Words people write before a number that are commands, not business codes: the
# conversation never reads them as an order-number prefix, so no business may use one.
NOT_A_CODE = frozenset({
    "PAID", "PAY", "APPROVE", "REJECT", "PROOF", "ORDER", "ORDERS", "NO", "NUMBER", "NUM",
    "TRACK", "RS", "INR", "AMOUNT", "CODE", "OTP", "ID", "REF", "UTR", "TXN", "AMT", "CASH",
    "UPI", "BANK", "CARD", "PLUS", "CALL", "PH", "PHONE", "MOB", "TEL", "REFUND", "MERA", "IS",
    "MY", "KA", "KI", "KE", "HAI", "STATUS", "DUE", "OF", "FOR", "AND", "THE", "TO",
    "SENT", "DONE", "TOTAL", "RUPEE", "RUPEES", "NEFT", "IMPS", "RTGS", "GPAY", "PAYTM", "BHIM",
    "VIA", "BY",
})


def number_key(number: str) -> str:
    """What an order number is matched on: letters and digits, upper case ("ak-1001" -> "AK1001")."""
    return _NOT_KEY.sub("", number.upper())


def normalize_digits(text: str) -> str:
    """Every Unicode decimal digit (Devanagari १००१, Arabic-Indic…) as ASCII."""
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text
    )


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
