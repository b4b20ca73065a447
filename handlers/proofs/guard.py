"""Proofs that cannot be flooded or forged quietly (issue 15): a chat's hourly share and
an order's waiting share answered plainly (nothing kept, no staff prompt), and a proof
from a chat not proven as the order's phone flagged to staff with who sent it."""

from __future__ import annotations

import math
from datetime import datetime

from handlers import i18n
from handlers.parse import display_phone
from handlers.turn import Turn
from handlers.types import Reply
from store import proof_limits
from store.models import Order


def chat_refusal(turn: Turn) -> list[Reply] | None:
    """The answer when this chat has sent its hour's proofs (checked before keeping a file)."""
    retry_at = proof_limits.chat_retry_at(turn.session, turn.chat.id, turn.now)
    return None if retry_at is None else refused(turn, None, "chat", retry_at)


def order_refusal(turn: Turn, order: Order) -> list[Reply] | None:
    """The answer when `order` already has its proofs waiting for staff."""
    full = proof_limits.order_full(turn.session, order.id)
    return refused(turn, order, "order") if full else None


def refused(
    turn: Turn, order: Order | None, kind: str, retry_at: datetime | None = None
) -> list[Reply]:
    turn.reset()
    if kind == "chat":
        minutes = max(1, math.ceil(((retry_at or turn.now) - turn.now).total_seconds() / 60))
        return [Reply(turn.t("guard.proofs_chat_hourly", minutes=minutes))]
    return [Reply(turn.t("guard.proofs_order_waiting", number=order.number if order else ""))]


def sender_flags(turn: Turn, order: Order) -> list[dict]:
    """A flag for staff when the chat is not proven as the order's phone, naming the
    sender as the channel knows them: a phone (WhatsApp, or one proven here), else a
    Telegram name and @username."""
    phones = {turn.inbound.proven_phone, turn.linked_phone} - {None}
    if order.customer_phone and order.customer_phone in phones:
        return []
    flag: dict = {"kind": "unproven_sender", "channel": turn.chat.channel}
    if phones:
        flag["phone"] = turn.inbound.proven_phone or turn.linked_phone
    elif turn.chat.channel == "telegram":
        flag["name"] = turn.inbound.display_name or turn.chat.display_name
        flag["username"] = turn.inbound.username
        flag["user_id"] = turn.inbound.platform_user_id or turn.chat.platform_user_id
    return [flag]


def flag_line(flag: dict, lang: str) -> str:
    """The staff's line for an "unproven_sender" flag."""
    if flag.get("phone"):
        return i18n.t("guard.flag_unproven_whatsapp", lang, sender=display_phone(flag["phone"]))
    if flag.get("name") or flag.get("username"):
        handle = f"@{flag['username']}" if flag.get("username") else ""
        sender = f"{flag['name']} ({handle})" if flag.get("name") and handle else (
            flag.get("name") or handle)
        return i18n.t("guard.flag_unproven_telegram", lang, sender=sender)
    return i18n.t("guard.flag_unproven_other", lang)
