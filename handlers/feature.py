"""What a conversation feature declares, as one typed record.

A feature (orders, phone, proofs, vendor, shipping, …) names the chat states it
answers, its button verbs, the intents tried on free text, the outbox kinds it
words (and the template variables of those with a template of their own) and the
sections it adds to the order view; a feature that brings another kind of order (a
booking) gives the customer's view of that kind (`views`) and tells the staff's
commands how that kind moves (`StaffKind`). `handlers.features.FEATURES` lists them
in the order they answer. This module imports none of the features."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from handlers.turn import State, Turn
from handlers.types import Button, Reply
from store.models import Order, OutboxMessage, StatusEvent

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


@dataclass(frozen=True)
class StaffKind:
    """How the staff's order commands (handlers/vendor) treat an order of another kind:
    the statuses it may go to next, the service that moves it (raises a DomainError
    when its rules say no), its full staff view and its buttons (`refresh`: the view's
    own, else those under an answer)."""

    next_statuses: Callable[[str], Sequence[str]]
    set_status: Callable[..., StatusEvent]
    view: Callable[[Turn, Order], list[Reply]]
    buttons: Callable[[Turn, Order, bool], tuple[Button, ...]]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Feature:
    name: str
    states: Mapping[State, Handler] = field(default_factory=dict)
    buttons: Mapping[str, ButtonHandler] = field(default_factory=dict)
    intents: tuple[Handler, ...] = ()
    renderers: Mapping[str, Renderer] = field(default_factory=dict)
    # Of those, the kinds whose words depend on the payload and the language alone (not
    # on who receives them): a fan-out renders each once per language.
    same_for_all: frozenset[str] = frozenset()
    template_fields: Mapping[str, TemplateFields] = field(default_factory=dict)
    sections: tuple[Section, ...] = ()
    progress: tuple[Progress, ...] = ()
    views: Mapping[str, View] = field(default_factory=dict)  # by Order.kind
    staff_kinds: Mapping[str, StaffKind] = field(default_factory=dict)  # by Order.kind
