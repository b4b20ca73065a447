"""Issue 16's words: the conversation's rough edges as staff and customers hit them,
in English and Hindi, through the real core with the database checked."""

from __future__ import annotations

import pytest
from support import ChatDriver
from test_proofs_chat import _proofs, send

from store.db import unit_of_work
from store.queries import order_by_number

ASHA = "+919800000001"


@pytest.fixture
def asha(demo) -> ChatDriver:
    return ChatDriver(demo, address=ASHA, phone=ASHA)


def _order(runtime, number: str):
    with unit_of_work(runtime.sessions) as s:
        order = order_by_number(s, number)
        s.expunge_all()
        return order


# ── 5. the reject reason does not swallow the next command ───────────────────


@pytest.mark.parametrize(
    "lang, command, listed, still",
    [("en", "orders", "Open orders", "Proof 1 is still waiting"),
     ("hi", "ऑर्डर", "खुले ऑर्डर", "सबूत 1 अभी भी इंतज़ार में है"),
     ("en", "AK-1003", "Order AK-1003", "Proof 1 is still waiting"),
     ("en", "help", "signed in as staff", "Proof 1 is still waiting")],
)
def test_a_command_leaves_the_reject_reason_prompt(customer, demo, lang, command, listed,
                                                   still) -> None:
    customer.text("AK-1001")
    send(customer, "paid 250")
    asha = ChatDriver(demo, address=ASHA, phone=ASHA, lang=lang)
    asha.say(button="reject:1")
    answer = asha.text(command)
    assert listed in answer and still in answer
    assert _proofs(demo)[0].status == "pending"
    asha.say("reject 1 blurry")
    assert _proofs(demo)[0].status == "rejected"


@pytest.mark.parametrize("skip", ["skip", "छोड़ो"])
def test_skip_rejects_without_a_reason(customer, asha, demo, skip) -> None:
    customer.text("AK-1001")
    send(customer, "paid 250")
    asha.say(button="reject:1")
    asha.say(skip)
    [proof] = _proofs(demo)
    assert (proof.status, proof.reason) == ("rejected", None)


# ── 6. staff are told when an order is not theirs ────────────────────────────


@pytest.mark.parametrize(
    "lang, command, says",
    [("en", "SB-2001 ready", "SB-2001 is not an order of Asha's Kitchen"),
     ("en", "paid SB-2001 100 cash", "SB-2001 is not an order of Asha's Kitchen"),
     ("en", "cancel SB-2001 because", "SB-2001 is not an order of Asha's Kitchen"),
     ("en", "SB-9999 ready", "SB-9999 is not an order of Asha's Kitchen"),  # none: the same
     ("hi", "SB-2001 तैयार", "SB-2001 Asha's Kitchen का ऑर्डर नहीं है")],
)
def test_staff_commands_on_another_business_order_are_refused(demo, lang, command, says) -> None:
    asha = ChatDriver(demo, address=ASHA, phone=ASHA, lang=lang)
    answer = asha.text(command)
    assert says in answer and "For Ravi" not in answer
    order = _order(demo, "SB-2001")
    assert (order.status, order.paid_minor) == ("confirmed", 20000)


# ── 7. order numbers as phones type them ─────────────────────────────────────


@pytest.mark.parametrize("typed", ["AK–1001", "AK—1001", "AK_1001", "ＡＫ－１００１",
                                   "where is ak‑1001?"])
def test_order_numbers_with_any_dash_or_width(stranger, typed) -> None:
    assert "Order AK-1001" in stranger.text(typed)


def test_a_bare_number_means_the_order_of_the_business_in_context(stranger) -> None:
    assert "Which shop is order 1001 from?" in (asked := stranger.text("1001"))
    assert "Order AK-1001" not in asked
    assert "Order AK-1001" in stranger.text("AK–1001")
    assert "Order AK-1003" in stranger.text("1003")
    assert "Order AK-1001" in stranger.text("order 1001")
    assert "Order AK-1004" in stranger.text("#1004")


def test_a_bare_number_in_hindi(demo) -> None:
    chat = ChatDriver(demo, address="hindi", phone=None, lang="hi")
    assert "किस दुकान" in chat.text("ऑर्डर १००१")
    chat.say("AK-1003")
    assert "AK-1001" in chat.text("ऑर्डर १००१")


def test_the_only_business_is_the_context(runtime, monkeypatch) -> None:
    from store import demo

    monkeypatch.setattr(demo, "BUSINESSES", [b for b in demo.BUSINESSES if b["code"] == "AK"])
    monkeypatch.setattr(demo, "ORDERS", [o for o in demo.ORDERS if o[1] == "AK"])
    with unit_of_work(runtime.sessions) as session:
        demo.seed(session, runtime.clock())
    assert "Order AK-1001" in ChatDriver(runtime, address="x", phone=None).text("1001")


def test_several_numbers_show_each_up_to_three(stranger, asha) -> None:
    answer = stranger.text("AK-1001 and AK-1003")
    assert "Order AK-1001" in answer and "Order AK-1003" in answer
    answer = stranger.text("AK-1001, AK-1002, AK-1003, AK-1004")
    assert "Order AK-1003" in answer and "Order AK-1004" not in answer
    answer = asha.text("AK-1001 AK-1003")
    assert "AK-1001" in answer and "AK-1003" in answer


def test_each_number_of_several_counts_toward_the_lookup_throttle(stranger) -> None:
    for n in range(3):
        stranger.say(f"ZZ-{n}01 ZZ-{n}02 ZZ-{n}03")
    stranger.say("ZZ-901")
    assert "Too many order numbers" in stranger.text("AK-1001 AK-1003")


# ── 12. a refused file keeps the screenshot being held ───────────────────────


AUDIO = {
    "bytes": dict(data=b"ID3\x03\x00\x00\x00" + b"\x00" * 200, content_type="audio/mpeg"),
    "undownloaded": dict(content_type="audio/ogg", filename="voice.ogg"),  # Telegram's refusal
    "adapter": dict(content_type="audio/ogg", error="type_mismatch"),  # WhatsApp's
}


@pytest.mark.parametrize("lang, received", [("en", "Received your payment"), ("hi", "मिल गया")])
@pytest.mark.parametrize("audio", sorted(AUDIO))
def test_a_refused_file_keeps_the_held_screenshot(demo, lang, received, audio) -> None:
    from handlers.types import Media

    chat = ChatDriver(demo, lang=lang)
    chat.say("AK-1001")
    send(chat)  # no amount in the caption: the bot asks for it
    chat.say("", media=(Media(**AUDIO[audio]),))
    assert received in chat.text("250")
    [proof] = _proofs(demo)
    assert (proof.claimed_minor, proof.status) == (25000, "pending")


# ── 8. small talk and people ─────────────────────────────────────────────────


@pytest.mark.parametrize("lang, said, answer", [
    ("en", "thanks", "Happy to help"), ("en", "ok", "Happy to help"),
    ("en", "👍", "Happy to help"), ("en", "👍🏽", "Happy to help"),
    ("en", "Thank you!", "Happy to help"),
    ("hi", "धन्यवाद", "खुशी हुई"), ("hi", "शुक्रिया", "खुशी हुई"), ("hi", "ठीक है", "खुशी हुई"),
    ("hi", "thik hai", "खुशी हुई"),
])
def test_small_talk_gets_a_short_friendly_answer(demo, lang, said, answer) -> None:
    from handlers import i18n

    reply = ChatDriver(demo, lang=lang).text(said)
    assert answer in reply and i18n.t("help.customer", lang) not in reply


def _asks(runtime) -> list[str]:
    from sqlalchemy import select

    from handlers import notices
    from store.models import OutboxMessage

    with unit_of_work(runtime.sessions) as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "customer_asks")
                         .order_by(OutboxMessage.id)).all()
        return [f"{row.address} {notices.render(s, row)[0].text}" for row in rows]


@pytest.mark.parametrize("lang, said, contact, passed", [
    ("en", "cancel my order", "You can reach Asha's Kitchen directly: +91 98000 00001",
     "passed your message on"),
    ("en", "I want to talk to a human", "+91 98000 00001", "passed your message on"),
    ("en", "call me please", "+91 98000 00001", "passed your message on"),
    ("en", "refund", "+91 98000 00001", "passed your message on"),
    ("en", "complaint: food was cold", "+91 98000 00001", "passed your message on"),
    ("hi", "मुझे कॉल करो", "Asha's Kitchen से सीधे बात", "संदेश Asha's Kitchen तक पहुँचा"),
    ("hi", "order cancel karo", "+91 98000 00001", "संदेश Asha's Kitchen तक पहुँचा"),
    ("hi", "शिकायत है", "+91 98000 00001", "संदेश Asha's Kitchen तक पहुँचा"),
])
def test_asking_for_a_person_gives_the_contact_and_tells_the_staff(demo, lang, said, contact,
                                                                   passed) -> None:
    customer = ChatDriver(demo, lang=lang)
    customer.say("AK-1001")
    answer = customer.text(said)
    assert contact in answer and passed in answer
    assert _asks(demo) == [f"{ASHA} 💬 Ravi Kumar asks about AK-1001: {said}"]


def test_once_per_order_an_hour(customer, demo, clock) -> None:
    customer.say("AK-1001")
    customer.say("cancel my order")
    again = customer.text("call me")
    assert "already has your message" in again and "+91 98000 00001" in again
    assert "passed your message on" in ChatDriver(demo, address="x", phone=None).text(
        "AK-1003 complaint")  # another order: its own hour
    assert len(_asks(demo)) == 2
    clock.advance(hours=1, minutes=1)
    assert "passed your message on" in customer.text("refund")
    assert len(_asks(demo)) == 3
    assert "A customer asks about AK-1003: AK-1003 complaint" in _asks(demo)[1]


def test_asking_without_an_order_asks_which_and_a_miss_is_a_miss(stranger, demo) -> None:
    assert "Which order is it about?" in stranger.text("talk to a human")
    assert "could not find" in stranger.text("refund AK-9999")
    assert _asks(demo) == []


# ── 10. shipments agree on every surface ─────────────────────────────────────


def _carrier(runtime, number: str, step: str, at_minutes: int = 0) -> None:
    from datetime import timedelta

    from store.shipments import CarrierUpdate, record_update

    update = CarrierUpdate(provider="generic", carrier_status=step, step=step, order_number=number,
                           awb="AWB123", courier="Delhivery",
                           tracking_url="https://courier.example/t/AWB123")
    with unit_of_work(runtime.sessions) as session:
        record_update(session, update, now=runtime.clock() + timedelta(minutes=at_minutes))


def _page_link(answer: str) -> str:
    import re

    return re.search(r"https://bot\.example\.test(/o/\S+)", answer).group(1)


@pytest.mark.parametrize("lang, courier, track", [("en", "Courier: Delhivery", "Track the parcel"),
                                                  ("hi", "Delhivery", "पार्सल ट्रैक करें")])
def test_the_owners_page_shows_courier_awb_link_and_steps(demo, client, lang, courier,
                                                          track) -> None:
    from test_pages import steps_of

    _carrier(demo, "AK-1003", "in_transit")
    owner = ChatDriver(demo, address="+919822222222", phone="+919822222222", lang=lang)
    page = client.get(_page_link(owner.text("AK-1003"))).get_data(as_text=True)
    assert courier in page and "AWB123" in page
    assert 'href="https://courier.example/t/AWB123"' in page and track in page
    assert ("current", "In transit" if lang == "en" else "रास्ते में") in steps_of(page)
    # A stranger's link (a lookup by number) shows the steps, not where the parcel goes.
    stranger = ChatDriver(demo, address="someone", phone=None, lang=lang)
    public = client.get(_page_link(stranger.text("AK-1003"))).get_data(as_text=True)
    assert "AWB123" not in public and "courier.example" not in public


def test_a_pickup_order_without_a_shipment_shows_no_shipment_steps(demo, client) -> None:
    from test_pages import steps_of

    from handlers import i18n

    answer = ChatDriver(demo, lang="en").text("AK-1001")
    page = client.get(_page_link(answer)).get_data(as_text=True)
    road = [i18n.t(f"shipping.step.{s}", "en") for s in ("picked_up", "in_transit", "delivered")]
    assert not any(step in answer for step in road)
    assert not any(label in road for _, label in steps_of(page)) and 'id="shipment"' not in page


def test_a_late_carrier_report_stays_in_the_timeline_never_the_shown_state(demo, client) -> None:
    from test_pages import steps_of

    _carrier(demo, "AK-1003", "delivered", at_minutes=10)
    _carrier(demo, "AK-1003", "in_transit", at_minutes=20)  # late: after the delivery
    owner = ChatDriver(demo, address="+919822222222", phone="+919822222222")
    answer = owner.text("AK-1003")
    assert "🚚 Shipment: Delivered" in answer and "🔵 In transit" not in answer
    page = client.get(_page_link(answer)).get_data(as_text=True)
    assert {state for state, _ in steps_of(page)} == {"done"}
    assert "Shipment: In transit" in page and "Shipment: Delivered" in page  # both on the timeline
    assert page.index("Shipment: In transit") < page.index("Shipment: Delivered")  # newest first
