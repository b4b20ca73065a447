"""Waking the workers when there is work, instead of having them ask every second.

A write that gives a worker something to do (a notice queued or released, a proof
queued for reading) calls `signal(session, topic)`. When its transaction commits the
topic is announced: on PostgreSQL by `pg_notify` inside the transaction (delivered at
commit, to every process, and never for a transaction rolled back); on SQLite, which
has no such thing, to the waiters of this process (`orderbot serve` runs its worker in
the web process). A `Listener` thread per worker process LISTENs and hands what it
hears to `BOARD`, where idle threads wait.

A wake-up is only a hint: the database stays the one place that says what is due, and
a waiter still looks after its timeout. While a listener hears announcements (its own
probe comes back) that timeout can be long (`IDLE_MAX`, or the next due time); without
one — SQLite, a worker with no listener, a connection lost, a pooler that drops
LISTEN — waiters fall back to the short wait they always had.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, bindparam, event, func, select
from sqlalchemy.orm import Session

log = logging.getLogger("orderbot.wakeups")

NOTIFY_CHANNEL = "orderbot_wake"
IDLE_MAX = 30.0  # seconds an idle waiter sleeps while a listener hears announcements
PROBE_EVERY = IDLE_MAX  # seconds between a listener's checks that announcements arrive
PROBE_WAIT = 5.0  # seconds a probe may take to come back
PROBE = "probe:"  # the payload's beginning of a listener's own probe
_PENDING = "wakeup_topics"  # Session.info: the topics this transaction announces
PROOFS = "proofs"  # a payment proof queued for reading


def outbox_topic(channel: str) -> str:
    """A message of `channel` queued (or due again) in the outbox."""
    return f"outbox:{channel}"


def signal(session: Session, topic: str) -> None:
    """Announce `topic` when `session`'s transaction commits (once, however often
    this transaction signals it)."""
    topics = session.info.get(_PENDING)
    if topics is None:
        topics = session.info[_PENDING] = set()
    topics.add(topic)


@event.listens_for(Session, "before_commit")
def _announce(session: Session) -> None:
    topics = session.info.get(_PENDING)
    if topics and session.get_bind().dialect.name == "postgresql":
        connection = session.connection()
        for topic in sorted(topics):
            _notify(connection, topic)


@event.listens_for(Session, "after_commit")
def _wake_here(session: Session) -> None:
    topics = session.info.pop(_PENDING, None)
    if topics and session.get_bind().dialect.name != "postgresql":
        BOARD.mark(topics)  # PostgreSQL's arrive through the listener, in every process


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    """The whole transaction is over without a commit (a savepoint's end leaves what
    the transaction around it signalled)."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_PENDING, None)


_NOTIFY = select(func.pg_notify(bindparam("channel"), bindparam("topic")))


def _notify(connection: Connection, topic: str) -> None:
    """`topic` announced when `connection`'s transaction commits."""
    connection.execute(_NOTIFY, {"channel": NOTIFY_CHANNEL, "topic": topic})


class Board:
    """Where idle threads of one process wait for their topics. Each topic has a
    count that every announcement raises; a waiter notes the counts before it looks
    for work and waits for a change, so an announcement between its look and its
    wait is not missed. `mark_all` (a listener that was away is back) wakes every
    waiter to look again."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._counts: dict[str, int] = {}
        self._all = 0
        self._listeners = 0
        self.waiting = 0  # threads in `wait` now

    def seen(self, topics: Iterable[str]) -> tuple[int, ...]:
        with self._changed:
            return (self._all, *(self._counts.get(t, 0) for t in topics))

    def mark(self, topics: Iterable[str]) -> None:
        with self._changed:
            for topic in topics:
                self._counts[topic] = self._counts.get(topic, 0) + 1
            self._changed.notify_all()

    def mark_all(self) -> None:
        with self._changed:
            self._all += 1
            self._changed.notify_all()

    def wait(self, topics: Iterable[str], seen: tuple[int, ...], timeout: float,
             stop: threading.Event | None = None) -> bool:
        """Wait until one of `topics` is announced after `seen`, `timeout` seconds
        pass or `stop` is set (looked at every second at least); returns whether an
        announcement came."""
        topics = tuple(topics)
        deadline = time.monotonic() + timeout
        with self._changed:
            self.waiting += 1
            try:
                while True:
                    if (self._all, *(self._counts.get(t, 0) for t in topics)) != seen:
                        return True
                    left = deadline - time.monotonic()
                    if left <= 0 or (stop is not None and stop.is_set()):
                        return False
                    self._changed.wait(min(left, 1.0) if stop is not None else left)
            finally:
                self.waiting -= 1

    @property
    def listening(self) -> bool:
        """Whether a listener of this process hears announcements (its probe came
        back): those of any process reach the waiters, so they may wait long."""
        return self._listeners > 0

    def listener(self, up: bool) -> None:
        """A listener of this process began (`up`) or stopped hearing announcements."""
        with self._changed:
            self._listeners += 1 if up else -1
            self._changed.notify_all()


BOARD = Board()


def patience(idle_wait: float, board: Board = BOARD) -> float:
    """How long an idle waiter may sleep before it looks again unasked."""
    return max(idle_wait, IDLE_MAX) if board.listening else idle_wait


class Listener(threading.Thread):
    """LISTENs on its own PostgreSQL connection (autocommit) and marks on `board` every
    topic it hears. It counts as listening — waiters may then wait long — only while
    its probe, an announcement of its own sent through another connection every
    `probe_every` seconds, comes back within `probe_wait`: behind a pooler in
    transaction mode (PgBouncer keeps no LISTEN) or with delivery broken any other way,
    the waiters keep polling as they always did, and the log says why. A lost
    connection is opened again after a pause growing to 30 s. Whenever it starts
    listening (again), every waiter looks again, for what was announced meanwhile."""

    def __init__(self, engine: Engine, stop: threading.Event, board: Board = BOARD, *,
                 send: Callable[[str], None] | None = None,
                 probe_every: float = PROBE_EVERY, probe_wait: float = PROBE_WAIT) -> None:
        super().__init__(name="wakeup-listener", daemon=True)
        self.conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False)
        self.send = send or functools.partial(announce_now, engine)
        self.stop = stop
        self.board = board
        self.probe_every, self.probe_wait = probe_every, probe_wait
        self.heard = threading.Event()  # set while its probes come back
        self.unheard = threading.Event()  # set once a probe did not
        self.connection: psycopg.Connection | None = None

    def run(self) -> None:
        pause = 0.5
        while not self.stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as connection:
                    self.connection = connection
                    connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    pause = 0.5
                    self._listen(connection)
            except psycopg.Error as exc:
                log.warning("wake-up listener lost its connection (%s); workers poll "
                            "meanwhile", type(exc).__name__)
            except Exception:  # never a dead listener: the waiters would not know
                log.exception("wake-up listener failed; workers poll meanwhile")
            finally:
                self.connection = None
                self._hearing(False)
            if self.stop.wait(pause):
                break
            pause = min(pause * 2, 30.0)

    def _listen(self, connection: psycopg.Connection) -> None:
        probe, sent, due = None, 0.0, 0.0
        while not self.stop.is_set():
            if probe is None and time.monotonic() >= due:
                probe, sent = f"{PROBE}{uuid.uuid4().hex}", time.monotonic()
                try:
                    self.send(probe)
                except Exception as exc:  # the database away: it times out, workers poll
                    log.warning("wake-up probe not sent (%s)", type(exc).__name__)
            for notice in connection.notifies(timeout=min(1.0, self.probe_wait)):
                if notice.payload == probe:
                    probe, due = None, time.monotonic() + self.probe_every
                    self._hearing(True)
                elif not notice.payload.startswith(PROBE):  # other workers' probes
                    self.board.mark((notice.payload,))
            if probe is not None and time.monotonic() - sent > self.probe_wait:
                if not self.unheard.is_set():
                    log.warning("wake-ups do not come back through the database (a pooler "
                                "in transaction mode?): workers poll every second")
                self.unheard.set()
                self._hearing(False)
                probe, due = None, time.monotonic() + self.probe_every

    def _hearing(self, yes: bool) -> None:
        if yes and not self.heard.is_set():
            self.unheard.clear()
            self.heard.set()
            self.board.listener(True)
            self.board.mark_all()
        elif not yes and self.heard.is_set():
            self.heard.clear()
            self.board.listener(False)


def announce_now(engine: Engine, topic: str) -> None:
    """Announce `topic` at once, in a transaction of its own."""
    with engine.begin() as connection:
        _notify(connection, topic)


def start_listener(engine: Engine, stop: threading.Event) -> Listener | None:
    """A listener for a PostgreSQL database, started; None for any other."""
    if engine.dialect.name != "postgresql":
        return None
    listener = Listener(engine, stop)
    listener.start()
    return listener
