"""Payment proofs as people send and decide them: a customer's screenshot in the chat,
the vendor's prompt, approve / reject, and the customer told."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select
from support import FIXTURES, ChatDriver, joined, verify_dialog

from handlers import notices
from handlers.types import Media, Reply
from store.db import unit_of_work
from store.models import (
    MediaFile,
    OutboxMessage,
    Payment,
    PaymentProof,
    Staff,
)
from store.orders import Actor, set_status
from store.queries import order_by_number

IMAGES = FIXTURES / "images"
ASHA = "+919800000001"
MEERA = "+919800000003"  # Sweet Crumbs Bakery's staff: another business


def photo(name: str = "upi-payment-250.png", *, data: bytes | None = None) -> tuple[Media, ...]:
    """A file as an adapter hands it over (the declared type is a guess from the name)."""
    kind = {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf"}[name[-3:]]
    return (Media(data=data or (IMAGES / name).read_bytes(), content_type=kind, filename=name),)


def send(driver: ChatDriver, caption: str = "", name: str = "upi-payment-250.png", **kw) -> str:
    return joined(driver.say(caption, media=photo(name, **kw)))


@pytest.fixture
def vendor(demo) -> ChatDriver:
    return ChatDriver(demo, address=ASHA, phone=ASHA)


def _count(runtime, model, *where) -> int:
    with unit_of_work(runtime.sessions) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _proofs(runtime) -> list[PaymentProof]:
    with unit_of_work(runtime.sessions) as s:
        return list(s.scalars(select(PaymentProof).order_by(PaymentProof.id)))


def _queued(runtime, kind: str, address: str) -> list[list[Reply]]:
    """The queued messages of one kind for one address, rendered as they would be sent."""
    with unit_of_work(runtime.sessions) as s:
        rows = s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == kind, OutboxMessage.address == address)
            .order_by(OutboxMessage.id)
        ).all()
        return [notices.render(s, row) for row in rows]


def _submitted(customer: ChatDriver, number: str = "AK-1001", caption: str = "paid 250") -> None:
    customer.text(number)
    assert "Received your payment screenshot" in send(customer, caption)


# ── intake ───────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "number, name, caption, claimed",
    [("AK-1001", "upi-payment-250.png", "paid 250", 25000),
     ("AK-1003", "upi-payment-150.jpg", "₹150", 15000),
     ("AK-1003", "bank-receipt-250.pdf", "250/-", 25000)],
)
def test_receipts_become_pending_proofs(customer, number, name, caption, claimed) -> None:
    customer.text(number)
    answer = send(customer, caption, name)
    assert f"Received your payment screenshot for {number}" in answer
    assert "only once they approve" in answer
    [proof] = _proofs(customer.runtime)
    assert (proof.number, proof.claimed_minor, proof.status) == (1, claimed, "pending")
    assert _count(customer.runtime, Payment, Payment.proof_id.is_not(None)) == 0


@pytest.mark.parametrize(
    "name, says",
    [("not-an-image.png", "photo (JPEG, PNG or WebP) or a PDF"),
     ("truncated.jpg", "damaged or incomplete"),
     ("bomb.png", "far too large")],
)
def test_files_that_are_not_receipts_are_refused_and_nothing_kept(customer, name, says) -> None:
    customer.text("AK-1001")
    assert says in send(customer, "paid 250", name)
    runtime = customer.runtime
    assert _count(runtime, MediaFile) == _count(runtime, PaymentProof) == 0
    assert _count(runtime, OutboxMessage, OutboxMessage.kind == "proof_prompt") == 0
    media_dir = runtime.config.media_path
    assert not media_dir.exists() or not any(p.is_file() for p in media_dir.rglob("*"))


@pytest.mark.parametrize(
    "error, says",
    [("too_large", "at most 10 MB"), ("fetch_failed", "could not download"),
     ("type_mismatch", "PDF receipt")],
)
def test_files_the_adapter_could_not_get_are_explained(customer, error, says) -> None:
    customer.text("AK-1001")
    assert says in joined(customer.say("paid 250", media=(Media(error=error),)))


@pytest.mark.parametrize("caption", ["paid 250", "₹250", "250/-", "२५०", "Paid Rs. 250 for AK-1001"])
def test_amount_from_the_caption(customer, caption) -> None:
    _submitted(customer, caption=caption)
    assert _proofs(customer.runtime)[0].claimed_minor == 25000


def test_amount_asked_when_the_caption_has_none_in_hindi(demo) -> None:
    customer = ChatDriver(demo, lang="hi")
    customer.text("AK-1001")
    assert "कितना भुगतान" in send(customer)
    assert "फिर से" not in (answer := customer.text("पता नहीं")) and "रकम" in answer
    assert "मिल गया" in customer.text("२५०")
    assert _proofs(demo)[0].claimed_minor == 25000


def test_more_than_due_is_accepted_and_flagged(customer, demo) -> None:
    customer.text("AK-1001")
    assert "more than the ₹250.00 due" in send(customer, "paid 400")
    [prompt] = _queued(demo, "proof_prompt", ASHA)
    assert "⚠️ More than the ₹250.00 due." in prompt[0].text


def test_several_orders_in_play_the_customer_chooses(customer) -> None:
    customer.text("my orders")  # lists AK-1001, SB-2001 and the booking GS-B501, all with something due
    answer = customer.say("", media=photo())
    assert "Which order is this payment for?" in joined(answer)
    payloads = [b.payload for b in answer[0].buttons]
    assert payloads == ["prooffor:AK-1001", "prooffor:GS-B501", "prooffor:SB-2001"]
    assert "How much did you pay for SB-2001" in customer.text("3")
    assert "Received your payment screenshot for SB-2001" in customer.text("700")
    [proof] = _proofs(customer.runtime)
    with unit_of_work(customer.runtime.sessions) as s:
        assert order_by_number(s, "SB-2001").id == proof.order_id


def test_no_order_in_play_the_file_is_kept_until_the_number_comes(stranger) -> None:
    assert "Send the order number" in send(stranger, "paid 250")
    assert _count(stranger.runtime, MediaFile) == 1 and _count(stranger.runtime, PaymentProof) == 0
    verify_dialog(stranger, [
        ("AK-1002", ["Nothing is due on AK-1002"]),
        ("AK-9999", ["could not find"]),
        ("AK-1003", ["Received your payment screenshot for AK-1003 (₹250.00)"]),
    ])
    assert _proofs(stranger.runtime)[0].claimed_minor == 25000


def test_order_numbers_for_a_kept_file_count_as_lookups(stranger) -> None:
    send(stranger)
    for n in range(10):
        assert "could not find" in stranger.text(f"AK-{9000 + n}")
    assert "Too many" in stranger.text("AK-1003")  # not even a real number is confirmed
    assert _count(stranger.runtime, PaymentProof) == 0


def test_a_kept_file_can_be_dropped(stranger) -> None:
    send(stranger)
    assert "not sent to anyone" in stranger.text("cancel")
    assert "Order AK-1003" in stranger.text("AK-1003")  # an ordinary lookup again
    assert _count(stranger.runtime, PaymentProof) == 0


# ── the vendor's prompt ──────────────────────────────────────────────────────


def test_every_active_staff_member_gets_the_prompt(customer, demo) -> None:
    with unit_of_work(demo.sessions) as s:
        business_id = order_by_number(s, "AK-1001").business_id
        s.add(Staff(business_id=business_id, name="Ravi Cook", phone="+919800000009"))
        s.add(Staff(business_id=business_id, name="Gone", phone="+919800000008", active=False))
    _submitted(customer)
    [[prompt]] = _queued(demo, "proof_prompt", ASHA)
    for fragment in ["proof 1", "AK-1001", "Customer: Ravi Kumar", "Claimed: ₹250.00",
                     "Due: ₹250.00", '"approve 1"', '"reject 1 <reason>"']:
        assert fragment in prompt.text, fragment
    assert [b.payload for b in prompt.buttons] == ["approve:1", "reject:1"]
    assert prompt.image.path.startswith("/media/")
    assert prompt.image.render().startswith(b"\x89PNG")
    assert len(_queued(demo, "proof_prompt", "+919800000009")) == 1
    assert _queued(demo, "proof_prompt", "+919800000008") == []  # removed staff
    assert _queued(demo, "proof_prompt", MEERA) == []  # another business


def test_prompt_goes_to_whatsapp_and_linked_telegram_when_configured(demo, config, clock) -> None:
    from bot.bootstrap import build_runtime

    runtime = build_runtime(
        config.with_(twilio_whatsapp_from="whatsapp:+14155238886", twilio_account_sid="AC1"),
        clock=clock,
    )
    try:
        assert runtime.settings.staff_channels == ("whatsapp",)
        telegram = ChatDriver(runtime, channel="telegram", address="5550001", phone=ASHA)
        telegram.text("hi")  # a Telegram chat known to be Asha's
        customer = ChatDriver(runtime)
        _submitted(customer)
        assert len(_queued(runtime, "proof_prompt", f"whatsapp:{ASHA}")) == 1
        assert len(_queued(runtime, "proof_prompt", "5550001")) == 1
        assert _queued(runtime, "proof_prompt", ASHA) == []
    finally:
        runtime.close()


def test_reused_screenshot_is_flagged_same_and_resized(customer, demo) -> None:
    _submitted(customer)
    _submitted(customer, "AK-1003")
    out = io.BytesIO()
    Image.open(IMAGES / "upi-payment-250.png").convert("RGB").resize((540, 1080)).save(
        out, "JPEG", quality=70
    )
    customer.text("AK-1003")
    send(customer, "paid 250", "resized.jpg", data=out.getvalue())
    prompts = [p[0].text for p in _queued(demo, "proof_prompt", ASHA)]
    assert "already used" not in prompts[0]
    assert "⚠️ This screenshot was already used for AK-1001 on 24 Nov 2026" in prompts[1]
    assert "⚠️ This looks like the screenshot already used for AK-1001" in prompts[2]


def test_a_different_receipt_is_not_flagged(customer, demo) -> None:
    _submitted(customer)
    customer.text("AK-1003")
    send(customer, "₹150", "upi-payment-150.jpg")
    prompts = [p[0].text for p in _queued(demo, "proof_prompt", ASHA)]
    assert len(prompts) == 2 and "already used" not in prompts[1] and "looks like" not in prompts[1]


# ── the vendor decides ───────────────────────────────────────────────────────


def test_approve_records_one_payment_and_tells_the_customer(customer, vendor, demo) -> None:
    _submitted(customer)
    verify_dialog(vendor, [
        ("proofs", ["Payment proofs waiting (1)", "proof 1 · AK-1001 · Ravi Kumar",
                    "claimed ₹250.00"]),
        ("approve 1", ["Proof 1 approved: ₹250.00 recorded for AK-1001",
                       "AK-1001 is now paid in full", "customer has been told"]),
        ("approve 1", ["already approved by Asha at 24 Nov 2026", "Nothing was changed"]),
        ("proofs", ["No payment proofs are waiting"]),
    ])
    assert _count(demo, Payment, Payment.proof_id.is_not(None)) == 1
    [[notice]] = _queued(demo, "order_proof", "+919811111111")
    assert "approved your payment of ₹250.00 for AK-1001" in notice.text
    assert "Paid ₹400.00 of ₹400.00" in notice.text and "Paid in full" in notice.text
    answer = customer.text("AK-1001")
    assert "Paid in full" in answer and "Due: ₹0.00" in answer and "How to pay" not in answer
    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "AK-1001")
        assert [e.kind for e in order.events][-2:] == ["payment", "proof"]
        assert order.events[-1].actor == "Asha"


def test_partial_approve_with_another_amount(customer, vendor, demo) -> None:
    _submitted(customer)
    answer = vendor.text("approve 1 100")
    assert "₹100.00 recorded" in answer and "Still due on AK-1001: ₹150.00" in answer
    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "AK-1001")
        assert (order.paid_minor, order.payment_status) == (25000, "partial")
    [[notice]] = _queued(demo, "order_proof", "+919811111111")
    assert "₹100.00" in notice.text and "Still due: ₹150.00" in notice.text


def test_approving_more_than_due_is_refused_with_the_way_out(customer, vendor, demo) -> None:
    customer.text("AK-1001")
    send(customer, "paid 400")
    assert 'Send "approve 1 250.00"' in vendor.text("approve")
    assert _count(demo, Payment, Payment.proof_id.is_not(None)) == 0
    assert "₹250.00 recorded" in vendor.text("approve 1 250.00")


def test_reject_with_a_reason_tells_the_customer(customer, vendor, demo) -> None:
    _submitted(customer)
    assert "Proof 1 for AK-1001 rejected" in vendor.text("reject 1 amount does not match UPI")
    [[notice]] = _queued(demo, "order_proof", "+919811111111")
    assert "could not accept your payment screenshot for AK-1001" in notice.text
    assert "Reason: amount does not match UPI" in notice.text
    assert "Still due: ₹250.00" in notice.text
    assert "already rejected by Asha" in vendor.text("approve 1")
    assert _count(demo, Payment, Payment.proof_id.is_not(None)) == 0


def test_reject_button_asks_for_an_optional_reason(customer, vendor, demo) -> None:
    _submitted(customer)
    asked = vendor.say(button="reject:1")
    assert "Why is proof 1 rejected?" in joined(asked)
    assert "rejected" in vendor.text("skip")
    [[notice]] = _queued(demo, "order_proof", "+919811111111")
    assert "Reason" not in notice.text
    _submitted(customer, "AK-1003")
    vendor.say(button="reject:2")
    assert "Proof 2 for AK-1003 rejected" in vendor.text("Name on the screenshot is different")
    assert "Name on the screenshot is different" in _queued(demo, "order_proof", "+919811111111")[1][0].text


def test_approve_button_and_numbered_choice(customer, vendor, demo) -> None:
    _submitted(customer)
    assert "Proof 1 approved" in joined(vendor.say(button="approve:1"))
    _submitted(customer, "AK-1003")
    assert "Proof 2 approved" in vendor.text("1")  # the prompt's first choice, typed


def test_approve_or_reject_alone_needs_exactly_one_waiting(customer, vendor) -> None:
    assert "No payment proofs are waiting" in vendor.text("approve")
    _submitted(customer)
    _submitted(customer, "AK-1003")
    assert "2 proofs are waiting" in vendor.text("approve")
    assert "Proof 2 for AK-1003 rejected" in vendor.text("reject 2 wrong order")
    assert "Proof 1 approved" in vendor.text("approve")


def test_a_proof_for_a_cancelled_order_cannot_be_approved(customer, vendor, demo) -> None:
    _submitted(customer, "AK-1003")
    with unit_of_work(demo.sessions) as s:
        set_status(s, order_by_number(s, "AK-1003"), "cancelled", Actor("Asha"))
    # Issue 16.3: cancelling closed the waiting proof by itself; nothing is recorded.
    assert "already closed" in vendor.text("approve 1")
    assert _proofs(demo)[0].status == "closed"
    assert "already closed" in vendor.text("reject 1 order cancelled")
    assert _count(demo, Payment, Payment.proof_id.is_not(None)) == 0


def test_a_vendor_of_another_business_is_refused(customer, demo) -> None:
    _submitted(customer)
    meera = ChatDriver(demo, address=MEERA, phone=MEERA)
    assert "no payment proof 1" in meera.text("approve 1")
    assert "no payment proof 1" in meera.text("reject 1 no")
    assert "no payment proof 1" in meera.text("proof 1")
    assert "No payment proofs are waiting" in meera.text("proofs")
    assert "no longer applies" in joined(meera.say(button="approve:1"))
    assert "no longer applies" in joined(meera.say(button="reject:1"))
    assert _proofs(demo)[0].status == "pending"
    assert _count(demo, Payment, Payment.proof_id.is_not(None)) == 0


def test_removed_staff_decide_nothing(customer, vendor, demo) -> None:
    _submitted(customer)
    with unit_of_work(demo.sessions) as s:
        s.scalars(select(Staff).where(Staff.phone == ASHA)).one().active = False
    assert "approved" not in vendor.text("approve 1")
    assert "no longer applies" in joined(vendor.say(button="approve:1"))
    assert _proofs(demo)[0].status == "pending"


def test_customers_cannot_use_staff_commands(customer) -> None:
    _submitted(customer)
    assert "approved" not in customer.text("approve 1")
    assert "no longer applies" in joined(customer.say(button="approve:1"))
    assert _proofs(customer.runtime)[0].status == "pending"


def test_show_one_proof_with_its_image(customer, vendor) -> None:
    _submitted(customer)
    [reply] = vendor.say("proof 1")
    assert "Payment proof 1 · AK-1001" in reply.text and reply.image is not None
