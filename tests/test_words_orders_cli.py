"""Issue 16 point 15: `orderbot orders list|show|status`, the customer told as from the chat."""

from __future__ import annotations

from sqlalchemy import select
from support import ChatDriver
from test_operator import orderbot  # noqa: F401 (a fixture)

from handlers import notices
from store.db import unit_of_work
from store.models import OutboxMessage
from store.queries import order_by_number


def test_list_the_open_orders_or_one_status(demo, orderbot) -> None:  # noqa: F811
    result = orderbot("orders", "list", "AK")
    assert result.exit_code == 0, result.output
    assert "AK-1001" in result.stdout and "Preparing" in result.stdout
    assert "AK-1003" in result.stdout and "Received" in result.stdout
    assert "AK-1004" not in result.stdout  # cancelled: not open
    ready = orderbot("orders", "list", "AK", "--status", "ready").stdout
    assert "AK-1002" in ready and "AK-1001" not in ready
    assert "AK-1004" in orderbot("orders", "list", "AK", "--status", "all").stdout
    assert "AK-1003" in orderbot("orders", "list", "ak", "--status", "Received").stdout
    bad = orderbot("orders", "list", "AK", "--status", "shipped")
    assert bad.exit_code == 2 and "'shipped' is not a status: pending (Received)" in bad.stderr
    assert "no business with code ZZ" in orderbot("orders", "list", "ZZ").stderr


def test_show_one_order_in_full(demo, orderbot) -> None:  # noqa: F811
    result = orderbot("orders", "show", "ak–1001")
    assert result.exit_code == 0, result.output
    for fragment in ["AK-1001 · Asha's Kitchen", "Customer: Ravi Kumar · +91 98111 11111",
                     "Status: Preparing", "2 × Paneer Tikka @ ₹180.00 = ₹360.00",
                     "Total ₹400.00 · paid ₹150.00 · due ₹250.00", "Timeline:",
                     "Received → Confirmed"]:
        assert fragment in result.stdout, fragment
    missing = orderbot("orders", "show", "AK-9999")
    assert missing.exit_code == 2 and "there is no order AK-9999" in missing.stderr


def test_a_status_change_tells_the_customer_as_from_the_chat(demo, orderbot) -> None:  # noqa: F811
    ChatDriver(demo, address="+919822222222", phone="+919822222222", lang="hi").say("AK-1003")
    result = orderbot("orders", "status", "AK-1003", "ready")
    assert result.exit_code == 0, result.output
    assert "AK-1003: Received → Ready." in result.stdout
    assert "The customer is being told" in result.stdout
    with unit_of_work(demo.sessions) as s:
        assert order_by_number(s, "AK-1003").status == "ready"
        [row] = s.scalars(select(OutboxMessage).where(
            OutboxMessage.address == "+919822222222", OutboxMessage.kind == "order_status")).all()
        assert "तैयार" in notices.render(s, row)[0].text
    cancelled = orderbot("orders", "status", "AK-1003", "cancelled", "--reason", "out of stock")
    assert cancelled.exit_code == 0, cancelled.output
    with unit_of_work(demo.sessions) as s:
        assert order_by_number(s, "AK-1003").events[-1].detail == {"reason": "out of stock"}


def test_a_move_the_flow_refuses_is_explained_and_changes_nothing(demo, orderbot) -> None:  # noqa: F811
    result = orderbot("orders", "status", "AK-1001", "pending")
    assert result.exit_code == 2
    assert ("AK-1001 is Preparing; it cannot go to Received. It can go to: Ready, Completed, "
            "Cancelled.") in result.stderr
    assert "is not a status" in orderbot("orders", "status", "AK-1001", "shipped").stderr
    with unit_of_work(demo.sessions) as s:
        assert order_by_number(s, "AK-1001").status == "preparing"
