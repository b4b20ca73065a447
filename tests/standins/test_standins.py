"""Self-tests: the real python-telegram-bot, twilio and httpx clients against the stand-ins."""

from __future__ import annotations

import asyncio
import base64
import datetime as dtm
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Update,
)
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, ContextTypes, MessageHandler, filters
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from .server import Call, RateLimit
from .telegram import MAX_POLL_TIMEOUT, FakeBotAPI
from .twilio import FakeTwilioAPI, twilio_client_for

T = TypeVar("T")
TO, FROM = "whatsapp:+15551234567", "whatsapp:+15550000000"


# --- fixtures ----------------------------------------------------------------------------------
@pytest.fixture
def tg(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotAPI]:
    """A running FakeBotAPI; PTB_TIMEDELTA avoids PTB 22's deprecation warning on RetryAfter."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    with FakeBotAPI() as api:
        yield api


def with_bot(api: FakeBotAPI, action: Callable[[Bot], Awaitable[T]], token: str = "123:TEST") -> T:
    """Run action with an initialised real telegram.Bot pointed at the stand-in."""

    async def main() -> T:
        bot = Bot(token, base_url=api.base_url, base_file_url=api.file_base_url)
        async with bot:
            return await action(bot)

    return asyncio.run(main())


@pytest.fixture
def tw() -> Iterator[FakeTwilioAPI]:
    """A running FakeTwilioAPI (and its CDN)."""
    with FakeTwilioAPI() as api:
        yield api


@pytest.fixture
def client(tw: FakeTwilioAPI) -> Client:
    """A real twilio Client pointed at the stand-in."""
    return twilio_client_for(tw)


# --- server / rate limiting --------------------------------------------------------------------
def _call(at: float, chat: int = 1) -> Call:
    """A synthetic call for limiter arithmetic."""
    return Call("sendMessage", "/", {"chat_id": chat}, {}, {}, at)


def test_rate_limit_sliding_window() -> None:
    limit = RateLimit(2, per="chat_id")
    for at in (0.0, 0.1):
        assert limit.wait(_call(at)) is None
        limit.settle(_call(at), accepted=True)
    assert limit.wait(_call(0.2)) == 1
    assert limit.wait(_call(0.2, chat=2)) is None
    assert limit.wait(_call(1.05)) is None
    assert limit.timestamps() == [0.0, 0.1] and limit.rate() == pytest.approx(10.0)


def test_wait_for_calls_times_out(tg: FakeBotAPI) -> None:
    with pytest.raises(TimeoutError):
        tg.wait_for_calls("sendMessage", 1, timeout=0.05)


def test_stop_closes_the_port_and_wakes_long_polls() -> None:
    api = FakeBotAPI().start()
    get_updates = f"{api.base_url}{api.token}/getUpdates"
    with httpx.Client() as http:
        poller = threading.Thread(
            target=http.post, args=(get_updates,), kwargs={"data": {"timeout": 30}}
        )
        poller.start()
        api.wait_for(lambda: api.polling > 0)
        api.stop()
        poller.join(timeout=1)
        assert not poller.is_alive()
        with pytest.raises(httpx.ConnectError):
            http.post(get_updates)


def test_telegram_rate_limit_answers_429(tg: FakeBotAPI) -> None:
    limit = tg.limit_per_second(1, scope="sendMessage", per="chat_id")

    async def action(bot: Bot) -> None:
        await bot.send_message(1, "a")
        await bot.send_message(2, "b")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1, "c")
        assert caught.value.retry_after == dtm.timedelta(seconds=1)

    with_bot(tg, action)
    assert len(limit.timestamps()) == 2 and limit.rejected == 1
    assert [c.status for c in tg.calls_of("sendMessage")] == [200, 200, 429]


# --- Telegram ----------------------------------------------------------------------------------
def test_get_me_and_wrong_token(tg: FakeBotAPI) -> None:
    me = with_bot(tg, lambda bot: bot.get_me())
    assert me.username == "orderbot_test_bot" and me.is_bot
    with pytest.raises(InvalidToken):
        with_bot(tg, lambda bot: bot.get_me(), token="999:WRONG")
    assert tg.calls[-1].status == 401


def test_send_message_with_inline_keyboard(tg: FakeBotAPI) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Pay", callback_data="pay:7")]])

    async def action(bot: Bot) -> tuple[Any, Any]:
        return await bot.send_message(
            42, "Your order", reply_markup=keyboard
        ), await bot.send_message(43, "x")

    first, second = with_bot(tg, action)
    assert first.text == "Your order" and first.chat.id == 42 and first.reply_markup == keyboard
    assert second.message_id == first.message_id + 1
    (call,) = tg.sent_messages(chat_id=42)
    assert call.params == {"chat_id": 42, "text": "Your order", "reply_markup": keyboard.to_dict()}
    assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_validation_errors(tg: FakeBotAPI) -> None:
    async def action(bot: Bot) -> list[str]:
        messages = []
        for send in (
            lambda: bot.send_message(1, "x" * 4097),
            lambda: bot.send_message(
                1,
                "x",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("b", callback_data="d" * 65)]]
                ),
            ),
            lambda: bot.set_my_commands([BotCommand("Order", "Place an order")]),
        ):
            with pytest.raises(BadRequest) as caught:
                await send()
            messages.append(caught.value.message)
        return messages

    assert with_bot(tg, action) == [
        "Message is too long",
        "Button_data_invalid",
        "Bot_command_invalid",
    ]


def test_send_photo_upload_get_file_and_download(tg: FakeBotAPI) -> None:
    jpeg = b"\xff\xd8\xff\xe0fake-jpeg"

    async def action(bot: Bot) -> tuple[Any, bytearray]:
        message = await bot.send_photo(42, jpeg, caption="Menu")
        file = await bot.get_file(message.photo[-1].file_id)
        return message, await file.download_as_bytearray()

    message, data = with_bot(tg, action)
    assert message.caption == "Menu" and message.photo[-1].file_size == len(jpeg)
    assert bytes(data) == jpeg
    (call,) = tg.calls_of("sendPhoto")
    assert call.files == {"photo": jpeg} and call.params == {"chat_id": 42, "caption": "Menu"}
    assert call.headers["Content-Type"].startswith("multipart/form-data")


def test_send_photo_by_file_id_url_and_document(tg: FakeBotAPI) -> None:
    tg.add_file("known", b"abc")

    async def action(bot: Bot) -> list[Any]:
        out = [
            await bot.send_photo(1, "known"),
            await bot.send_photo(1, "https://example.test/p.jpg"),
            await bot.send_document(1, b"%PDF-1.4", filename="order.pdf"),
        ]
        with pytest.raises(BadRequest, match="Wrong file identifier"):
            await bot.send_photo(1, "unknown-id")
        return out

    by_id, by_url, document = with_bot(tg, action)
    assert (
        by_id.photo[-1].file_id == "known"
        and by_url.photo[-1].file_id == "https://example.test/p.jpg"
    )
    assert (
        document.document.file_name == "order.pdf"
        and document.document.mime_type == "application/pdf"
    )
    assert len(tg.sent_messages()) == 3


def test_get_file_size_limit_and_lying_size(tg: FakeBotAPI) -> None:
    tg.add_file("big", b"tiny", file_path="documents/file_9.pdf", file_size=15_000_000)
    tg.add_file("huge", b"tiny", file_size=21 * 1024 * 1024)

    async def action(bot: Bot) -> Any:
        with pytest.raises(BadRequest, match="File is too big"):
            await bot.get_file("huge")
        return await bot.get_file("big")

    file = with_bot(tg, action)
    assert file.file_size == 15_000_000 and file.file_path.endswith(
        "/file/bot123:TEST/documents/file_9.pdf"
    )


def test_edit_message_text_and_markup(tg: FakeBotAPI) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])

    async def action(bot: Bot) -> list[Any]:
        sent = await bot.send_message(5, "Pending", reply_markup=keyboard)
        edited = await bot.edit_message_text(
            "Paid", chat_id=5, message_id=sent.message_id, reply_markup=keyboard
        )
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_text(
                "Paid", chat_id=5, message_id=sent.message_id, reply_markup=keyboard
            )
        cleared = await bot.edit_message_reply_markup(chat_id=5, message_id=sent.message_id)
        return [edited, cleared]

    edited, cleared = with_bot(tg, action)
    assert (
        edited.text == "Paid" and edited.edit_date is not None and edited.reply_markup == keyboard
    )
    assert cleared.text == "Paid" and cleared.reply_markup is None


def test_commands_callback_menu_and_unknown_methods(tg: FakeBotAPI) -> None:
    async def action(bot: Bot) -> list[Any]:
        await bot.set_my_commands([BotCommand("order", "Place an order")])
        commands = await bot.get_my_commands()
        await bot.delete_my_commands()
        return [
            commands,
            await bot.get_my_commands(),
            await bot.answer_callback_query("cq1", text="Done"),
            await bot.set_chat_menu_button(chat_id=5, menu_button=MenuButtonCommands()),
            await bot.get_chat_menu_button(chat_id=5),
            await bot.send_chat_action(5, "typing"),
        ]

    commands, after_delete, answered, menu_set, menu, action_sent = with_bot(tg, action)
    assert commands == (BotCommand("order", "Place an order"),) and after_delete == ()
    assert answered is menu_set is action_sent is True and isinstance(menu, MenuButtonCommands)
    assert tg.calls_of("answerCallbackQuery")[0].params == {
        "callback_query_id": "cq1",
        "text": "Done",
    }
    assert tg.calls_of("sendChatAction")[0].params == {"chat_id": 5, "action": "typing"}


def test_retry_after_network_error_and_bad_request(tg: FakeBotAPI) -> None:
    tg.fail_next("sendMessage", 429, retry_after=3)
    tg.fail_next("sendMessage", 502)
    tg.fail_next(
        "sendMessage",
        400,
        body={"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
    )

    async def action(bot: Bot) -> Any:
        with pytest.raises(RetryAfter) as retry:
            await bot.send_message(1, "a")
        assert retry.value.retry_after == dtm.timedelta(seconds=3)
        with pytest.raises(NetworkError) as gateway:
            await bot.send_message(1, "a")
        assert type(gateway.value) is NetworkError
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(1, "a")
        return await bot.send_message(1, "a")

    assert with_bot(tg, action).text == "a"
    assert [c.status for c in tg.calls_of("sendMessage")] == [429, 502, 400, 200]
    assert tg.calls_of("sendMessage", ok=True) == tg.sent_messages()


def test_get_updates_long_poll_offset_and_webhook(tg: FakeBotAPI) -> None:
    update = {
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 7, "type": "private"},
            "text": "/start",
            "from": {"id": 7, "is_bot": False, "first_name": "Ann"},
        }
    }

    def push_once_polling() -> None:
        tg.wait_for(lambda: tg.polling > 0)
        tg.push_update(update)

    pusher = threading.Thread(target=push_once_polling)
    pusher.start()

    async def action(bot: Bot) -> list[Any]:
        woken = await bot.get_updates(timeout=30)
        acked = await bot.get_updates(offset=woken[-1].update_id + 1, timeout=0)
        info = await bot.get_webhook_info()
        with pytest.raises(BadRequest, match="https url must be provided"):
            await bot.set_webhook("http://127.0.0.1/hook")
        await bot.set_webhook("https://orderbot.example/hook", secret_token="s3cret_token")
        with pytest.raises(Conflict):
            await bot.get_updates()
        return [woken, acked, info]

    woken, acked, info = with_bot(tg, action)
    pusher.join(timeout=5)
    assert [u.message.text for u in woken] == ["/start"] and woken[0].update_id == 1
    assert acked == () and info.pending_update_count == 0 and info.url == ""
    assert tg.calls_of("getUpdates")[0].params == {"timeout": 30}
    assert MAX_POLL_TIMEOUT < 30


def test_application_polling_round_trip(tg: FakeBotAPI) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    async def main() -> list[Call]:
        app = (
            Application.builder()
            .token(tg.token)
            .base_url(tg.base_url)
            .base_file_url(tg.file_base_url)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1)
            tg.push_update(
                {
                    "message": {
                        "message_id": 9,
                        "date": 0,
                        "chat": {"id": 7, "type": "private"},
                        "text": "hi",
                        "from": {"id": 7, "is_bot": False, "first_name": "Ann"},
                    }
                }
            )
            sent = await asyncio.to_thread(
                tg.wait_for_calls, "sendMessage", 1
            )  # never block the loop
            await app.updater.stop()
            await app.stop()
        return sent

    (sent,) = asyncio.run(main())
    assert sent.params == {"chat_id": 7, "text": "echo: hi"}
    assert tg.calls_of("deleteWebhook") and tg.calls_of("getUpdates")[-1].params["offset"] == 2


# --- Twilio ------------------------------------------------------------------------------------
def test_create_message_recorded(tw: FakeTwilioAPI, client: Client) -> None:
    message = client.messages.create(
        to=TO,
        from_=FROM,
        body="Order #7 confirmed",
        media_url=["https://m.example/a.jpg", "https://m.example/b.jpg"],
        status_callback="https://orderbot.example/status",
    )
    template = client.messages.create(
        to=TO,
        messaging_service_sid="MG" + "1" * 32,
        content_sid="HX" + "2" * 32,
        content_variables='{"1": "7"}',
    )
    assert message.sid.startswith("SM") and len(message.sid) == 34 and message.status == "queued"
    assert message.to == TO and message.from_ == FROM and message.num_media == "2"
    assert message.date_created.tzinfo is not None and template.status == "accepted"
    first, second = tw.messages(to=TO)
    assert first.params == {
        "To": TO,
        "From": FROM,
        "Body": "Order #7 confirmed",
        "MediaUrl": ["https://m.example/a.jpg", "https://m.example/b.jpg"],
        "StatusCallback": "https://orderbot.example/status",
    }
    assert (
        second.params["ContentSid"] == "HX" + "2" * 32
        and second.params["ContentVariables"] == '{"1": "7"}'
    )
    assert (
        first.headers["Authorization"]
        == "Basic " + base64.b64encode(f"{tw.account_sid}:{tw.auth_token}".encode()).decode()
    )


def test_keep_alive_serves_requests_on_one_connection() -> None:
    """Kept alive (as the benchmarks run them), a stand-in answers one connection's
    requests one after another, bodies read whole, and the clients see the same answers."""
    from http.client import HTTPConnection
    from urllib.parse import urlsplit

    api = FakeTwilioAPI()
    api.keep_alive = True
    with api:
        client = twilio_client_for(api)
        first = client.messages.create(to=TO, from_=FROM, body="one " * 375)
        second = client.messages.create(to=TO, from_=FROM, body="two")
        assert first.sid != second.sid
        assert [c.params["Body"] for c in api.messages()] == ["one " * 375, "two"]
        url = urlsplit(api.url)
        connection = HTTPConnection(url.hostname, url.port, timeout=5)
        answers, sockets = [], []
        for _ in range(2):
            connection.request("GET", "/nowhere")
            answer = connection.getresponse()
            answers.append((answer.status, answer.will_close, answer.read()))
            sockets.append(connection.sock)
        connection.close()
    assert answers[0] == answers[1] and answers[0][1] is False
    assert sockets[0] is sockets[1] is not None  # the second request went on the first's connection


def test_wrong_token_is_401(tw: FakeTwilioAPI) -> None:
    bad = Client(tw.account_sid, "wrong")
    bad.api.base_url = tw.base_url
    with pytest.raises(TwilioRestException) as caught:
        bad.messages.create(to=TO, from_=FROM, body="x")
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert tw.messages() == []


def test_scripted_failures(tw: FakeTwilioAPI, client: Client) -> None:
    tw.fail_next("messages", 429, retry_after=2)
    tw.fail_next("messages", 503)
    tw.fail_next("messages", 400, code=63016)
    outcomes = []
    for _ in range(3):
        with pytest.raises(TwilioRestException) as caught:
            client.messages.create(to=TO, from_=FROM, body="x")
        last = (
            client.http_client._test_only_last_response
        )  # the only place the Retry-After header survives
        outcomes.append((caught.value.status, caught.value.code, last.headers.get("Retry-After")))
    assert outcomes == [(429, 20429, "2"), (503, 20503, None), (400, 63016, None)]
    assert "outside the allowed window" in caught.value.msg
    with pytest.raises(TwilioRestException) as invalid:
        client.messages.create(to="whatsapp:12345", from_=FROM, body="x")
    assert (invalid.value.status, invalid.value.code) == (400, 21211)
    assert client.messages.create(to=TO, from_=FROM, body="x").status == "queued"


def test_media_requires_auth_and_redirects_to_cdn(tw: FakeTwilioAPI) -> None:
    url = tw.add_media(b"\x89PNG...", content_type="image/png")
    auth = (tw.account_sid, tw.auth_token)
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, auth=(tw.account_sid, "wrong")).status_code == 401
    hop = httpx.get(url, auth=auth)
    assert hop.status_code == 307 and hop.headers["Location"].startswith(tw.cdn.url)

    followed = httpx.get(url, auth=auth, follow_redirects=True)
    header = httpx.get(
        url, headers={"Authorization": httpx.BasicAuth(*auth)._auth_header}, follow_redirects=True
    )
    for response in (followed, header):
        assert response.status_code == 200 and response.content == b"\x89PNG..."
        assert response.headers["Content-Type"] == "image/png"
    assert [c.status for c in tw.cdn.calls_of("download")] == [200, 200]
    assert not any("Authorization" in c.headers for c in tw.cdn.calls)

    leaked = httpx.get(hop.headers["Location"], auth=auth)
    assert leaked.status_code == 400  # like S3 refusing a second auth mechanism on a signed URL


def test_media_not_ready_then_served(tw: FakeTwilioAPI) -> None:
    url = tw.add_media(b"jpeg", not_found_first=2)
    auth = (tw.account_sid, tw.auth_token)
    statuses = [httpx.get(url, auth=auth, follow_redirects=True).status_code for _ in range(3)]
    assert statuses == [404, 404, 200]
    assert [c.status for c in tw.calls_of("media")] == [404, 404, 307]
