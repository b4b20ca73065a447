"""Proofs read off the request path on WhatsApp: the webhook answers the customer
without reading (the reader is not even called), and the staff prompt goes out through
the real twilio client once the worker's reader has read the screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from standins import FakeTwilioAPI
from support import FIXTURES
from support.proofs import prompts
from support.whatsapp import VENDOR, make_runtime, user_for

from bot import proof_reader
from bot.config import Config
from bot.runtime import Runtime
from bot.worker import run_once
from store import ocr_engine

from .test_whatsapp_media import with_media


@pytest.fixture
def reading(wa_config: Config, clock: Any, waits: list[float]) -> Iterator[Runtime]:
    raw = {"ORDERBOT_PROOF_READING": "on"}
    runtime = make_runtime(wa_config.with_env(raw), clock, waits)
    yield runtime
    runtime.close()


def test_the_webhook_answers_before_any_reading(
    reading: Runtime, twilio_api: FakeTwilioAPI, monkeypatch
) -> None:
    if ocr_engine.engine() is None:
        pytest.skip(f"OCR engine not available here: {ocr_engine.unavailable_reason()}")
    real = ocr_engine.read_file

    def not_in_a_webhook(*args: object) -> None:
        raise AssertionError("read inside the webhook")

    monkeypatch.setattr(ocr_engine, "read_file", not_in_a_webhook)
    user_for(reading, VENDOR, profile="Asha").text("hi")  # Asha's window is open
    ravi = user_for(reading)
    ravi.text("AK-1001")
    url = twilio_api.add_media((FIXTURES / "images" / "upi-payment-250.png").read_bytes(),
                               "image/png")
    answer = with_media(ravi, (url, "image/png"), body="paid 250")
    assert "Received your payment screenshot for AK-1001 (₹250.00)" in answer
    assert prompts(reading) == []

    monkeypatch.setattr(ocr_engine, "read_file", real)
    assert proof_reader.read_all(reading) == 1
    run_once(reading, channels=["whatsapp"])
    texts = [call.params.get("Body", "") for call in twilio_api.messages(VENDOR)]
    assert any("🔎 Read: ₹250.00 to ashaskitchen@okaxis, UTR 4321 5678 9012" in t
               for t in texts), texts
