"""Rows that have done their work and would otherwise pile up for ever: webhook
dedupe records, counted events of the throttles, spent one-time codes. Pruned about
once an hour by whichever worker comes first (bot/housekeeping.py), and by
`orderbot prune`.

Each table is pruned by id below its first row still kept, so that a big table is
read through its primary key from the start, not scanned whole.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.models import InboundDelivery, OtpChallenge, RateEvent, RatePace

# How long each is kept: a platform retries a delivery within hours (some up to a
# day); the throttles count over a day at most; a code lives five minutes.
KEEP: dict[str, tuple[Any, Any, timedelta]] = {
    "inbound_deliveries": (InboundDelivery, InboundDelivery.created_at, timedelta(days=7)),
    "rate_events": (RateEvent, RateEvent.at, timedelta(days=2)),
    "otp_challenges": (OtpChallenge, OtpChallenge.created_at, timedelta(days=2)),
}
PACE_IDLE = timedelta(days=1)


def prune(session: Session, now: datetime) -> dict[str, int]:
    """Delete what is past keeping; returns how many rows of each table went."""
    removed = {}
    for name, (model, moment, keep) in KEEP.items():
        cutoff = now - keep
        first_kept = session.scalar(
            select(model.id).where(moment >= cutoff).order_by(model.id).limit(1)
        )
        older = model.id < first_kept if first_kept is not None else moment < cutoff
        removed[name] = session.execute(
            delete(model).where(older), execution_options={"synchronize_session": False}
        ).rowcount
    # Paces idle for a day (a chat's, mostly): the next send starts the pace afresh.
    removed["rate_paces"] = session.execute(
        delete(RatePace).where(RatePace.next_at < now.timestamp() - PACE_IDLE.total_seconds())
    ).rowcount
    return removed
