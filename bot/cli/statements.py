"""`orderbot statements import CODE FILE` and `orderbot statements unmatched CODE`:
a business's bank or UPI statement (CSV or XLSX), its credits matched to proofs."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.operator import database, fail, refusals
from handlers.proofs.statements import imported_text, unmatched_lines
from store import businesses
from store import statements as store_statements
from store.db import unit_of_work

IMPORT_HELP = """Import the credits of FILE, a bank or UPI statement of the business CODE
(CSV or XLSX, as net banking downloads it), and match them to payment proofs.

\b
Layouts read (told apart by the header row): HDFC (Date, Narration, Chq./Ref.No.,
Value Dt, Withdrawal Amt., Deposit Amt., Closing Balance), SBI (Txn Date, Value Date,
Description, Ref No./Cheque No., Debit, Credit, Balance), ICICI (Transaction Date,
Transaction Remarks, Withdrawal/Deposit Amount (INR )), Axis (Tran Date, CHQNO,
PARTICULARS, DR, CR, BAL), Kotak (Transaction Date, Description, Chq / Ref No.,
Debit, Credit, or Amount with Dr / Cr), and the generic one: date,amount,utr,payer.

Credits already imported (an overlapping file) are kept once. A credit whose UTR and
amount equal a proof's confirms it ("confirmed by statement"); with
`business edit CODE --auto-approve statement` that proof is approved by itself."""


@click.group()
def statements() -> None:
    """Bank and UPI statements: import them, list credits nobody claimed."""


@statements.command("import", help=IMPORT_HELP)
@click.argument("code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@refusals
def statements_import(code: str, file: Path) -> None:
    with database() as runtime, unit_of_work(runtime.sessions) as session:
        business = businesses.get_business(session, code)
        try:
            done = store_statements.import_statement(
                session, business, file.read_bytes(), file.name, now=runtime.clock())
        except store_statements.StatementError as error:
            fail(f"{file}: not a statement we can read ({error.reason})")
        click.echo(imported_text(done, "en"))


@statements.command("unmatched")
@click.argument("code")
@refusals
def statements_unmatched(code: str) -> None:
    """List the credits of CODE's statements that no proof or payment claims."""
    with database() as runtime, unit_of_work(runtime.sessions) as session:
        business = businesses.get_business(session, code)
        click.echo("\n".join(unmatched_lines(session, business, "en")))
