"""Engines, sessions and the unit of work, and the dialect's INSERT (schema upgrades
through Alembic are store/schema.py's)."""

from __future__ import annotations

import fcntl
import os
import select
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`. SQLite gets WAL, foreign keys, `BEGIN IMMEDIATE` and its
    writers queued (`WriteQueue`), so that a web server, a worker and terminal chats
    share one file without sleeping in SQLite's busy handler. PostgreSQL gets prepared
    statements and a liveness check that costs no round trip (`_check_alive`)."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    connect_args = kwargs.setdefault("connect_args", {})
    # psycopg prepares a statement the second time a connection runs it: the webhook's
    # few statements are parsed and planned once per connection, not once per message.
    connect_args.setdefault("prepare_threshold", 1)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkout", _check_alive)
    return engine


def _check_alive(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection the server (or the network) closed is not handed out: the
    pool connects again."""
    reason = why_gone(dbapi_conn)
    if reason is not None:
        raise DisconnectionError(reason)


def why_gone(dbapi_conn: Any) -> str | None:
    """Why a PostgreSQL connection cannot be used any more, or None while it can. It
    costs a poll of the socket, not a `SELECT 1` and its transaction as `pool_pre_ping`
    would: an idle connection has nothing to read, so anything readable — the end of
    the stream, the server's goodbye — means it is gone."""
    if dbapi_conn.closed or dbapi_conn.broken:
        return "the connection is closed"
    try:
        readable, _, _ = select.select([dbapi_conn.fileno()], [], [], 0)
    except (OSError, ValueError):
        return "the connection's socket is gone"
    return "the server closed the connection" if readable else None


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    engine = create_engine(url, **kwargs)
    path = engine.url.database
    queue = WriteQueue(None if not path or path == ":memory:" else path)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, open transactions: BEGIN IMMEDIATE below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if ":memory:" not in url:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        # Writers queue up at BEGIN instead of failing on lock upgrade mid-transaction,
        # and queue in WriteQueue first: woken in turn, not polling in the busy handler.
        raw = conn.connection.dbapi_connection
        queue.enter(raw)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            queue.leave(raw)
            raise

    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_conn: Any) -> None:
        try:
            commit(dbapi_conn)
        finally:
            queue.leave(getattr(dbapi_conn, "dbapi_connection", dbapi_conn))

    def do_rollback(dbapi_conn: Any) -> None:
        try:
            rollback(dbapi_conn)
        finally:
            queue.leave(getattr(dbapi_conn, "dbapi_connection", dbapi_conn))

    # After the COMMIT or ROLLBACK itself (the engine's events come before it), and
    # for the pool's rollback of a connection given back, too.
    dialect.do_commit, dialect.do_rollback = do_commit, do_rollback  # type: ignore[method-assign]
    for name in ("checkin", "invalidate", "close"):  # a transaction cut short: never kept
        event.listen(engine.pool, name, lambda dbapi_conn, *_: queue.leave(dbapi_conn))
    return engine


class WriteQueue:
    """The writers of one SQLite file, one transaction at a time: threads wait in a
    first-come queue in the process and processes on an exclusive `flock` of
    `<file>.lock`, each woken as the one before it finishes. SQLite alone would have
    them sleep in its busy handler (1, 2, 5 … 100 ms at a time) and wake in no order: a
    burst's p99 was 25–50 times its median. The file's own lock still guards against
    any other writer."""

    def __init__(self, path: str | None) -> None:
        self._lock_path = f"{path}.lock" if path else None
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()  # a forked worker queues on its own lock and file
        self._mutex = threading.Lock()  # guards the fields below, held for no wait
        self._waiting: deque[threading.Event] = deque()  # first come, first served
        self._holder: tuple[int, int] | None = None  # (the DBAPI connection, its thread)
        self._fd: int | None = None

    def enter(self, dbapi_conn: Any) -> None:
        if self._pid != os.getpid():
            self._reset()
        me = threading.get_ident()
        with self._mutex:
            holder = self._holder
            if holder is not None and holder[1] == me:
                return  # a second transaction of this thread's: SQLite's lock decides, as before
            turn = None
            if holder is not None or self._waiting:
                turn = threading.Event()
                self._waiting.append(turn)
            self._holder = (id(dbapi_conn), me) if turn is None else holder
        if turn is not None:
            turn.wait()  # `leave` hands the queue over to the oldest waiter
            with self._mutex:
                self._holder = (id(dbapi_conn), me)
        try:
            if self._lock_path is not None:
                if self._fd is None:
                    self._fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._hand_over()
            raise

    def leave(self, dbapi_conn: Any) -> None:
        holder = self._holder
        if holder is None or holder[0] != id(dbapi_conn) or self._pid != os.getpid():
            return
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._hand_over()

    def _hand_over(self) -> None:
        with self._mutex:
            if self._waiting:
                self._holder = (-1, -1)  # taken: the next in line sets itself on waking
                self._waiting.popleft().set()
            else:
                self._holder = None


def make_session_factory(engine: Engine, info: dict[str, Any] | None = None) -> sessionmaker[Session]:
    """Sessions of `engine`; `info` (the settings) is readable as `session.info` where
    only a session is at hand (rendering a queued message)."""
    return sessionmaker(engine, expire_on_commit=False, info=info or {})


_open_units: ContextVar[int] = ContextVar("orderbot_open_units", default=0)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    session = factory()
    token = _open_units.set(_open_units.get() + 1)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        _open_units.reset(token)


def in_unit_of_work() -> bool:
    """Whether this thread is inside a unit of work (slow work, such as decoding an
    image, belongs before it: on SQLite the transaction holds the write lock)."""
    return _open_units.get() > 0


def insert_for(session: Session) -> Any:
    """The INSERT of the session's dialect, for `on_conflict_do_nothing`: a conditional
    insert lets a unique index decide between racing writers."""
    return insert_of(session.get_bind().dialect.name)


def insert_of(dialect: str) -> Any:
    """The INSERT of the dialect named `dialect` ("postgresql", "sqlite")."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
