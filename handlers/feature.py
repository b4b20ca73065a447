"""What a conversation feature declares, as one typed record.

A feature (orders, phone, proofs, vendor, shipping, …) names the chat states it
answers, its button verbs, the intents tried on free text, the outbox kinds it
words (and the template variables of those with a template of their own), the
sections it adds to the order view, and the view of rows of its own kind (a
booking). `handlers.features.FEATURES` lists them in the order they answer. This
module imports none of the features."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from handlers.turn import State, Turn
from handlers.types import Reply
from store.models import Order, OutboxMessage

Handler = Callable[[Turn], list[Reply] | None]
ButtonHandler = Callable[[Turn, str], list[Reply] | None]
# An outbox row's replies in the recipient's language.
Renderer = Callable[[Session, OutboxMessage, str], list[Reply]]
# A kind with a template of its own whose buttons answer the message (a WhatsApp
# quick-reply template): its numbered variables, {"1": …, "2": …}.
TemplateFields = Callable[[Session, OutboxMessage, str], dict[str, str]]
# Lines a feature adds to the order view: (turn, order, audience) -> lines, maybe none.
Section = Callable[[Turn, Order, Any], list[str]]
# Steps a feature adds to the order's progress line: (turn, order, marks) -> marks.
Progress = Callable[[Turn, Order, list[str]], list[str]]
# The whole view of an `orders` row of another kind (a booking), by `Order.kind`:
# (turn, order, audience) -> replies. The order view hands such a row over to it.
View = Callable[[Turn, Order, Any], list[Reply]]

@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Feature:
    name: str
    states: Mapping[State, Handler] = field(default_factory=dict)
    buttons: Mapping[str, ButtonHandler] = field(default_factory=dict)
    intents: tuple[Handler, ...] = ()
    renderers: Mapping[str, Renderer] = field(default_factory=dict)
    template_fields: Mapping[str, TemplateFields] = field(default_factory=dict)
    sections: tuple[Section, ...] = ()
    progress: tuple[Progress, ...] = ()
    views: Mapping[str, View] = field(default_factory=dict)
