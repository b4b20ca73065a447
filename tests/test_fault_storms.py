"""Fault suite: both platforms storm for a simulated minute — Telegram answers 429
with retry_after and 502, Twilio 429 with Retry-After and 500/503 — and after they
recover every queued notice is delivered exactly once, in order per recipient."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from standins.telegram import FakeBotAPI
from standins.twilio import FakeTwilioAPI
from support import empty_database

from bot.bootstrap import build_runtime
from bot.channels.telegram.bridge import TelegramBridge, close_bridge
from bot.channels.telegram.outbound import Pacer
from bot.runtime import Runtime
from bot.worker import run_once
from store import outbox
from store.db import unit_of_work
from store.models import OutboxMessage, OutboxStatus
from store.queries import chat_for

RECIPIENTS = {"telegram": ["7001", "7002", "7003"],
              "whatsapp": ["whatsapp:+919811100001", "whatsapp:+919811100002"]}
PER_RECIPIENT = 4


@pytest.fixture
def stormy(config, clock) -> Iterator[tuple[Runtime, FakeBotAPI, FakeTwilioAPI]]:
    with FakeBotAPI() as telegram, FakeTwilioAPI() as twilio:
        runtime = build_runtime(config.with_(
            telegram_bot_token=telegram.token, telegram_api_base_url=telegram.base_url,
            telegram_file_base_url=telegram.file_base_url,
            twilio_account_sid=twilio.account_sid, twilio_auth_token=twilio.auth_token,
            twilio_api_base_url=twilio.base_url, twilio_whatsapp_from="whatsapp:+14155238886",
        ), clock=clock)
        empty_database(runtime)  # nothing another test left waiting joins the storm
        runtime.services.telegram = TelegramBridge(runtime, Pacer(overall=0, per_chat=0))
        yield runtime, telegram, twilio
        close_bridge(runtime)
        runtime.close()


def _queue(runtime: Runtime) -> None:
    with unit_of_work(runtime.sessions) as session:
        for n in range(PER_RECIPIENT):
            for channel, addresses in RECIPIENTS.items():
                for address in addresses:
                    chat = chat_for(session, channel, address, runtime.clock(),
                                    last_inbound_at=runtime.clock())
                    outbox.enqueue(session, channel=channel, address=address, chat_id=chat.id,
                                   kind="text", payload={"text": f"notice {n} for {address}"},
                                   key=f"storm:{address}:{n}", now=runtime.clock())


def test_every_notice_once_and_in_order_after_a_storm(stormy, clock) -> None:
    runtime, telegram, twilio = stormy
    _queue(runtime)
    for _ in range(3):  # a minute of trouble, as the platforms answer it
        telegram.fail_next("sendMessage", 429, count=2, retry_after=7)
        telegram.fail_next("sendMessage", 502, count=2)
        twilio.fail_next("messages", 429, count=1, retry_after=5)
        twilio.fail_next("messages", 500, count=1)
        twilio.fail_next("messages", 503, count=1)
        for _ in range(10):
            run_once(runtime)
            clock.advance(seconds=2)
    for _ in range(300):  # recovered: the queue drains, each retry at its own time
        if not run_once(runtime):
            clock.advance(seconds=60)
        with unit_of_work(runtime.sessions) as session:
            if not session.query(OutboxMessage).filter(
                OutboxMessage.status != OutboxStatus.SENT.value).count():
                break
    with unit_of_work(runtime.sessions) as session:
        left = [(m.address, m.status, m.last_error) for m in session.query(OutboxMessage)
                if m.status != OutboxStatus.SENT.value]
    assert left == []
    got: dict[str, list[str]] = {}
    for call in telegram.calls_of("sendMessage", ok=True):
        got.setdefault(str(call.params["chat_id"]), []).append(call.params["text"])
    for call in twilio.calls_of("messages", ok=True):
        got.setdefault(call.params["To"], []).append(call.params["Body"])
    assert telegram.calls_of("sendMessage", ok=False) and twilio.calls_of("messages", ok=False)
    for addresses in RECIPIENTS.values():
        for address in addresses:
            assert got[address] == [f"notice {n} for {address}" for n in range(PER_RECIPIENT)]

