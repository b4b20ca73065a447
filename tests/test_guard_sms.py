"""Codes cost money (issue 15, point 2): the SMS pump, counted at the Twilio stand-in.
Sends are capped per chat, per phone, per instance a day, and go only to the countries
the businesses serve unless ORDERBOT_OTP_COUNTRIES says more."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support import ChatDriver
from test_codes import SMS_FROM, _runtime, twilio  # noqa: F401 (the fixture)

from bot.runtime import Runtime

SENT = "we have just sent it a 6-digit code"


@pytest.fixture
def make(demo, config, clock, twilio) -> Iterator:  # noqa: F811
    made: list[Runtime] = []

    def build(**raw: str) -> Runtime:
        runtime = _runtime(config.with_env(raw), clock, twilio, twilio_sms_from=SMS_FROM)
        made.append(runtime)
        return runtime

    yield build
    for runtime in made:
        runtime.close()


def _ask(runtime: Runtime, chat: str, phone: str) -> str:
    driver = ChatDriver(runtime, address=chat, phone=None)
    driver.say("my orders")
    return driver.text(phone)


def test_codes_go_only_to_the_countries_served(make, twilio) -> None:  # noqa: F811
    runtime = make()
    foreign = ["+12015550123", "+441212345678", "+97122345678", "+861012345678"]
    for n, phone in enumerate(foreign * 6):  # 4 chats, 24 numbers abroad
        answer = _ask(runtime, f"pump-{n % 4}", phone)
        assert "We can only send codes to phone numbers in India" in answer
    assert twilio.messages() == []
    assert SENT in _ask(runtime, "home", "98111 11111")
    assert len(twilio.messages()) == 1


def test_more_countries_by_setting(make, twilio) -> None:  # noqa: F811
    runtime = make(ORDERBOT_OTP_COUNTRIES="US, ae")
    assert SENT in _ask(runtime, "us", "+12015550123")
    assert SENT in _ask(runtime, "ae", "+97122345678")
    assert "only send codes" in _ask(runtime, "uk", "+441212345678")
    assert len(twilio.messages()) == 2


def test_the_instance_sends_at_most_its_daily_cap(make, twilio, clock) -> None:  # noqa: F811
    runtime = make(ORDERBOT_OTP_DAILY_CAP="3")
    for n in range(3):
        assert SENT in _ask(runtime, f"day-{n}", f"98444 4444{n}")
    with_orders = _ask(runtime, "late-1", "98111 11111")
    without = _ask(runtime, "late-2", "98555 55555")
    assert with_orders == without and "try again later" in without
    assert len(twilio.messages()) == 3
    clock.advance(days=1)
    assert SENT in _ask(runtime, "next-day", "98111 11111")
    assert len(twilio.messages()) == 4


def test_per_chat_and_per_phone_hourly_caps_send_nothing(make, twilio, clock) -> None:  # noqa: F811
    runtime = make()
    chat = ChatDriver(runtime, address="one-chat", phone=None)
    chat.say("my orders")
    for n in range(8):  # 6 an hour from one chat
        chat.text(f"98666 6666{n}")
    assert len(twilio.messages()) == 6
    for n in range(5):  # 3 an hour to one phone, whatever the chats
        clock.advance(minutes=2)
        _ask(runtime, f"phone-{n}", "98777 77777")
    assert len(twilio.messages("+919877777777")) == 3
