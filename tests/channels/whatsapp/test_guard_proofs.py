"""Over signed WhatsApp webhooks (issue 15, point 4): a stranger's screenshot reaches
staff with the sender's number, and a flood of screenshots makes at most 3 prompts."""

from __future__ import annotations

from support.proofs import prompts, proofs
from support.whatsapp import VENDOR, user_for

from bot.worker import run_once
from store import proof_limits

from .test_whatsapp_proofs import send_file


def test_a_strangers_screenshot_names_the_sender_to_staff(wa, twilio_api) -> None:
    user_for(wa, VENDOR, profile="Asha").text("hi")  # Asha's window is open
    mallory = user_for(wa, "whatsapp:+919855555555", profile="Ravi")
    assert "Received" in send_file(mallory, twilio_api, "upi-payment-250.png", "AK-1001 250")
    assert run_once(wa) == 1
    [sent] = twilio_api.messages(VENDOR)
    assert "Sent from +91 98555 55555, not the phone number on this order" in sent.params["Body"]


def test_a_flood_of_screenshots_makes_three_proofs(wa, twilio_api) -> None:
    flooder = user_for(wa, "whatsapp:+919855555555")
    answers = [
        send_file(flooder, twilio_api, "upi-payment-250.png", "AK-1003 10") for _ in range(8)
    ]
    assert sum("Received" in a for a in answers) == proof_limits.WAITING_PER_ORDER
    assert all("was not kept" in a for a in answers[proof_limits.WAITING_PER_ORDER:])
    assert len(proofs(wa)) == len(prompts(wa)) == proof_limits.WAITING_PER_ORDER
