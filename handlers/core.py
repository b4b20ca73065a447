"""The conversation core: `handle(inbound, ctx) -> list[Reply]`.

Each feature module (customer, phone, proofs, vendor) declares what it answers as
data — `STATES` (a state -> handler table), `BUTTONS` (a payload verb -> handler)
and `INTENTS` (handlers tried in order on free text) — and the core routes a
message through them:

    button pressed (or its number typed) ─> BUTTONS[verb]
    otherwise                            ─> STATES[chat.state], if it takes the message
    otherwise                            ─> each module's INTENTS, in module order
    nothing took it                      ─> help (never silence)

The chat's state, its numbered choices and its language live in the database
(`Chat`), so any worker can take the next message. The state diagram is drawn
in docs/conversation.mmd.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from handlers import i18n
from handlers.parse import clean
from handlers.types import Button, Context, Inbound, Reply
from store.models import Chat, Staff
from store.outbox import release_held
from store.queries import ChatFacts, chat_with_facts, staff_for_phone

PROVEN_LINK = timedelta(days=30)


class State(enum.StrEnum):
    IDLE = "idle"
    AWAITING_PHONE = "awaiting_phone"
    AWAITING_CODE = "awaiting_code"
    AWAITING_AMOUNT = "awaiting_amount"
    CHOOSING_PROOF_ORDER = "choosing_proof_order"
    AWAITING_REJECT_REASON = "awaiting_reject_reason"
    AWAITING_CANCEL_REASON = "awaiting_cancel_reason"
    AWAITING_LAST4 = "awaiting_last4"  # handlers/lookup_guard.py


@dataclass
class Turn:
    """One message being answered: the message, its chat, and what is known of the sender."""

    inbound: Inbound
    ctx: Context
    chat: Chat
    text: str
    now: datetime
    staff: list[Staff] = field(default_factory=list)
    watching: bool = True  # the chat may follow an order (False: known to follow none)

    @property
    def lang(self) -> str:
        return self.chat.locale or self.ctx.settings.default_locale

    @property
    def session(self) -> Any:
        return self.ctx.session

    def t(self, key: str, **params: Any) -> str:
        return i18n.t(key, self.lang, **params)

    def set_state(self, state: State, **data: Any) -> None:
        """Enter `state` with its data; the previous state's data is dropped (the
        numbered choices are the core's, kept until the next reply replaces them)."""
        new = {k: v for k, v in data.items() if v is not None}
        if "choices" in (self.chat.state_data or {}):
            new["choices"] = self.chat.state_data["choices"]
        if self.chat.state != state.value or (self.chat.state_data or {}) != new:
            self.chat.state = state.value
            self.chat.state_data = new

    def reset(self) -> None:
        self.set_state(State.IDLE)

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.chat.state_data or {})

    def business_ids(self) -> set[int]:
        return {s.business_id for s in self.staff}


Handler = Callable[[Turn], list[Reply] | None]
ButtonHandler = Callable[[Turn, str], list[Reply] | None]


def _modules() -> list[Any]:
    # Order is priority: staff statements and commands first, then files, phones, small
    # talk and asking for a person, and the customer's.
    from handlers import customer, people, phone, proof_claims, proofs, statement_chat, vendor

    return [statement_chat, vendor, proofs, proof_claims, phone, people, customer]


def handle(inbound: Inbound, ctx: Context) -> list[Reply]:
    """Answer one inbound message. Writes go to `ctx.session`; the caller commits."""
    now = ctx.clock()
    chat, facts = chat_with_facts(
        ctx.session, inbound.channel, inbound.address, now, inbound.proven_phone,
        **_sender_facts(inbound, now),
    )
    if facts.held:  # they wrote: what waited for them (WhatsApp's 24-hour window) goes now
        release_held(ctx.session, inbound.channel, inbound.address, now)
    staff = _staff_of(ctx, chat, inbound, facts)
    turn = Turn(inbound, ctx, chat, clean(inbound.text), now, staff, facts.watching)
    replies = route(turn) or _help(turn)
    _remember_choices(chat, replies)
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


def route(turn: Turn) -> list[Reply] | None:
    modules = _modules()
    payload = turn.inbound.button or _typed_choice(turn)
    if payload:
        verb, _, arg = payload.partition(":")
        for module in modules:
            handler = getattr(module, "BUTTONS", {}).get(verb)
            if handler:
                replies = handler(turn, arg)
                if replies is not None:
                    return replies
        return [Reply(turn.t("core.button_gone"))] + _help(turn)
    for module in modules:
        handler = getattr(module, "STATES", {}).get(turn.chat.state)
        if handler:
            replies = handler(turn)
            if replies is not None:
                return replies
    for module in modules:
        for handler in getattr(module, "INTENTS", ()):
            replies = handler(turn)
            if replies is not None:
                return replies
    return None


def _typed_choice(turn: Turn) -> str | None:
    """"2" typed where the last menu had a second choice means that choice."""
    choices = (turn.chat.state_data or {}).get("choices")
    if not isinstance(choices, list):  # state from an older version, or damaged: ignore it
        return None
    text = turn.text.strip().rstrip(".)")
    if text.isdigit() and 1 <= int(text) <= len(choices) and len(text) <= 2:
        return str(choices[int(text) - 1])
    return None


def _remember_choices(chat: Chat, replies: list[Reply]) -> None:
    """The buttons of the last reply that has any become the numbered choices."""
    with_buttons = [r for r in replies if r.buttons]
    data = dict(chat.state_data or {})
    if with_buttons:
        data["choices"] = [b.payload for b in with_buttons[-1].buttons]
    else:
        data.pop("choices", None)
    if data != (chat.state_data or {}):
        chat.state_data = data


def _help(turn: Turn) -> list[Reply]:
    from handlers.customer import help_replies

    return help_replies(turn)


def numbered(buttons: tuple[Button, ...]) -> list[str]:
    """Buttons as numbered lines, for channels without buttons."""
    return [f"{n}. {b.label}" for n, b in enumerate(buttons, start=1)]
