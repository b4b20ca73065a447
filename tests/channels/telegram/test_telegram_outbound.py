"""What the core's replies become on Telegram, within its message limits."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot.channels.telegram.inbound import VIEW_MARK
from bot.channels.telegram.outbound import parts_of
from handlers.types import Button, Image, Reply

PNG = b"\x89PNG\r\n\x1a\n"


def test_share_my_phone_is_a_reply_keyboard_button() -> None:
    (part,) = parts_of([Reply("Share your phone or type it", request_contact="📱 Share my phone")])
    assert isinstance(part.markup, ReplyKeyboardMarkup)
    (button,) = part.markup.keyboard[0]
    assert (button.text, button.request_contact) == ("📱 Share my phone", True)


def test_share_my_phone_beside_inline_buttons_goes_in_its_own_message() -> None:
    text, share = parts_of(
        [Reply("Pick one", buttons=(Button("Help", "help"),), request_contact="Share")]
    )
    assert isinstance(text.markup, InlineKeyboardMarkup)
    assert isinstance(share.markup, ReplyKeyboardMarkup) and share.text == "Share"


def test_a_long_text_is_cut_at_line_ends_with_the_buttons_on_the_last_piece() -> None:
    text = "\n".join(f"line {n:04d} " + "x" * 40 for n in range(200))
    parts = parts_of([Reply(text, buttons=(Button("Refresh", "refresh:AK-1"),), refresh_of="v")])
    assert len(parts) == 3 and all(len(p.text) <= 4096 for p in parts)
    assert "\n".join(p.text for p in parts) == text
    assert [p.markup is not None for p in parts] == [False, False, True]
    assert all(p.view is None for p in parts)  # too long to replace in place


def test_an_image_goes_as_a_photo_with_its_caption_and_buttons() -> None:
    image = Image(alt="QR", render=lambda: PNG)
    (photo,) = parts_of([Reply("Pay ₹250", image=image, buttons=(Button("Help", "help"),))])
    assert (photo.photo, photo.text) == (PNG, "Pay ₹250")
    assert photo.markup.inline_keyboard[0][0].callback_data == "help"
    photo, text = parts_of([Reply("y" * 1500, image=image)])
    assert (photo.photo, photo.text, text.text) == (PNG, "", "y" * 1500)


def test_callback_data_stays_within_64_bytes() -> None:
    long_view = "order:" + "A" * 60
    (part,) = parts_of(
        [
            Reply(
                "v",
                buttons=(Button("R", "refresh:AK-1001"), Button("X", "x" * 70)),
                refresh_of=long_view,
            )
        ]
    )
    datas = [b.callback_data for row in part.markup.inline_keyboard for b in row]
    assert datas == ["refresh:AK-1001"]  # unmarked when the mark does not fit; too long: left out
    (part,) = parts_of(
        [Reply("v", buttons=(Button("R", "refresh:AK-1001"),), refresh_of="order:AK-1001")]
    )
    assert (
        part.markup.inline_keyboard[0][0].callback_data
        == f"refresh:AK-1001{VIEW_MARK}order:AK-1001"
    )
