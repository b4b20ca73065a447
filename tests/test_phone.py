"""Orders by phone through the conversation core: typed phones proven by a one-time
code, channel-proven phones, shared contacts, forget me, and what a proven owner sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from support import ChatDriver, joined, verify_dialog
from support.phone import CapturedCodes, guest

from bot.runtime import Runtime, respond
from handlers.types import Inbound
from store.db import unit_of_work
from store.models import Chat, OtpChallenge, Staff
from store.queries import order_by_number

SENT = "If this number has orders with us, we have just sent it a 6-digit code."


@pytest.fixture
def codes(demo: Runtime) -> CapturedCodes:
    demo.code_sender = CapturedCodes()
    return demo.code_sender


def _chat(runtime: Runtime, address: str) -> Chat:
    with unit_of_work(runtime.sessions) as session:
        chat = session.scalars(select(Chat).where(Chat.address == address)).one()
        session.expunge(chat)
    return chat


def test_typed_phone_is_proven_by_a_code_then_stays_linked(demo, codes, clock) -> None:
    chat = guest(demo, "guest")
    verify_dialog(chat, [
        ("my orders", ["send the phone number you used"]),
        ("+91 98111-11111", [SENT]),
    ])
    assert [(phone, locale) for phone, _, locale in codes.sent] == [("+919811111111", "en")]
    code = codes.last()
    answer = chat.text(f"{code[:3]} {code[3:]}")  # spaces are forgiven
    assert "Bookings and orders for +91 98111 11111" in answer
    assert answer.index("AK-1001") < answer.index("AK-1002") < answer.index("SB-2001")
    assert "Preparing" in answer and "due ₹250.00" in answer and "Asha's Kitchen" in answer
    linked = _chat(demo, "guest")
    assert linked.linked_phone == "+919811111111"
    assert linked.linked_until == clock.now + timedelta(days=30)
    clock.advance(days=29)
    assert "AK-1002" in chat.text("my orders") and len(codes.sent) == 1  # no new code
    clock.advance(days=1, seconds=1)
    assert "send the phone number you used" in chat.text("my orders")


def test_happy_path_in_hindi_with_devanagari_digits(demo, codes) -> None:
    chat = guest(demo, "hindi", lang="hi")
    assert "फ़ोन नंबर भेजें" in chat.text("मेरे ऑर्डर")
    assert "6 अंकों का कोड भेजा है" in chat.text("०९८१११ ११११ १")
    phone, code, locale = codes.sent[-1]
    assert (phone, locale) == ("+919811111111", "hi")
    devanagari = "".join("०१२३४५६७८९"[int(d)] for d in code)
    answer = chat.text(devanagari)
    assert "+91 98111 11111 की बुकिंग और ऑर्डर" in answer and "AK-1001" in answer and "बाकी" in answer


@pytest.mark.parametrize("typed", ["98111 11111", "+91 98111-11111", "09811111111",
                                   "९८१११ १११११", "0091 98111 11111"])
def test_common_forms_of_a_phone(demo, codes, typed) -> None:
    chat = guest(demo, "forms")
    chat.say("my orders")
    assert SENT in chat.text(typed)
    assert codes.sent[-1][0] == "+919811111111"


def test_not_a_phone_gets_a_clear_answer(demo, codes) -> None:
    chat = guest(demo, "bad")
    chat.say("my orders")
    assert "does not look like a phone number" in chat.text("12345")
    assert "does not look like a phone number" in chat.text("+91 98111")
    assert "Order AK-1003" in chat.text("AK-1003")  # an order number still works here
    assert codes.sent == []


def test_replies_do_not_tell_phones_with_orders_from_phones_without(demo, codes) -> None:
    with_orders, without = guest(demo, "a"), guest(demo, "b")
    for chat in (with_orders, without):
        chat.say("my orders")
    first = with_orders.say("98111 11111")
    second = without.say("98333 33333")
    assert first == second  # the same words, the same buttons
    assert [phone for phone, _, _ in codes.sent] == ["+919811111111", "+919833333333"]
    answer = without.text(codes.last("+919833333333"))
    assert "There are no orders for +91 98333 33333" in answer
    assert "AK-" not in answer


def test_a_channel_proven_phone_without_orders_is_invited_to_type_another(demo, codes) -> None:
    own = ChatDriver(demo, address="+919899999999", phone="+919899999999")
    assert "There are no orders for +91 98999 99999" in own.text("my orders")
    assert SENT in own.text("+91 98111 11111")
    answer = own.text(codes.last())
    assert "AK-1001" in answer and "AK-1002" in answer
    opened = own.text("2")  # the first is his booking to come, GS-B501
    assert "Order AK-1001" in opened and "Ravi Kumar" in opened  # the owner's full view
    # The channel's own phone does not push out the phone proven by the code.
    assert "AK-1002" in own.text("my orders") and len(codes.sent) == 1


def test_whatsapp_sender_gets_the_list_without_any_code(demo, codes) -> None:
    whatsapp = ChatDriver(demo, channel="whatsapp", address="whatsapp:+919811111111",
                          phone="+919811111111")
    answer = whatsapp.text("my orders")
    assert "AK-1001" in answer and "AK-1002" in answer and codes.sent == []


def test_owner_view_shows_own_name_and_notes_never_internal_ones(demo, codes) -> None:
    with unit_of_work(demo.sessions) as session:
        order_by_number(session, "AK-1001").customer_note = "Ring twice, please"
    chat = guest(demo, "owner")
    public = chat.text("AK-1001")
    assert "Ravi" in public and "Ravi Kumar" not in public and "Ring twice" not in public
    chat.say("my orders")
    chat.say("98111 11111")
    chat.say(codes.last())
    owner = chat.text(button="refresh:AK-1001")
    assert "Ravi Kumar" in owner and "Ring twice, please" in owner
    assert "extra spicy" not in owner and "Leave at the gate" not in owner  # internal note


def test_forget_me_unlinks_at_once(demo, codes) -> None:
    chat = guest(demo, "forget")
    chat.say("my orders")
    chat.say("98111 11111")
    chat.say(codes.last())
    assert "no longer linked to +91 98111 11111" in chat.text("forget me")
    assert _chat(demo, "forget").linked_phone is None
    assert "send the phone number you used" in chat.text("my orders")
    assert "Ravi Kumar" not in chat.text(button="refresh:AK-1002")  # no longer the owner
    assert "not linked to any phone" in chat.text("logout")


def test_forget_me_on_a_channel_that_proves_the_phone(demo, codes) -> None:
    own = ChatDriver(demo, address="+919899999999", phone="+919899999999", lang="hi")
    own.say("my orders")
    own.say("98111 11111")
    own.say(codes.last())
    assert "+91 98999 99999" in own.text("लॉगआउट")
    assert "+91 98999 99999 के लिए कोई ऑर्डर नहीं" in own.text("मेरे ऑर्डर")


def test_a_failed_delivery_says_so_and_suggests_the_order_number(demo, codes) -> None:
    codes.deliver = False
    chat = guest(demo, "fail")
    chat.say("my orders")
    answer = chat.text("98111 11111")
    assert "could not send a code" in answer and "order number (like AK-1001)" in answer
    code = codes.last()
    assert "orders for" not in chat.text(code).casefold()  # an undelivered code never works
    with unit_of_work(demo.sessions) as session:
        assert session.scalars(select(OtpChallenge.status)).all() == ["unsent"]


def test_without_any_code_sender_the_customer_is_told(demo) -> None:
    assert demo.code_sender is None  # production without Twilio
    chat = guest(demo, "nosender")
    chat.say("my orders")
    assert "could not send a code" in chat.text("98111 11111")


def _contact(runtime: Runtime, phone: str, own: bool, user_id: str = "4242") -> str:
    return joined(respond(runtime, Inbound(
        channel="telegram", address="777", shared_phone=phone, shared_phone_is_own=own,
        platform_user_id=user_id)))


def test_own_shared_contact_lists_orders_at_once(demo, codes) -> None:
    answer = _contact(demo, "919811111111", own=True)  # Telegram drops the "+"
    assert "AK-1001" in answer and "SB-2001" in answer and codes.sent == []
    chat = _chat(demo, "777")
    assert chat.linked_phone == "+919811111111" and chat.staff_id is None


def test_someone_elses_contact_is_refused(demo, codes) -> None:
    answer = _contact(demo, "+919811111111", own=False)
    assert "belongs to someone else" in answer and "AK-1001" not in answer
    assert _chat(demo, "777").linked_phone is None


def test_staff_sharing_their_own_contact_are_linked_as_staff(demo, codes) -> None:
    answer = _contact(demo, "+919800000001", own=True, user_id="555")
    assert "Welcome, Asha! This chat is now linked to Asha's Kitchen as staff." in answer
    with unit_of_work(demo.sessions) as session:
        staff = session.scalars(select(Staff).where(Staff.phone == "+919800000001")).one()
        chat = session.scalars(select(Chat).where(Chat.address == "777")).one()
        assert staff.platform_user_id == 555 and chat.staff_id == staff.id
    help_text = joined(respond(demo, Inbound(channel="telegram", address="777", text="hi")))
    assert help_text == joined(ChatDriver(demo, address="+919800000001",
                                          phone="+919800000001").say("hi"))
    assert "no longer" in joined(respond(demo, Inbound(channel="telegram", address="777",
                                                       text="logout", platform_user_id="555")))
    with unit_of_work(demo.sessions) as session:
        assert session.scalars(select(Staff.platform_user_id).where(Staff.id == staff.id)).one() \
            is None
