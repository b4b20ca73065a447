"""A booking paid through a Razorpay payment link, as an order is (issue 20 on issue
18): the booking's view makes the link for what is due, the payer comes back to the
booking's own page, and the signed webhook records the payment on the booking, whose
customer is told with the booking's page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from standins.razorpay import sign
from support import ChatDriver, empty_database
from support.channels import create_app, queued_notices
from test_gateway import HOOK_SECRET, Shop, _configure, _pay_now
from test_gateway import fake as fake  # noqa: F401 - the stand-in's fixture

from bot.bootstrap import build_runtime
from store.db import unit_of_work
from store.demo import seed
from store.queries import order_by_number

RAVI = "+919811111111"


@pytest.fixture
def salon(config, clock, fake) -> Iterator[Shop]:  # noqa: F811 - the fixture above
    runtime = build_runtime(config.with_env({"RAZORPAY_API_BASE_URL": fake.url}), clock=clock)
    empty_database(runtime)
    with unit_of_work(runtime.sessions) as s:
        seed(s, clock())
    _configure(runtime, "GS")
    yield Shop(runtime, fake)
    runtime.close()


def test_a_booking_paid_by_its_payment_link(salon: Shop) -> None:
    chat = ChatDriver(salon.runtime, address=RAVI, phone=RAVI)
    view = chat.text("GS-B501")
    link = salon.fake.only_link()
    assert _pay_now(view) == f"⚡ Pay ₹600.00 now: {link['short_url']}"
    (made,) = salon.fake.calls_of("create")
    assert (made.params["amount"], made.params["reference_id"]) == (60000, "GS-B501")
    assert made.params["callback_url"].startswith("https://bot.example.test/b/")
    body = salon.fake.webhook_body(link["id"], salon.fake.pay(link["id"]))
    answer = create_app(runtime=salon.runtime).test_client().post(
        "/webhooks/razorpay/GS", data=body,
        headers={"Content-Type": "application/json",
                 "X-Razorpay-Signature": sign(body, HOOK_SECRET)})
    assert answer.json["result"] == "recorded"
    with unit_of_work(salon.runtime.sessions) as s:
        booking = order_by_number(s, "GS-B501")
        assert (booking.kind, booking.payment_status, booking.due_minor) == ("booking", "paid", 0)
    told = "\n".join(r.text for r in queued_notices(salon.runtime, "console", RAVI, set()))
    assert "₹600.00 received for GS-B501. Paid ₹800.00 of ₹800.00." in told
    assert "https://bot.example.test/b/" in told
