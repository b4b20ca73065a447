"""A chat's numbered choices, set by a message sent outside a turn (a notice with
buttons on a channel without them): one statement that changes `state_data`'s
"choices" alone, in the database, so whatever a newer turn wrote beside it stays, and
nothing has to be read and locked first. It goes to the session's connection as a
table statement: no object of the session is changed by it, and the ORM's bulk-update
path cost as much again as the statement (the outbox worker runs it for every notice
with buttons on such a channel)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, bindparam, cast, func, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from store.models import Chat


@cache
def _statement(dialect: str) -> Any:
    choices = bindparam("choices", type_=JSON)
    if dialect == "postgresql":
        merged = cast(
            cast(Chat.state_data, JSONB).op("||")(
                func.jsonb_build_object("choices", cast(choices, JSONB))
            ),
            JSON,
        )
    else:
        merged = func.json_set(Chat.state_data, "$.choices", func.json(choices))
    return (
        update(Chat)
        .where(Chat.id == bindparam("chat_id"))
        .values(state_data=merged, updated_at=bindparam("now"))
    )


def set_choices(session: Session, chat_id: int, choices: list[str], now: datetime) -> None:
    """The chat's next number selects among `choices` (button payloads, in order); a
    `Chat` the session holds keeps the state it was loaded with."""
    session.connection().execute(
        _statement(session.get_bind().dialect.name),
        {"chat_id": chat_id, "choices": choices, "now": now},
    )
