"""`orderbot bookings import|list` and `business edit --cancel-before-hours` (issue 18):
the sample imported with local times and offsets, nobody told; all or nothing with
line-numbered errors; a dry run; a re-import; --update; the day's list in the salon's
zone; and `orderbot orders list` leaving bookings out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_operator import count, orderbot  # noqa: F401 (a fixture)
from test_operator_import import csv_file

from store.booking_import import COLUMNS
from store.db import unit_of_work
from store.models import Booking, Order, OutboxMessage, Payment, StatusEvent
from store.queries import business_by_code, chat_for, order_by_number

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "bookings.csv"
HEADER = ",".join(COLUMNS)
ROW = "GS-B701,Haircut,2026-12-10 11:00,60,Ravi Kumar,+919811111111,Neha,confirmed,800,200"


def sheet(tmp_path: Path, *rows: str, header: str = HEADER) -> str:
    return csv_file(tmp_path, *rows, header=header)


def snapshot(runtime) -> dict[str, int]:
    with unit_of_work(runtime.sessions) as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (Order, Booking, Payment, StatusEvent, OutboxMessage)}


def test_the_sample_imports_and_nobody_is_told(demo, orderbot) -> None:  # noqa: F811
    with unit_of_work(demo.sessions) as session:  # a customer and a staff chat that would hear
        chat_for(session, "console", "+919811111111").linked_phone = "+919811111111"
        chat_for(session, "console", "+919800000002")
    result = orderbot("bookings", "import", "gs", str(SAMPLE))
    assert result.exit_code == 0, result.output
    assert ("Imported 4 booking(s) into GS: GS-B601, GS-B602, GS-B603, GS-B604"
            in result.stdout)
    assert count(demo, OutboxMessage) == 0
    with unit_of_work(demo.sessions) as session:
        cut = order_by_number(session, "GS-B601")
        assert (cut.kind, cut.status, cut.total_minor, cut.paid_minor) == (
            "booking", "confirmed", 80000, 20000)
        # 11:00 in Asia/Kolkata is 05:30 UTC; Neha is the salon's staff member.
        assert cut.booking.starts_at == datetime(2026, 12, 10, 5, 30, tzinfo=UTC)
        assert cut.booking.staff_id is not None and {e.actor for e in cut.events} == {"import"}
        spa = order_by_number(session, "GS-B602")  # DD/MM/YYYY, a local phone, no staff
        assert spa.booking.starts_at == datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
        assert (spa.status, spa.customer_phone, spa.total_minor, spa.paid_minor) == (
            "requested", "+919822222222", 120000, 0)
        assert (spa.booking.duration_minutes, spa.booking.staff_name) == (90, None)
        nails = order_by_number(session, "GS-B603")  # with its offset
        assert nails.booking.starts_at == datetime(2026, 12, 11, 3, 30, tzinfo=UTC)
        assert (nails.status, nails.payment_status) == ("completed", "paid")
        trim = order_by_number(session, "GS-B604")  # paid, then cancelled
        assert (trim.status, trim.paid_minor, trim.to_refund_minor) == ("cancelled", 10000, 10000)


def test_importing_again_changes_nothing_and_a_dry_run_writes_nothing(demo, orderbot) -> None:  # noqa: F811
    before = snapshot(demo)
    dry = orderbot("bookings", "import", "GS", str(SAMPLE), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Dry run: would import 4 booking(s) into GS" in dry.stdout
    assert "nothing was written" in dry.stdout and snapshot(demo) == before
    assert orderbot("bookings", "import", "GS", str(SAMPLE)).exit_code == 0
    after = snapshot(demo)
    again = orderbot("bookings", "import", "GS", str(SAMPLE))
    assert again.exit_code == 0 and "Nothing new to import" in again.stdout
    assert "Already imported, unchanged: GS-B601, GS-B602, GS-B603, GS-B604" in again.stdout
    assert snapshot(demo) == after


BAD_ROWS = [
    ("AK-B701,Haircut,2026-12-10 11:00,60,,,,,800,", "'AK-B701' is not a booking number of GS"),
    ("GS-701,Haircut,2026-12-10 11:00,60,,,,,800,", "'GS-701' is not a booking number of GS"),
    ("GS-B701,,2026-12-10 11:00,60,,,,,800,", "service is required"),
    ("GS-B701,Haircut,tomorrow,60,,,,,800,", "'tomorrow' is not a start time"),
    ("GS-B701,Haircut,2026-12-10,60,,,,,800,", "'2026-12-10' is not a start time"),
    ("GS-B701,Haircut,2026-12-10 11:00,0,,,,,800,", "'0' is not a length in minutes"),
    ("GS-B701,Haircut,2026-12-10 11:00,1h,,,,,800,", "'1h' is not a length in minutes"),
    ("GS-B701,Haircut,2026-12-10 11:00,60,,12345,,,800,", "'12345' is not a valid phone"),
    ("GS-B701,Haircut,2026-12-10 11:00,60,,,,booked,800,", "'booked' is not a status"),
    ("GS-B701,Haircut,2026-12-10 11:00,60,,,,,eight,", "price 'eight' is not an amount"),
    ("GS-B701,Haircut,2026-12-10 11:00,60,,,,,800,900",
     "booking GS-B701: amount paid 900 is more than its price 800"),
    ("GS-B701,Haircut,2026-12-10 11:00,60,,,,,800", "expected 10 fields"),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_a_bad_row_is_reported_by_line_and_nothing_is_written(demo, orderbot, tmp_path,  # noqa: F811
                                                              row, message) -> None:
    before = snapshot(demo)
    good = "GS-B702,Hair spa,2026-12-10 12:00,60,,,,,1200,"
    result = orderbot("bookings", "import", "GS", sheet(tmp_path, good, row))
    assert result.exit_code == 2
    assert f"line 3: {message}" in result.stderr, result.stderr
    assert "Nothing imported: 1 problem(s)" in result.stderr
    assert snapshot(demo) == before


def test_whole_file_problems(demo, orderbot, tmp_path) -> None:  # noqa: F811
    twice = orderbot("bookings", "import", "GS", sheet(tmp_path, ROW, ROW))
    assert "line 3: booking GS-B701 is in the file twice (first on line 2)" in twice.stderr
    header = HEADER.replace(",amount_paid", ",paid")
    wrong = orderbot("bookings", "import", "GS", sheet(tmp_path, ROW, header=header))
    assert "line 1: missing column(s): amount_paid" in wrong.stderr
    assert "line 1: unknown column(s): paid" in wrong.stderr
    empty = orderbot("bookings", "import", "GS", sheet(tmp_path))
    assert "line 1: there are no bookings in the file" in empty.stderr
    order = orderbot("bookings", "import", "GS", sheet(
        tmp_path, ROW.replace("GS-B701", "GS-B501")))
    assert "booking GS-B501 is already there and the file changes its" in order.stderr
    assert count(demo, Order) == 7


def test_update_applies_a_newer_start_status_and_payment(demo, orderbot, tmp_path) -> None:  # noqa: F811
    assert orderbot("bookings", "import", "GS", sheet(tmp_path, ROW)).exit_code == 0
    newer = ROW.replace("2026-12-10 11:00,60", "2026-12-10 15:30,45").replace(
        "confirmed,800,200", "completed,800,800")
    refused = orderbot("bookings", "import", "GS", sheet(tmp_path, newer))
    assert refused.exit_code == 2
    assert ("line 2: booking GS-B701 is already there and the file changes its start, length, "
            "status, amount paid (to apply a newer start, length, status and amount paid, "
            "import with --update)") in refused.stderr
    updated = orderbot("bookings", "import", "GS", sheet(tmp_path, newer), "--update")
    assert updated.exit_code == 0, updated.output
    assert ("GS-B701: start 10 Dec 2026, 11:00\u202fam → 10 Dec 2026, 3:30\u202fpm"
            in updated.stdout)
    assert "GS-B701: amount paid 200.00 → 800.00" in updated.stdout
    assert "GS-B701: status Confirmed → Completed" in updated.stdout
    assert "Updated 1 booking(s)." in updated.stdout
    with unit_of_work(demo.sessions) as session:
        booking = order_by_number(session, "GS-B701")
        assert (booking.status, booking.paid_minor, booking.booking.duration_minutes) == (
            "completed", 80000, 45)
        assert booking.booking.starts_at == datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
    assert count(demo, OutboxMessage) == 0

    other = newer.replace("Haircut", "Hair colour")
    service = orderbot("bookings", "import", "GS", sheet(tmp_path, other), "--update")
    assert service.exit_code == 2 and "changes its service" in service.stderr
    assert "--update)" not in service.stderr
    back = orderbot("bookings", "import", "GS", sheet(tmp_path, ROW), "--update")
    assert back.exit_code == 2 and "booking GS-B701 is Completed" in back.stderr


def test_list_a_day_in_the_salons_zone(demo, orderbot) -> None:  # noqa: F811
    result = orderbot("bookings", "list", "gs", "--day", "2026-11-25")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "GS · Glow Salon · bookings 25 Nov 2026 – 25 Nov 2026 (Asia/Kolkata)"
    assert lines[1] == "25 Nov 2026"
    assert lines[2].startswith("  11:00\u202fam – 12:00\u202fpm · GS-B501 · Haircut and styling"
                               " · Ravi Kumar · +91 98111 11111")
    assert lines[2].endswith("· Confirmed · price ₹800.00 · due ₹600.00")
    assert len(lines) == 3
    spa = orderbot("bookings", "list", "GS", "--day", "2026-11-26").stdout
    assert "GS-B502" in spa and "Requested" in spa and "GS-B501" not in spa
    quiet = orderbot("bookings", "list", "GS", "--day", "2026-11-27")
    assert quiet.exit_code == 0 and "No bookings then." in quiet.stdout
    week = orderbot("bookings", "list", "GS").stdout  # today (the real clock's) and 6 more
    assert week.startswith("GS · Glow Salon · bookings ")
    assert orderbot("bookings", "list", "AK", "--day", "2026-11-25").stdout.endswith(
        "No bookings then.\n")
    unknown = orderbot("bookings", "list", "ZZ")
    assert unknown.exit_code == 2 and "no business with code ZZ" in unknown.stderr
    bad_day = orderbot("bookings", "list", "GS", "--day", "25/11/2026")
    assert bad_day.exit_code == 2


def test_orders_list_leaves_bookings_out(demo, orderbot) -> None:  # noqa: F811
    salon = orderbot("orders", "list", "GS", "--status", "all")
    assert salon.exit_code == 0 and salon.stdout == "No such orders in GS.\n"
    kitchen = orderbot("orders", "list", "AK", "--status", "all").stdout
    assert "AK-1001" in kitchen and "GS-B" not in kitchen


def test_business_edit_cancel_before_hours(demo, orderbot) -> None:  # noqa: F811
    def hours() -> int | None:
        with unit_of_work(demo.sessions) as session:
            return business_by_code(session, "GS").cancel_before_hours

    edited = orderbot("business", "edit", "GS", "--cancel-before-hours", "12")
    assert edited.exit_code == 0, edited.output
    assert hours() == 12 and "Cancel up to (h):     12" in edited.stdout
    assert orderbot("business", "edit", "GS", "--cancel-before-hours", "0").exit_code == 0
    assert hours() == 0
    off = orderbot("business", "edit", "GS", "--cancel-before-hours", "OFF")
    assert off.exit_code == 0 and hours() is None
    assert "Cancel up to (h):     off" in off.stdout
    for bad in ("twelve", "-1", "721", "1.5"):
        refused = orderbot("business", "edit", "GS", "--cancel-before-hours", bad)
        assert refused.exit_code == 2, bad
        assert f"'{bad}' is not a number of hours (0 to 720) or off" in refused.stderr
    assert hours() is None
