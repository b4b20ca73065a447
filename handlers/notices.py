"""Words for queued messages: an outbox row becomes replies in its recipient's
language at the moment it is delivered."""

from __future__ import annotations

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
# Kinds with a template of their own, whose buttons answer the message (a WhatsApp
# quick-reply template): its numbered variables, {"1": …, "2": …}.
TEMPLATE_FIELDS: dict[str, TemplateFields] = {
    kind: fn for feature in FEATURES for kind, fn in feature.template_fields.items()
}


def fields_of(session: Session, message: OutboxMessage, default_lang: str = "en") -> dict[str, str]:
    """The variables of the message's own template, in its recipient's language."""
    lang = recipient_language(session, message, default_lang)
    return TEMPLATE_FIELDS[message.kind](session, message, lang)


def recipient_language(session: Session, message: OutboxMessage, default: str = "en") -> str:
    """The recipient chat's language; for a chat that never said (a phone that never
    wrote), the business's own language; else the default."""
    chat = session.get(Chat, message.chat_id) if message.chat_id else None
    if chat is not None and chat.locale:
        return chat.locale
    order = session.get(Order, message.order_id) if message.order_id else None
    business_locale = i18n.normalize_language(order.business.default_locale) if order else None
    return business_locale or default


def render(session: Session, message: OutboxMessage, default_lang: str = "en") -> list[Reply]:
    """The replies an outbox row stands for; a text payload is sent as it is."""
    lang = recipient_language(session, message, default_lang)
    fn = RENDERERS.get(message.kind)
    if fn is not None:
        return fn(session, message, lang)
    text = message.payload.get("text")
    if text:
        return [Reply(str(text))]
    raise LookupError(f"no renderer for outbox kind {message.kind!r}")


__all__ = ["RENDERERS", "TEMPLATE_FIELDS", "fields_of", "recipient_language", "render"]
