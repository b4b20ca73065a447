"""Order numbers cannot be walked (issue 15): every lookup by number counts, hits too
(30 an hour a chat, of which 10 misses: the misses are kept on the chat), and a business
with `lookup_check = "phone4"` shows an order to a sender not proven as its phone only
after the last 4 digits of that phone:

    AK-1001 (phone4 business, sender unproven) ─> AWAITING_LAST4 ─ right 4 ─> the order
                                                               └ wrong ─> a miss, ask again

A number of a phone4 business that does not exist gets the same question, and no 4
digits ever open it: nothing tells whether it exists."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from handlers.orders.view import Audience, audience_for
from handlers.turn import State, Turn
from handlers.types import Reply
from store import chat_reads, throttle
from store.models import Order

LOOKUPS_PER_HOUR = 30  # every lookup by number, found or not, per chat and per web client
HOUR = timedelta(hours=1)
PHONE4 = "phone4"
_LAST4 = re.compile(r"\d{4}")


KEY_PREFIX = "lookup:chat:"  # and the chat's id


def _key(turn: Turn) -> str:
    return f"{KEY_PREFIX}{turn.chat.id}"


def counting(now: datetime) -> tuple[str, datetime]:
    """What the statement that finds the chat counts for this guard (handlers/core.py):
    the chat's lookups in the last hour, so that a lookup costs no read of its own."""
    return KEY_PREFIX, now - HOUR


def over_budget(turn: Turn) -> bool:
    if turn.lookups is None:
        turn.lookups = throttle.count(turn.session, _key(turn), HOUR, turn.now)
    return turn.lookups >= LOOKUPS_PER_HOUR


def counted(turn: Turn) -> None:
    throttle.hit(turn.session, _key(turn), turn.now)
    if turn.lookups is not None:
        turn.lookups += 1


def phone4_business(session, key: str) -> bool:
    """Whether the business whose code starts the number `key` asks for the last 4 digits.
    A booking's number has letters of its own after the code ("GSB501": GS, then B501),
    so the code is also tried with up to 3 letters less."""
    prefix = re.match(r"[A-Z]+", key or "")
    if not prefix:
        return False
    letters = prefix.group()
    codes = [letters[:n] for n in range(len(letters), max(len(letters) - 4, 0), -1)]
    return PHONE4 in chat_reads.lookup_checks(session, codes)  # one statement, however many


def needs_last4(turn: Turn, key: str, order: Order | None) -> bool:
    """Whether this lookup must be answered with the last-4 question first."""
    if order is not None:
        guarded = order.business.lookup_check == PHONE4
        return guarded and audience_for(turn, order) is Audience.PUBLIC
    return phone4_business(turn.session, key)


def ask_last4(turn: Turn, key: str) -> list[Reply]:
    number = as_printed(key)  # not order.number: a number that does not exist looks the same
    turn.set_state(State.AWAITING_LAST4, number=key, shown=number)
    return [Reply(turn.t("guard.ask_last4", number=number))]


def as_printed(key: str) -> str:
    """"AK1001" as an order number is printed, "AK-1001" (what the customer sees of a
    number that may not exist must look like what one that does would)."""
    match = re.fullmatch(r"([A-Z]+)(\d.*)", key)
    return f"{match.group(1)}-{match.group(2)}" if match else key


def last4_matches(order: Order | None, digits: str) -> bool:
    phone = (order.customer_phone or "") if order is not None else ""
    return len(phone) >= 4 and phone[-4:] == digits


def is_last4(text: str) -> bool:
    return bool(_LAST4.fullmatch(re.sub(r"[\s\-]", "", text)))
