"""`orderbot media prune`: the housekeeping's removal of unclaimed proof files, on demand."""

from __future__ import annotations

from datetime import timedelta

import click

from bot import housekeeping
from bot.cli.operator import database


@click.group()
def media() -> None:
    """Payment-proof files kept under MEDIA_DIR."""


@media.command("prune")
@click.option("--older-than", "hours", default=24, show_default=True, type=click.IntRange(min=1),
              help="Remove files no payment proof uses that came in more than this many hours ago.")
def prune(hours: int) -> None:
    """Remove proof files nobody claimed (and files no record names). `orderbot worker`
    and `serve` do this every hour by themselves."""
    with database() as runtime:
        pruned = housekeeping.prune_media(runtime, keep=timedelta(hours=hours))
    click.echo(f"removed {pruned.unclaimed} unclaimed files and {pruned.leftovers} leftovers")
