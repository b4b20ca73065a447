"""The conversation core: `handle(inbound, ctx) -> list[Reply]`.

Each feature declares what it answers as one record (`handlers.feature.Feature`:
its states, buttons, intents, notices and order-view sections);
`handlers.features.FEATURES` lists them in the order they answer, and
`handlers.routing.route` takes a message through them; nothing took it: help
(never silence).

The chat's state, its numbered choices and its language live in the database
(`Chat`), so any worker can take the next message. The state diagram is drawn
in docs/conversation.mmd.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers import i18n
from handlers.features import FEATURES
from handlers.orders import lookup_guard
from handlers.orders.customer import help_replies
from handlers.parse import clean
from handlers.routing import route
from handlers.turn import PROVEN_LINK, State, Turn
from handlers.types import Button, Context, Inbound, Reply
from store.models import Chat, Staff
from store.outbox import release_held
from store.queries import ChatFacts, chat_with_facts, save_chat, staff_for_phone


def handle(inbound: Inbound, ctx: Context) -> list[Reply]:
    """Answer one inbound message. Writes go to `ctx.session`; the caller commits."""
    now = ctx.clock()
    chat, facts = chat_with_facts(
        ctx.session, inbound.channel, inbound.address, now, inbound.proven_phone,
        counted=lookup_guard.counting(now), **_sender_facts(inbound, now),
    )
    if facts.held:  # they wrote: what waited for them (WhatsApp's 24-hour window) goes now
        release_held(ctx.session, inbound.channel, inbound.address, now)
    staff = _staff_of(ctx, chat, inbound, facts)
    turn = Turn(inbound, ctx, chat, clean(inbound.text), now, staff, facts.watching, FEATURES,
                lookups=facts.counted)
    replies = route(turn) or help_replies(turn)
    remember_choices(chat, replies)
    save_chat(ctx.session, chat)
    return replies


def _sender_facts(inbound: Inbound, now: datetime) -> dict[str, Any]:
    """What this message tells of its chat, written in the same statement that finds it."""
    facts: dict[str, Any] = {"last_inbound_at": now}
    name = clean(inbound.display_name or "", limit=120)
    if name:
        facts["display_name"] = name
    if inbound.platform_user_id:
        facts["platform_user_id"] = inbound.platform_user_id
    locale = i18n.normalize_language(inbound.locale_hint)
    if locale:
        facts["locale"] = locale  # only where the chat has none yet
    if inbound.proven_phone:
        facts["linked_phone"] = inbound.proven_phone
        facts["linked_until"] = now + PROVEN_LINK
    return facts


def _staff_of(ctx: Context, chat: Chat, inbound: Inbound, facts: ChatFacts) -> list[Staff]:
    """The sender's active staff memberships: by a phone the channel proves, or by
    an account linked to a staff member (Telegram). A customer's proven phone costs
    no read here: `facts` already tells it is no staff member's."""
    if inbound.proven_phone and not facts.staff:
        return []
    phone = inbound.proven_phone or (chat.staff.phone if chat.staff_id is not None else None)
    if not phone:
        return []
    staff = staff_for_phone(ctx.session, phone)
    if staff and chat.staff_id is None:
        chat.staff_id = staff[0].id
    return staff


def choices_of(replies: list[Reply]) -> list[str] | None:
    """The payloads of the last reply's buttons that has any (what numbers select)."""
    with_buttons = [r for r in replies if r.buttons]
    return [b.payload for b in with_buttons[-1].buttons] if with_buttons else None


def remember_choices(chat: Chat, replies: list[Reply]) -> None:
    """The buttons of the last reply that has any become the numbered choices."""
    choices = choices_of(replies)
    data = dict(chat.state_data or {})
    if choices is not None:
        data["choices"] = choices
    else:
        data.pop("choices", None)
    if data != (chat.state_data or {}):
        chat.state_data = data


def numbered(buttons: tuple[Button, ...]) -> list[str]:
    """Buttons as numbered lines, for channels without buttons."""
    return [f"{n}. {b.label}" for n, b in enumerate(buttons, start=1)]


__all__ = [
    "PROVEN_LINK", "State", "Turn", "choices_of", "handle", "numbered", "remember_choices", "route",
]
