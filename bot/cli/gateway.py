"""`orderbot payments sync CODE [--since 2d]`: ask Razorpay for the state of the links
made since then and record what a missed webhook would have (exactly once)."""

from __future__ import annotations

import re
from datetime import timedelta

import click

from bot.cli.operator import database, fail, refusals
from bot.payments.razorpay import gateway_for
from store import payment_links
from store.businesses import get_business
from store.db import unit_of_work

UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(value: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d{1,4})\s*([mhdw])\s*", value.lower())
    if not match or int(match.group(1)) == 0:
        raise click.BadParameter("a duration like 30m, 12h, 2d or 1w")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


@click.group()
def payments() -> None:
    """Payments through a gateway (Razorpay payment links)."""


@payments.command("sync")
@click.argument("code")
@click.option("--since", "since", default="2d", show_default=True,
              help="How far back to look at the links made: 30m, 12h, 2d, 1w.")
@refusals
def payments_sync(code: str, since: str) -> None:
    """Record the payments Razorpay took on CODE's recent links that no webhook reported."""
    window = parse_since(since)
    with database() as runtime, unit_of_work(runtime.sessions) as session:
        business = get_business(session, code)
        account = payment_links.account_of(session, business.id)
        if not (account and account.key_id and account.key_secret):
            fail(f"{business.code} has no Razorpay keys (orderbot business edit {business.code} "
                 "--razorpay-key-id … --razorpay-key-secret …)")
        now = runtime.clock()
        report = payment_links.sync(session, business, account, gateway_for(runtime.config),
                                    now - window, now)
    click.echo(f"{business.code}: {report.links} links looked at, {report.recorded} payments "
               f"recorded, {report.flagged} flagged for a refund, {report.duplicates} already "
               f"recorded, {report.failed} not reached.")
    if report.failed:
        raise SystemExit(1)
