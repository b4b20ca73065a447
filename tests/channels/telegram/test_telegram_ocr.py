"""Proofs read off the request path on Telegram: the update is answered without
reading; the staff prompt, with what was read, goes out once the reader is done."""

from __future__ import annotations

import dataclasses

import pytest
from standins.telegram import FakeBotAPI
from support.proofs import prompts

from bot import proof_reader
from bot.channels.telegram.bridge import TelegramBridge
from bot.runtime import Runtime
from bot.worker import run_once
from store import ocr_engine

from .test_telegram_proofs import ASHA_ON_TELEGRAM, _asha_on_telegram, opened, photo


def test_the_update_is_answered_before_any_reading(
    bridge: TelegramBridge, api: FakeBotAPI, demo: Runtime, monkeypatch
) -> None:
    if ocr_engine.engine() is None:
        pytest.skip(f"OCR engine not available here: {ocr_engine.unavailable_reason()}")
    monkeypatch.setattr(demo, "settings", dataclasses.replace(demo.settings, read_proofs=True))
    real = ocr_engine.read_file

    def not_in_the_update(*args: object) -> None:
        raise AssertionError("read while answering the update")

    monkeypatch.setattr(ocr_engine, "read_file", not_in_the_update)
    _asha_on_telegram(demo)
    opened(bridge)
    assert "Received your payment screenshot for AK-1001 (₹250.00)" in photo(
        bridge, api, "upi-payment-250.png")
    assert prompts(demo) == []

    monkeypatch.setattr(ocr_engine, "read_file", real)
    assert proof_reader.read_all(demo) == 1
    run_once(demo, channels=["telegram"])
    sent = " ".join(str(c.params.get("caption") or c.params.get("text") or "")
                    for c in api.sent_messages(ASHA_ON_TELEGRAM))
    assert "🔎 Read: ₹250.00 to ashaskitchen@okaxis, UTR 4321 5678 9012" in sent
