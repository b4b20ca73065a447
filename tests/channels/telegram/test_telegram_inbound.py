"""What an update becomes for the core: commands, buttons, contacts, photos and files."""

from __future__ import annotations

import asyncio

import pytest
from standins.telegram import FakeBotAPI
from support.telegram import RAVI, deliver, update
from telegram import Bot, Update

from bot.channels.telegram.bridge import TelegramBridge
from bot.channels.telegram.inbound import MAX_MEDIA_BYTES, VIEW_MARK, command, to_inbound
from handlers.types import Inbound

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start AK-1001", ("AK-1001", None)),
        ("/start", ("help", None)),
        ("/start@orderbot_test_bot AK-1002", ("AK-1002", None)),
        ("/help", ("help", None)),
        ("/track AK-1001", ("AK-1001", None)),
        ("/track", ("track", None)),
        ("/myorders", ("", "myorders")),
        ("/language", ("", "lang")),
        ("/language hi", ("", "lang:hi")),
        ("/unknown thing", ("/unknown thing", None)),
        ("AK-1001", None),
    ],
)
def test_commands(text: str, expected: tuple[str, str | None] | None) -> None:
    assert command(text) == expected


def inbound(api: FakeBotAPI, data: dict) -> Inbound:
    async def convert() -> Inbound:
        async with Bot(api.token, base_url=api.base_url, base_file_url=api.file_base_url) as bot:
            return await to_inbound(Update.de_json(data, bot), bot)

    return asyncio.run(convert())


def test_a_text_message_carries_who_wrote_it(api: FakeBotAPI) -> None:
    got = inbound(api, update("text"))
    assert (got.channel, got.address, got.text) == ("telegram", str(RAVI), "AK-1001")
    assert (got.platform_user_id, got.locale_hint, got.display_name) == (str(RAVI), "hi", "Ravi")


def test_a_pressed_button_is_its_payload_without_the_view_mark(api: FakeBotAPI) -> None:
    data = update("callback-approve")
    data["callback_query"]["data"] = f"refresh:AK-1001{VIEW_MARK}order:AK-1001"
    got = inbound(api, data)
    assert (got.button, got.address, got.text) == ("refresh:AK-1001", "888000111", "")


def test_a_shared_contact_is_an_e164_phone_and_says_whose_it_is(api: FakeBotAPI) -> None:
    own = inbound(api, update("contact"))
    assert (own.shared_phone, own.shared_phone_is_own) == ("+919811111111", True)
    other = inbound(api, update("contact-of-someone-else"))
    assert (other.shared_phone, other.shared_phone_is_own) == ("+919822222222", False)


def test_the_largest_photo_is_downloaded_through_getfile(api: FakeBotAPI) -> None:
    api.add_file("AgACAgUAAxkBAAIBlarge", PNG, "photos/file_9.jpg")
    got = inbound(api, update("photo"))
    assert [c.params["file_id"] for c in api.calls_of("getFile")] == ["AgACAgUAAxkBAAIBlarge"]
    (media,) = got.media
    assert (media.data, media.content_type, media.error) == (PNG, "image/jpeg", None)
    assert got.text == "paid 250"


def test_a_photo_over_10_mb_is_refused_without_downloading(api: FakeBotAPI) -> None:
    data = update("photo")
    data["message"]["photo"][-1]["file_size"] = MAX_MEDIA_BYTES + 1
    (media,) = inbound(api, data).media
    assert media.error == "too_large" and media.data == b""
    assert api.calls_of("getFile") == []


def test_a_file_past_the_bot_download_limit_is_too_large(api: FakeBotAPI) -> None:
    data = update("photo")
    del data["message"]["photo"][-1]["file_size"]  # Telegram does not always say
    api.add_file("AgACAgUAAxkBAAIBlarge", PNG, file_size=25 * 1024 * 1024)
    (media,) = inbound(api, data).media
    assert media.error == "too_large"


def test_a_pdf_document_is_downloaded_and_other_files_are_not(api: FakeBotAPI) -> None:
    api.add_file("doc-1", b"%PDF-1.4 receipt", "documents/receipt.pdf")
    data = update("photo")
    del data["message"]["photo"]
    data["message"]["document"] = {
        "file_id": "doc-1",
        "file_unique_id": "u1",
        "file_name": "receipt.pdf",
        "mime_type": "application/pdf",
        "file_size": 16,
    }
    (pdf,) = inbound(api, data).media
    assert (pdf.data, pdf.content_type, pdf.filename) == (
        b"%PDF-1.4 receipt",
        "application/pdf",
        "receipt.pdf",
    )
    data["message"]["document"].update(mime_type="application/zip", file_name="x.zip")
    (archive,) = inbound(api, data).media
    assert (archive.data, archive.content_type) == (b"", "application/zip")
    assert len(api.calls_of("getFile")) == 1


def test_a_photo_is_handed_to_the_core_and_answered(
    bridge: TelegramBridge, api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Inbound] = []
    import bot.runtime

    real = bot.runtime.handle
    monkeypatch.setattr(bot.runtime, "handle", lambda i, ctx: seen.append(i) or real(i, ctx))
    api.add_file("AgACAgUAAxkBAAIBlarge", PNG, "photos/file_9.jpg")
    deliver(bridge, update("photo"))
    assert seen[0].media[0].data == PNG
    assert api.sent_messages(RAVI)  # the core's answer to the photo
