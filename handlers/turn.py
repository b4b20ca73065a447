"""One message being answered (`Turn`) and the chat's states (`State`).

These are the types every feature imports; this module imports no feature (the
features a turn is routed through reach it as data, `Turn.features`)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from handlers import i18n
from handlers.types import Context, Inbound
from store.models import Chat, Staff

if TYPE_CHECKING:  # for the annotation only: handlers.feature imports this module
    from handlers.feature import Feature

PROVEN_LINK = timedelta(days=30)


class State(enum.StrEnum):
    IDLE = "idle"
    AWAITING_PHONE = "awaiting_phone"
    AWAITING_CODE = "awaiting_code"
    AWAITING_AMOUNT = "awaiting_amount"
    CHOOSING_PROOF_ORDER = "choosing_proof_order"
    AWAITING_REJECT_REASON = "awaiting_reject_reason"
    AWAITING_CANCEL_REASON = "awaiting_cancel_reason"
    AWAITING_STAFF_TIME = "awaiting_staff_time"  # handlers/bookings/staff.py: move, propose
    AWAITING_LAST4 = "awaiting_last4"  # handlers/orders/lookup_guard.py
    # A customer's change to a booking (handlers/bookings/customer.py): the time they
    # want, then their yes to the request.
    AWAITING_BOOKING_TIME = "awaiting_booking_time"
    CONFIRMING_BOOKING_CHANGE = "confirming_booking_change"

    @classmethod
    def of(cls, value: str | None) -> State | None:
        """The chat's stored state; None for one this version does not know."""
        try:
            return cls(value)
        except ValueError:
            return None


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
    # The features answering, in order (handlers.features.FEATURES): routing and the
    # order view's sections read them from here.
    features: Sequence[Feature] = ()
    # The chat's lookups by number in the last hour, as counted when the chat was found
    # (handlers/orders/lookup_guard.py); None: not counted yet.
    lookups: int | None = None

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

    @property
    def linked_phone(self) -> str | None:
        """The phone this chat proved (a code, a shared contact), while the proof lasts."""
        chat = self.chat
        if chat.linked_phone and (chat.linked_until is None or chat.linked_until > self.now):
            return chat.linked_phone
        return None

    def business_ids(self) -> set[int]:
        return {s.business_id for s in self.staff}
