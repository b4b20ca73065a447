"""Talking to the bot on Telegram, through the real python-telegram-bot and the stand-in."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from standins.telegram import FakeBotAPI
from support.telegram import RAVI, deliver, press, update

import bot.runtime
from bot.channels.telegram.bridge import TelegramBridge
from bot.channels.telegram.inbound import VIEW_MARK
from bot.channels.telegram.outbound import Part
from handlers import i18n
from store.db import unit_of_work
from store.models import Staff
from store.queries import chat_for


def keyboard(call) -> list[tuple[str, str]]:  # noqa: ANN001 - a stand-in Call
    markup = call.params.get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


def test_an_order_number_gets_the_order_view_with_inline_buttons_in_english(
    bridge: TelegramBridge, api: FakeBotAPI
) -> None:
    deliver(bridge, update("text", chat__id=5001, from__id=5001, from__language_code="en"))
    view, qr = api.sent_messages(5001)
    assert view.method == "sendMessage"
    assert "Order AK-1001 · Asha's Kitchen" in view.params["text"]
    assert "Due: ₹250.00" in view.params["text"]
    mark = f"{VIEW_MARK}order:AK-1001"
    assert keyboard(view) == [
        ("Refresh", f"refresh:AK-1001{mark}"),
        ("Notify me", f"notify:AK-1001{mark}"),
        ("How to pay", f"pay:AK-1001{mark}"),
        ("Help", f"help{mark}"),
    ]
    assert all(len(data.encode()) < 64 for _, data in keyboard(view))
    assert qr.method == "sendPhoto" and qr.files["photo"].startswith(b"\x89PNG")
    assert "ashaskitchen@okaxis" in qr.params["caption"]


def test_a_qr_sent_before_goes_again_by_its_file_id_not_uploaded_twice(
    bridge: TelegramBridge, api: FakeBotAPI
) -> None:
    for chat in (5001, 5002):  # two customers look up the same order at the same amount
        deliver(bridge, update("text", update_id=chat, chat__id=chat, from__id=chat))
    first, second = api.calls_of("sendPhoto", ok=True)
    assert first.files["photo"].startswith(b"\x89PNG")
    assert second.files == {} and second.params["photo"] == "photo-1"  # the stand-in's id
    assert str(second.params["chat_id"]) == "5002" and "ashaskitchen@okaxis" in (
        second.params["caption"]
    )


def test_a_file_id_telegram_refuses_falls_back_to_uploading_the_qr(
    bridge: TelegramBridge, api: FakeBotAPI
) -> None:
    deliver(bridge, update("text", update_id=1, chat__id=5001, from__id=5001))
    api.fail_next("sendPhoto", 400, body={
        "ok": False, "error_code": 400,
        "description": "Bad Request: wrong file identifier/HTTP URL specified",
    })
    deliver(bridge, update("text", update_id=2, chat__id=5002, from__id=5002))
    refused, uploaded = api.calls_of("sendPhoto")[1:]
    assert not refused.ok and refused.files == {}
    assert uploaded.ok and uploaded.files["photo"].startswith(b"\x89PNG")
    assert [str(c.params["chat_id"]) for c in api.sent_messages(5002)] == ["5002", "5002"]
    deliver(bridge, update("text", update_id=3, chat__id=5003, from__id=5003))
    again = api.calls_of("sendPhoto")[-1]  # the new upload's id is the one kept
    assert again.ok and again.files == {} and again.params["photo"] != "photo-1"


def test_hindi_from_the_users_language_code(bridge: TelegramBridge, api: FakeBotAPI) -> None:
    deliver(bridge, update("text"))  # language_code "hi"
    view = api.sent_messages(RAVI)[0]
    assert i18n.t("button.refresh", "hi") in [label for label, _ in keyboard(view)]
    assert (
        i18n.t("order.header", "hi", number="AK-1001", business="Asha's Kitchen")
        in (view.params["text"])
    )


def test_start_with_a_deep_link_opens_that_order(bridge: TelegramBridge, api: FakeBotAPI) -> None:
    deliver(bridge, update("start", message__text="/start AK-1001", from__language_code="en"))
    assert "Order AK-1001" in api.sent_messages(RAVI)[0].params["text"]


def test_start_alone_greets_and_track_takes_a_number(
    bridge: TelegramBridge, api: FakeBotAPI
) -> None:
    deliver(bridge, update("start", from__language_code="en"))
    greeting = api.sent_messages(RAVI)[-1]
    assert "Send your order number or booking number" in greeting.params["text"]
    deliver(bridge, update("start", update_id=1, message__text="/track ak 1002"))
    assert "AK-1002" in api.sent_messages(RAVI)[-1].params["text"]


def test_my_orders_offers_to_share_the_phone(bridge: TelegramBridge, api: FakeBotAPI) -> None:
    deliver(bridge, update("start", message__text="/myorders", from__language_code="en"))
    asked = api.sent_messages(RAVI)[-1]
    buttons = asked.params["reply_markup"]["keyboard"]
    assert buttons[0][0]["request_contact"] is True


def test_language_command_offers_the_languages(bridge: TelegramBridge, api: FakeBotAPI) -> None:
    deliver(bridge, update("start", message__text="/language", from__language_code="en"))
    menu = api.sent_messages(RAVI)[-1]
    assert [data for _, data in keyboard(menu)] == ["lang:en", "lang:hi"]
    deliver(bridge, press("lang:hi", update_id=920001, query_id="q-hi", message_id=1, text="?"))
    assert i18n.t("language.set", "hi") in api.sent_messages(RAVI)[-2].params["text"]
    deliver(bridge, update("text", update_id=920002, from__language_code="en"))
    assert i18n.t("button.refresh", "hi") in str(api.sent_messages(RAVI)[-2].params)


def test_refresh_edits_the_view_in_place_and_each_press_is_answered_once(
    bridge: TelegramBridge, api: FakeBotAPI
) -> None:
    deliver(bridge, update("text", from__language_code="en"))
    view = api.sent_messages(RAVI)[0]  # the stand-in's first message: message_id 1
    refresh = keyboard(view)[0][1]
    first = press(
        refresh, update_id=910001, query_id="press-1", message_id=1, text=view.params["text"]
    )
    deliver(bridge, first)
    deliver(bridge, first)  # the same update delivered again: nothing more happens
    deliver(
        bridge,
        {
            **first,
            "update_id": 910002,
            "callback_query": {**first["callback_query"], "id": "press-2"},
        },
    )

    answers = [c.params["callback_query_id"] for c in api.calls_of("answerCallbackQuery")]
    assert answers == ["press-1", "press-2"]
    edits = api.calls_of("editMessageText")
    assert [(e.params["message_id"], e.params["chat_id"]) for e in edits] == [(1, RAVI)] * 2
    assert "Order AK-1001" in edits[0].params["text"] and keyboard(edits[0]) == keyboard(view)
    assert len(api.sent_messages(RAVI)) == 2  # still just the view and its QR: nothing stacked


def test_buttons_not_on_a_view_answer_with_a_new_message(
    bridge: TelegramBridge, api: FakeBotAPI
) -> None:
    deliver(bridge, update("text", from__language_code="en"))
    view = api.sent_messages(RAVI)[0]
    notify = keyboard(view)[1][1]
    deliver(
        bridge,
        press(
            notify, update_id=910003, query_id="q-notify", message_id=1, text=view.params["text"]
        ),
    )
    assert not api.calls_of("editMessageText")
    assert "AK-1001" in api.sent_messages(RAVI)[-1].params["text"]
    assert keyboard(api.sent_messages(RAVI)[-1]) == [("Stop updates", "stop:AK-1001")]


def test_a_button_that_no_longer_applies_gets_a_polite_answer(
    bridge: TelegramBridge, api: FakeBotAPI
) -> None:
    deliver(bridge, update("callback-approve", from__language_code="en"))
    assert [c.params["callback_query_id"] for c in api.calls_of("answerCallbackQuery")] == [
        "4382bfdwdsb323b2d9"
    ]
    assert api.sent_messages(888000111)  # an answer in the chat, not silence


def test_database_work_does_not_stall_the_bots_loop(
    bridge: TelegramBridge, api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()
    real = bot.runtime.handle

    def slow(inbound, ctx):  # noqa: ANN001
        if inbound.address == str(RAVI):
            entered.set()
            assert release.wait(10)
        return real(inbound, ctx)

    monkeypatch.setattr(bot.runtime, "handle", slow)
    first = threading.Thread(target=deliver, args=(bridge, update("text")))
    first.start()
    try:
        assert entered.wait(10)
        # While Ravi's answer waits on the database, the bot's loop still sends.
        bridge.run(bridge.outbound.send(5002, Part("a notice")), timeout=5)
        assert api.sent_messages(5002) and not api.sent_messages(RAVI)
    finally:
        release.set()
        first.join(10)
    assert api.sent_messages(RAVI)


def test_sharing_ones_own_contact_lists_ones_orders(
    bridge: TelegramBridge, api: FakeBotAPI
) -> None:
    deliver(bridge, update("start", message__text="/myorders", from__language_code="en"))
    deliver(bridge, update("contact", from__language_code="en"))
    listed = api.sent_messages(RAVI)[-1]
    assert "AK-1001" in listed.params["text"] and "AK-1002" in listed.params["text"]
    assert ("AK-1001", "refresh:AK-1001") in keyboard(listed)


def test_someone_elses_contact_is_refused(bridge: TelegramBridge, api: FakeBotAPI) -> None:
    deliver(bridge, update("contact-of-someone-else", from__language_code="en"))
    refused = api.sent_messages(RAVI)[-1].params["text"]
    assert refused == i18n.t("phone.contact_not_own", "en")
    assert "AK-1003" not in refused


def test_a_staff_members_own_contact_links_them_as_the_vendor(
    bridge: TelegramBridge, api: FakeBotAPI
) -> None:
    asha = 888000111
    contact = update(
        "contact", chat__id=asha, from__id=asha, from__first_name="Asha", from__language_code="en"
    )
    contact["message"]["contact"].update(phone_number="919800000001", user_id=asha)
    deliver(bridge, contact)
    assert "Asha" in api.sent_messages(asha)[0].params["text"]
    with unit_of_work(bridge.runtime.sessions) as session:
        staff = session.scalars(select(Staff).where(Staff.phone == "+919800000001")).one()
        chat = chat_for(session, "telegram", str(asha))
        assert (staff.platform_user_id, chat.staff_id) == (asha, staff.id)
