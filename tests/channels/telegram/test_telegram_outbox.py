"""Outbound on Telegram: the outbox worker (`bot.worker.run_once`) through the
TelegramSender, within Telegram's flood limits, never sending one message twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from standins.telegram import FakeBotAPI
from support import Clock
from support.telegram import RAVI

from bot.channels.telegram.bridge import TelegramBridge, TelegramSender, close_bridge
from bot.runtime import Runtime
from bot.worker import run_once
from handlers import notices
from handlers.types import Image, Reply
from store import outbox
from store.db import unit_of_work
from store.models import OutboxMessage, OutboxStatus
from store.orders import set_status
from store.queries import chat_for, order_by_number

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _photo_then_text(session, message, lang) -> list[Reply]:  # noqa: ANN001
    image = Image(alt="QR", render=lambda: PNG)
    return [Reply("scan to pay", image=image), Reply("then send the screenshot here")]


def queue(runtime: Runtime, address: int, key: str, kind: str = "test_text", **payload) -> int:
    with unit_of_work(runtime.sessions) as session:
        chat = chat_for(session, "telegram", str(address), runtime.clock())
        outbox.enqueue(
            session,
            channel="telegram",
            address=str(address),
            chat_id=chat.id,
            kind=kind,
            payload=payload or {"text": f"notice {key}"},
            key=key,
            now=runtime.clock(),
        )
        return session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key))


def row(runtime: Runtime, message_id: int) -> OutboxMessage:
    with unit_of_work(runtime.sessions) as session:
        message = session.get(OutboxMessage, message_id)
        session.expunge(message)
        return message


def test_the_sender_is_wired_when_a_token_is_set(bridge: TelegramBridge) -> None:
    assert isinstance(bridge.runtime.senders["telegram"], TelegramSender)


def test_a_status_notice_goes_out_with_its_buttons(
    bridge: TelegramBridge, api: FakeBotAPI, demo: Runtime
) -> None:
    with unit_of_work(demo.sessions) as session:
        chat = chat_for(session, "telegram", str(RAVI), demo.clock())
        chat.linked_phone, chat.linked_until = "+919811111111", demo.clock() + timedelta(days=1)
        chat.locale = "en"
        set_status(session, order_by_number(session, "AK-1001"), "ready", now=demo.clock())
    assert run_once(demo) == 1
    (sent,) = api.sent_messages(RAVI)
    assert "AK-1001" in sent.params["text"]
    buttons = [
        b["callback_data"] for r in sent.params["reply_markup"]["inline_keyboard"] for b in r
    ]
    assert buttons == ["refresh:AK-1001", "pay:AK-1001"]
    with unit_of_work(demo.sessions) as session:
        (message,) = session.scalars(select(OutboxMessage)).all()
        assert message.status == OutboxStatus.SENT and message.provider_message_id == "1"


def test_flood_control_waits_as_asked_and_never_sends_a_part_twice(
    bridge: TelegramBridge, api: FakeBotAPI, demo: Runtime, clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(notices.RENDERERS, "test_photo_then_text", _photo_then_text)
    message_id = queue(demo, RAVI, "qr", kind="test_photo_then_text")
    api.fail_next("sendMessage", 429, retry_after=7)
    run_once(demo)
    waiting = row(demo, message_id)
    assert waiting.status == OutboxStatus.PENDING
    assert waiting.next_attempt_at >= clock.now + timedelta(seconds=7)
    assert run_once(demo) == 0  # not before Telegram's time is up
    clock.advance(seconds=8)
    run_once(demo)
    assert row(demo, message_id).status == OutboxStatus.SENT
    assert [c.method for c in api.sent_messages(RAVI)] == ["sendPhoto", "sendMessage"]
    assert api.sent_messages(RAVI)[0].files["photo"] == PNG


def test_a_network_failure_is_retried_later(
    bridge: TelegramBridge, api: FakeBotAPI, demo: Runtime, clock: Clock
) -> None:
    message_id = queue(demo, RAVI, "n1")
    api.fail_next("sendMessage", 502)
    run_once(demo)
    failed_once = row(demo, message_id)
    assert failed_once.status == OutboxStatus.PENDING and failed_once.attempts == 1
    clock.advance(minutes=1)
    run_once(demo)
    assert row(demo, message_id).status == OutboxStatus.SENT
    assert len(api.sent_messages(RAVI)) == 1


@pytest.mark.parametrize(
    ("status", "description"),
    [(400, "Bad Request: chat not found"), (403, "Forbidden: bot was blocked by the user")],
)
def test_a_missing_or_blocking_chat_is_given_up_at_once(
    bridge: TelegramBridge, api: FakeBotAPI, demo: Runtime, status: int, description: str
) -> None:
    message_id = queue(demo, RAVI, "gone")
    api.fail_next(
        "sendMessage", status, body={"ok": False, "error_code": status, "description": description}
    )
    run_once(demo)
    assert row(demo, message_id).status == OutboxStatus.FAILED


@pytest.fixture
def paced(demo: Runtime) -> Iterator[TelegramBridge]:
    """The bridge with Telegram's real pacing (not the tests' unpaced one)."""
    bridge = demo.services.telegram = TelegramBridge(demo)
    yield bridge
    close_bridge(demo)


def test_one_message_a_second_in_one_chat(
    paced: TelegramBridge, api: FakeBotAPI, demo: Runtime
) -> None:
    limit = api.limit_per_second(1, scope="sendMessage", per="chat_id")
    for n in range(3):
        queue(demo, RAVI, f"burst-{n}")
    for _ in range(3):  # one at a time: a later notice never overtakes an earlier one
        assert run_once(demo) == 1
    assert limit.rejected == 0 and len(api.sent_messages(RAVI)) == 3
    stamps = limit.timestamps()
    assert all(b - a >= 1.0 for a, b in zip(stamps, stamps[1:], strict=False))


def test_about_thirty_messages_a_second_in_all(
    paced: TelegramBridge, api: FakeBotAPI, demo: Runtime
) -> None:
    limit = api.limit_per_second(30, scope="sendMessage")
    for n in range(34):
        queue(demo, 1000 + n, f"wide-{n}")
    assert run_once(demo) == 34
    assert limit.rejected == 0 and len(api.sent_messages()) == 34
