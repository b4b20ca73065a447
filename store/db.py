"""Engines, sessions and the unit of work, and the dialect's INSERT (schema upgrades
through Alembic are store/schema.py's)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout so that
    a web server, a worker and terminal chats can share one file."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

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
            # Writers queue up at BEGIN instead of failing on lock upgrade mid-transaction.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


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
