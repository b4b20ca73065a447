"""An order's timeline: every line of it (a status change, a payment, a proof, a
note, an update) is written here, added and flushed so its id is known."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from store.models import Order, StatusEvent


def add_event(
    session: Session,
    order: Order,
    kind: str,
    now: datetime,
    *,
    actor: str = "system",
    staff_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict[str, Any] | None = None,
) -> StatusEvent:
    event = StatusEvent(
        order_id=order.id, kind=kind, from_status=from_status, to_status=to_status,
        detail=detail or {}, actor=actor, actor_staff_id=staff_id, created_at=now,
    )
    session.add(event)
    session.flush()
    return event
