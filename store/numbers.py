"""Pure helpers shared by the store and the conversation: order-number keys."""

import re

_NOT_KEY = re.compile(r"[^0-9A-Z]")


def number_key(number: str) -> str:
    """What an order number is matched on: letters and digits, upper case ("ak-1001" -> "AK1001")."""
    return _NOT_KEY.sub("", number.upper())
