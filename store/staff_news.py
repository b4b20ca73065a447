"""What a staff member does with money or a cancellation reaches the business's other
staff: a payment taken in person, a refund, an order cancelled. (Proof decisions tell
the colleagues who were asked, store/proofs.py; routine status steps tell nobody, so a
busy kitchen's chats stay quiet.)"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from store import outbox
from store.models import Order, StatusEvent

KIND = "staff_update"


def tell_colleagues(
    session: Session, order: Order, event: StatusEvent, staff_id: int | None, now: datetime
) -> int:
    """Queue the news of `event` for every active staff member of the order's business
    but the one who made it (`staff_id`; None: no staff member did, nothing is sent).
    Returns how many messages were queued."""
    if staff_id is None:
        return 0
    from store.proofs import active_staff, staff_addresses

    settings = session.info.get("settings")
    channels = tuple(getattr(settings, "staff_channels", ("console",)))
    queued = 0
    for staff in active_staff(session, order.business_id):
        if staff.id == staff_id:
            continue
        for chat in staff_addresses(session, staff, channels, now):
            queued += outbox.enqueue(
                session,
                channel=chat.channel,
                address=chat.address,
                chat_id=chat.id,
                kind=KIND,
                payload={"order_id": order.id, "event_id": event.id},
                key=f"staff:{event.id}:chat:{chat.id}",
                order_id=order.id,
                now=now,
            )
    return queued
