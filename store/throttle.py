"""Limits that hold across every worker: counted events in the database."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from store.models import RateEvent


def count(session: Session, key: str, window: timedelta, now: datetime) -> int:
    return session.scalar(
        select(func.count()).where(RateEvent.key == key, RateEvent.at > now - window)
    ) or 0


def hit(session: Session, key: str, now: datetime) -> None:
    session.connection().execute(_HIT, {"key": key, "at": now})


_HIT = insert(RateEvent.__table__)


def oldest_in_window(session: Session, key: str, window: timedelta, now: datetime) -> datetime | None:
    """When the oldest counted event in the window happened (the limit lifts a window after it)."""
    return session.scalar(
        select(func.min(RateEvent.at)).where(RateEvent.key == key, RateEvent.at > now - window)
    )


def prune(session: Session, older_than: datetime) -> int:
    return session.execute(delete(RateEvent).where(RateEvent.at < older_than)).rowcount


def once_per(session: Session, key: str, period: timedelta, now: datetime) -> bool:
    """True for the one caller, across every worker, that may do `key` now: nobody did
    in the last `period`. Callers are serialised per key (an advisory lock on
    PostgreSQL; SQLite's writers already are); older marks are dropped."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode())})
    if count(session, key, period, now):
        return False
    session.execute(delete(RateEvent).where(RateEvent.key == key))
    hit(session, key, now)
    return True
