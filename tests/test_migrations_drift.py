"""`orderbot initdb` on a database whose tables differ from what its revision promises
(one made while 0001 was still being edited: no `rate_paces`, no
`status_events.dedupe_key`, no `payment_proofs.method`) names what is missing and how to
repair it, exits 1; `--repair` adds it and keeps every row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from click.testing import CliRunner
from support import TEST_DATABASE_URL, requires_postgres
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bot.cli import main
from store.db import make_engine, make_session_factory, unit_of_work
from store.demo import seed
from store.schema import _foreign_keys_off, schema_drift, upgrade

MISSING = [
    "table rate_paces is missing",
    "column payment_proofs.method is missing",
    "column status_events.dedupe_key is missing",
    "constraint uq_status_events_dedupe_key on status_events is missing",
    "index ix_outbox_due on outbox differs: (status, next_attempt_at) in the database, "
    "(status, channel, next_attempt_at, id) in the models",
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=requires_postgres)])
def drifted(request, tmp_path, runtime, monkeypatch) -> Iterator[str]:
    """A database 'at head' with the demo data, as an older edited 0001 left it (its own
    schema of the test database on PostgreSQL)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = make_url(TEST_DATABASE_URL).update_query_dict(
            {"options": "-csearch_path=drift"}).render_as_string(hide_password=False)
        with runtime.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS drift CASCADE"))
            conn.execute(text("CREATE SCHEMA drift"))
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        seed(session, runtime.clock())
    with _foreign_keys_off(engine) as conn, conn.begin():
        op = Operations(MigrationContext.configure(conn))
        op.drop_table("rate_paces")
        with op.batch_alter_table("status_events") as batch:
            batch.drop_column("dedupe_key")
        with op.batch_alter_table("payment_proofs") as batch:
            batch.drop_column("method")
        op.drop_index("ix_outbox_due", table_name="outbox")
        op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    if request.param == "postgres":
        with runtime.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS drift CASCADE"))


def count(url: str, table: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(text(table))).scalar_one()
    engine.dispose()
    return n


def test_initdb_names_what_is_missing_and_how_to_repair(drifted) -> None:
    result = CliRunner().invoke(main, ["initdb"])
    assert result.exit_code == 1
    assert "database ready" not in result.output
    listed = [line.removeprefix("  - ") for line in result.output.splitlines()
              if line.startswith("  - ")]
    assert listed == MISSING
    assert "orderbot initdb --repair" in result.output
    assert "orderbot backup FILE" in result.output


def test_initdb_repair_adds_them_and_keeps_the_rows(drifted) -> None:
    before = {t: count(drifted, t) for t in ("orders", "status_events", "payments")}
    result = CliRunner().invoke(main, ["initdb", "--repair"])
    assert result.exit_code == 0, result.output
    assert "added table rate_paces" in result.output
    assert "added column status_events.dedupe_key" in result.output
    assert "rebuilt index ix_outbox_due on (status, channel, next_attempt_at, id)" in result.output
    assert "database ready" in result.output
    engine = make_engine(drifted)
    assert schema_drift(engine) == []
    engine.dispose()
    assert {t: count(drifted, t) for t in before} == before
    again = CliRunner().invoke(main, ["initdb"])
    assert again.exit_code == 0 and "added" not in again.output


def test_a_repair_the_database_refuses_changes_nothing(drifted) -> None:
    """A required column without a default cannot be added to a table holding rows: the
    repair says so and leaves the database as it was."""
    engine = make_engine(drifted)
    with _foreign_keys_off(engine) as conn, conn.begin():
        with Operations(MigrationContext.configure(conn)).batch_alter_table("orders") as batch:
            batch.drop_column("currency")
    engine.dispose()
    result = CliRunner().invoke(main, ["initdb", "--repair"])
    assert result.exit_code == 1
    assert "nothing was changed" in result.output
    engine = make_engine(drifted)
    assert "table rate_paces is missing" in schema_drift(engine)
    engine.dispose()


def test_a_sound_database_is_reported_ready(runtime, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", runtime.config.database_url)
    result = CliRunner().invoke(main, ["initdb"])
    assert result.exit_code == 0 and "database ready" in result.output
