"""The operator's commands: `orderbot business`, `orderbot staff`, `orderbot orders import`.

Thin on purpose: parse, call a store service in one transaction, print. The rules
and their checks live in store/businesses.py and store/importer.py; the sentences
in bot/cli/operator_text.py.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session

from bot.bootstrap import build_runtime
from bot.cli import gateway_options
from bot.cli import operator_text as text
from bot.config import Config
from bot.runtime import Runtime
from handlers.parse import display_phone
from store import businesses, proofs
from store.db import unit_of_work
from store.errors import DomainError, InvalidValue
from store.importer import COLUMNS, Change, ImportReport, import_orders
from store.models import Business
from store.schema import upgrade
from store.staff_news import active_staff, configured_staff_channels

BAD_INPUT = 2

# (option, field, help) of every business field; `edit` takes all but --code.
BUSINESS_OPTIONS = [
    ("--name", "name", "The business's name, as customers see it."),
    ("--code", "code", "Order-number prefix: 2 to 6 letters (MB for MB-0001). Cannot change."),
    ("--currency", "currency", "ISO 4217 currency code. [default: INR]"),
    ("--timezone", "timezone", "IANA time zone. [default: Asia/Kolkata]"),
    ("--country", "country", "Two-letter country, for local phone numbers. [default: IN]"),
    ("--language", "default_locale", "Default language of the chat: en or hi. [default: en]"),
    ("--phone", "contact_phone", "Contact phone shown to customers."),
    ("--email", "contact_email", "Contact email."),
    ("--address", "address", "Address (for pickups)."),
    ("--upi-id", "upi_id", "UPI ID, name@handle."),
    ("--upi-payee", "upi_payee_name", "Payee name in UPI links. [default: the name]"),
    ("--bank-account-name", "bank_account_name", "Name on the bank account."),
    ("--bank-account-number", "bank_account_number", "Bank account number."),
    ("--ifsc", "bank_ifsc", "IFSC of the bank branch, like HDFC0001234."),
    ("--bank-name", "bank_name", "Name of the bank."),
    ("--methods", "accepted_methods",
     "Accepted payment methods, comma-separated: upi,cash,bank,card. "
     "[default: upi and bank when their details are given, and cash]"),
    ("--payment-note", "payment_note", 'A free note, like "Cash at pickup".'),
]
PROMPT_DEFAULTS = {"currency": "INR", "timezone": "Asia/Kolkata", "country": "IN",
                   "default_locale": "en"}


def fail(message: str) -> None:
    for line in message.splitlines():
        click.echo(f"Error: {line}", err=True)
    raise SystemExit(BAD_INPUT)


def refusals(command: Callable[..., Any]) -> Callable[..., Any]:
    """A rule's refusal becomes a clear message and exit code 2, never a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            fail(text.problem(error))

    return run


@contextmanager
def database() -> Iterator[Runtime]:
    runtime = build_runtime(Config.from_env())
    try:
        upgrade(runtime.engine)
        yield runtime
    finally:
        runtime.close()


@contextmanager
def transaction() -> Iterator[Session]:
    with database() as runtime, unit_of_work(runtime.sessions) as session:
        yield session


def interactive() -> bool:
    return sys.stdin.isatty()


def business_options(*, with_code: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option, field, help_text in reversed(BUSINESS_OPTIONS):
            if with_code or field != "code":
                command = click.option(option, field, help=help_text)(command)
        return command

    return decorate


def _ask(session: Session, field: str, values: dict[str, Any]) -> Any:
    """Ask for one field until the answer is valid (Enter keeps the default or skips)."""

    def check(answer: str) -> Any:
        try:
            value = businesses.clean_value(field, answer, country=values.get("country") or "IN")
            if field == "code" and businesses.business_by_code(session, value):
                raise click.BadParameter(f"a business with code {value} already exists")
        except InvalidValue as error:
            raise click.BadParameter(text.problem(error)) from error
        return value

    default = PROMPT_DEFAULTS.get(field)
    if field == "upi_payee_name":
        default = values.get("name")
    elif field == "accepted_methods":
        default = ",".join([*(["upi"] if values.get("upi_id") else []),
                            *(["bank"] if values.get("bank_account_number") else []), "cash"])
    required = field in businesses.REQUIRED
    label = text.LABELS[field] + ("" if required or default else " (Enter to skip)")
    if default is None and not required:
        default = ""
    return click.prompt(label, default=default, show_default=bool(default), value_proc=check)


@click.group()
def business() -> None:
    """Add, list, show and edit businesses."""


@business.command("add")
@business_options(with_code=True)
@refusals
def business_add(**values: str | None) -> None:
    """Add a business. In a terminal, asks for what is not given as an option;
    in a script, give at least --name and --code."""
    given = {k: v for k, v in values.items() if v is not None}
    with transaction() as session:
        if interactive() and not {"name", "code"} <= set(given):
            for _, field, _ in BUSINESS_OPTIONS:
                if field not in given:
                    given[field] = _ask(session, field, given)
        missing = [opt for opt, field, _ in BUSINESS_OPTIONS[:2] if field not in given]
        if missing:
            fail(text.MISSING_REQUIRED.format(options=" and ".join(missing)))
        created = businesses.create_business(session, given)
        click.echo(text.CREATED.format(code=created.code, name=created.name))
        click.echo(text.NO_STAFF_WARNING.format(code=created.code))
        _show(created)


@business.command("list")
def business_list() -> None:
    """List the businesses: code, name, currency, time zone, staff and orders."""
    with transaction() as session:
        rows = businesses.list_businesses(session)
        if not rows:
            click.echo(text.NO_BUSINESSES)
        for found, n_staff, n_orders in rows:
            click.echo(f"{found.code:<6}  {found.name}  ·  {found.currency}  ·  {found.timezone}"
                       f"  ·  {n_staff} staff  ·  {n_orders} orders")


def _show(found: Any) -> None:
    for field in businesses.FIELDS:
        value = getattr(found, field)
        if isinstance(value, list):
            value = ", ".join(value)
        elif field == "contact_phone" and value:
            value = display_phone(value)
        elif field == "cancel_before_hours" and value is None:
            value = "off"
        click.echo(f"  {text.LABELS[field] + ':':<22}{value if value not in (None, '') else '-'}")
    click.echo(f"  {text.LABELS['lookup_check'] + ':':<22}{found.lookup_check}")
    for field, value in gateway_options.show_lines(found):
        click.echo(f"  {text.LABELS[field] + ':':<22}{value or '-'}")
    secret = text.SECRET_SET if found.shipping_secret else "-"  # never printed back
    click.echo(f"  {text.LABELS['shipping_secret'] + ':':<22}{secret}")


@business.command("show")
@click.argument("code")
@refusals
def business_show(code: str) -> None:
    """Show every setting of the business CODE."""
    with transaction() as session:
        found = businesses.get_business(session, code)
        click.echo(f"{found.code} · {found.name}")
        _show(found)
        if not active_staff(session, found.id):
            click.echo(text.NO_STAFF_WARNING.format(code=found.code))


@business.command("edit")
@click.argument("code")
@business_options(with_code=False)
@click.option("--lookup-check", "lookup_check", type=click.Choice(businesses.LOOKUP_CHECKS),
              help="phone4: a sender not proven as an order's phone must give the last 4 "
                   "digits of it before the order is shown (chat and lookup page); none: not.")
@click.option("--shipping-secret", "shipping_secret",
              help="The secret this business's carriers sign their reports with, at "
                   "/webhooks/shipping/<provider>/CODE (16+ characters; \"\" clears it).")
@gateway_options.options
@click.option("--auto-approve", "auto_approve",
              help='"statement": a proof the bank statement confirms (UTR and amount) is '
                   'approved by itself; "off": staff decide every proof. [default: off]')
@click.option("--cancel-before-hours", "cancel_before_hours",
              help="Customers may cancel a booking themselves until N hours before it "
                   'starts (later they ask, and staff decide); "off": every cancellation '
                   "is a request. [default: off]")
@refusals
def business_edit(code: str, lookup_check: str | None = None,
                  shipping_secret: str | None = None, **values: str | None) -> None:
    """Change settings of the business CODE: each option given is set; an empty
    value ("") clears an optional one."""
    gateway = gateway_options.take(values)
    changes = {k: v for k, v in values.items() if v is not None}
    if not changes and not gateway and lookup_check is None and shipping_secret is None:
        fail(text.NOTHING_TO_CHANGE)
    with transaction() as session:
        if shipping_secret is not None:
            found = businesses.set_shipping_secret(session, code, shipping_secret)
            if found.shipping_secret:
                click.echo(text.SHIPPING_ROUTE.format(code=found.code))
        updated = (businesses.update_business(session, code, changes) if changes
                   else businesses.get_business(session, code))
        if lookup_check is not None:
            updated.lookup_check = lookup_check
        gateway_options.apply(session, updated.code, gateway)
        click.echo(text.UPDATED.format(code=updated.code))
        _show(updated)


@click.group()
def staff() -> None:
    """Add, list and remove a business's staff (who answer proofs and change statuses)."""


@staff.command("add")
@click.argument("code")
@click.argument("phone")
@click.option("--name", required=True, help="The staff member's name, as the timeline shows it.")
@refusals
def staff_add(code: str, phone: str, name: str) -> None:
    """Make PHONE staff of the business CODE."""
    with transaction() as session:
        member = businesses.add_staff(session, code, phone, name)
        click.echo(text.STAFF_ADDED.format(name=member.name, phone=display_phone(member.phone),
                                           code=code.upper()))
        # Proofs sent while the business had nobody to ask reach who is there now.
        channels = configured_staff_channels(session)
        if prompted := proofs.prompt_waiting(session, member, channels):
            click.echo(text.WAITING_PROOFS_SENT.format(count=prompted))


@staff.command("list")
@click.argument("code")
@refusals
def staff_list(code: str) -> None:
    """List the staff of the business CODE, removed ones too."""
    with transaction() as session:
        members = businesses.list_staff(session, code)
        if not members:
            click.echo(text.NO_STAFF.format(code=code.upper()))
        for member in members:
            state = "active" if member.active else "removed"
            click.echo(f"{member.phone:<16}  {member.name}  ({state})")


@staff.command("remove")
@click.argument("code")
@click.argument("phone")
@refusals
def staff_remove(code: str, phone: str) -> None:
    """Remove PHONE from the staff of CODE: kept in the records, but no more prompts
    and no more decisions."""
    with transaction() as session:
        member = businesses.remove_staff(session, code, phone)
        click.echo(text.STAFF_REMOVED.format(name=member.name, phone=display_phone(member.phone),
                                             code=code.upper()))


@click.group()
def orders() -> None:
    """Bring orders in from elsewhere."""


IMPORT_HELP = f"""Import the orders of the business CODE from FILE, a CSV with one row per item.

\b
Header (fixed names, any order):
  {",".join(COLUMNS)}
and optionally payment_method (upi, cash, bank, card, other; default other).

\b
- order_number starts with the business code: MB-0001
- date is DD/MM/YYYY or YYYY-MM-DD, with HH:MM or without, in the business's time zone
- unit_price and amount_paid are amounts like 180.00, 1,000.00 or ₹100 (amount_paid may
  be empty)
- fields are separated by commas, semicolons or tabs (found by themselves)
- status: pending (or received), confirmed, preparing, ready, completed, cancelled
- the rows of one order repeat its date, customer, status and amount paid

Every row is checked first and each bad one reported by line; then all orders are
imported or none. Orders already imported identically are skipped, so importing the
same file again changes nothing; one the file changes is refused, unless --update: then
a newer status and amount paid are applied to it and each change is reported (its items,
customer and date must still agree). Nobody is notified. See samples/orders.csv."""


def sheet_options(update_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """CODE FILE [--dry-run] [--update] of an import command."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed([
            click.argument("code"),
            click.argument("file", type=click.Path(exists=True, dir_okay=False,
                                                   path_type=Path)),
            click.option("--dry-run", is_flag=True, help="Check and report; write nothing."),
            click.option("--update", is_flag=True, help=update_help),
        ]):
            command = option(command)
        return command

    return decorate


@orders.command("import", help=IMPORT_HELP)
@sheet_options("Apply a newer status and amount paid to orders already there.")
@refusals
def orders_import(code: str, file: Path, dry_run: bool, update: bool) -> None:
    import_sheet(
        code, file, dry_run, noun="order",
        run=lambda session, found, lines, now: import_orders(session, found, lines, now,
                                                             update=update),
        change_line=lambda change, shop: text.change_line(change, shop.currency),
    )


@dataclass(frozen=True)
class Shop:
    """What an import's report names of its business, read before the session closes."""

    code: str
    currency: str
    timezone: str
    country: str


def import_sheet(
    code: str, file: Path, dry_run: bool, *, noun: str,
    run: Callable[[Session, Business, list[str], datetime], ImportReport],
    change_line: Callable[[Change, Shop], str],
) -> None:
    """Read FILE, import it into the business CODE all or nothing, and report."""
    lines = read_sheet(file)
    with database() as runtime:
        session = runtime.sessions()
        try:
            found = businesses.get_business(session, code)
            shop = Shop(found.code, found.currency, found.timezone, found.country)
            report = run(session, found, lines, runtime.clock())
            settle(session, report, dry_run)
        finally:
            session.close()
    print_report(report, file, dry_run, code=shop.code, noun=noun,
                 change_line=lambda change: change_line(change, shop))


def read_sheet(file: Path) -> list[str]:
    """The lines of a CSV as a spreadsheet saves it (UTF-8, with or without a BOM)."""
    try:
        return file.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    except UnicodeDecodeError:
        fail(text.NOT_UTF8.format(path=file))
        raise  # not reached: fail exits


def settle(session: Session, report: ImportReport, dry_run: bool) -> None:
    """All or nothing: the import is kept only when the file had no problem and it is
    not a dry run."""
    if report.ok and not dry_run:
        session.commit()
    else:
        session.rollback()


def print_report(report: ImportReport, file: Path, dry_run: bool, *, code: str, noun: str,
                 change_line: Callable[[Change], str]) -> None:
    """What an import did (or would do), each problem by line; exit 2 on problems."""
    for error in report.errors:
        click.echo(text.row_problem(error), err=True)
    if not report.ok:
        fail(text.IMPORT_FAILED.format(count=len(report.errors), path=file))
    if report.created:
        done = text.WOULD_IMPORT if dry_run else text.IMPORTED
        click.echo(done.format(count=len(report.created), code=code, noun=noun,
                               numbers=", ".join(report.created)))
    elif not report.changes:
        click.echo(text.NOTHING_NEW)
    for change in report.changes:
        click.echo(change_line(change))
    if report.changes:
        numbers = {change.number for change in report.changes}
        done = text.WOULD_UPDATE if dry_run else text.UPDATED_ORDERS
        click.echo(done.format(count=len(numbers), noun=noun))
    if report.unchanged:
        click.echo(text.UNCHANGED.format(numbers=", ".join(report.unchanged)))
    if dry_run:
        click.echo(text.DRY_RUN_DONE)


def register(main: click.Group) -> None:
    for group in (business, staff, orders):
        main.add_command(group)
