"""An order's discounts and charges as lines, worded for the reader: shown under the
items in the chat's order view and on the order's page."""

from __future__ import annotations

from handlers import i18n
from store.models import Order


def adjustment_lines(order: Order, lang: str) -> list[str]:
    """"Discount (late delivery): -₹50.00", "Extra charge (delivery): +₹40.00"."""
    lines = []
    for adjustment in order.adjustments:
        amount = adjustment.amount_minor
        shown = i18n.money(abs(amount), order.currency, lang, order.business.country)
        lines.append(i18n.t(
            "money.adjustment_line", lang,
            label=i18n.t("money.discount" if amount < 0 else "money.charge", lang),
            reason=i18n.t("money.reason", lang, reason=adjustment.reason) if adjustment.reason else "",
            amount=("−" if amount < 0 else "+") + shown,
        ))
    return lines


def adjustment_event(order: Order, detail: dict, lang: str) -> str:
    """A timeline line for a discount or a charge."""
    amount = int(detail.get("amount_minor", 0))
    reason = detail.get("reason")
    return i18n.t(
        "money.event_discount" if amount < 0 else "money.event_charge", lang,
        amount=i18n.money(abs(amount), order.currency, lang, order.business.country),
        reason=i18n.t("money.reason", lang, reason=reason) if reason else "",
    )
