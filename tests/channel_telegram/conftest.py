"""Telegram tests: the real python-telegram-bot pointed at `FakeBotAPI`, updates from
the shared fixtures, the demo data, and a bridge paced only where a test says so."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import FIXTURES
from standins.telegram import FakeBotAPI

from bot.channels.telegram.bridge import TelegramBridge, close_bridge
from bot.channels.telegram.outbound import Pacer
from bot.config import Config
from bot.runtime import Runtime

SECRET = "webhook-secret_1"
RAVI = 777000111  # the customer of the fixtures (language_code "hi")


def update(name: str, **changes: Any) -> dict[str, Any]:
    """A fixture update (`tests/fixtures/telegram/NAME.json`), with top-level
    changes and `message`/`from` changes given as message__text=…, from__language_code=…"""
    data = copy.deepcopy(json.loads((FIXTURES / "telegram" / f"{name}.json").read_text()))
    for key, value in changes.items():
        if "__" not in key:
            data[key] = value
            continue
        part, field = key.split("__")
        body = data.get("message") or data["callback_query"]
        if part == "from":
            body["from"][field] = value
        elif part == "chat":
            body["chat"][field] = value
        else:
            body[field] = value
    return data


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def config(config: Config, api: FakeBotAPI) -> Config:
    return config.with_(
        telegram_bot_token=api.token,
        telegram_api_base_url=api.base_url,
        telegram_file_base_url=api.file_base_url,
        telegram_mode="webhook",
        telegram_webhook_secret=SECRET,
    )


@pytest.fixture
def bridge(demo: Runtime) -> Iterator[TelegramBridge]:
    """The process's bridge, unpaced (pacing has its own tests)."""
    bridge = demo.extras["telegram"] = TelegramBridge(demo, Pacer(overall=0, per_chat=0))
    yield bridge
    close_bridge(demo)


def deliver(bridge: TelegramBridge, data: dict[str, Any]) -> None:
    """Hand one update to the bot as polling or the webhook would."""
    bridge.run(bridge.process(bridge.parse(data)))


def press(
    data: str,
    *,
    update_id: int,
    query_id: str,
    message_id: int,
    text: str,
    user: int = RAVI,
    lang: str = "en",
) -> dict[str, Any]:
    """A callback-query update: `user` pressed the button `data` on a message the bot sent."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": query_id,
            "from": {"id": user, "is_bot": False, "first_name": "Ravi", "language_code": lang},
            "chat_instance": "-1",
            "data": data,
            "message": {
                "message_id": message_id,
                "from": {"id": 123, "is_bot": True, "first_name": "OrderBot Test"},
                "chat": {"id": user, "type": "private"},
                "date": 1795545700,
                "text": text,
            },
        },
    }
