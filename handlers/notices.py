"""Words for queued messages: an outbox row becomes replies in its recipient's
language at the moment it is delivered."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.feature import Renderer, TemplateFields
from handlers.features import FEATURES
from handlers.types import Reply
from store.models import Chat, Order, OutboxMessage

# Each feature's notices (handlers.features.FEATURES), by outbox kind.
RENDERERS: dict[str, Renderer] = {
    kind: fn for feature in FEATURES for kind, fn in feature.renderers.items()
}
# Kinds whose replies are the same for every recipient in one language.
SAME_FOR_ALL: frozenset[str] = frozenset(
    kind for feature in FEATURES for kind in feature.same_for_all
)
# Kinds with a template of their own, whose buttons answer the message (a WhatsApp
# quick-reply template): its numbered variables, {"1": …, "2": …}.
TEMPLATE_FIELDS: dict[str, TemplateFields] = {
    kind: fn for feature in FEATURES for kind, fn in feature.template_fields.items()
}


@dataclass
class Rendered:
    """What a batch of deliveries words once: the replies of a notice that reads the
    same for everyone (SAME_FOR_ALL), by kind, payload and language, and the language of
    each order's business. Kept for one batch only, so an order changed since shows."""

    replies: dict[tuple[str, str, str], list[Reply]] = field(default_factory=dict)
    business_languages: dict[int, str | None] = field(default_factory=dict)


def fields_of(session: Session, message: OutboxMessage, default_lang: str = "en") -> dict[str, str]:
    """The variables of the message's own template, in its recipient's language."""
    lang = recipient_language(session, message, default_lang)
    return TEMPLATE_FIELDS[message.kind](session, message, lang)


def recipient_language(
    session: Session, message: OutboxMessage, default: str = "en", rendered: Rendered | None = None
) -> str:
    """The recipient chat's language; for a chat that never said (a phone that never
    wrote), the business's own language; else the default."""
    chat = session.get(Chat, message.chat_id) if message.chat_id else None
    if chat is not None and chat.locale:
        return chat.locale
    if message.order_id is None:
        return default
    known = rendered.business_languages if rendered is not None else {}
    if message.order_id not in known:
        order = session.get(Order, message.order_id)
        known[message.order_id] = (
            i18n.normalize_language(order.business.default_locale) if order else None
        )
    return known[message.order_id] or default


def render(
    session: Session, message: OutboxMessage, default_lang: str = "en",
    rendered: Rendered | None = None,
) -> list[Reply]:
    """The replies an outbox row stands for; a text payload is sent as it is. With
    `rendered`, a notice that reads the same for everyone is worded once per language."""
    lang = recipient_language(session, message, default_lang, rendered)
    fn = RENDERERS.get(message.kind)
    if fn is not None:
        if rendered is None or message.kind not in SAME_FOR_ALL:
            return fn(session, message, lang)
        key = (message.kind, json.dumps(message.payload, sort_keys=True, default=str), lang)
        if key not in rendered.replies:
            rendered.replies[key] = fn(session, message, lang)
        return list(rendered.replies[key])
    text = message.payload.get("text")
    if text:
        return [Reply(str(text))]
    raise LookupError(f"no renderer for outbox kind {message.kind!r}")


__all__ = [
    "RENDERERS", "SAME_FOR_ALL", "TEMPLATE_FIELDS", "Rendered", "fields_of",
    "recipient_language", "render",
]
