"""A staff member removed with `orderbot staff remove` decides nothing from then on:
through the real core, a status change and a payment are refused."""

from __future__ import annotations

import pytest
from conftest import ChatDriver
from test_operator import orderbot  # noqa: F401 (a fixture)

from store.db import unit_of_work
from store.queries import order_by_number

ASHA = "+919800000001"


@pytest.fixture
def removed_asha(demo, orderbot) -> ChatDriver:  # noqa: F811
    asha = ChatDriver(demo, address=ASHA, phone=ASHA)
    asha.say("AK-1001")  # while still staff: her chat offers the status buttons
    assert orderbot("staff", "remove", "AK", ASHA).exit_code == 0
    return asha


def _order(runtime, number: str):
    with unit_of_work(runtime.sessions) as session:
        order = order_by_number(session, number)
        return order.status, order.paid_minor, len(order.events)


def test_a_removed_member_changes_no_status(removed_asha, demo) -> None:
    before = _order(demo, "AK-1001")
    answer = removed_asha.text("AK-1001 ready")
    assert answer and "Preparing → Ready" not in answer  # answered, as anyone would be
    removed_asha.say(button="st:AK-1001:ready")
    removed_asha.say("cancel AK-1001")
    assert _order(demo, "AK-1001") == before == ("preparing", 15000, before[2])


def test_a_removed_member_records_no_payment(removed_asha, demo) -> None:
    before = _order(demo, "AK-1003")
    removed_asha.say("paid AK-1003 100 cash")
    assert _order(demo, "AK-1003") == before
