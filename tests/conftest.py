"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when
ORDERBOT_TEST_DATABASE_URL is set), emptied before each test; a clock tests move by
hand; the runtime, the Flask app, the demo data, and a chat driver."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.bootstrap import build_runtime
from bot.config import Config
from bot.runtime import Runtime, respond
from handlers.types import Inbound, Media, Reply
from store.db import make_engine, unit_of_work, upgrade
from store.models import Base

# python-telegram-bot 22 warns (an error here) unless durations are timedeltas.
os.environ.setdefault("PTB_TIMEDELTA", "true")

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEST_DATABASE_URL = os.environ.get("ORDERBOT_TEST_DATABASE_URL")
ON_POSTGRES = bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"))


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


def empty_database(runtime: Runtime) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with runtime.engine.begin() as conn:
        if runtime.engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


class Clock:
    """Time that moves only when a test says so."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


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


@dataclass
class ChatDriver:
    """A person in a chat: `say` sends a message through the real core and returns
    the replies; `text` is all of them joined, for assertions."""

    runtime: Runtime
    channel: str = "console"
    address: str = "+919811111111"
    phone: str | None = "+919811111111"
    lang: str | None = None
    history: list[list[Reply]] = field(default_factory=list)

    def say(
        self, text: str = "", *, button: str | None = None, media: tuple[Media, ...] = ()
    ) -> list[Reply]:
        replies = respond(
            self.runtime,
            Inbound(
                channel=self.channel,
                address=self.address,
                text=text,
                button=button,
                media=media,
                locale_hint=self.lang,
                proven_phone=self.phone,
            ),
        )
        self.history.append(replies)
        return replies

    def text(self, text: str = "", **kwargs) -> str:
        return joined(self.say(text, **kwargs))


def joined(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def verify_dialog(driver: ChatDriver, script: list[tuple[str, list[str]]]) -> None:
    """Each message in turn; every expected fragment must be in its answer."""
    for message, expected in script:
        answer = driver.text(message)
        for fragment in expected:
            assert fragment in answer, f"{message!r} -> {answer!r} lacks {fragment!r}"


@pytest.fixture
def customer(demo: Runtime) -> ChatDriver:
    return ChatDriver(demo)


@pytest.fixture
def stranger(demo: Runtime) -> ChatDriver:
    """A chat with no proven phone: it sees what an order-number lookup shows anyone."""
    return ChatDriver(demo, address="stranger", phone=None)


requires_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL")
