"""Payment proofs over Telegram, through the real python-telegram-bot and the Bot API
stand-in: a photo fetched with getFile becomes a pending proof and the vendor's
prompt; files that are not receipts are refused with nothing kept; the prompt of a
PDF receipt goes to a staff member's Telegram chat with sendDocument."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from standins.telegram import FakeBotAPI
from support import FIXTURES, ChatDriver
from support.proofs import kept_files, prompts, proofs
from support.telegram import RAVI, deliver, update

from bot.channels.telegram.bridge import TelegramBridge
from bot.runtime import Runtime
from bot.worker import run_once
from handlers.types import Media
from store import media as media_store
from store.db import unit_of_work
from store.models import MediaFile, Staff
from store.queries import chat_for

IMAGES = FIXTURES / "images"
ASHA = "+919800000001"
ASHA_ON_TELEGRAM = 888000111
PHOTO_ID = "AgACAgUAAxkBAAIBlarge"  # the largest size in the photo fixture



def opened(bridge: TelegramBridge) -> None:
    """Ravi looks AK-1001 up on Telegram (in English)."""
    deliver(bridge, update("text", from__language_code="en"))


def photo(bridge: TelegramBridge, api: FakeBotAPI, name: str, caption: str = "paid 250") -> str:
    """Ravi sends `name` as a photo; the bot's answers to it."""
    before = len(api.sent_messages(RAVI))
    api.add_file(PHOTO_ID, (IMAGES / name).read_bytes(), "photos/file_9.jpg")
    deliver(bridge, update("photo", message__caption=caption, from__language_code="en"))
    return "\n".join(c.params.get("text", "") for c in api.sent_messages(RAVI)[before:])


def test_a_photo_on_telegram_becomes_a_pending_proof_and_a_prompt(
    bridge: TelegramBridge, api: FakeBotAPI, demo: Runtime
) -> None:
    opened(bridge)
    answer = photo(bridge, api, "upi-payment-250.png")
    assert "Received your payment screenshot for AK-1001 (₹250.00)" in answer
    [getfile] = api.calls_of("getFile")
    assert getfile.params["file_id"] == PHOTO_ID
    [proof] = proofs(demo)
    assert (proof.number, proof.claimed_minor, proof.status) == (1, 25000, "pending")
    with unit_of_work(demo.sessions) as s:
        media = s.get(MediaFile, proof.media_id)
        assert kept_files(demo) == [media_store.path_of(demo.config.media_path, media)]
    [prompt] = prompts(demo)
    assert prompt.address == ASHA and prompt.payload["proof_id"] == proof.id


@pytest.mark.parametrize(
    "name, says",
    [("truncated.jpg", "damaged or incomplete"),
     ("not-an-image.png", "photo (JPEG, PNG or WebP) or a PDF")],
)
def test_a_photo_that_is_not_a_receipt_is_refused_and_nothing_kept(
    bridge: TelegramBridge, api: FakeBotAPI, demo: Runtime, name: str, says: str
) -> None:
    opened(bridge)
    assert says in photo(bridge, api, name)
    assert proofs(demo) == [] and prompts(demo) == [] and kept_files(demo) == []


def test_a_text_file_sent_as_a_document_is_refused_and_nothing_kept(
    bridge: TelegramBridge, api: FakeBotAPI, demo: Runtime
) -> None:
    opened(bridge)
    api.add_file("BQACAgdoc", (IMAGES / "not-an-image.png").read_bytes(), "documents/file_3.png")
    data = update("photo", from__language_code="en")
    del data["message"]["photo"]
    data["message"]["document"] = {"file_id": "BQACAgdoc", "file_unique_id": "AQADdoc",
                                   "file_name": "receipt.png", "mime_type": "image/png"}
    deliver(bridge, data)
    assert "photo (JPEG, PNG or WebP) or a PDF" in api.sent_messages(RAVI)[-1].params["text"]
    assert proofs(demo) == [] and kept_files(demo) == []


# ── the prompt on a staff member's Telegram ──────────────────────────────────


def _asha_on_telegram(runtime: Runtime) -> None:
    with unit_of_work(runtime.sessions) as s:
        chat = chat_for(s, "telegram", str(ASHA_ON_TELEGRAM), runtime.clock())
        chat.staff_id = s.scalars(select(Staff.id).where(Staff.phone == ASHA)).first()
        chat.locale = "en"


def _prompt_sent(runtime: Runtime, api: FakeBotAPI, name: str, caption: str) -> Any:
    _asha_on_telegram(runtime)
    ChatDriver(runtime).text("AK-1001")
    ChatDriver(runtime).say(caption, media=(_media(name),))
    run_once(runtime, channels=["telegram"])
    [sent] = api.sent_messages(ASHA_ON_TELEGRAM)
    return sent


def _media(name: str) -> Media:
    return Media(data=(IMAGES / name).read_bytes(), filename=name)


def _buttons(call: Any) -> list[str]:
    markup = call.params["reply_markup"]["inline_keyboard"]
    return [b["callback_data"] for row in markup for b in row]


def test_a_pdf_proof_s_prompt_is_a_document(
    bridge: TelegramBridge, api: FakeBotAPI, demo: Runtime
) -> None:
    sent = _prompt_sent(demo, api, "bank-receipt-250.pdf", "250/-")
    assert sent.method == "sendDocument" and api.calls_of("sendPhoto") == []
    assert sent.files["document"] == (IMAGES / "bank-receipt-250.pdf").read_bytes()
    assert "Payment proof 1 · AK-1001" in sent.params["caption"]
    assert _buttons(sent) == ["approve:1", "reject:1"]


def test_a_photo_proof_s_prompt_is_a_photo(
    bridge: TelegramBridge, api: FakeBotAPI, demo: Runtime
) -> None:
    sent = _prompt_sent(demo, api, "upi-payment-250.png", "paid 250")
    assert sent.method == "sendPhoto" and sent.files["photo"].startswith(b"\x89PNG")
    assert _buttons(sent) == ["approve:1", "reject:1"]
