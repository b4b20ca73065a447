"""Payment screenshots sent in the chat (issue 6 fills this in)."""

from __future__ import annotations

from handlers.core import Turn
from handlers.types import Reply


def _media(turn: Turn) -> list[Reply] | None:
    if not turn.inbound.media:
        return None
    return [Reply(turn.t("proof.not_yet"))]


BUTTONS: dict = {}
INTENTS = [_media]
STATES: dict = {}
