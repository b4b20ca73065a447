"""Running alongside the app: long polling as `orderbot serve` starts it, flood waits on
replies, and `orderbot telegram set-webhook`."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from standins.telegram import FakeBotAPI
from support.telegram import RAVI, SECRET, deliver, update

from bot import background
from bot.channels.telegram.bridge import TelegramBridge, close_bridge
from bot.channels.telegram.outbound import Pacer
from bot.cli import main
from bot.runtime import Runtime
from handlers import i18n


@pytest.fixture
def polling(demo: Runtime, api: FakeBotAPI) -> Iterator[Runtime]:
    """`orderbot serve`'s background threads, in polling mode, until the test ends."""
    demo.config = demo.config.with_(telegram_mode="polling", telegram_webhook_secret=None)
    demo.services.telegram = TelegramBridge(demo, Pacer(overall=0, per_chat=0))
    stop = threading.Event()
    threads = background.start(demo, stop)
    yield demo
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
        assert not thread.is_alive(), thread.name
    close_bridge(demo)


def test_polling_answers_an_order_number_once(polling: Runtime, api: FakeBotAPI) -> None:
    api.push_update(update("text", from__language_code="en"))
    api.wait_for_calls("sendPhoto", 1)  # the view's QR comes after the view
    view = api.sent_messages(RAVI)[0]
    assert "Order AK-1001" in view.params["text"]
    assert view.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Refresh"
    # Delivered again (as after a crash before the offset was confirmed): not answered again.
    api.push_update(update("text", from__language_code="en"))
    api.push_update(update("start", update_id=900100, from__language_code="en"))
    api.wait_for(lambda: len(api.sent_messages(RAVI)) >= 3)
    texts = [c.params.get("text") for c in api.sent_messages(RAVI)]
    assert sum("Order AK-1001" in (t or "") for t in texts) == 1
    commands = api.calls_of("setMyCommands")
    assert {c.params.get("language_code") for c in commands} == {None, "hi"}


def test_a_reply_waits_out_a_short_flood_wait(bridge: TelegramBridge, api: FakeBotAPI) -> None:
    api.fail_next("sendMessage", 429, retry_after=1)
    deliver(bridge, update("start", from__language_code="en"))
    first, second = api.calls_of("sendMessage")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.0
    assert len(api.sent_messages(RAVI)) == 1


def test_set_webhook_registers_the_url_the_secret_and_the_commands(
    api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    env = {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "PUBLIC_BASE_URL": "https://orders.example.test",
        "ORDERBOT_INSTANCE_DIR": str(tmp_path),
    }
    result = CliRunner().invoke(main, ["telegram", "set-webhook"], env=env)
    assert result.exit_code == 0, result.output
    (hook,) = api.calls_of("setWebhook")
    assert hook.params["url"] == "https://orders.example.test/webhooks/telegram"
    assert hook.params["secret_token"] == SECRET
    menus = {
        c.params.get("language_code"): c.params["commands"] for c in api.calls_of("setMyCommands")
    }
    assert [c["command"] for c in menus[None]] == ["start", "track", "myorders", "language", "help"]
    assert menus["hi"][1]["description"] == i18n.t("telegram.command.track", "hi")


def test_set_webhook_explains_what_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    env = {
        "TELEGRAM_BOT_TOKEN": "1:x",
        "TELEGRAM_WEBHOOK_SECRET": None,
        "ORDERBOT_INSTANCE_DIR": str(tmp_path),
    }
    result = CliRunner().invoke(main, ["telegram", "set-webhook"], env=env)
    assert result.exit_code != 0 and "TELEGRAM_WEBHOOK_SECRET" in result.output
