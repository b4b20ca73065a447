"""Issue 6's "done when", literally: two terminal chats on one database, a customer
sending a screenshot and the vendor approving it."""

from __future__ import annotations

from sqlalchemy import func, select
from support import FIXTURES
from test_foundation import _run_chat

from store.db import unit_of_work
from store.models import Payment

RECEIPT = FIXTURES / "images" / "upi-payment-250.png"
CUSTOMER = ("--phone", "+919811111111")
VENDOR = ("--vendor", "+919800000001")


def test_screenshot_to_approval_in_two_terminal_chats(demo, database_url, tmp_path) -> None:
    def chat(script: str, *who: str) -> str:
        done = _run_chat(database_url, tmp_path, script, *who)
        assert done.returncode == 0, done.stderr
        return done.stdout

    sent = chat(f"AK-1001\n/photo {RECEIPT} paid 250\n", *CUSTOMER)
    assert "Received your payment screenshot for AK-1001 (₹250.00)" in sent
    for line in ["[to Asha] [image] 🧾 Payment proof 1 · AK-1001",
                 "[to Asha] Customer: Ravi Kumar", "[to Asha] Claimed: ₹250.00 · Due: ₹250.00",
                 "[to Asha] 1. ✅ Approve"]:
        assert line in sent, line

    vendor = chat("proofs\napprove 1\napprove 1\n", *VENDOR)
    assert "Payment proof 1 · AK-1001" in vendor  # the prompt, queued while the chat was closed
    assert "proof 1 · AK-1001 · Ravi Kumar · claimed ₹250.00" in vendor
    assert "Proof 1 approved: ₹250.00 recorded for AK-1001" in vendor
    assert "Proof 1 was already approved by Asha at" in vendor

    later = chat("AK-1001\n", *CUSTOMER)
    assert "approved your payment of ₹250.00 for AK-1001" in later
    assert "Payment: Paid in full" in later and "Due: ₹0.00" in later
    with unit_of_work(demo.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Payment).where(
            Payment.proof_id.is_not(None))) == 1

    again = chat(f"AK-1003\n/photo {RECEIPT} paid 250\n", *CUSTOMER)
    assert "Received your payment screenshot for AK-1003" in again
    assert "[to Asha] ⚠️ This screenshot was already used for AK-1001 on" in again
