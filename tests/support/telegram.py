"""Telegram helpers: fixture updates (`tests/fixtures/telegram/`), a button press, and
handing an update to the real python-telegram-bot as polling or the webhook would."""

from __future__ import annotations

import copy
import json
from typing import Any

from support.channels import TelegramBridge
from support.database import FIXTURES

SECRET = "webhook-secret_1"
RAVI = 777000111  # the customer of the fixtures (language_code "hi")


def telegram_settings(api: Any) -> dict[str, str]:
    """Config fields that point the bot at the Bot API stand-in `api` (webhook mode)."""
    return {
        "telegram_bot_token": api.token,
        "telegram_api_base_url": api.base_url,
        "telegram_file_base_url": api.file_base_url,
        "telegram_mode": "webhook",
        "telegram_webhook_secret": SECRET,
    }


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
