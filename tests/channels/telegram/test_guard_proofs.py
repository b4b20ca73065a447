"""A stranger's screenshot over Telegram (issue 15, point 4), through the real
python-telegram-bot: the staff's view of the proof names the sender and @username."""

from __future__ import annotations

from standins.telegram import FakeBotAPI
from support import FIXTURES, ChatDriver, joined
from support.telegram import RAVI, deliver, update

from bot.channels.telegram.bridge import TelegramBridge

from .test_telegram_proofs import ASHA, PHOTO_ID, opened


def test_a_telegram_strangers_proof_names_them_to_staff(
    bridge: TelegramBridge, api: FakeBotAPI, demo
) -> None:
    opened(bridge)  # AK-1001, typed: this Telegram user proved no phone
    api.add_file(PHOTO_ID, (FIXTURES / "images" / "upi-payment-250.png").read_bytes(),
                 "photos/file_9.jpg")
    deliver(bridge, update("photo", message__caption="paid 250", from__language_code="en",
                           from__last_name="Kumar", from__username="ravi_k"))
    assert "Received" in api.sent_messages(RAVI)[-1].params["text"]
    view = joined(ChatDriver(demo, address=ASHA, phone=ASHA).say("proof 1"))
    assert "Sent by Telegram user Ravi Kumar (@ravi_k), not proven" in view
