"""`orderbot apikey create CODE` / `orderbot apikey revoke CODE LOOKUP`: keys for the
vendor API. The new key is the only thing printed on stdout, so scripts can take it."""

from __future__ import annotations

import click

from bot.bootstrap import build_runtime
from bot.config import Config
from store import apikeys
from store.db import unit_of_work
from store.queries import business_by_code
from store.schema import upgrade


@click.group()
def apikey() -> None:
    """Keys for the vendor API (/api/v1)."""


def _business(session, code: str):  # noqa: ANN001, ANN202 - a Session, a Business
    business = business_by_code(session, code)
    if business is None:
        raise click.BadParameter(f"no business with code {code!r}", param_hint="BUSINESS")
    return business


@apikey.command("create")
@click.argument("business")
def create(business: str) -> None:
    """Print a new API key for the business with code BUSINESS (e.g. AK)."""
    runtime = build_runtime(Config.from_env())
    upgrade(runtime.engine)
    with unit_of_work(runtime.sessions) as session:
        key = apikeys.create_key(session, _business(session, business), runtime.clock())
    click.echo(key)
    click.echo("Keep it safe: it is shown only this once. Use it as "
               "'Authorization: Bearer <key>'.", err=True)


@apikey.command("revoke")
@click.argument("business")
@click.argument("lookup")
def revoke(business: str, lookup: str) -> None:
    """Revoke a key of BUSINESS by its LOOKUP part (the 8 characters after obk_)."""
    runtime = build_runtime(Config.from_env())
    with unit_of_work(runtime.sessions) as session:
        done = apikeys.revoke_key(session, _business(session, business), lookup, runtime.clock())
    if not done:
        raise click.ClickException(f"no live key {lookup!r} for {business}")
    click.echo(f"revoked obk_{lookup}_…")
