"""Bank statements: each layout read, overlapping files kept once, credits matched to
proofs (confirmed by UTR and amount, possible by amount and time), auto-approval by
the statement exactly once (two workers at once), never on OCR alone; `unmatched`."""

from __future__ import annotations

import io
import threading

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select
from support import FIXTURES, ChatDriver, joined

from bot.cli import main
from store import proof_completion, proofs, statements
from store.db import unit_of_work
from store.models import Business, Payment, PaymentProof, StatementCredit
from store.proof_reading import Reading
from store.queries import business_by_code, order_by_number

FILES = FIXTURES / "statements"
ASHA = "+919800000001"
UTR = "432156789012"


def _xlsx() -> bytes:
    """The SBI layout as an Excel download (a preamble, then the header)."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Account Name", "ASHAS KITCHEN"])
    sheet.append([])
    sheet.append(["Txn Date", "Value Date", "Description", "Ref No./Cheque No.", "Debit",
                  "Credit", "Balance"])
    sheet.append(["24 Nov 2026", "24 Nov 2026", f"BY TRANSFER-UPI/CR/{UTR}/RAVI K/ICIC/AK1001",
                  "TRANSFER FROM 3199999999", None, 250, 10250])
    sheet.append(["24 Nov 2026", "24 Nov 2026", "TO TRANSFER-UPI/DR/888899990000/GAS", "", 500,
                  None, 9750])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "layout"),
    [("hdfc.csv", "hdfc"), ("sbi.csv", "sbi"), ("icici.csv", "icici"), ("axis.csv", "axis"),
     ("kotak.csv", "kotak_drcr"), ("generic.csv", "generic"), ("sbi.xlsx", "sbi")],
)
def test_each_layout_reads_the_credit_of_250_with_its_utr(name, layout) -> None:
    data = _xlsx() if name.endswith("xlsx") else (FILES / name).read_bytes()
    found_layout, credits = statements.credits(data, name)
    assert found_layout == layout
    ravi = [c for c in credits if c.utr == UTR]
    assert [c.amount_minor for c in ravi] == [25000]
    assert all(c.amount_minor > 0 for c in credits)  # debits left out
    assert ravi[0].payer in ("RAVI K", "Ravi K", "ravi@okicici")


def test_neft_reference_and_not_a_statement() -> None:
    _, credits = statements.credits((FILES / "hdfc.csv").read_bytes(), "hdfc.csv")
    assert "SBIN426329123456" in {c.utr for c in credits}
    with pytest.raises(statements.StatementError):
        statements.credits(b"name,phone\nRavi,98\n", "x.csv")


def _import(demo, name: str, data: bytes | None = None) -> statements.Imported:
    with unit_of_work(demo.sessions) as s:
        business = business_by_code(s, "AK")
        return statements.import_statement(s, business, data or (FILES / name).read_bytes(),
                                           name, now=demo.clock())


def _credits(demo) -> int:
    with unit_of_work(demo.sessions) as s:
        return s.scalar(select(func.count()).select_from(StatementCredit))


def test_overlapping_files_keep_each_credit_once(demo) -> None:
    assert (_import(demo, "hdfc.csv").new, _credits(demo)) == (3, 3)
    again = _import(demo, "hdfc.csv")
    assert (again.read, again.new) == (3, 0)
    assert (_import(demo, "hdfc-overlap.csv").new, _credits(demo)) == (1, 4)


def _utr_proof(demo, order: str = "AK-1001", amount: int = 25000, utr: str | None = UTR) -> int:
    with unit_of_work(demo.sessions) as s:
        return proofs.submit(s, order_by_number(s, order), None, amount, chat_id=None,
                             now=demo.clock(), utr=utr).proof.id


def _proof(demo, proof_id: int) -> PaymentProof:
    with unit_of_work(demo.sessions) as s:
        proof = proofs.proof_by_id(s, proof_id)
        proof.statement_credit  # noqa: B018 - loaded while the session is open
        return proof


def test_utr_and_amount_equal_confirm_a_proof_either_way_round(demo) -> None:
    before = _utr_proof(demo)
    done = _import(demo, "generic.csv")
    assert (done.confirmed, done.approved) == (1, 0)
    assert _proof(demo, before).statement_match == "confirmed"
    assert _proof(demo, before).status == "pending"  # no auto-approval asked for

    other = _import(demo, "hdfc-overlap.csv")  # ANIL 99.50, UTR 777788889999
    assert other.confirmed == 0
    after = _utr_proof(demo, "AK-1003", 9950, "777788889999")
    assert _proof(demo, after).statement_match == "confirmed"


def test_same_utr_other_amount_is_not_confirmed(demo) -> None:
    proof_id = _utr_proof(demo, amount=20000)
    _import(demo, "generic.csv")
    assert _proof(demo, proof_id).statement_match is None


def test_amount_and_time_close_without_a_utr_is_a_possible_match(demo) -> None:
    proof_id = _utr_proof(demo, "AK-1003", 36000, utr=None)  # a screenshot-less claim
    with unit_of_work(demo.sessions) as s:
        s.get(PaymentProof, proof_id).utr = None
    assert _import(demo, "generic.csv").possible == 1
    proof = _proof(demo, proof_id)
    assert (proof.statement_match, proof.statement_credit.amount_minor) == ("possible", 36000)


def _auto(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        business_by_code(s, "AK").auto_approve = "statement"


def _payments(demo) -> int:
    with unit_of_work(demo.sessions) as s:
        return s.scalar(select(func.count()).select_from(Payment).where(
            Payment.proof_id.is_not(None)))


def test_auto_approve_by_statement_once(demo) -> None:
    _auto(demo)
    proof_id = _utr_proof(demo)
    assert _import(demo, "generic.csv").approved == 1
    proof = _proof(demo, proof_id)
    assert (proof.status, proof.decided_via, proof.decided_by_staff_id) == (
        "approved", "statement", None)
    assert _import(demo, "generic.csv").approved == 0
    _import(demo, "hdfc.csv")  # the same credit in another bank's file: still once
    assert _payments(demo) == 1
    with unit_of_work(demo.sessions) as s:
        assert order_by_number(s, "AK-1001").paid_minor == 40000


def test_never_approved_on_what_was_read_alone(demo) -> None:
    _auto(demo)
    with unit_of_work(demo.sessions) as s:
        proof = proofs.submit(s, order_by_number(s, "AK-1001"), None, 25000, chat_id=None,
                              now=demo.clock(), utr=None)
        proof.proof.read_state = "queued"
        proof_id = proof.proof.id
    with unit_of_work(demo.sessions) as s:
        reading = Reading(amount_minor=25000, utr=UTR, outcome="success")
        proof_completion.finish(s, proof_id, reading, "read", ("console",), demo.clock())
    assert _proof(demo, proof_id).status == "pending"
    assert _payments(demo) == 0


def test_two_workers_approve_a_confirmed_proof_once(demo) -> None:
    proof_id = _utr_proof(demo)
    _import(demo, "generic.csv")
    _auto(demo)
    start = threading.Barrier(2)
    results: list[object] = []

    def worker() -> None:
        with unit_of_work(demo.sessions) as s:
            start.wait()
            results.append(proofs.approve_by_statement(s, proof_id, now=demo.clock()))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r is None for r in results) == [False, True]
    assert _payments(demo) == 1
    assert _proof(demo, proof_id).decided_via == "statement"


def test_statement_in_the_staff_chat_and_unmatched(demo) -> None:
    _utr_proof(demo)
    staff = ChatDriver(demo, address=ASHA, phone=ASHA)
    from handlers.types import Media

    answer = staff.text("", media=(Media(data=(FILES / "hdfc.csv").read_bytes(),
                                         content_type="text/csv", filename="hdfc.csv"),))
    assert "Statement read (hdfc): 3 credits, 3 new. Confirmed 1 proofs" in answer
    listing = staff.text("unmatched")
    assert "Credits nobody has claimed (2)" in listing
    assert "₹1,500.00" in listing and "₹360.00" in listing and UTR not in listing
    assert "बेमेल" not in ChatDriver(demo).text("unmatched")  # customers: not a command
    broken = staff.text("", media=(Media(data=b"a,b\n1,2\n", content_type="text/csv",
                                         filename="x.csv"),))
    assert "could not read that file as a bank statement" in broken


def test_prompt_says_confirmed_by_statement(demo) -> None:
    from handlers.proofs.notices import prompt_replies

    _import(demo, "generic.csv")
    proof_id = _utr_proof(demo)
    with unit_of_work(demo.sessions) as s:
        text = joined(prompt_replies(proofs.proof_by_id(s, proof_id), "en", None))
    assert "🏦 Confirmed by the bank statement: ₹250.00 on 24 Nov 2026" in text


def test_cli_import_and_auto_approve(demo, database_url, tmp_path) -> None:
    env = {"DATABASE_URL": database_url, "ORDERBOT_INSTANCE_DIR": str(tmp_path)}
    run = lambda *a: CliRunner().invoke(main, list(a), env=env)  # noqa: E731
    proof_id = _utr_proof(demo)
    edited = run("business", "edit", "AK", "--auto-approve", "statement")
    assert edited.exit_code == 0, edited.output
    assert "Auto-approve:" in edited.output and "statement" in edited.output
    assert run("business", "edit", "AK", "--auto-approve", "ocr").exit_code == 2
    done = run("statements", "import", "AK", str(FILES / "generic.csv"))
    assert done.exit_code == 0, done.output
    assert "approved by themselves 1" in done.output
    assert _proof(demo, proof_id).status == "approved"
    assert "Credits nobody has claimed (1)" in run("statements", "unmatched", "AK").output
    bad = run("statements", "import", "AK", str(FIXTURES / "images" / "upi-payment-250.png"))
    assert bad.exit_code == 2 and "not a statement" in bad.output
    with unit_of_work(demo.sessions) as s:
        assert s.scalar(select(Business.auto_approve).where(Business.code == "AK")) == "statement"
