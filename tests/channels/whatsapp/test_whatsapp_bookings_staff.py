"""The salon's staff hear of bookings on WhatsApp, through the real adapter: a customer's
wish to move a booking goes out by the worker as the quick-reply template when one is
configured (also outside the 24-hour window), and the template's button, posted back as
a signed webhook, accepts it; without a template the notice is text with its choices."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from standins import FakeTwilioAPI
from support.whatsapp import make_runtime, user_for

from bot.config import Config
from bot.runtime import Runtime
from bot.worker import run_once
from store import bookings
from store.db import unit_of_work
from store.models import BookingRequest
from store.queries import business_by_code, order_by_number

NEHA = "whatsapp:+919800000002"
REQUEST_TEMPLATE = "HX" + "c" * 32
NEW_TEMPLATE = "HX" + "d" * 32
WANTED = datetime(2026, 11, 25, 11, 30, tzinfo=UTC)  # Wed 25 Nov, 5 pm in Bengaluru


@pytest.fixture
def templated(wa_config: Config, clock: Any, waits: list[float]) -> Iterator[Runtime]:
    raw = {"TWILIO_TEMPLATE_BOOKING_REQUEST": REQUEST_TEMPLATE,
           "TWILIO_TEMPLATE_BOOKING_NEW": NEW_TEMPLATE}
    runtime = make_runtime(wa_config.with_env(raw), clock, waits)
    yield runtime
    runtime.close()


def _ask_to_move(runtime: Runtime) -> int:
    with unit_of_work(runtime.sessions) as s:
        request = bookings.request_change(
            s, order_by_number(s, "GS-B501"), "reschedule", chat_id=None,
            wanted_starts_at=WANTED, wanted_text="tomorrow 5pm", now=runtime.clock())
        return request.id


def test_a_wish_to_move_is_a_quick_reply_template_whose_button_accepts_it(
    templated: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    request_id = _ask_to_move(templated)  # Neha never wrote: her window is closed
    assert run_once(templated) == 1
    [template] = twilio_api.messages(NEHA)
    assert template.params["ContentSid"] == REQUEST_TEMPLATE
    variables = json.loads(template.params["ContentVariables"])
    assert (variables["1"], variables["2"]) == (str(request_id), "GS-B501")
    assert variables["3"].startswith("🔁 Ravi Kumar asks to move GS-B501 (Haircut and styling)")
    neha = user_for(templated, NEHA, profile="Neha")
    answer = neha.text("✅ Accept", ButtonPayload=f"breq:{request_id}:yes",
                       ButtonText="✅ Accept", MessageType="button")
    assert "✅ Accepted: GS-B501 moved to Wed 25 Nov, 5:00\u202fpm – 6:00\u202fpm." in answer
    with unit_of_work(templated.sessions) as s:
        assert order_by_number(s, "GS-B501").booking.starts_at.replace(tzinfo=UTC) == WANTED


def test_a_booking_asked_for_is_its_own_template(
    templated: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    with unit_of_work(templated.sessions) as s:
        bookings.create_booking(
            s, business_by_code(s, "GS"), "GS-B503",
            bookings.NewBooking("Manicure", datetime(2026, 11, 27, 6, 30, tzinfo=UTC), 45, 50000),
            customer_name="Anu Rao", customer_phone="+919833333333", now=templated.clock())
    assert run_once(templated) == 1
    [template] = twilio_api.messages(NEHA)
    assert template.params["ContentSid"] == NEW_TEMPLATE
    assert json.loads(template.params["ContentVariables"]) == {
        "1": "GS-B503", "2": "Anu Rao", "3": "Manicure",
        "4": "Fri 27 Nov, 12:00\u202fpm – 12:45\u202fpm", "5": "₹500.00"}
    neha = user_for(templated, NEHA, profile="Neha")
    answer = neha.text("✅ Confirm", ButtonPayload="bst:GS-B503:confirmed",
                       ButtonText="✅ Confirm", MessageType="button")
    assert "✅ GS-B503: Requested → Confirmed." in answer


def test_without_a_template_the_notice_is_text_once_the_staff_member_writes(
    wa: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    neha = user_for(wa, NEHA, profile="Neha")
    assert "GS-B501" in neha.text("bookings")
    request_id = _ask_to_move(wa)
    assert run_once(wa) == 1
    [notice] = twilio_api.messages(NEHA)
    body = notice.params["Body"]
    assert "🔁 Ravi Kumar asks to move GS-B501" in body and "1. ✅ Accept" in body
    assert "What time do you propose for GS-B501?" in neha.text("2")
    assert "You proposed Thu 3 Dec" in neha.text("3/12 11:30")
    with unit_of_work(wa.sessions) as s:
        assert s.get(BookingRequest, request_id).status == "proposed"
