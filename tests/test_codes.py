"""Delivering codes: the real twilio REST client against the local Twilio stand-in
(SMS, WhatsApp, failures), and which sender the configuration wires."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from standins.twilio import FakeTwilioAPI
from support import ChatDriver, empty_database


from bot.bootstrap import LogCodeSender, build_runtime
from bot.channels.whatsapp.code_senders import TwilioSmsCodeSender, TwilioWhatsAppCodeSender
from bot.config import Config
from bot.one_time_codes import FirstThatDelivers
from bot.runtime import Runtime

SMS_FROM, WHATSAPP_FROM = "+15005550006", "whatsapp:+14155238886"


@pytest.fixture
def twilio() -> Iterator[FakeTwilioAPI]:
    with FakeTwilioAPI() as api:
        yield api


def _runtime(config: Config, clock, api: FakeTwilioAPI, **settings: object) -> Runtime:
    config = config.with_(
        twilio_account_sid=api.account_sid, twilio_auth_token=api.auth_token,
        twilio_api_base_url=api.base_url, **settings,
    )
    return build_runtime(config, clock=clock)


@pytest.fixture
def sms(demo, config, clock, twilio) -> Iterator[Runtime]:
    runtime = _runtime(config, clock, twilio, twilio_sms_from=SMS_FROM)
    yield runtime
    runtime.close()


def _ask(runtime: Runtime, phone: str = "98111 11111") -> tuple[ChatDriver, str]:
    chat = ChatDriver(runtime, address="sms-guest", phone=None)
    chat.say("my orders")
    return chat, chat.text(phone)


def test_a_code_by_sms_through_the_real_client(sms, twilio, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    assert isinstance(sms.code_sender, TwilioSmsCodeSender)
    chat, answer = _ask(sms)
    assert "we have just sent it a 6-digit code" in answer
    [message] = twilio.messages(to="+919811111111")
    assert message.params["From"] == SMS_FROM
    body = message.params["Body"]
    code = re.search(r"\b(\d{6})\b", body).group(1)
    assert "valid for 5 minutes" in body
    assert "AK-1001" in chat.text(code)
    assert code not in caplog.text


def test_an_sms_the_provider_refuses_is_a_failed_delivery(sms, twilio, caplog) -> None:
    twilio.fail_next("messages", 400, code=21211)
    chat, answer = _ask(sms)
    assert "could not send a code" in answer and "order number (like AK-1001)" in answer
    assert twilio.messages() == []
    assert "failed: 21211" in caplog.text and "+919811111111" not in caplog.text


def test_an_sms_provider_outage_is_a_failed_delivery(sms, twilio) -> None:
    twilio.fail_next("messages", 503)
    _, answer = _ask(sms)
    assert "could not send a code" in answer


def test_whatsapp_takes_over_when_the_sms_fails(demo, config, clock, twilio) -> None:
    runtime = _runtime(config, clock, twilio, twilio_sms_from=SMS_FROM,
                       twilio_whatsapp_from=WHATSAPP_FROM)
    try:
        assert isinstance(runtime.code_sender, FirstThatDelivers)
        twilio.fail_next("messages", 500)
        _, answer = _ask(runtime)
        [message] = twilio.messages()
        assert message.params["To"] == "whatsapp:+919811111111"
        assert message.params["From"] == WHATSAPP_FROM
        assert "orderbot code" in message.params["Body"]
        assert "we have just sent it" in answer
    finally:
        runtime.close()


def test_whatsapp_code_by_an_approved_template(config, clock, twilio) -> None:
    runtime = _runtime(config, clock, twilio, twilio_whatsapp_from=WHATSAPP_FROM,
                       twilio_templates={"otp": "HX" + "0" * 32})
    try:
        assert isinstance(runtime.code_sender, TwilioWhatsAppCodeSender)
        assert runtime.code_sender.send_code(None, "+919811111111", "123456", "en")
        [message] = twilio.messages()
        assert message.params["ContentSid"] == "HX" + "0" * 32
        assert message.params["ContentVariables"] == '{"1": "123456"}'
        assert "Body" not in message.params
    finally:
        runtime.close()


def test_wiring_picks_the_log_only_in_development(config, clock) -> None:
    production = build_runtime(config, clock=clock)
    development = build_runtime(config.with_(env="development"), clock=clock)
    try:
        assert production.code_sender is None
        assert isinstance(development.code_sender, LogCodeSender)
    finally:
        production.close()
        development.close()


def test_development_prints_the_code_to_the_log(config, clock, caplog) -> None:
    runtime = build_runtime(config.with_(env="development"), clock=clock)
    try:
        empty_database(runtime)
        chat = ChatDriver(runtime, address="dev", phone=None)
        chat.say("my orders")
        chat.say("98111 11111")
        code = re.search(r"one-time code for \+919811111111: (\d{6})", caplog.text).group(1)
        assert "There are no orders for +91 98111 11111" in chat.text(code)  # not seeded
    finally:
        runtime.close()
