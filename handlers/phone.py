"""Orders by phone: a phone the channel proves lists its orders at once; a typed
phone is proven by a one-time code first (issue 5 completes the code flow)."""

from __future__ import annotations

from handlers import i18n
from handlers.core import State, Turn
from handlers.customer import keywords
from handlers.parse import display_phone, matches
from handlers.types import Button, Reply
from store.queries import orders_for_phone


def proven_phone(turn: Turn) -> str | None:
    chat = turn.chat
    if chat.linked_phone and (chat.linked_until is None or chat.linked_until > turn.now):
        return chat.linked_phone
    return None


def order_list(turn: Turn, phone: str) -> list[Reply]:
    """The phone's recent orders, newest first, each a choice that opens it."""
    orders = orders_for_phone(turn.session, phone)
    if not orders:
        turn.set_state(State.AWAITING_PHONE)
        return [Reply(turn.t("phone.no_orders", phone=display_phone(phone)))]
    lines = [turn.t("phone.list_title", phone=display_phone(phone))]
    buttons = []
    for order in orders:
        lines.append(
            turn.t(
                "phone.list_item",
                number=order.number,
                business=order.business.name,
                date=i18n.day(order.created_at, order.business.timezone, turn.lang),
                status=turn.t("status." + order.status),
                due=i18n.money(order.due_minor, order.currency, turn.lang),
            )
        )
        buttons.append(Button(order.number, f"refresh:{order.number}"))
    turn.reset()
    return [Reply("\n".join(lines), buttons=tuple(buttons))]


def my_orders(turn: Turn) -> list[Reply]:
    phone = proven_phone(turn)
    if phone:
        return order_list(turn, phone)
    turn.set_state(State.AWAITING_PHONE)
    return [Reply(turn.t("phone.ask"))]


def _my_orders_intent(turn: Turn) -> list[Reply] | None:
    if matches(turn.text, keywords("my_orders")) != "":
        return None
    return my_orders(turn)


def _my_orders_button(turn: Turn, _arg: str) -> list[Reply]:
    return my_orders(turn)


BUTTONS = {"myorders": _my_orders_button}
INTENTS = [_my_orders_intent]
STATES: dict = {}
