"""Proofs cannot be flooded or forged quietly (issue 15, point 4): 5 a chat an hour,
3 waiting an order, a plain answer and nothing for staff past them; a proof from a chat
not proven as the order's phone says who sent it in the staff prompt and proof view."""

from __future__ import annotations

from support import ChatDriver, joined
from support.proofs import prompts, proofs
from test_proofs_chat import photo

from bot.runtime import respond
from handlers.types import Inbound
from store import proof_limits
from store.db import unit_of_work
from store.models import PaymentProof

VENDOR = "+919800000001"
NOT_KEPT = "so this one was not kept"


def _staff(demo) -> ChatDriver:
    return ChatDriver(demo, address=VENDOR, phone=VENDOR)


def test_a_flood_of_screenshots_for_one_order_keeps_three(demo) -> None:
    flooder = ChatDriver(demo, address="flooder", phone=None)
    answers = [joined(flooder.say("AK-1003 10", media=photo())) for _ in range(20)]
    assert all("Received your payment screenshot" in a for a in answers[:3])
    assert all(NOT_KEPT in a and "AK-1003" in a for a in answers[3:5])
    assert len(proofs(demo)) == proof_limits.WAITING_PER_ORDER
    assert len(prompts(demo)) == proof_limits.WAITING_PER_ORDER  # one staff chat each


def test_five_proofs_a_chat_an_hour(demo, clock) -> None:
    sender = ChatDriver(demo, address="busy", phone=None)
    staff = _staff(demo)
    for n in range(proof_limits.PER_CHAT_HOUR):
        assert "Received" in joined(sender.say("AK-1003 10", media=photo()))
        staff.say(f"reject {n + 1} blurry")  # decided: the order has room again
    answer = joined(sender.say("AK-1003 10", media=photo()))
    assert "many payment screenshots in the last hour" in answer and NOT_KEPT in answer
    assert len(proofs(demo)) == proof_limits.PER_CHAT_HOUR
    clock.advance(hours=1, minutes=1)
    assert "Received" in joined(sender.say("AK-1003 10", media=photo()))


def test_a_strangers_proof_says_so_to_staff_with_the_senders_number(demo) -> None:
    stranger = ChatDriver(demo, address="+919855555555", phone="+919855555555")
    assert "Received" in joined(stranger.say("AK-1001 100", media=photo()))
    owner = ChatDriver(demo)  # +919811111111, the order's own phone
    assert "Received" in joined(owner.say("AK-1001 100", media=photo()))
    view = joined(_staff(demo).say("proof 1"))
    assert "Sent from +91 98555 55555, not the phone number on this order" in view
    assert "not the phone number" not in joined(_staff(demo).say("proof 2"))
    hindi = ChatDriver(demo, address=VENDOR, phone=VENDOR, lang="hi")
    hindi.say("language hi")
    assert "+91 98555 55555 से भेजा गया" in joined(hindi.say("proof 1"))


def test_a_telegram_strangers_proof_names_them(demo) -> None:
    inbound = Inbound(
        channel="telegram", address="777", text="AK-1001 100", media=photo(),
        display_name="Mallory Shah", username="mallory", platform_user_id="777",
    )
    assert "Received" in joined(respond(demo, inbound))
    with unit_of_work(demo.sessions) as session:
        [proof] = session.query(PaymentProof).all()
        assert {"kind": "unproven_sender", "channel": "telegram", "name": "Mallory Shah",
                "username": "mallory", "user_id": "777"} in proof.flags
    view = joined(_staff(demo).say("proof 1"))
    assert "Sent by Telegram user Mallory Shah (@mallory), not proven" in view
