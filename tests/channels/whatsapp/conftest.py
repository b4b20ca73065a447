"""WhatsApp fixtures: the Twilio stand-in, a runtime configured for it (credentials,
sender, templates), and WhatsApp users (`support.whatsapp`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from standins import FakeTwilioAPI
from support.whatsapp import VENDOR, WhatsAppUser, make_runtime, user_for, whatsapp_settings

from bot.config import Config
from bot.runtime import Runtime


@pytest.fixture
def twilio_api() -> Iterator[FakeTwilioAPI]:
    with FakeTwilioAPI() as api:
        yield api


@pytest.fixture
def wa_config(config: Config, twilio_api: FakeTwilioAPI) -> Config:
    return config.with_(**whatsapp_settings(twilio_api))


@pytest.fixture
def waits() -> list[float]:
    """The pauses the media fetcher asked for (none really happen)."""
    return []


@pytest.fixture
def wa(wa_config: Config, clock: Any, waits: list[float]) -> Iterator[Runtime]:
    """The demo data and a runtime that talks to the Twilio stand-in."""
    runtime = make_runtime(wa_config, clock, waits)
    yield runtime
    runtime.close()


@pytest.fixture
def ravi(wa: Runtime) -> WhatsAppUser:
    return user_for(wa)


@pytest.fixture
def asha(wa: Runtime) -> WhatsAppUser:
    return user_for(wa, VENDOR, profile="Asha")
