"""Sending within a platform's rate limit across every worker process: sends are
spaced evenly, each taking the next free slot of its key from one row in the database
(a "next free slot" reservation, as in GCRA with no burst).

One atomic statement reserves a slot: the key's `next_at` becomes
max(next_at, now) + 1/rate, and the slot given is that value less 1/rate. Two takers,
in one process or in many, never get the same slot, a slot is never earlier than the
moment it was asked for, and a key is one row however long it runs. The caller waits
until its slot and sends: at `rate` a second, evenly spaced, a sliding second holds
more than `rate` sends only when a send goes out later than its slot by more than the
spacing left over under the platform's limit (the safety margin the caller picks).
"""

from __future__ import annotations

import threading
import time
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, case
from sqlalchemy.orm import Session

from store.db import insert_of, why_gone
from store.models import RatePace


@cache
def _reserve_statement(dialect: str) -> Any:
    """The reservation, built once per dialect: a pace is taken for every send."""
    now, gap = bindparam("now"), bindparam("gap")
    stmt = insert_of(dialect)(RatePace).values(key=bindparam("key"), next_at=bindparam("first"))
    return stmt.on_conflict_do_update(
        index_elements=[RatePace.key],
        set_={"next_at": case((RatePace.next_at > now, RatePace.next_at), else_=now) + gap},
    ).returning(RatePace.next_at)


def reserve(db: Session | Connection, key: str, per_second: float, now: float | None = None) -> float:
    """Take the next free slot of `key` (e.g. "send:<channel>") at `per_second` slots a
    second; `now` and the slot are seconds since the epoch. The slot is `now` when the
    key has been idle, otherwise 1/`per_second` after the slot before it. Commit soon:
    on PostgreSQL the key's row stays locked until then.

    Without `now`, the time is read once `db` has its connection, so a wait for one
    cannot make the slot earlier than the moment it is taken."""
    connection = db.connection() if isinstance(db, Session) else db
    params = _params(key, per_second, now)
    next_at = connection.execute(_reserve_statement(connection.dialect.name), params).scalar_one()
    return float(next_at) - params["gap"]


def _params(key: str, per_second: float, now: float | None) -> dict[str, Any]:
    """The reservation's parameters; `now` read here (after the connection) when not given."""
    now = time.time() if now is None else now
    gap = 1.0 / per_second
    return {"key": key, "first": now + gap, "now": now, "gap": gap}


class Slots:
    """Reservations on an engine of their own, in autocommit, for a process that takes
    a slot for every send (the outbox worker's lanes): each thread keeps one connection
    and hands the compiled statement to the driver, which prepares it once. A slot so
    taken costs the database's round trip and little else; a pool checkout and the
    statement's execution through SQLAlchemy each cost as much again. A connection
    found closed (PostgreSQL: a poll of its socket, as at a pool checkout) is replaced
    before it is used; one that fails is dropped, and the thread's next slot opens
    another."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # The reservation as the driver takes it (its own parameter style), compiled once.
        compiled = _reserve_statement(engine.dialect.name).compile(dialect=engine.dialect)
        self._sql = str(compiled)
        self._order = compiled.positiontup if compiled.positional else None
        self._polled = engine.dialect.name == "postgresql"
        self._local = threading.local()

    def reserve(self, key: str, per_second: float, now: float | None = None) -> float:
        """As `reserve`, on this thread's connection."""
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is not None and self._polled and why_gone(_driver(connection)):
            self.close(failed=True)
            connection = None
        if connection is None:
            connection = self._local.connection = self.engine.connect()
        params = _params(key, per_second, now)
        try:
            cursor = connection.connection.cursor()
            cursor.execute(self._sql, [params[n] for n in self._order] if self._order else params)
            (next_at,) = cursor.fetchone()
            cursor.close()
        except Exception:
            self.close(failed=True)
            raise
        return float(next_at) - params["gap"]

    def close(self, failed: bool = False) -> None:
        """Give back this thread's connection: the thread stops, or (`failed`) the
        connection broke, and is not to be used again."""
        connection, self._local.connection = getattr(self._local, "connection", None), None
        if connection is not None:
            if failed:
                connection.invalidate()
            connection.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _driver(connection: Connection) -> Any:
    return connection.connection.driver_connection
