"""`orderbot orders import`: the sample, bad rows, a re-import, a dry run, conflicts,
and the README's "Set up your business" followed to the letter on a fresh database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_operator import MEERA, count, orderbot  # noqa: F401 (a fixture)

from store.db import unit_of_work
from store.models import Order, OutboxMessage, Payment, StatusEvent
from store.queries import chat_for, order_by_number

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "orders.csv"
HEADER = "order_number,date,customer_name,customer_phone,item,quantity,unit_price,status,amount_paid"


@pytest.fixture
def meera(orderbot):  # noqa: F811
    assert orderbot("business", "add", *MEERA).exit_code == 0
    return orderbot


def csv_file(tmp_path: Path, *rows: str, header: str = HEADER) -> str:
    path = tmp_path / "orders.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


def snapshot(runtime) -> dict[str, int]:
    """How many rows each table the import writes to has."""
    with unit_of_work(runtime.sessions) as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (Order, Payment, StatusEvent, OutboxMessage)}


def test_the_sample_imports_with_items_payments_statuses_and_dates(meera, runtime) -> None:
    result = meera("orders", "import", "MB", str(SAMPLE))
    assert result.exit_code == 0, result.output
    assert "Imported 4 order(s) into MB: MB-0001, MB-0002, MB-0003, MB-0004" in result.stdout
    with unit_of_work(runtime.sessions) as session:
        cake = order_by_number(session, "MB-0001")
        assert [(i.name, i.quantity, i.unit_price_minor) for i in cake.items] == [
            ("Chocolate Truffle Cake (1 kg)", 1, 85000), ("Birthday candles", 2, 2500)]
        assert (cake.total_minor, cake.paid_minor, cake.payment_status) == (90000, 30000, "partial")
        assert cake.status == "ready" and cake.customer_phone == "+919811111111"
        # 10:30 in Asia/Kolkata is 05:00 UTC
        assert cake.created_at == datetime(2026, 10, 2, 5, 0, tzinfo=UTC)
        assert [p.method for p in cake.payments] == ["upi"]
        assert {e.actor for e in cake.events} == {"import"}
        cookies = order_by_number(session, "MB-0002")
        assert cookies.customer_phone == "+919822222222"  # a local number, read in IN
        assert (cookies.status, cookies.payment_status) == ("completed", "paid")
        muffins = order_by_number(session, "MB-0003")
        assert muffins.total_minor == 3 * 6000 + 4 * 4550 and muffins.payments == []
        assert order_by_number(session, "MB-0004").status == "cancelled"


def test_an_import_notifies_nobody(meera, runtime) -> None:
    with unit_of_work(runtime.sessions) as session:  # a customer's chat that would hear
        chat = chat_for(session, "console", "+919811111111")
        chat.linked_phone = "+919811111111"
    assert meera("orders", "import", "MB", str(SAMPLE)).exit_code == 0
    assert count(runtime, OutboxMessage) == 0


def test_importing_the_same_file_again_changes_nothing(meera, runtime) -> None:
    meera("orders", "import", "MB", str(SAMPLE))
    before = snapshot(runtime)
    again = meera("orders", "import", "MB", str(SAMPLE))
    assert again.exit_code == 0, again.output
    assert "Nothing new to import" in again.stdout
    assert "unchanged: MB-0001, MB-0002, MB-0003, MB-0004" in again.stdout
    assert snapshot(runtime) == before


def test_a_dry_run_reports_and_writes_nothing(meera, runtime) -> None:
    result = meera("orders", "import", "MB", str(SAMPLE), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: would import 4 order(s)" in result.stdout
    assert "nothing was written" in result.stdout
    assert count(runtime, Order) == 0


def test_bad_rows_are_each_reported_by_line_and_nothing_is_written(
    meera, runtime, tmp_path
) -> None:
    path = csv_file(
        tmp_path,
        "MB-0101,2026-10-02,Ravi,+919811111111,Cake,1,850.00,ready,300.00",  # 2: fine
        "AK-0102,2026-10-02,Ravi,+919811111111,Cake,1,10,ready,0",  # 3
        "MB-0103,2026-13-02,Ravi,+919811111111,Cake,1,10,ready,0",  # 4
        "MB-0104,2026-10-02,Ravi,12345,Cake,1,10,ready,0",  # 5
        "MB-0105,2026-10-02,Ravi,+919811111111,,0,10,ready,0",  # 6
        "MB-0106,2026-10-02,Ravi,+919811111111,Cake,1,85.001,ready,0",  # 7
        "MB-0107,2026-10-02,Ravi,+919811111111,Cake,1,10,shipped,0",  # 8
        "MB-0101,2026-10-02,Ravi,+919811111111,Candles,1,10.00,completed,300.00",  # 9
        "MB-0108,2026-10-02,Ravi,+919811111111,Cake,1,10.00,ready,20",  # 10
        "MB-0109,2099-01-01,Ravi,+919811111111,Cake,1,10.00,ready,0",  # 11
        "MB-0110,2026-10-02,Ravi,+919811111111,Cake,1,10.00",  # 12
        "MB-0111,2026-10-02,Ravi,+919811111111,Cake,1,1,000.00,ready,0",  # 13
    )
    result = meera("orders", "import", "MB", path)
    assert result.exit_code == 2
    expected = [
        "line 3: 'AK-0102' is not an order number of MB",
        "line 4: '2026-13-02' is not a date",
        "line 5: '12345' is not a valid phone number",
        "line 6: item is required",
        "line 6: '0' is not a quantity",
        "line 7: unit_price '85.001' has more decimals than INR has (2)",
        "line 8: 'shipped' is not a status",
        "line 9: order MB-0101: status differs from its first row (line 2)",
        "line 10: order MB-0108: amount paid 20.00 is more than its total 10.00",
        "line 11: '2099-01-01' is in the future",
        "line 12: expected 9 fields",
        "line 13: expected 9 fields",
        "Nothing imported: 12 problem(s)",
    ]
    for fragment in expected:
        assert fragment in result.stderr, fragment
    assert "line 2:" not in result.stderr
    assert count(runtime, Order) == 0


def test_the_header_is_checked(meera, tmp_path) -> None:
    wrong = csv_file(tmp_path, "MB-0001,2026-10-02,Ravi,,Cake,1,10,ready,0",
                     header=HEADER.replace("unit_price", "price"))
    result = meera("orders", "import", "MB", wrong)
    assert result.exit_code == 2
    assert "line 1: missing column(s): unit_price" in result.stderr
    assert "line 1: unknown column(s): price" in result.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "the file is empty" in meera("orders", "import", "MB", str(empty)).stderr
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "\nMB-0001,2026-10-02,Ren\xe9,,Cake,1,10,ready,0\n").encode("latin-1"))
    assert "is not UTF-8 text" in meera("orders", "import", "MB", str(latin)).stderr


def test_a_changed_order_is_a_conflict_and_nothing_is_written(meera, runtime, tmp_path) -> None:
    meera("orders", "import", "MB", str(SAMPLE))
    before = snapshot(runtime)
    changed = SAMPLE.read_text().replace("Butter Cookies (500 g),2,180.00",
                                         "Butter Cookies (500 g),3,180.00")
    changed += "MB-0009,2026-10-06,New Customer,+919855555555,Bun,1,20.00,pending,,\n"
    path = tmp_path / "changed.csv"
    path.write_text(changed)
    result = meera("orders", "import", "MB", str(path))
    assert result.exit_code == 2
    assert "line 4: order MB-0002 is already there and the file changes its items" in result.stderr
    assert "different items" not in result.stderr
    assert snapshot(runtime) == before  # not even the new MB-0009


def test_an_unknown_business_is_refused(meera, tmp_path) -> None:
    result = meera("orders", "import", "ZZ", str(SAMPLE))
    assert result.exit_code == 2 and "no business with code ZZ" in result.stderr


def test_the_help_documents_the_format(meera) -> None:
    shown = meera("orders", "import", "--help").stdout
    assert HEADER in shown and "YYYY-MM-DD" in shown and "--dry-run" in shown
    assert "DD/MM/YYYY" in shown and "--update" in shown


def _readme_setup() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Set up your business", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_done_when_the_readme_takes_a_new_owner_to_a_tracked_order(tmp_path) -> None:
    """Issue 9's Done-when: the README section's commands, as written, on a fresh database."""
    commands = _readme_setup()
    assert "orderbot orders import MB samples/orders.csv" in commands
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
           "ORDERBOT_INSTANCE_DIR": str(tmp_path / "instance"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", commands], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Created business MB (Meera's Bakes)" in out and "now staff of MB" in out
    assert "Imported 4 order(s) into MB" in out
    tracked = out.split("Imported 4 order(s)", 1)[1]
    for fragment in ["Order MB-0001 · Meera's Bakes", "Ready", "Due: ₹600.00",
                     "UPI ID: meerasbakes@okaxis", "Pay ₹600.00 by UPI (tap): ", "/pay/"]:
        assert fragment in tracked, fragment
    assert "ashaskitchen" not in out  # the owner's own business, not the demo's
