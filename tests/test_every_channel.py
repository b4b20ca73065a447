"""The same dialogs on every channel: the console, the web chat, WhatsApp (signed
webhooks through twilio's validator) and Telegram (updates through python-telegram-bot
against the Bot API stand-in). An order looked up in English and in Hindi, the phone
proven by a one-time code, and a payment screenshot approved by staff with the
customer told. The console's whole answers are pinned word for word: a changed
sentence shows here first."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from standins import FakeBotAPI, FakeTwilioAPI
from support import FIXTURES
from support.channels import (
    Pacer,
    TelegramBridge,
    TwilioMediaFetcher,
    build_runtime,
    close_bridge,
    seed,
    unit_of_work,
)
from support.database import empty_database
from support.person import CHANNELS, Person, World
from support.phone import CapturedCodes
from support.telegram import telegram_settings
from support.whatsapp import whatsapp_settings

RAVI = "+919811111111"  # AK-1001, AK-1002 (demo data)
PRIYA = "+919822222222"  # AK-1003
NOBODY = "+919899999999"  # no orders
ASHA = "+919800000001"  # staff of Asha's Kitchen
RECEIPT = FIXTURES / "images" / "upi-payment-250.png"

every_channel = pytest.mark.parametrize("channel", CHANNELS)


@pytest.fixture
def world(config, clock) -> Iterator[World]:
    """One runtime for the four channels, the demo data, and the stand-ins."""
    with FakeTwilioAPI() as twilio, FakeBotAPI() as telegram:
        runtime = build_runtime(
            config.with_(
                webchat=True,
                env="development",
                **whatsapp_settings(twilio),
                **telegram_settings(telegram),
            ),
            clock=clock,
        )
        empty_database(runtime)
        with unit_of_work(runtime.sessions) as session:
            seed(session, runtime.clock())
        runtime.services.media_fetcher = TwilioMediaFetcher.from_config(
            runtime.config, wait=lambda _: None)
        runtime.code_sender = CapturedCodes()
        bridge = runtime.services.telegram = TelegramBridge(runtime, Pacer(overall=0, per_chat=0))
        try:
            yield World(runtime, twilio, telegram, bridge)
        finally:
            close_bridge(runtime)
            runtime.close()


def person(channel: str, world: World, phone: str | None, lang: str | None = None) -> Person:
    """Someone on `channel`; Telegram proves no phone, the others prove `phone`."""
    return Person.on(channel, world, None if channel == "telegram" else phone, lang)


# ── an order looked up ───────────────────────────────────────────────────────


@every_channel
def test_an_order_looked_up_in_english(channel, world) -> None:
    answer = person(channel, world, RAVI).text("AK-1001")
    assert "Order AK-1001 · Asha's Kitchen" in answer and "For Ravi" in answer


@every_channel
def test_an_order_looked_up_in_hindi(channel, world) -> None:
    ravi = person(channel, world, RAVI)
    ravi.say("language")
    ravi.tap("lang:hi")
    answer = ravi.text("AK-1001")
    assert "ऑर्डर AK-1001" in answer


# ── the phone proven by a code ───────────────────────────────────────────────


@every_channel
def test_my_orders_by_a_phone_proven_with_a_code(channel, world) -> None:
    someone = person(channel, world, NOBODY)
    codes = world.runtime.code_sender
    someone.say("my orders")
    assert "6-digit code" in someone.text("+91 98111 11111")
    [(phone, code, _)] = codes.sent
    assert phone == RAVI
    answer = someone.text(code)
    assert "AK-1001" in answer and "AK-1002" in answer


# ── a payment screenshot approved ────────────────────────────────────────────


@every_channel
def test_a_screenshot_approved_and_the_customer_told(channel, world) -> None:
    priya = person(channel, world, PRIYA)
    answer = "\n".join(priya.send_photo(RECEIPT, "AK-1003 250"))
    assert "Received your payment screenshot for AK-1003" in answer
    staff = person("console", world, ASHA)
    assert "Proof 1 approved: ₹250.00 recorded for AK-1003" in staff.text("approve 1")
    news = "\n".join(priya.news())
    assert "approved your payment of ₹250.00 for AK-1003" in news


# ── the console's whole answers, word for word ───────────────────────────────


def transcript(name: str) -> str:
    """A whole answer as the console shows it (`tests/fixtures/transcripts/`). The
    times hold Babel's narrow no-break space (U+202F) before "am"/"pm"."""
    return (FIXTURES / "transcripts" / name).read_text(encoding="utf-8").removesuffix("\n")


@pytest.mark.parametrize(
    "phone, lang, messages, name",
    [
        (RAVI, None, ["help"], "help.en.txt"),
        (RAVI, None, ["AK-1001"], "order-AK-1001.en.txt"),
        (RAVI, "hi", ["AK-1001"], "order-AK-1001.hi.txt"),
        (NOBODY, None, ["my orders"], "no-orders-for-this-phone.en.txt"),
        (NOBODY, None, ["my orders", "+91 98111 11111"], "code-sent.en.txt"),
    ],
)
def test_the_console_answers_word_for_word(world, phone, lang, messages, name) -> None:
    someone = person("console", world, phone, lang)
    answers = [someone.text(message) for message in messages]
    assert answers[-1] == transcript(name)
