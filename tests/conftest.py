"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when
ORDERBOT_TEST_DATABASE_URL is set), emptied before each test; a clock tests move by
hand; the runtime, the Flask app, the demo data, and a chat driver."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from support import TEST_DATABASE_URL, ChatDriver, Clock, empty_database, outside_reads

from bot.bootstrap import build_runtime
from bot.config import Config
from bot.runtime import Runtime
from store.db import make_engine, unit_of_work
from store.schema import upgrade

# The suite reads nothing beside the project (a clone alone must pass): see
# tests/support/outside_reads.py; watched from the first import, judged at the end.
outside_reads.watch()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if outside_reads.OUTSIDE_READS:
        lines = "\n  ".join(sorted(set(outside_reads.OUTSIDE_READS)))
        print(f"\ntests opened files outside the project:\n  {lines}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    engine = make_engine(url)
    if url.startswith("postgresql"):
        with engine.begin() as conn:  # a clean slate: the previous run's schema goes
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    return Config.from_env(
        {},
        dotenv=False,
        database_url=database_url,
        instance_dir=tmp_path / "instance",
        media_dir=tmp_path / "media",
        secret_key="test-secret-key",
        public_base_url="https://bot.example.test",
        testing=True,
    )


@pytest.fixture
def runtime(config: Config, clock: Clock) -> Iterator[Runtime]:
    rt = build_runtime(config, clock=clock)
    empty_database(rt)
    yield rt
    rt.close()


@pytest.fixture
def demo(runtime: Runtime) -> Runtime:
    from store.demo import seed

    with unit_of_work(runtime.sessions) as session:
        seed(session, runtime.clock())
    return runtime


@pytest.fixture
def app(runtime: Runtime):
    from bot.app import create_app

    return create_app(runtime=runtime)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def customer(demo: Runtime) -> ChatDriver:
    return ChatDriver(demo)


@pytest.fixture
def stranger(demo: Runtime) -> ChatDriver:
    """A chat with no proven phone: it sees what an order-number lookup shows anyone."""
    return ChatDriver(demo, address="stranger", phone=None)
