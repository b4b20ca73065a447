"""How an approved proof was paid: the caption's words (English and Hindi), else the
business's one way of taking a transfer, else UPI; the vendor may say otherwise
(`approve 12 200 cash`, `approve 12 bank`). The customer's notice and the timeline
show it."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support import ChatDriver, joined
from test_proofs_chat import ASHA, _queued, send

from store.db import unit_of_work
from store.models import Business, Payment, PaymentProof


@pytest.fixture
def vendor(demo) -> ChatDriver:
    return ChatDriver(demo, address=ASHA, phone=ASHA)


def _payments(runtime) -> list[tuple[int, str]]:
    with unit_of_work(runtime.sessions) as s:
        rows = s.scalars(select(Payment).where(Payment.proof_id.is_not(None)).order_by(Payment.id))
        return [(p.amount_minor, p.method) for p in rows]


def _accepts(runtime, code: str, methods: list[str]) -> None:
    with unit_of_work(runtime.sessions) as s:
        s.scalars(select(Business).where(Business.code == code)).one().accepted_methods = methods


@pytest.mark.parametrize(
    "caption, method",
    [("paid 250 by GPay", "upi"), ("250 phonepe", "upi"), ("Paytm ₹250", "upi"),
     ("UPI transfer 250", "upi"), ("250 NEFT", "bank"), ("IMPS 250/-", "bank"),
     ("bank transfer 250", "bank"), ("बैंक ट्रांसफ़र २५०", "bank"), ("२५० फोनपे से", "upi"),
     ("paid 250", "upi")],  # Asha's Kitchen takes UPI and bank: UPI unless said
)
def test_the_caption_says_how_it_was_paid(customer, vendor, demo, caption, method) -> None:
    customer.text("AK-1001")
    assert "Received your payment screenshot" in send(customer, caption)
    assert "approved" in vendor.text("approve 1")
    assert _payments(demo) == [(25000, method)]


def test_the_vendor_sees_the_method_the_customer_named(customer, demo) -> None:
    customer.text("AK-1001")
    send(customer, "paid 250 NEFT")
    [[prompt]] = _queued(demo, "proof_prompt", ASHA)
    assert "Paid by: Bank transfer (as the customer says)" in prompt.text
    with unit_of_work(demo.sessions) as s:
        assert s.scalars(select(PaymentProof.method)).one() == "bank"


def test_the_method_named_with_the_file_is_kept_while_the_amount_is_asked(
    customer, vendor, demo
) -> None:
    customer.text("AK-1001")
    assert "How much did you pay" in send(customer, "sent by NEFT")
    customer.text("250")
    vendor.text("approve 1")
    assert _payments(demo) == [(25000, "bank")]


def test_a_business_with_one_way_of_taking_transfers_gets_that_way(customer, vendor, demo) -> None:
    _accepts(demo, "AK", ["bank", "cash"])
    customer.text("AK-1001")
    send(customer, "paid 250")
    vendor.text("approve 1")
    assert _payments(demo) == [(25000, "bank")]


@pytest.mark.parametrize(
    "command, says, payment",
    [("approve 1 200 cash", "₹200.00 recorded for AK-1001 (Cash)", (20000, "cash")),
     ("approve 1 bank", "₹250.00 recorded for AK-1001 (Bank transfer)", (25000, "bank")),
     ("approve 1 नकद 100", "₹100.00 recorded for AK-1001 (Cash)", (10000, "cash")),
     ("approve #1 card 250", "(Card)", (25000, "card"))],
)
def test_the_vendor_says_how_it_was_paid(customer, vendor, demo, command, says, payment) -> None:
    customer.text("AK-1001")
    send(customer, "paid 250 gpay")
    assert says in vendor.text(command)
    assert _payments(demo) == [payment]


def test_something_else_after_the_amount_is_not_guessed(customer, vendor, demo) -> None:
    customer.text("AK-1001")
    send(customer, "paid 250")
    assert "approve N 200 cash" in vendor.text("approve 1 200 bitcoin")
    assert _payments(demo) == []


def test_the_customer_and_the_timeline_are_told_the_method(customer, vendor, demo) -> None:
    customer.text("AK-1001")
    send(customer, "250 IMPS")
    vendor.text("approve 1")
    [[notice]] = _queued(demo, "order_proof", "+919811111111")
    assert "approved your payment of ₹250.00 for AK-1001 (Bank transfer)" in notice.text
    assert "₹250.00 received (Bank transfer)" in vendor.text("AK-1001")


def test_the_method_in_hindi(demo) -> None:
    customer = ChatDriver(demo, lang="hi")
    vendor = ChatDriver(demo, address=ASHA, phone=ASHA, lang="hi")
    customer.text("AK-1001")
    send(customer, "२५० बैंक से")
    assert "(बैंक ट्रांसफ़र)" in joined(vendor.say("approve 1"))
    [[notice]] = _queued(demo, "order_proof", "+919811111111")
    assert "भुगतान (बैंक ट्रांसफ़र) मंज़ूर किया" in notice.text
