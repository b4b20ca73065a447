"""Amounts are never silently changed: a minus sign or more decimals than the currency
has gets a clear question, wherever people type an amount (the customer's proof, the
staff's paid, refund, discount, charge and approve)."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_UP, Decimal, InvalidOperation

from babel.numbers import get_currency_precision

from handlers import i18n
from handlers.parse import amount_problem
from handlers.turn import Turn
from handlers.types import Reply


def amount_question(turn: Turn, text: str, currency: str) -> list[Reply] | None:
    """The question to ask instead of taking the amount in `text`; None when it is fine."""
    problem = amount_problem(text, currency)
    if problem is None:
        return None
    kind, typed = problem
    if kind == "negative":
        return [Reply(turn.t("money.amount_negative", typed=typed))]
    digits = get_currency_precision(currency)
    try:
        value = Decimal(typed.replace(",", ""))
    except InvalidOperation:
        return [Reply(turn.t("money.amount_negative", typed=typed))]
    step = Decimal(1).scaleb(-digits)
    down, up = (int(value.quantize(step, rounding=r).scaleb(digits)) for r in (ROUND_DOWN, ROUND_UP))
    return [Reply(turn.t(
        "money.amount_precision", typed=typed, currency=currency,
        down=i18n.plain_amount(down, currency), up=i18n.plain_amount(up, currency),
    ))]
