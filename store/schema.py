"""The schema: upgraded through Alembic (store/migrations/), and checked against the
models — what a database "at head" still lacks is named, and what can be added
without touching a row is repaired."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Engine

from store.models import Base

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Create or migrate the schema to the newest revision (idempotent)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


# ---- is the schema what its revision promises? -------------------------------------------
# A database can be "at head" by its alembic_version yet lack what the models need (one
# made while revision 0001 was still being edited). `schema_drift` names every difference
# between the database and the models; `repair_schema` adds what is missing and rebuilds
# indexes (they hold no data), and touches nothing else.


def _compare(conn: Any) -> list[Any]:
    """Alembic's autogenerate comparison, flat; an index of the same name in both but on
    other columns comes as one ("change_index", database's, models') instead of a pair."""
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    flat: list[Any] = []
    for diff in compare_metadata(context, Base.metadata):
        flat.extend(diff if isinstance(diff, list) else [diff])
    added = {d[1].name: d[1] for d in flat if d[0] == "add_index"}
    removed = {d[1].name: d[1] for d in flat if d[0] == "remove_index"}
    changed = added.keys() & removed.keys()
    flat = [d for d in flat if not (d[0] in ("add_index", "remove_index") and d[1].name in changed)]
    return flat + [("change_index", removed[name], added[name]) for name in sorted(changed)]


def _columns(index: Any) -> str:
    return ", ".join(str(getattr(c, "name", c)) for c in index.expressions)


def _describe(diff: tuple) -> str:
    kind = diff[0]
    if kind == "change_index":
        return (f"index {diff[1].name} on {diff[1].table.name} differs: ({_columns(diff[1])}) "
                f"in the database, ({_columns(diff[2])}) in the models")
    if kind.startswith("modify_"):
        _, _, table, column, _, db_value, model_value = diff
        return (f"column {table}.{column}: {kind.removeprefix('modify_')} is {db_value} in the "
                f"database, {model_value} in the models")
    if kind in ("add_table", "remove_table"):
        what = f"table {diff[1].name}"
    elif kind in ("add_column", "remove_column"):
        what = f"column {diff[2]}.{diff[3].name}"
    elif kind in ("add_index", "remove_index"):
        what = f"index {diff[1].name} on {diff[1].table.name}"
    elif kind in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        label = "foreign key" if kind.endswith("_fk") else "constraint"
        what = f"{label} {diff[1].name} on {diff[1].table.name}"
    else:
        return " ".join(str(part) for part in diff)
    if kind.startswith("add_"):
        return f"{what} is missing"
    return f"{what} is in the database but not in the models"


def schema_drift(engine: Engine, repairable: bool | None = None) -> list[str]:
    """Every way the database's tables differ from the models, one line each (none when
    the schema is what its revision promises); only those `repair_schema` mends when
    `repairable` is True, only the others when False."""
    with engine.connect() as conn:
        return [_describe(diff) for diff in _compare(conn)
                if repairable is None or (diff[0] in REPAIRABLE) == repairable]


REPAIRABLE = ("add_table", "add_column", "add_constraint", "add_fk",
              "add_index", "remove_index", "change_index")


@contextmanager
def _foreign_keys_off(engine: Engine) -> Iterator[Any]:
    """A connection on which SQLite's batch mode can copy a table without its foreign keys
    deleting or refusing rows (the pragma is a no-op inside a transaction, so set before)."""
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            yield conn
        finally:
            if sqlite:
                conn.rollback()
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _table_of(diff: tuple) -> str:
    return diff[2] if diff[0] == "add_column" else diff[1].table.name


def repair_schema(engine: Engine) -> list[str]:
    """In one transaction: add what the models have and the database lacks (tables,
    columns, unique constraints, foreign keys) and rebuild indexes as the models define
    them. Drops and changes no table or column. Returns what it did; raises (having
    changed nothing) when the database refuses, e.g. a required column without a default
    on a table that holds rows."""
    with _foreign_keys_off(engine) as conn, conn.begin():
        diffs = [d for d in _compare(conn) if d[0] in REPAIRABLE]
        operations = Operations(MigrationContext.configure(conn))
        new_tables = {d[1].name for d in diffs if d[0] == "add_table"}
        for table in Base.metadata.sorted_tables:
            if table.name in new_tables:
                table.create(conn)
        for diff in diffs:  # indexes hold no data: the database's go, the models' come
            if diff[0] in ("remove_index", "change_index"):
                operations.drop_index(diff[1].name, table_name=diff[1].table.name)
        changes: dict[str, list[tuple]] = {}
        for diff in diffs:
            if diff[0] in ("add_column", "add_constraint", "add_fk") \
                    and _table_of(diff) not in new_tables:
                changes.setdefault(_table_of(diff), []).append(diff)
        for table_name, items in changes.items():
            with operations.batch_alter_table(
                table_name, naming_convention=Base.metadata.naming_convention
            ) as batch:
                for diff in items:
                    if diff[0] == "add_column":
                        column = diff[3]._copy()
                        column.unique = column.index = None  # their own diffs add them, named
                        batch.add_column(column)
                    elif diff[0] == "add_fk":
                        fk = diff[1]
                        batch.create_foreign_key(
                            fk.name, fk.elements[0].column.table.name,
                            [c.name for c in fk.columns],
                            [e.column.name for e in fk.elements], ondelete=fk.ondelete)
                    else:
                        batch.create_unique_constraint(
                            diff[1].name, [c.name for c in diff[1].columns])
        for diff in diffs:
            if diff[0] in ("add_index", "change_index") and _table_of(diff) not in new_tables:
                diff[-1].create(conn)
        if engine.dialect.name == "sqlite":
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"foreign key check failed after the repair: {broken[:5]}")
        return [_repaired(diff) for diff in diffs]


def _repaired(diff: tuple) -> str:
    if diff[0] == "change_index":
        return f"rebuilt index {diff[2].name} on ({_columns(diff[2])})"
    if diff[0] == "remove_index":
        return f"dropped index {diff[1].name}, which the models do not have"
    return "added " + _describe(diff).removesuffix(" is missing")
