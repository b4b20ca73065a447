"""`update_order` and `save_order`: items and customer changes, the total never
below what was paid, closed orders untouched, idempotent on the order number."""

from __future__ import annotations

import pytest

from store.db import unit_of_work
from store.errors import ItemsRequired, NotFound, OrderClosed, TotalBelowPaid
from store.orders import Actor, NewItem, save_order, update_order
from store.queries import business_by_code, order_by_number

TILL = Actor("till", via="api")


def test_new_items_recompute_total_and_payment_status(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "AK-1002")  # 250.00, paid in full
        assert update_order(s, order, [NewItem("Veg Thali", 1, 25000), NewItem("Lassi", 1, 6000)],
                            TILL)
        assert (order.total_minor, order.payment_status, order.due_minor) == (31000, "partial",
                                                                              6000)
        assert [(e.kind, e.detail.get("changed")) for e in order.events][-1] == ("update",
                                                                                 ["items"])


def test_the_same_data_again_changes_nothing(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "AK-1003")
        events = len(order.events)
        assert not update_order(s, order, [NewItem("Masala Dosa", 3, 12000)], TILL,
                                customer_name="Priya Sharma")
        s.expire_all()
        assert len(order_by_number(s, "AK-1003").events) == events


def test_total_never_below_paid(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        with pytest.raises(TotalBelowPaid):
            update_order(s, order_by_number(s, "AK-1001"), [NewItem("Naan", 1, 4000)], TILL)


def test_closed_orders_are_not_changed(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        with pytest.raises(OrderClosed):
            update_order(s, order_by_number(s, "AK-1004"), None, TILL, customer_name="P")
        # …but the same data again is not a change, so a till's resend is fine
        assert not update_order(s, order_by_number(s, "AK-1004"), None, TILL,
                                customer_name="Priya Sharma")


def test_only_known_fields(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        with pytest.raises(TypeError):
            update_order(s, order_by_number(s, "AK-1003"), None, TILL, total_minor=1)


def test_save_order_creates_then_updates(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        asha = business_by_code(s, "AK")
        order, created = save_order(s, asha, "AK-1010", [NewItem("Idli", 4, 3000)], TILL,
                                    customer_phone="+919844444444")
        assert created and order.total_minor == 12000
        same, created = save_order(s, asha, "ak1010", [NewItem("Idli", 5, 3000)], TILL)
        assert same.id == order.id and not created and same.total_minor == 15000
        with pytest.raises(ItemsRequired):
            save_order(s, asha, "AK-1011", None, TILL)


def test_save_order_never_touches_another_business(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        with pytest.raises(NotFound):
            save_order(s, business_by_code(s, "AK"), "SB-2001", [NewItem("Cake", 1, 1)], TILL)
        assert order_by_number(s, "SB-2001").total_minor == 90000
