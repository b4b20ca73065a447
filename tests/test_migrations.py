"""Migrations are append-only: a database at the frozen baseline revision 0001, holding a
real shop's rows (tests/fixtures/baseline_0001: the demo data, a linked chat, a pending
proof with its file, queued notices), upgraded to whatever head is, has the schema of the
models and every row. The rows go in with plain inserts into the tables as 0001 made them
(reflected), never through the models, which move on."""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from support import FIXTURES, TEST_DATABASE_URL, ChatDriver, requires_postgres
from sqlalchemy import Engine, MetaData, inspect, select, text
from sqlalchemy.engine import make_url

from store.db import make_engine
from store.schema import MIGRATIONS, alembic_config, schema_drift

BASELINE = FIXTURES / "baseline_0001"
ROWS = json.loads((BASELINE / "rows.json").read_text())["tables"]
APPLICATION = ("bot", "handlers", "store")
# Columns a later revision renamed: (table, name in 0001) -> the name at head.
RENAMED = {("staff", "telegram_user_id"): "platform_user_id"}  # 0008_staff_user


@pytest.fixture(autouse=True)
def _instance(tmp_path, monkeypatch) -> None:
    """`orderbot` run here keeps its instance folder in the test's own folder."""
    monkeypatch.setenv("ORDERBOT_INSTANCE_DIR", str(tmp_path / "instance"))


def decode(value):
    if isinstance(value, dict) and set(value) == {"$datetime"}:
        return datetime.fromisoformat(value["$datetime"])
    return value


def normal(value):
    """A value as read back, comparable whatever the database: aware datetimes in UTC."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    return value


def migrate(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def fill_baseline(engine: Engine) -> None:
    """The fixture's rows, through the tables as revision 0001 made them."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            rows = ROWS.get(table.name)
            if rows:
                conn.execute(table.insert(), [{k: decode(v) for k, v in r.items()} for r in rows])
        if engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
            for table in meta.sorted_tables:
                if "id" in table.c and ROWS.get(table.name):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', "
                                      f"'id'), (SELECT max(id) FROM {table.name}))"))


def assert_every_row_kept(engine: Engine) -> None:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        for name, rows in ROWS.items():
            table = meta.tables[name]
            kept = [dict(r._mapping) for r in conn.execute(
                select(table).order_by(*table.primary_key.columns))]
            assert len(kept) == len(rows), f"{name}: {len(rows)} rows before, {len(kept)} after"
            for before, after in zip(rows, kept, strict=True):
                for column, value in before.items():
                    now_named = RENAMED.get((name, column), column)
                    assert normal(after[now_named]) == normal(decode(value)), (name, column, before)


def test_the_baseline_rows_are_a_real_shop() -> None:
    assert {"businesses", "orders", "chats", "payment_proofs", "media_files", "outbox"} <= {
        name for name, rows in ROWS.items() if rows}
    assert any(c["linked_phone"] for c in ROWS["chats"])
    assert [p["status"] for p in ROWS["payment_proofs"]] == ["pending"]
    assert all(o["status"] == "pending" for o in ROWS["outbox"]) and len(ROWS["outbox"]) >= 2


def upgraded_and_checked(engine: Engine, media: Path) -> None:
    migrate(engine, "0001")
    fill_baseline(engine)
    migrate(engine, "head")
    assert schema_drift(engine) == []
    assert_every_row_kept(engine)
    # the proof's file is still found from its row
    from store import media as stored
    from store.models import MediaFile

    with engine.connect() as conn:
        for row in conn.execute(select(MediaFile.__table__)):
            data = stored.path_of(media, MediaFile(**row._mapping)).read_bytes()
            assert hashlib.sha256(data).hexdigest() == row.sha256


@pytest.fixture
def media(tmp_path: Path) -> Path:
    shutil.copytree(BASELINE / "files", tmp_path / "media")
    return tmp_path / "media"


def test_baseline_with_rows_upgrades_to_head_on_sqlite(tmp_path, media, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = make_engine(url)
    upgraded_and_checked(engine, media)
    engine.dispose()
    # and `orderbot initdb` (what a shop runs after upgrading) finds it whole
    monkeypatch.setenv("DATABASE_URL", url)
    from bot.cli import main

    result = CliRunner().invoke(main, ["initdb"])
    assert result.exit_code == 0, result.output
    assert "database ready" in result.output


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A schema of its own in the test database (the suite's tables stay in public)."""
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": "-csearch_path=baseline"})
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS baseline CASCADE"))
        conn.execute(text("CREATE SCHEMA baseline"))
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS baseline CASCADE"))
    admin.dispose()


@requires_postgres
def test_baseline_with_rows_upgrades_to_head_on_postgres(pg_schema, media) -> None:
    engine = make_engine(pg_schema)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_schema()")).scalar() == "baseline"
        upgraded_and_checked(engine, media)
    finally:
        engine.dispose()


def staff_user_kept(engine: Engine) -> None:
    """A staff member linked to a chat account before 0008_staff_user keeps it, under
    the column's new name and with its index; so does their chat's link to them."""
    migrate(engine, "0001")
    fill_baseline(engine)
    before = ScriptDirectory(str(MIGRATIONS)).get_revision("0008_staff_user").down_revision
    migrate(engine, before)
    with engine.begin() as conn:
        conn.execute(text("UPDATE staff SET telegram_user_id = :user WHERE id = 1"),
                     {"user": 5_550_001_234})
    migrate(engine, "head")
    with engine.connect() as conn:
        users = dict(conn.execute(text("SELECT id, platform_user_id FROM staff")).all())
        linked = conn.execute(text("SELECT staff_id FROM chats WHERE id = 2")).scalar_one()
    assert users == {1: 5_550_001_234, 2: None} and linked == 1  # the console chat's link
    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("staff")}
    assert indexes.get("ix_staff_platform_user_id") == ["platform_user_id"]
    assert "ix_staff_telegram_user_id" not in indexes
    assert schema_drift(engine) == []


def test_a_staff_members_chat_account_survives_its_rename_on_sqlite(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    try:
        staff_user_kept(engine)
    finally:
        engine.dispose()


@requires_postgres
def test_a_staff_members_chat_account_survives_its_rename_on_postgres(pg_schema) -> None:
    engine = make_engine(pg_schema)
    try:
        staff_user_kept(engine)
    finally:
        engine.dispose()


def test_the_upgraded_shop_still_answers(tmp_path, media, config, clock) -> None:
    """The upgraded rows are the product's: the linked customer still sees their order."""
    from dataclasses import replace

    from bot.bootstrap import build_runtime

    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = make_engine(url)
    migrate(engine, "0001")
    fill_baseline(engine)
    migrate(engine, "head")
    engine.dispose()
    runtime = build_runtime(replace(config, database_url=url, media_dir=media), clock=clock)
    try:
        chat = ChatDriver(runtime, channel="telegram", address="5550001", phone="+919811111111")
        assert "AK-1001" in chat.text("AK-1001")
    finally:
        runtime.close()


def revision_files() -> list[Path]:
    return sorted((MIGRATIONS / "versions").glob("*.py"))


def test_revisions_form_one_line_from_the_baseline() -> None:
    script = ScriptDirectory(str(MIGRATIONS))
    assert script.get_base() == "0001" and len(script.get_heads()) == 1
    assert len(list(script.walk_revisions())) == len(revision_files())


def test_no_revision_imports_the_application() -> None:
    """A revision is kept forever; the application's modules change. The frozen baseline's
    one reference (`store.models.UTCDateTime`) is pinned below instead."""
    for path in revision_files():
        tree = ast.parse(path.read_text(), str(path))
        imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        application = [m for m in imported if m.split(".")[0] in APPLICATION]
        if path.name == "0001_initial_schema.py":
            assert application == ["store.models"], application
            used = {ast.unparse(n) for n in ast.walk(tree)
                    if isinstance(n, ast.Attribute) and ast.unparse(n).startswith("store.models.")}
            assert used == {"store.models.UTCDateTime"}, used
        else:
            assert application == [], f"{path.name} imports {application}"


def test_the_baselines_column_type_stays_what_0001_made() -> None:
    from sqlalchemy import DateTime

    from store.models import UTCDateTime

    impl = UTCDateTime().impl
    assert isinstance(impl, DateTime) and impl.timezone is True


def test_the_baseline_revision_is_frozen() -> None:
    """0001 as it was when it became the baseline (issue 14): never edited again."""
    digest = hashlib.sha256((MIGRATIONS / "versions" / "0001_initial_schema.py").read_bytes())
    assert digest.hexdigest() == BASELINE_SHA256


BASELINE_SHA256 = "660cf600e84a17f97b3cb8f433d935d9c81fb267567f2b449a01135dce6054eb"
