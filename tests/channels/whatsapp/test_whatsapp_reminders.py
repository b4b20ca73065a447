"""A booking's reminder on WhatsApp, through the worker and the Twilio stand-in: free
text while the customer's 24-hour window is open; outside it the approved template
(TWILIO_TEMPLATE_BOOKING_REMINDER) or, without one, held — and never released once the
booking has begun."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from standins import FakeTwilioAPI
from support.whatsapp import CUSTOMER, make_runtime, user_for

from bot import reminders
from bot.config import Config
from bot.runtime import Runtime
from bot.worker import run_once
from store.db import unit_of_work
from store.models import OutboxMessage, OutboxStatus

TEMPLATE = "HX" + "b" * 32


@pytest.fixture
def templated(wa_config: Config, clock: Any, waits: list[float]) -> Iterator[Runtime]:
    runtime = make_runtime(
        wa_config.with_env({"TWILIO_TEMPLATE_BOOKING_REMINDER": TEMPLATE}), clock, waits)
    yield runtime
    runtime.close()


def the_reminder(runtime: Runtime) -> OutboxMessage:
    with unit_of_work(runtime.sessions) as session:
        (message,) = session.query(OutboxMessage).filter_by(kind="booking_reminder").all()
        return message


def test_in_the_window_the_reminder_is_free_text(wa: Runtime, twilio_api: FakeTwilioAPI) -> None:
    user_for(wa).text("hi")  # Ravi wrote just now
    assert reminders.run_due(wa) == 1  # GS-B501, tomorrow 11:00, a day before
    assert run_once(wa) == 1 and run_once(wa) == 0
    (sent,) = twilio_api.messages()
    assert sent.params["To"] == CUSTOMER and "ContentSid" not in sent.params
    assert sent.params["Body"].startswith("⏰ Reminder: Haircut and styling at Glow Salon, "
                                          "Wed 25 Nov, 11:00\u202fam – 12:00\u202fpm.")
    assert "GS-B501" in sent.params["Body"] and the_reminder(wa).status == OutboxStatus.SENT


def test_outside_the_window_the_approved_template_goes(
    templated: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    assert templated.config.twilio_template_booking_reminder == TEMPLATE
    assert reminders.run_due(templated) == 1  # Ravi never wrote: no window
    run_once(templated)
    (sent,) = twilio_api.messages()
    assert sent.params["ContentSid"] == TEMPLATE and "Body" not in sent.params
    variables = json.loads(sent.params["ContentVariables"])
    assert (variables["2"], variables["3"]) == ("GS-B501", "Glow Salon")
    assert variables["1"].startswith("⏰ Reminder: Haircut and styling")
    assert "\n" not in variables["1"]
    assert the_reminder(templated).status == OutboxStatus.SENT


def test_without_a_template_it_waits_and_never_goes_once_the_booking_began(
    wa: Runtime, twilio_api: FakeTwilioAPI, clock
) -> None:
    assert reminders.run_due(wa) == 1
    run_once(wa)
    assert the_reminder(wa).status == OutboxStatus.HELD and twilio_api.calls == []
    clock.advance(hours=16)  # GS-B501 began at 11:00 (5:30 UTC)
    reminders.run_due(wa)
    assert the_reminder(wa).status == OutboxStatus.FAILED
    user_for(wa).text("hi")  # Ravi writes: what was held goes, but not this
    run_once(wa)
    assert twilio_api.messages() == []
