"""`orderbot backup FILE` while the bot writes, `orderbot restore FILE` into an empty
database: the copy is consistent (each transaction wholly in it or not at all), restores
row for row, and the restored database works."""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace

import pytest
from click.testing import CliRunner
from support import ON_POSTGRES, ChatDriver
from sqlalchemy import MetaData, select, text
from sqlalchemy.engine import make_url

from bot.cli import main
from store.backup import BackupError, _run_pg
from store.db import make_engine, make_session_factory, unit_of_work
from store.demo import seed
from store.schema import schema_drift, upgrade

STAMP = "2026-11-24 14:00:00.000000"  # as SQLite keeps a UTC time (no sqlite3 adapter)


@pytest.fixture(autouse=True)
def _instance(tmp_path, monkeypatch) -> None:
    """`orderbot` run here keeps its instance folder in the test's own folder."""
    monkeypatch.setenv("ORDERBOT_INSTANCE_DIR", str(tmp_path / "instance"))


def every_row(url: str) -> dict[str, list[tuple]]:
    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        rows = {t.name: [tuple(r) for r in conn.execute(
            select(t).order_by(*(t.primary_key.columns or t.columns)))]
            for t in meta.sorted_tables}
    engine.dispose()
    return rows


def cli(*args: str, database_url: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"DATABASE_URL": database_url})
    return result.exit_code, result.output


class Writer(threading.Thread):
    """The serving bot, as far as the database sees it: commits of two rows each."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(url)
        self.commits = 0
        self.warmed = threading.Event()
        self.stop = threading.Event()
        self.goal = 0

    def run(self) -> None:
        try:
            for n in range(20000):  # bounded, whatever happens
                if self.stop.is_set():
                    break
                with self.engine.begin() as conn:
                    conn.execute(text(
                        "INSERT INTO rate_events (key, at) VALUES (:k, :at), (:k, :at)"),
                        {"k": f"w{n}", "at": STAMP})
                self.commits += 1
                if self.commits == 20:
                    self.warmed.set()
                if self.goal and self.commits >= self.goal:
                    self.stop.set()
        finally:
            self.warmed.set()  # a writer that failed does not keep the test waiting
            self.engine.dispose()


@pytest.fixture
def shop(tmp_path, clock) -> str:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        seed(session, clock())
    engine.dispose()
    return url


def test_a_sqlite_backup_under_writes_restores_row_for_row(shop, tmp_path, config, clock):
    writer = Writer(shop)
    writer.start()
    assert writer.warmed.wait(60) and writer.commits >= 20
    code, out = cli("backup", str(tmp_path / "copy.db"), database_url=shop)
    writer.goal = writer.commits + 20  # the bot writes on after the copy is made
    writer.join(60)
    assert code == 0, out
    assert not writer.is_alive()

    restored = f"sqlite:///{tmp_path / 'restored.db'}"
    code, out = cli("restore", str(tmp_path / "copy.db"), database_url=restored)
    assert code == 0, out
    source, copy = every_row(shop), every_row(restored)
    assert set(copy) == set(source)
    for name in source:
        if name == "rate_events":  # the copy holds the writes up to a commit, whole
            kept = copy[name]
            assert kept == source[name][: len(kept)]
            assert len(kept) % 2 == 0 and 40 <= len(kept) < len(source[name])
        else:
            assert copy[name] == source[name], name

    # the restored database is at head and serves
    code, out = cli("initdb", database_url=restored)
    assert code == 0 and "database ready" in out, out
    from bot.bootstrap import build_runtime

    runtime = build_runtime(replace(config, database_url=restored), clock=clock)
    try:
        assert "AK-1001" in ChatDriver(runtime).text("AK-1001")
    finally:
        runtime.close()


def test_restore_refuses_a_database_with_tables(shop, tmp_path):
    cli("backup", str(tmp_path / "copy.db"), database_url=shop)
    before = every_row(shop)
    code, out = cli("restore", str(tmp_path / "copy.db"), database_url=shop)
    assert code == 1
    assert "restore only into an empty database" in out
    assert every_row(shop) == before


def test_a_backup_never_overwrites_and_restore_wants_a_backup(shop, tmp_path):
    (tmp_path / "old.db").write_bytes(b"yesterday")
    code, out = cli("backup", str(tmp_path / "old.db"), database_url=shop)
    assert code == 1 and "already exists" in out
    assert (tmp_path / "old.db").read_bytes() == b"yesterday"
    code, out = cli("restore", str(tmp_path / "old.db"),
                    database_url=f"sqlite:///{tmp_path / 'new.db'}")
    assert code == 1 and "is not an orderbot backup" in out


def test_without_pg_dump_the_message_says_so(monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(BackupError) as refused:
        _run_pg("pg_dump", make_url("postgresql+psycopg://postgres@127.0.0.1/x"), [])
    from bot.cli.data import REFUSED

    message = REFUSED[refused.value.reason].format(**refused.value.details)
    assert message.startswith("pg_dump is not installed")


needs_pg_tools = pytest.mark.skipif(
    not (ON_POSTGRES and shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="needs PostgreSQL (ORDERBOT_TEST_DATABASE_URL) and pg_dump/pg_restore")


@needs_pg_tools
def test_a_postgres_backup_restores_row_for_row(demo, tmp_path):
    url = demo.config.database_url
    demo.engine.dispose()
    before = every_row(url)
    code, out = cli("backup", str(tmp_path / "shop.dump"), database_url=url)
    assert code == 0 and "(pg_dump)" in out, out

    code, out = cli("restore", str(tmp_path / "shop.dump"), database_url=url)
    assert code == 1 and "restore only into an empty database" in out

    engine = make_engine(url)
    try:
        with engine.begin() as conn:  # the test database, emptied: the one we may use
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        code, out = cli("restore", str(tmp_path / "shop.dump"), database_url=url)
        assert code == 0, out
        assert every_row(url) == before
    finally:  # whatever happened, the suite's schema is whole again
        if schema_drift(engine):
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            upgrade(engine)
        engine.dispose()
