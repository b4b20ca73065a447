"""Small talk and asking for a person.

`thanks`, `ok`, `👍` (धन्यवाद, ठीक है, thik hai…) get a short friendly answer, not the
whole help. `talk to a human`, `call me`, `cancel my order`, `refund`, `complaint` (and
their Hindi and Hinglish forms) get the business's contact, and the message goes to its
staff through the outbox ("Ravi asks about AK-1001: cancel my order") — once per order
an hour, counted in the database so every worker agrees."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.feature import Feature
from handlers.orders.customer import current_order, lookup
from handlers.orders.view import Audience, audience_for
from handlers.parse import display_phone, find_order_number, mentions, words
from handlers.turn import Turn
from handlers.types import Button, Reply
from store import outbox, throttle
from store.models import Business, Order, OutboxMessage
from store.queries import order_for_view
from store.staff_news import staff_chats

KIND = "customer_asks"
ASK_WINDOW = timedelta(hours=1)
# Skin tones and the emoji variation selector: 👍🏽 is 👍.
_EMOJI_MODIFIERS = re.compile("[\ufe0f\U0001f3fb-\U0001f3ff]")


def _said(text: str) -> str:
    return words(text) or _EMOJI_MODIFIERS.sub("", text).strip()


def _small_talk(turn: Turn) -> list[Reply] | None:
    if turn.inbound.media or not turn.text or len(turn.text) > 40:
        return None
    said = _said(turn.text)
    if said not in {_said(p) for p in i18n.phrases("words.keywords.thanks")}:
        return None
    return [Reply(turn.t("words.small_talk"))]


def contact_of(business: Business, lang: str) -> str:
    found = business.contact_phone or business.contact_email
    if not found:
        return i18n.t("words.contact_directly", lang)
    return display_phone(found) if found.startswith("+") else found


def _asks_for_people(turn: Turn) -> list[Reply] | None:
    if turn.staff or turn.inbound.media or not turn.text:
        return None
    if not mentions(turn.text, i18n.phrases("words.keywords.people")):
        return None
    key = find_order_number(turn.text)
    order = order_for_view(turn.session, key) if key else current_order(turn)
    if key and order is None:
        return lookup(turn, key)  # the same answer, and count, as any miss
    if order is None:
        return [Reply(turn.t("words.people_which_order"))]
    turn.chat.current_order_id = order.id
    business = order.business
    lines = [turn.t("words.people_contact", business=business.name,
                    contact=contact_of(business, turn.lang))]
    if throttle.once_per(turn.session, f"asks:{order.id}", ASK_WINDOW, turn.now):
        _pass_on(turn, order)
        lines.append(turn.t("words.people_passed", business=business.name))
    else:
        lines.append(turn.t("words.people_passed_already", business=business.name))
    return [Reply("\n".join(lines))]


def _pass_on(turn: Turn, order: Order) -> None:
    """The customer's words to every staff chat of the business."""
    who = turn.chat.display_name or (
        order.customer_name if audience_for(turn, order) is Audience.OWNER else None)
    payload = {"order_id": order.id, "who": who, "said": turn.text[:300]}
    channels = tuple(turn.ctx.settings.staff_channels)
    for staff, chat in staff_chats(turn.session, order.business_id, channels, turn.now):
        outbox.enqueue_for(
            turn.session, chat, kind=KIND, payload={**payload, "staff_id": staff.id},
            key=f"asks:{order.id}:{turn.now.isoformat()}:chat:{chat.id}", order_id=order.id,
            now=turn.now,
        )


def _render_asks(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order = session.get(Order, message.payload["order_id"])
    if order is None:
        raise LookupError("order gone")
    who = message.payload.get("who") or i18n.t("words.a_customer", lang)
    text = i18n.t("words.asks", lang, who=who, number=order.number,
                  said=message.payload.get("said", ""))
    opener = Button(i18n.t("vendor.button.open", lang, number=order.number), f"vo:{order.number}")
    return [Reply(text, buttons=(opener,))]


FEATURE = Feature(
    "people",
    intents=(_small_talk, _asks_for_people),
    renderers={KIND: _render_asks},
)
