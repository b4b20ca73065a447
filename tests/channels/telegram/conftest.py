"""Telegram tests: the real python-telegram-bot pointed at `FakeBotAPI`, updates from
the shared fixtures, the demo data, and a bridge paced only where a test says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from standins.telegram import FakeBotAPI
from support.telegram import telegram_settings

from bot.config import Config
from bot.runtime import Runtime
from bot.channels.telegram.bridge import TelegramBridge, close_bridge
from bot.channels.telegram.outbound import Pacer


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def config(config: Config, api: FakeBotAPI) -> Config:
    return config.with_(**telegram_settings(api))


@pytest.fixture
def bridge(demo: Runtime) -> Iterator[TelegramBridge]:
    """The process's bridge, unpaced (pacing has its own tests)."""
    bridge = demo.services.telegram = TelegramBridge(demo, Pacer(overall=0, per_chat=0))
    yield bridge
    close_bridge(demo)
