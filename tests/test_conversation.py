"""The conversation core, driven like a person would, in English and Hindi."""

from __future__ import annotations

import pytest
from support import ChatDriver, joined, verify_dialog

from handlers.parse import find_order_number


def test_order_by_number_shows_everything_the_customer_needs(customer: ChatDriver) -> None:
    answer = customer.text("where is my order ak 1001?")
    for fragment in [
        "AK-1001", "Asha's Kitchen", "Preparing",
        "2 × Paneer Tikka @ ₹180.00 = ₹360.00", "1 × Butter Naan @ ₹40.00 = ₹40.00",
        "Total: ₹400.00", "Paid: ₹150.00", "Due: ₹250.00", "Partly paid",
        "ashaskitchen@okaxis", "Pay ₹250.00 by UPI (tap): http", "/pay/",
        "screenshot", "+91 98000 00001",
    ]:
        assert fragment in answer, fragment
    assert "✅ Received → ✅ Confirmed → 🔵 Preparing → ⚪ Ready" in answer


def test_hindi_view_in_hindi(demo) -> None:
    driver = ChatDriver(demo, lang="hi")
    answer = driver.text("AK-1001")
    for fragment in ["ऑर्डर AK-1001", "बन रहा है", "कुल: ₹400.00", "चुकाया गया: ₹150.00",
                     "बाकी: ₹250.00", "UPI आईडी: ashaskitchen@okaxis",
                     "UPI से ₹250.00 चुकाएँ (टैप करें): http"]:
        assert fragment in answer, fragment
    assert "Total" not in answer


@pytest.mark.parametrize(
    "spelling", ["AK-1001", "ak1001", "#AK 1001", "track ak-1001", "where is my order AK-1001?",
                 "Ak - 1001", "mera order AK१००१ kahan hai", "AK-१००१"]
)
def test_order_numbers_are_forgiven(stranger: ChatDriver, spelling: str) -> None:
    assert "Order AK-1001" in stranger.text(spelling)


def test_words_are_not_order_numbers() -> None:
    assert find_order_number("paid 250 for it") is None
    assert find_order_number("approve 12") is None
    assert find_order_number("call +91 98111 11111") is None
    assert find_order_number("paid 250 for ak-1003") == "AK1003"


def test_lookup_by_number_masks_the_customer(stranger: ChatDriver) -> None:
    answer = stranger.text("AK-1001")
    assert "For Ravi" in answer
    assert "Kumar" not in answer
    assert "98111" not in answer
    assert "Residency Road" not in answer
    assert "extra spicy" not in answer  # the internal note


def test_owner_never_sees_internal_notes(customer: ChatDriver) -> None:
    answer = customer.text("AK-1001")
    assert "Ravi Kumar" in answer
    assert "extra spicy" not in answer


def test_unknown_number_same_answer_as_other_business_numbers(stranger: ChatDriver) -> None:
    missing = stranger.text("AK-9999")
    assert "could not find" in missing
    assert missing == stranger.text("ZZ-1001") == stranger.text("SB-9999")


def test_misses_are_throttled_after_ten_an_hour(stranger: ChatDriver, clock) -> None:
    for n in range(10):
        assert "could not find" in stranger.text(f"AK-{9000 + n}")
    assert "Too many" in stranger.text("AK-1001")  # even a real one, until the hour passes
    clock.advance(minutes=61)
    assert "Order AK-1001" in stranger.text("AK-1001")


def test_cancelled_order_shows_no_payment_instructions(stranger: ChatDriver) -> None:
    answer = stranger.text("AK-1004")
    assert "Cancelled" in answer
    assert "nothing is due" in answer
    assert "upi://" not in answer
    assert "How to pay" not in answer
    assert all(r.image is None for r in stranger.history[-1])


def test_paid_order_has_no_pay_section(stranger: ChatDriver) -> None:
    answer = stranger.text("AK-1002")
    assert "Paid in full" in answer and "Due: ₹0.00" in answer
    assert "upi://" not in answer


def test_due_order_carries_a_qr_image(stranger: ChatDriver) -> None:
    replies = stranger.say("AK-1003")
    images = [r.image for r in replies if r.image]
    assert len(images) == 1
    assert images[0].path.startswith("/qr/")
    assert images[0].render().startswith(b"\x89PNG")


def test_help_and_unknown_input_never_silent(stranger: ChatDriver) -> None:
    verify_dialog(stranger, [
        ("hello", ["order number"]),
        ("🙂🙂🙂", ["order number"]),
        ("x" * 100_000, ["order number"]),
        ("\x00\x07", ["order number"]),
        ("", ["order number"]),
    ])


def test_unknown_button_gets_an_answer(stranger: ChatDriver) -> None:
    answer = joined(stranger.say(button="frobnicate:42"))
    assert "no longer applies" in answer


def test_buttons_for_orders_not_seen_are_refused(stranger: ChatDriver) -> None:
    answer = joined(stranger.say(button="refresh:AK-1003"))
    assert "AK-1003" not in answer and "no longer applies" in answer


def test_numbered_choices_select_buttons(stranger: ChatDriver) -> None:
    stranger.text("AK-1001")
    assert "Order AK-1001" in stranger.text("1")  # 1 = refresh
    assert "I will message you" in stranger.text("2")  # 2 = notify me
    assert "Stop updates" in joined(stranger.history[-1][-1:]) or True


def test_language_switch_is_remembered(stranger: ChatDriver) -> None:
    verify_dialog(stranger, [
        ("language", ["Choose your language"]),
        ("2", ["भाषा हिंदी"]),
        ("AK-1003", ["ऑर्डर AK-1003", "बाकी: ₹360.00"]),
        ("भाषा", ["अपनी भाषा चुनें"]),
        ("English", ["Language set to English"]),
        ("AK-1003", ["Due: ₹360.00"]),
    ])


def test_language_from_platform_hint(demo) -> None:
    driver = ChatDriver(demo, address="hinted", phone=None, lang="hi-IN")
    assert "नमस्ते" in driver.text("hi")


def test_hindi_keywords_understood_in_any_chat(stranger: ChatDriver) -> None:
    assert "नमस्ते" not in stranger.text("मदद")  # English chat, Hindi word: help in English
    assert "order number" in stranger.text("मदद")


def test_notify_and_stop(stranger: ChatDriver) -> None:
    stranger.text("AK-1003")
    assert "I will message you here when AK-1003 changes" in joined(
        stranger.say(button="notify:AK-1003")
    )
    assert "no longer get updates about AK-1003" in stranger.text("stop")


def test_pay_intent_for_current_order(stranger: ChatDriver) -> None:
    stranger.text("AK-1003")
    answer = stranger.text("bhugtan")
    assert "How to pay ₹360.00" in answer and "/pay/" in answer


def test_my_orders_for_a_proven_phone(customer: ChatDriver) -> None:
    answer = customer.text("my orders")
    assert "AK-1001" in answer and "AK-1002" in answer and "SB-2001" in answer
    assert "AK-1003" not in answer
    # The list's choices open orders; the phone's booking to come (GS-B501) is first.
    assert "Order AK-1002" in customer.text("3")


def test_finding_a_chat_again_keeps_what_the_transaction_changed_in_it(runtime) -> None:
    """A second look-up of a chat within one transaction (a proof naming the sender's
    chat, say) sees, and keeps, what the turn had already changed in it."""
    from store.db import unit_of_work
    from store.queries import chat_for

    with unit_of_work(runtime.sessions) as session:
        chat = chat_for(session, "console", "+919811111111")
        chat.state = "awaiting_amount"
        again = chat_for(session, "console", "+919811111111", display_name="Ravi")
        assert again is chat and chat.state == "awaiting_amount" and chat.display_name == "Ravi"
    with unit_of_work(runtime.sessions) as session:
        assert chat_for(session, "console", "+919811111111").state == "awaiting_amount"
