"""The rules the store's services keep, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from store.db import unit_of_work
from store.errors import InvalidAmount, InvalidTransition, OrderCancelled, Overpayment
from store.models import Order, OutboxMessage, Payment, StatusEvent
from store.orders import Actor, allowed_next, record_payment, record_refund, set_status
from store.queries import order_by_number

ASHA = Actor("Asha")


def _order(session, number: str) -> Order:
    return order_by_number(session, number)


def test_demo_matches_the_contract(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        expected = {
            "AK-1001": ("preparing", 40000, 15000, "partial", "+919811111111"),
            "AK-1002": ("ready", 25000, 25000, "paid", "+919811111111"),
            "AK-1003": ("pending", 36000, 0, "unpaid", "+919822222222"),
            "AK-1004": ("cancelled", 6000, 0, "unpaid", "+919822222222"),
        }
        for number, (status, total, paid, pay_status, phone) in expected.items():
            o = _order(s, number)
            assert (o.status, o.total_minor, o.paid_minor, o.payment_status, o.customer_phone) == (
                status, total, paid, pay_status, phone)
            assert o.business.name == "Asha's Kitchen" and o.currency == "INR"
        assert _order(s, "AK-1001").business.upi_id == "ashaskitchen@okaxis"


def test_demo_seed_is_idempotent(demo) -> None:
    from store.demo import seed

    with unit_of_work(demo.sessions) as s:
        before = s.scalar(select(func.count()).select_from(StatusEvent))
        assert seed(s) is False
        assert s.scalar(select(func.count()).select_from(StatusEvent)) == before


def test_status_moves_forward_and_writes_the_timeline(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        order = _order(s, "AK-1003")
        event = set_status(s, order, "confirmed", ASHA)
        assert (event.from_status, event.to_status, event.actor) == ("pending", "confirmed", "Asha")
        set_status(s, order, "ready", ASHA)  # a step may be skipped forward
        with pytest.raises(InvalidTransition):
            set_status(s, order, "preparing", ASHA)  # never back
        set_status(s, order, "completed", ASHA)
        with pytest.raises(InvalidTransition):
            set_status(s, order, "cancelled", ASHA)  # closed orders stay closed


def test_transitions_table() -> None:
    assert allowed_next("pending") == ["confirmed", "preparing", "ready", "completed", "cancelled"]
    assert allowed_next("ready") == ["completed", "cancelled"]
    assert allowed_next("completed") == [] and allowed_next("cancelled") == []


def test_payments_recompute_and_never_overpay(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        order = _order(s, "AK-1003")
        record_payment(s, order, 10000, "upi", ASHA)
        assert (order.paid_minor, order.payment_status, order.due_minor) == (10000, "partial", 26000)
        with pytest.raises(Overpayment):
            record_payment(s, order, 26001, "cash", ASHA)
        record_payment(s, order, 26000, "cash", ASHA)
        assert (order.payment_status, order.due_minor) == ("paid", 0)
        with pytest.raises(Overpayment):
            record_payment(s, order, 1, "cash", ASHA)


@pytest.mark.parametrize("amount", [0, -100, 1.5, True, "100"])
def test_bad_amounts_refused(demo, amount) -> None:
    with unit_of_work(demo.sessions) as s:
        with pytest.raises(InvalidAmount):
            record_payment(s, _order(s, "AK-1003"), amount, "cash", ASHA)


def test_cancelled_orders_take_no_payment(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        with pytest.raises(OrderCancelled):
            record_payment(s, _order(s, "AK-1004"), 100, "cash", ASHA)


def test_refunds(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        order = _order(s, "AK-1002")
        with pytest.raises(Overpayment):
            record_refund(s, order, 25001, "cash", ASHA)
        record_refund(s, order, 5000, "cash", ASHA)
        assert (order.payment_status, order.paid_minor, order.refunded_minor) == (
            "partially_refunded", 20000, 5000)
        record_refund(s, order, 20000, "cash", ASHA)
        assert order.payment_status == "refunded" and order.paid_minor == 0


def test_a_failed_change_leaves_nothing(demo) -> None:
    with pytest.raises(Overpayment):
        with unit_of_work(demo.sessions) as s:
            order = _order(s, "AK-1003")
            set_status(s, order, "confirmed", ASHA)
            record_payment(s, order, 10**9, "cash", ASHA)
    with unit_of_work(demo.sessions) as s:
        order = _order(s, "AK-1003")
        assert order.status == "pending"
        assert s.scalar(select(func.count()).select_from(Payment).where(
            Payment.order_id == order.id)) == 0


def test_changes_queue_notices_for_linked_chats_in_the_same_transaction(demo) -> None:
    from support import ChatDriver

    ChatDriver(demo, address="+919822222222", phone="+919822222222").say("hi")
    with pytest.raises(RuntimeError):
        with unit_of_work(demo.sessions) as s:
            set_status(s, _order(s, "AK-1003"), "confirmed", ASHA)
            raise RuntimeError("crash after the change")
    with unit_of_work(demo.sessions) as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        set_status(s, _order(s, "AK-1003"), "confirmed", ASHA)
    with unit_of_work(demo.sessions) as s:
        rows = s.scalars(select(OutboxMessage)).all()
        assert [(r.channel, r.address, r.kind) for r in rows] == [
            ("console", "+919822222222", "order_status")]
