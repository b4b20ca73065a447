"""Consistent copies of the database while the bot serves, and restoring one into an
empty database: SQLite through its online backup API, PostgreSQL through pg_dump and
pg_restore (custom format). Proof files under MEDIA_DIR are not in the database: copy
that folder beside the backup."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(Exception):
    """Why a backup or restore was refused: `reason` names it, `details` fill it in."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason, details)
        self.reason = reason
        self.details = details


def backup(engine: Engine, target: Path) -> str:
    """Write a consistent copy of the database to `target` (a new file); returns the kind
    written, "sqlite" or "pg_dump"."""
    target = Path(target)
    if target.exists():
        raise BackupError("target_exists", path=target)
    if not target.parent.is_dir():
        raise BackupError("no_folder", path=target.parent)
    if engine.dialect.name == "sqlite":
        _sqlite_copy(_sqlite_path(engine.url), target)
        return "sqlite"
    if engine.dialect.name == "postgresql":
        _run_pg("pg_dump", engine.url, ["--format=custom", f"--file={target}"])
        return "pg_dump"
    raise BackupError("dialect", dialect=engine.dialect.name)


def restore(engine: Engine, source: Path) -> str:
    """Put the backup `source` into the database of `engine`, which must hold no tables."""
    source = Path(source)
    if not source.is_file():
        raise BackupError("no_file", path=source)
    with source.open("rb") as f:
        head = f.read(16)
    kind = "sqlite" if head == SQLITE_MAGIC else "pg_dump" if head.startswith(
        PG_CUSTOM_MAGIC) else None
    wanted = {"sqlite": "sqlite", "postgresql": "pg_dump"}.get(engine.dialect.name)
    if kind is None:
        raise BackupError("not_a_backup", path=source)
    if kind != wanted:
        raise BackupError("wrong_kind", kind=kind, dialect=engine.dialect.name)
    tables = inspect(engine).get_table_names()
    engine.dispose()
    if tables:
        raise BackupError("not_empty", count=len(tables))
    if kind == "sqlite":
        _sqlite_copy(source, _sqlite_path(engine.url), restoring=True)
    else:
        _run_pg("pg_restore", engine.url, [
            "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
            str(source)])
    return kind


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("memory")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path, restoring: bool = False) -> None:
    """SQLite's online backup: every page in one step, under one read transaction of the
    source, so writers that commit meanwhile are either wholly in the copy or not at all.
    A new backup is written beside `target` and renamed, so a half copy never has its
    name; a restore writes through SQLite into the (empty) database itself."""
    temp = target.with_name(f".{target.name}.part")
    out = target if restoring else temp
    temp.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        try:
            if restoring and src.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError("damaged", path=source)
            dst = sqlite3.connect(out, timeout=30)
            try:
                if restoring:
                    dst.execute("PRAGMA journal_mode=DELETE")  # WAL fixes the page size
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.DatabaseError as exc:
        temp.unlink(missing_ok=True)
        raise BackupError("damaged", path=source) from exc
    if not restoring:
        os.replace(temp, target)


def _run_pg(program: str, url: URL, args: list[str]) -> None:
    exe = shutil.which(program)
    if exe is None:
        raise BackupError("no_program", program=program)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    command = [exe, f"--dbname={dsn}", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError("program_failed", program=program,
                          message=(done.stderr.strip().splitlines() or ["?"])[-1])
