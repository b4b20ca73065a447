"""The operator's data commands: `orderbot backup FILE`, `orderbot restore FILE`, and the
schema check `orderbot initdb` ends with (`--repair` adds what is missing)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.bootstrap import build_runtime
from bot.config import Config
from bot.runtime import Runtime
from store.backup import BackupError
from store.backup import backup as make_backup
from store.backup import restore as put_back
from store.schema import repair_schema, schema_drift


def _runtime() -> Runtime:
    return build_runtime(Config.from_env())

# What these commands print (English: an operator's tool, as in bot/operator_text.py).
DRIFT_HEAD = ("The database is marked as migrated, but its tables differ from what "
              "orderbot needs ({count} difference(s)):")
DRIFT_REPAIR = ("To repair: back it up first (orderbot backup FILE), then run "
                "`orderbot initdb --repair`: it adds the missing tables, columns and "
                "constraints from the models and rebuilds the indexes, and changes nothing else.")
DRIFT_BY_HAND = ("The other differences (column types, extra tables or columns) are not "
                 "repaired automatically: change them by hand, or restore a backup.")
REPAIRED = "{what}"
REPAIR_FAILED = "Error: the repair was refused by the database and nothing was changed: {error}"
BACKED_UP = "backup written to {path} ({kind}); copy MEDIA_DIR ({media}) beside it for proof files"
RESTORED = ("restored {path} into {url}; run `orderbot initdb` before serving (it migrates an "
            "older backup to this version)")
REFUSED = {
    "target_exists": "{path} already exists: choose a new file name (a backup never overwrites)",
    "no_folder": "the folder {path} does not exist",
    "dialect": "backups of {dialect} databases are not supported (SQLite and PostgreSQL are)",
    "no_file": "{path} does not exist",
    "not_a_backup": "{path} is not an orderbot backup (neither SQLite nor pg_dump custom format)",
    "wrong_kind": "this is a {kind} backup and DATABASE_URL is a {dialect} database: restore it "
                  "into the same kind of database",
    "not_empty": "the database already has {count} table(s): restore only into an empty "
                 "database (a new SQLite file, or a new PostgreSQL database)",
    "memory": "an in-memory SQLite database cannot be backed up or restored",
    "damaged": "{path} is damaged or not a complete SQLite database",
    "no_program": "{program} is not installed: install the PostgreSQL client tools "
                  "(e.g. apt-get install postgresql-client) of the server's major version",
    "program_failed": "{program} failed: {message}",
}


def check_schema(engine: Engine, repair: bool = False) -> None:
    """After migrating: name every difference between the tables and the models and exit
    1, or with `repair`, add what is missing and check again."""

    drift = schema_drift(engine)
    if drift and repair:
        try:
            for line in repair_schema(engine):
                click.echo(REPAIRED.format(what=line))
        except (SQLAlchemyError, RuntimeError) as exc:  # the database's refusal, as it said it
            click.echo(REPAIR_FAILED.format(error=str(exc).splitlines()[0]), err=True)
            sys.exit(1)
        drift = schema_drift(engine)
    if not drift:
        return
    click.echo(DRIFT_HEAD.format(count=len(drift)), err=True)
    for line in drift:
        click.echo(f"  - {line}", err=True)
    if schema_drift(engine, repairable=True):
        click.echo(DRIFT_REPAIR, err=True)
    if schema_drift(engine, repairable=False):
        click.echo(DRIFT_BY_HAND, err=True)
    sys.exit(1)


def _refused(exc: Exception) -> None:

    assert isinstance(exc, BackupError)
    click.echo("Error: " + REFUSED[exc.reason].format(**exc.details), err=True)
    sys.exit(1)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Write a consistent copy of the database to FILE while the bot keeps serving."""

    runtime = _runtime()  # the database as it is: a backup migrates nothing
    try:
        kind = make_backup(runtime.engine, file)
    except BackupError as exc:
        _refused(exc)
    finally:
        runtime.close()
    click.echo(BACKED_UP.format(path=file, kind=kind, media=runtime.config.media_path))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def restore(file: Path) -> None:
    """Put the backup FILE into DATABASE_URL, which must be an empty database."""

    runtime = _runtime()
    try:
        put_back(runtime.engine, file)
    except BackupError as exc:
        _refused(exc)
    finally:
        runtime.close()
    click.echo(RESTORED.format(
        path=file, url=runtime.engine.url.render_as_string(hide_password=True)))
