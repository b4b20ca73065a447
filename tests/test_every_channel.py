"""The same dialogs on every channel: the console, the web chat, WhatsApp (signed
webhooks through twilio's validator) and Telegram (updates through python-telegram-bot
against the Bot API stand-in). An order looked up in English and in Hindi, the phone
proven by a one-time code, and a payment screenshot approved by staff with the
customer told; a booking looked up, moved or cancelled at the customer's asking (their
words for the time) and paid for by screenshot; the salon's staff on each channel
listing tomorrow's bookings, accepting a move, marking a booking checked in and paid, in
English and Hindi, and (where staff hear of things) deciding a request by its button.
The console's whole answers are pinned word for word: a changed sentence shows here
first."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
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

from store import bookings
from store.models import BookingRequest
from store.orders import Actor
from store.queries import business_by_code

RAVI = "+919811111111"  # AK-1001, AK-1002 (demo data)
PRIYA = "+919822222222"  # AK-1003
NOBODY = "+919899999999"  # no orders
ASHA = "+919800000001"  # staff of Asha's Kitchen
NEHA = "+919800000002"  # staff of Glow Salon (GS-B501 is Ravi's, GS-B502 Priya's)
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


def in_hindi(someone: Person) -> Person:
    """`someone` after choosing Hindi (WhatsApp tells no language of its own)."""
    someone.say("language")
    someone.tap("lang:hi")
    return someone


@every_channel
def test_an_order_looked_up_in_hindi(channel, world) -> None:
    answer = in_hindi(person(channel, world, RAVI)).text("AK-1001")
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
@pytest.mark.parametrize(
    "phone, number, staff_phone", [(PRIYA, "AK-1003", ASHA), (RAVI, "GS-B501", NEHA)],
    ids=["order", "booking"],
)
def test_a_screenshot_approved_and_the_customer_told(channel, world, phone, number,
                                                     staff_phone) -> None:
    customer = person(channel, world, phone)
    answer = "\n".join(customer.send_photo(RECEIPT, f"{number} 250"))
    assert f"Received your payment screenshot for {number}" in answer
    staff = person("console", world, staff_phone)
    assert f"Proof 1 approved: ₹250.00 recorded for {number}" in staff.text("approve 1")
    news = "\n".join(customer.news())
    assert f"approved your payment of ₹250.00 for {number}" in news


# ── a booking ────────────────────────────────────────────────────────────────


@every_channel
def test_a_booking_looked_up_in_english(channel, world) -> None:
    answer = person(channel, world, RAVI).text("GS-B501")
    for fragment in ["Booking GS-B501 · Glow Salon", "When: Wed 25 Nov, 11:00\u202fam – 12:00",
                     "Due: ₹600.00", "https://bot.example.test/pay/",
                     "https://bot.example.test/b/"]:
        assert fragment in answer, fragment


@every_channel
def test_a_booking_looked_up_in_hindi(channel, world) -> None:
    answer = in_hindi(person(channel, world, RAVI)).text("GS-B501")
    assert "बुकिंग GS-B501" in answer and "बाकी: ₹600.00" in answer and "बुध 25 नव॰" in answer


def _proven(channel: str, world: World, phone: str) -> Person:
    """Someone whose phone is proven: by the channel, or (Telegram) by a code."""
    someone = person(channel, world, phone)
    if channel == "telegram":
        someone.say("my orders")
        someone.say(phone)
        someone.say(world.runtime.code_sender.sent[-1][1])
    return someone


def _staff_decides(world: World, accept: bool) -> None:
    """Neha answers the one request waiting, through the store (her chat's own way of
    answering is tested on every channel below)."""
    with unit_of_work(world.runtime.sessions) as session:
        neha = business_by_code(session, "GS").staff[0]
        request = session.scalars(select(BookingRequest)).one()
        bookings.decide_request(session, request, accept, Actor(neha.name, neha.id),
                                now=world.runtime.clock())


@every_channel
def test_a_move_asked_in_words_and_accepted(channel, world) -> None:
    ravi = _proven(channel, world, RAVI)
    ravi.say("GS-B501")
    assert "What day and time would suit you?" in "\n".join(ravi.tap("bmove:GS-B501"))
    assert "to Wed 25 Nov, 5:00\u202fpm – 6:00\u202fpm?" in ravi.text("tomorrow 5pm")
    assert "✅ Sent. You asked Glow Salon to move GS-B501" in "\n".join(ravi.tap("bsend:GS-B501"))
    ravi.news()
    _staff_decides(world, accept=True)
    assert "GS-B501 (Glow Salon) is moved to Wed 25 Nov, 5:00\u202fpm" in "\n".join(ravi.news())


@every_channel
def test_a_move_asked_in_hindi(channel, world) -> None:
    ravi = in_hindi(_proven(channel, world, RAVI))
    ravi.say("GS-B501")
    ravi.tap("bmove:GS-B501")
    assert "बुध 25 नव॰, 5:00\u202fpm – 6:00\u202fpm पर करने को कहें?" in ravi.text("कल शाम 5 बजे")
    assert "✅ भेज दिया" in "\n".join(ravi.tap("bsend:GS-B501"))


def _staff(channel: str, world: World, phone: str, lang: str | None = None) -> Person:
    """A staff member on `channel`: the phone proven by the channel, or on Telegram by
    sharing their own contact (which links the account to the staff member)."""
    someone = Person.on(channel, world, phone, lang)
    if channel == "telegram":
        assert any("Neha" in line for line in someone.share_contact())
    return someone


def _ask_to_move(world: World) -> Person:
    ravi = person("console", world, RAVI)
    ravi.say("GS-B501")
    ravi.tap("bmove:GS-B501")
    ravi.say("tomorrow 5pm")
    ravi.tap("bsend:GS-B501")
    return ravi


@every_channel
def test_the_staff_list_move_and_mark_a_booking_in_their_chat(channel, world) -> None:
    neha = _staff(channel, world, NEHA)
    day = neha.text("bookings tomorrow")
    assert "Bookings, tomorrow, Wed 25 Nov" in day and "11:00\u202fam · GS-B501 · Ravi Kumar" in day
    ravi = _ask_to_move(world)
    ravi.news()
    assert "✅ Accepted: GS-B501 moved to Wed 25 Nov, 5:00\u202fpm" in neha.text("accept GS-B501")
    assert "GS-B501 (Glow Salon) is moved to Wed 25 Nov, 5:00\u202fpm" in "\n".join(ravi.news())
    assert "GS-B501: Confirmed → Checked in" in neha.text("GS-B501 checked in")
    assert "₹600.00 (Cash) recorded for GS-B501" in neha.text("paid GS-B501 600 cash")
    told = "\n".join(ravi.news())
    assert "Checked in" in told and "₹600.00" in told


@every_channel
def test_the_staff_in_hindi(channel, world) -> None:
    neha = _staff(channel, world, NEHA, "hi")
    if channel in ("whatsapp", "telegram"):  # the language is chosen in the chat there
        neha.say("language")
        neha.say("हिंदी")
    day = neha.text("कल की बुकिंग")
    assert "📅 बुकिंग, कल, बुध 25 नव॰:" in day and "GS-B501" in day
    _ask_to_move(world).news()
    assert "✅ मान लिया: GS-B501 अब बुध 25 नव॰, 5:00\u202fpm" in neha.text("GS-B501 मान लो")


@pytest.mark.parametrize("channel", ["whatsapp", "telegram"])
def test_a_request_reaches_the_staff_with_buttons_and_a_tap_decides(channel, world) -> None:
    """Where staff hear of things (a configured WhatsApp, a linked Telegram account), the
    request arrives with Accept / Propose / Decline; tapping Decline keeps the time."""
    neha = _staff(channel, world, NEHA)
    neha.say("bookings")  # she wrote today: WhatsApp's 24-hour window is open
    ravi = _ask_to_move(world)
    ravi.news()
    request = "\n".join(neha.news())
    assert "Ravi Kumar asks to move GS-B501 (Haircut and styling)" in request
    if neha.buttons:  # Telegram's inline keyboard
        answer = "\n".join(neha.tap(next(label for label in neha.buttons if "Decline" in label)))
    else:  # WhatsApp's numbered lines: the number answers
        [number] = re.findall(r"^(\d+)\. .*Decline", request, re.MULTILINE)
        answer = neha.text(number)
    assert "🚫 Declined: GS-B501 stays at Wed 25 Nov, 11:00\u202fam" in answer
    told = "\n".join(ravi.news())
    assert "Glow Salon could not move GS-B501; it stays Wed 25 Nov, 11:00\u202fam" in told


@every_channel
def test_a_cancel_asked_and_the_staff_told(channel, world) -> None:
    ravi = _proven(channel, world, RAVI)
    ravi.say("GS-B501")
    asked = "\n".join(ravi.tap("bcancel:GS-B501"))
    assert asked.startswith("Ask Glow Salon to cancel GS-B501 (Wed 25 Nov, 11:00\u202fam")
    sent = "\n".join(ravi.tap("bsend:GS-B501"))
    assert "GS-B501" in sent and "Nothing changes until they answer" in sent
    with unit_of_work(world.runtime.sessions) as session:
        [request] = session.scalars(select(BookingRequest)).all()
        assert request.kind == "cancel"


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
        (RAVI, None, ["GS-B501"], "booking-GS-B501.en.txt"),
        (RAVI, "hi", ["GS-B501"], "booking-GS-B501.hi.txt"),
        (RAVI, None, ["GS-B501", "2", "tomorrow 5pm"], "booking-move-confirm.en.txt"),
        (RAVI, None, ["GS-B501", "2", "tomorrow 5pm", "1"], "booking-move-asked.en.txt"),
        (RAVI, "hi", ["GS-B501", "2", "कल शाम 5 बजे", "1"], "booking-move-asked.hi.txt"),
        (RAVI, None, ["my orders"], "my-orders-and-bookings.en.txt"),
    ],
)
def test_the_console_answers_word_for_word(world, phone, lang, messages, name) -> None:
    someone = person("console", world, phone, lang)
    answers = [someone.text(message) for message in messages]
    assert answers[-1] == transcript(name)
