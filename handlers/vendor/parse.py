"""Reading a staff member's command, however it is worded: `AK-1001 ready`, `ready
AK-1001`, `AK-1001 तैयार`, `paid AK-1001 200 upi UTR1234`, `AK-1001 200 cash mila`,
`cancel AK-1001 customer asked`, `refund AK-1002 50 cash`. The words come from the
locale files (`vendor.keywords.*`), every language at once."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.i18n import phrases
from handlers.parse import mentions, parse_amount, without_order_number, words

STATUSES = ("pending", "confirmed", "preparing", "ready", "completed")
METHODS = ("cash", "upi", "bank", "card")
# Checked in this order: "cancel … paid" cancels.
VERBS = ("cancel", "refund", "discount", "charge", "paid")
MONEY_VERBS = ("refund", "discount", "charge", "paid")
# A letter, digit or Devanagari sign (matras are not alphanumeric to Python).
_WORD_CHAR = r"[\w\u0900-\u097F]"
_AMOUNT_TOKEN = re.compile(r"(?:₹|rs\.?|inr)?\d[\d,]*(?:\.\d{1,2})?(?:/-)?", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    verb: str  # open, status, paid, refund, cancel, discount, charge
    status: str | None = None
    amount_minor: int | None = None
    method: str | None = None
    reference: str | None = None
    reason: str | None = None


def vocabulary(name: str) -> list[str]:
    return phrases(f"vendor.keywords.{name}")


def strip_phrase(text: str, options: list[str]) -> tuple[str | None, str]:
    """The first of `options` (longest first) standing in `text` as whole words, and
    `text` without it; case and spacing are forgiven, the rest keeps its case."""
    for phrase in sorted(options, key=len, reverse=True):
        body = r"\s+".join(re.escape(part) for part in phrase.split())
        pattern = rf"(?<!{_WORD_CHAR}){body}(?!{_WORD_CHAR})"
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            return phrase, f"{text[: match.start()]} {text[match.end() :]}"
    return None, text


def verb_of(text: str) -> str | None:
    for verb in VERBS:
        if mentions(text, vocabulary(verb)):
            return verb
    return None


def statuses_in(text: str) -> list[str]:
    return [s for s in STATUSES if mentions(text, vocabulary(f"status.{s}"))]


def parse_command(text: str, currency: str) -> Command:
    """What `text` asks of the order it names (the order number is already read)."""
    rest = without_order_number(text)
    verb = verb_of(rest)
    if verb is None:
        found = statuses_in(rest)
        if len(found) == 1:
            return Command("status", status=found[0])
        return Command("open")
    _, rest = strip_phrase(rest, vocabulary(verb))
    if verb == "cancel":
        return Command("cancel", reason=_reason(rest))
    amount, rest = amount_in(rest, currency)
    if verb in ("discount", "charge"):  # what follows the amount is the reason
        return Command(verb, amount_minor=amount, reason=_reason(rest))
    method, rest = method_in(rest)
    return Command(verb, amount_minor=amount, method=method, reference=_reference(rest))


def method_in(text: str) -> tuple[str | None, str]:
    """The first payment method `text` names ("cash", "GPay", "नकद"…) and the text without it."""
    for code in METHODS:
        found, rest = strip_phrase(text, vocabulary(f"method.{code}"))
        if found:
            return code, rest
    return None, text


def amount_in(text: str, currency: str) -> tuple[int | None, str]:
    """The first word that is an amount (`200`, `₹1,250.50`, `250/-`) and the text without it."""
    tokens = text.split()
    for n, token in enumerate(tokens):
        if _AMOUNT_TOKEN.fullmatch(token):
            return parse_amount(token, currency), " ".join(tokens[:n] + tokens[n + 1 :])
    return None, text


def _reference(text: str) -> str | None:
    """A payment reference is what is left that has a digit in it (`UTR1234`, `TXN 98765`)."""
    tokens = [t.strip(".,;:()#") for t in text.split()]
    kept = [t for t in tokens if any(ch.isdigit() for ch in t)]
    return " ".join(kept)[:120] or None


def _reason(text: str) -> str | None:
    reason = " ".join(text.split()).strip(" -:,.;")
    for lead in vocabulary("reason_lead"):  # "because …", "reason: …"
        if reason.casefold().startswith(lead.casefold() + " "):
            reason = reason[len(lead) :].strip(" -:,.;")
            break
    return reason[:500] or None


def is_only(text: str, name: str) -> bool:
    """Whether `text` is nothing but one of the `name` phrases."""
    said = words(text)
    return any(said == words(p) for p in vocabulary(name))
