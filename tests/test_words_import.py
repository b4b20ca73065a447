"""Issue 16 point 14: spreadsheets as Indian shops save them, and `orders import --update`."""

from __future__ import annotations

import pytest
from test_operator import count, orderbot  # noqa: F401 (a fixture)
from test_operator_import import HEADER, SAMPLE, csv_file, meera, snapshot  # noqa: F401

from store.db import unit_of_work
from store.models import Order
from store.queries import order_by_number


def _order(runtime, number: str) -> Order:
    with unit_of_work(runtime.sessions) as s:
        order = order_by_number(s, number)
        s.expunge_all()
        return order


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_dates_amounts_and_separators_as_shops_save_them(meera, runtime, tmp_path,  # noqa: F811
                                                         separator) -> None:
    rows = [
        ["MB-0101", "02/10/2026 10:30", "Ravi", "+919811111111", "Cake", "1", "1,000.00",
         "ready", "₹100"],
        ["MB-0102", "03/10/2026", "Priya", "", "Bun", "2", "₹1,25,000", "pending", "Rs. 50.50"],
    ]
    def cell(value: str) -> str:
        return f'"{value}"' if separator in value else value
    lines = [HEADER.replace(",", separator)] + [separator.join(cell(c) for c in r) for r in rows]
    path = tmp_path / "sheet.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = meera("orders", "import", "MB", str(path))
    assert result.exit_code == 0, result.output
    cake, bun = _order(runtime, "MB-0101"), _order(runtime, "MB-0102")
    assert (cake.total_minor, cake.paid_minor) == (100000, 10000)
    assert (bun.total_minor, bun.paid_minor) == (25000000, 5050)
    assert cake.created_at.strftime("%Y-%m-%d %H:%M") == "2026-10-02 05:00"  # IST 10:30
    assert bun.created_at.strftime("%d/%m") == "02/10"  # 3 Oct, midnight IST


@pytest.mark.parametrize("value, says", [
    ("32/10/2026", "'32/10/2026' is not a date (DD/MM/YYYY or YYYY-MM-DD"),
    ("10/2026", "'10/2026' is not a date"),
])
def test_bad_dates_are_reported_by_line(meera, tmp_path, value, says) -> None:  # noqa: F811
    path = csv_file(tmp_path, f"MB-0101,{value},Ravi,,Cake,1,100,pending,")
    result = meera("orders", "import", "MB", path)
    assert result.exit_code == 2 and f"line 2: {says}" in result.stderr


def test_badly_grouped_amounts_are_refused(meera, tmp_path) -> None:  # noqa: F811
    path = csv_file(tmp_path, 'MB-0101,2026-10-02,Ravi,,Cake,1,"1,0000.00",pending,')
    result = meera("orders", "import", "MB", path)
    assert result.exit_code == 2 and "unit_price '1,0000.00' is not an amount" in result.stderr


def _edited_sample(tmp_path, *edits: tuple[str, str]) -> str:
    text = SAMPLE.read_text()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "newer.csv"
    path.write_text(text)
    return str(path)


def test_update_applies_a_newer_sheets_statuses_and_payments(meera, runtime, tmp_path) -> None:  # noqa: F811
    assert meera("orders", "import", "MB", str(SAMPLE)).exit_code == 0
    newer = _edited_sample(
        tmp_path,
        ("Whole Wheat Bread,3,60.00,pending,,", "Whole Wheat Bread,3,60.00,ready,362.00,cash"),
        ("Blueberry Muffin,4,45.50,pending,,", "Blueberry Muffin,4,45.50,ready,362.00,cash"),
        ("(1 kg),1,850.00,ready,300.00,upi", "(1 kg),1,850.00,completed,300.00,upi"),
        ("candles,2,25.00,ready,300.00,upi", "candles,2,25.00,completed,300.00,upi"),
    )
    refused = meera("orders", "import", "MB", newer)
    assert refused.exit_code == 2 and "import with --update" in refused.stderr
    assert _order(runtime, "MB-0003").status == "pending"
    dry = meera("orders", "import", "MB", newer, "--update", "--dry-run")
    assert dry.exit_code == 0 and "would update 2 order(s)" in dry.stdout
    assert _order(runtime, "MB-0003").status == "pending"
    result = meera("orders", "import", "MB", newer, "--update")
    assert result.exit_code == 0, result.output
    assert "MB-0001: status Ready → Completed" in result.stdout
    assert "MB-0003: status Received → Ready" in result.stdout
    assert "MB-0003: amount paid 0.00 → 362.00" in result.stdout
    assert "Updated 2 order(s)." in result.stdout
    bread = _order(runtime, "MB-0003")
    assert (bread.status, bread.paid_minor, bread.payment_status) == ("ready", 36200, "paid")
    again = meera("orders", "import", "MB", newer, "--update")
    assert again.exit_code == 0 and "status" not in again.stdout  # nothing more to change


def test_update_is_all_or_nothing_with_line_numbered_errors(meera, runtime, tmp_path) -> None:  # noqa: F811
    meera("orders", "import", "MB", str(SAMPLE))
    before = snapshot(runtime)
    newer = _edited_sample(
        tmp_path,
        ("Whole Wheat Bread,3,60.00,pending,,", "Whole Wheat Bread,3,60.00,ready,,"),
        ("Blueberry Muffin,4,45.50,pending,,", "Blueberry Muffin,4,45.50,ready,,"),
        ("(500 g),2,180.00,completed,360.00,cash", "(500 g),2,180.00,pending,360.00,cash"),
        ("Red Velvet Pastry,2,95.00,cancelled,0,", "Red Velvet Pastry,2,95.00,cancelled,50,"),
    )
    result = meera("orders", "import", "MB", newer, "--update")
    assert result.exit_code == 2
    assert "line 4: order MB-0002 is Completed; it cannot go to Received" in result.stderr
    assert "line 7: order MB-0004 is cancelled; it takes no payments" in result.stderr
    assert snapshot(runtime) == before and _order(runtime, "MB-0003").status == "pending"


def test_update_never_lowers_what_was_paid(meera, runtime, tmp_path) -> None:  # noqa: F811
    meera("orders", "import", "MB", str(SAMPLE))
    newer = _edited_sample(tmp_path, ("(500 g),2,180.00,completed,360.00,cash",
                                      "(500 g),2,180.00,completed,100.00,cash"))
    result = meera("orders", "import", "MB", newer, "--update")
    assert result.exit_code == 2
    assert "line 4: order MB-0002: the file says less was paid" in result.stderr
    assert _order(runtime, "MB-0002").paid_minor == 36000


def test_update_still_refuses_changed_items(meera, tmp_path) -> None:  # noqa: F811
    meera("orders", "import", "MB", str(SAMPLE))
    newer = _edited_sample(tmp_path, ("(500 g),2,180.00", "(500 g),3,180.00"))
    result = meera("orders", "import", "MB", newer, "--update")
    assert result.exit_code == 2 and "the file changes its items" in result.stderr
