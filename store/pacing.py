"""Sending within a platform's rate limit across every worker process: each send
takes a slot in a sliding one-second window kept in the database."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from store.models import RateEvent

SECOND = timedelta(seconds=1)


def take_slot(session: Session, key: str, per_second: float, now: datetime) -> float:
    """Reserve one send for `key` (e.g. "send:telegram") if fewer than `per_second`
    were reserved in the last second: returns 0.0 when granted, else the seconds to
    wait before asking again. Takers are serialised per key (an advisory lock on
    PostgreSQL; SQLite's writers already are), so the limit holds across workers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode())})
    taken, oldest = session.execute(
        select(func.count(), func.min(RateEvent.at)).where(
            RateEvent.key == key, RateEvent.at > now - SECOND
        )
    ).one()
    if taken < per_second:
        session.add(RateEvent(key=key, at=now))
        session.flush()
        return 0.0
    return max((oldest + SECOND - now).total_seconds(), 0.001)


def forget_before(session: Session, key: str, moment: datetime) -> int:
    """Drop slots older than `moment` (they no longer count)."""
    return session.execute(
        delete(RateEvent).where(RateEvent.key == key, RateEvent.at < moment)
    ).rowcount
