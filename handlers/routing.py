"""Routing one message through the features, in the order of `Turn.features`:

    button pressed (or its number typed) ─> the first feature's `buttons[verb]` that takes it
    otherwise                            ─> `states[chat.state]`, if it takes the message
    otherwise                            ─> each feature's `intents`, in feature order
    nothing took it                      ─> None (the core answers with help)
"""

from __future__ import annotations

from handlers.orders.customer import help_replies
from handlers.turn import State, Turn
from handlers.types import Reply


def route(turn: Turn) -> list[Reply] | None:
    features = turn.features
    payload = turn.inbound.button or _typed_choice(turn)
    if payload:
        verb, _, arg = payload.partition(":")
        for feature in features:
            button = feature.buttons.get(verb)
            if button:
                replies = button(turn, arg)
                if replies is not None:
                    return replies
        return [Reply(turn.t("core.button_gone"))] + help_replies(turn)
    for feature in features:
        handler = feature.states.get(State.of(turn.chat.state))
        if handler:
            replies = handler(turn)
            if replies is not None:
                return replies
    for feature in features:
        for intent in feature.intents:
            replies = intent(turn)
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
