"""Money as a shop expects it (issue 16): a refund never makes money due again, a
discount or a charge is a line of the order, a proof with nothing left to decide is
closed, an amount is asked about rather than changed, and the https pay link."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select
from support import ChatDriver, joined
from test_proof_decisions import _submit
from test_proofs_chat import ASHA, send

from handlers import notices
from handlers.orders import page
from handlers.orders.links import order_page_path
from store.db import unit_of_work
from store.models import OutboxMessage, Payment, PaymentProof, Staff
from store.queries import order_by_number

MOBILE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/126.0 Mobile Safari/537.36")
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"


@pytest.fixture
def vendor(demo) -> ChatDriver:
    return ChatDriver(demo, address=ASHA, phone=ASHA)


@pytest.fixture
def vendor_hi(demo) -> ChatDriver:
    return ChatDriver(demo, address=ASHA, phone=ASHA, lang="hi")


@pytest.fixture
def customer_hi(demo) -> ChatDriver:
    return ChatDriver(demo, lang="hi")


def queued(runtime, kind: str, address: str = "+919811111111") -> list[str]:
    """The queued notices of one kind for one address, as they would be sent."""
    with unit_of_work(runtime.sessions) as s:
        rows = s.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == kind, OutboxMessage.address == address,
        ).order_by(OutboxMessage.id)).all()
        return [joined(notices.render(s, row)) + "\n" + " ".join(
            b.payload for r in notices.render(s, row) for b in r.buttons) for row in rows]


def page_of(client, runtime, number: str, lang: str = "en") -> str:
    with unit_of_work(runtime.sessions) as s:
        path = order_page_path(runtime.settings.secret_key, order_by_number(s, number).id)
    return client.get(f"{path}?lang={lang}").get_data(as_text=True)


def pay_path(answer: str) -> str:
    match = re.search(r"https://bot\.example\.test(/pay/[\w.\-]+)", answer)
    assert match, answer
    return match.group(1)


# ── 1. a refund never makes money due again ─────────────────────────────────────


def test_a_refund_on_a_paid_order_leaves_nothing_due_anywhere(vendor, customer, demo, client):
    customer.say(button="notify:AK-1002")
    answer = vendor.text("refund AK-1002 50 cash")
    assert "₹50.00 (Cash) refunded on AK-1002" in answer
    view = customer.text("AK-1002")
    assert "Refunded: ₹50.00" in view and "Due: ₹0.00" in view
    assert "How to pay" not in view and "/pay/" not in view
    replies = customer.say("AK-1002")
    assert all(r.image is None for r in replies)  # no QR
    assert all(not b.payload.startswith("pay:") for r in replies for b in r.buttons)
    refund_notice = queued(demo, "order_refund")[-1]
    assert "₹50.00 refunded for AK-1002" in refund_notice and "pay:" not in refund_notice
    vendor.text("AK-1002 completed")
    done = queued(demo, "order_status")[-1]
    assert "Still due" not in done and "pay:" not in done
    html = page_of(client, demo, "AK-1002")
    assert 'id="pay"' not in html and "₹50.00" in html and 'id="paid-badge"' in html


def test_a_refund_in_hindi_leaves_nothing_due(vendor_hi, customer_hi) -> None:
    assert "₹50.00" in vendor_hi.text("रिफंड AK-1002 50 नकद")
    view = customer_hi.text("AK-1002")
    assert "बाकी: ₹0.00" in view and "/pay/" not in view


def test_a_cancelled_paid_order_shows_what_is_to_be_refunded_then_refunded(
    vendor, customer, demo, client,
) -> None:
    customer.say(button="notify:AK-1002")
    vendor.text("cancel AK-1002 out of stock")
    assert "₹250.00 is to be refunded to you" in queued(demo, "order_status")[-1]
    view = customer.text("AK-1002")
    assert "To be refunded: ₹250.00" in view and "nothing is due" in view
    assert "To be refunded" in page_of(client, demo, "AK-1002")
    assert "₹250.00" in vendor.text("refund AK-1002 250 cash")
    view = customer.text("AK-1002")
    assert "Refunded: ₹250.00" in view and "To be refunded" not in view
    assert "वापस" in page_of(client, demo, "AK-1002", "hi")


# ── 2. discounts and charges ────────────────────────────────────────────────────


def test_a_discount_lowers_what_is_due_and_is_shown(vendor, customer, demo, client) -> None:
    customer.say(button="notify:AK-1001")
    answer = vendor.text("discount AK-1001 50 late delivery")
    assert "Discount of ₹50.00 on AK-1001 (late delivery)" in answer and "due ₹200.00" in answer
    view = customer.text("AK-1001")
    for fragment in ["Discount (late delivery): −₹50.00", "Total: ₹350.00", "Due: ₹200.00",
                     "How to pay ₹200.00"]:
        assert fragment in view, fragment
    notice = queued(demo, "order_adjustment")[-1]
    assert "discount of ₹50.00 on AK-1001 (late delivery)" in notice
    assert "Still due: ₹200.00" in notice
    html = page_of(client, demo, "AK-1001")
    assert "Discount (late delivery): −₹50.00" in html and "Discount of ₹50.00" in html
    assert "Discount of ₹50.00" in vendor.text("AK-1001")  # the staff's timeline


def test_a_discount_in_hindi(vendor_hi, customer_hi) -> None:
    answer = vendor_hi.text("छूट AK-1001 50 देर से डिलीवरी")
    assert "₹50.00 की छूट" in answer and "बाकी ₹200.00" in answer
    view = customer_hi.text("AK-1001")
    assert "छूट (देर से डिलीवरी): −₹50.00" in view and "बाकी: ₹200.00" in view


def test_a_discount_below_what_was_paid_is_to_be_refunded(vendor, customer, demo) -> None:
    customer.say(button="notify:AK-1002")
    answer = vendor.text("discount AK-1002 50")
    assert "₹50.00 is to be refunded" in answer and "refund AK-1002 50.00" in answer
    view = customer.text("AK-1002")
    assert "To be refunded: ₹50.00" in view and "Due: ₹0.00" in view
    assert "₹50.00 is to be refunded to you" in queued(demo, "order_adjustment")[-1]
    vendor.text("refund AK-1002 50 cash")
    view = customer.text("AK-1002")
    assert "To be refunded" not in view and "Due: ₹0.00" in view


def test_a_charge_adds_to_the_total(vendor, customer) -> None:
    assert "Total now ₹440.00" in vendor.text("charge AK-1001 40 delivery")
    assert "Extra charge (delivery): +₹40.00" in customer.text("AK-1001")


def test_a_discount_cannot_take_the_total_below_zero(vendor, demo) -> None:
    assert "below zero" in vendor.text("discount AK-1003 500")
    with unit_of_work(demo.sessions) as s:
        assert order_by_number(s, "AK-1003").total_minor == 36000
    assert "How much is the discount" in vendor.text("discount AK-1003")


# ── 3. proofs with nothing left to decide ───────────────────────────────────────


def _proof_on(customer: ChatDriver, number: str, caption: str = "paid 250") -> None:
    customer.text(number)
    assert "Received your payment screenshot" in send(customer, caption)


def test_a_proof_on_a_paid_order_can_be_closed_in_one_word(vendor, demo) -> None:
    """A proof left waiting on a paid order (sent before it was paid, kept from before
    this release): the prompt says so, and "close 1" ends it."""
    proof_id = _submit(demo, "AK-1002", 25000)
    prompt = queued(demo, "proof_prompt", ASHA)[-1]
    assert "already paid in full" in prompt and "close 1" in prompt
    assert "More than the" not in prompt and "closeproof:1" in prompt
    answer = vendor.text("approve 1")
    assert "already paid in full" in answer and "approve 1 0.00" not in answer
    assert "closed" in vendor.text("close 1")
    assert "already closed" in vendor.text("close 1")
    with unit_of_work(demo.sessions) as s:
        assert s.get(PaymentProof, proof_id).status == "closed"
        assert s.scalars(select(Payment).where(Payment.proof_id.is_not(None))).all() == []


def test_the_close_button_in_hindi(vendor_hi, demo) -> None:
    vendor_hi.text("सबूत")  # Asha's chat, in Hindi
    _submit(demo, "AK-1002", 25000)
    assert "पूरा भुगतान हो चुका" in queued(demo, "proof_prompt", ASHA)[-1]
    assert "बंद किया गया" in joined(vendor_hi.say(button="closeproof:1"))


def test_a_proof_closes_by_itself_when_the_order_is_paid(customer, vendor, demo) -> None:
    colleague = ChatDriver(demo, address="+919800000009", phone="+919800000009")
    with unit_of_work(demo.sessions) as s:
        business = order_by_number(s, "AK-1001").business
        s.add(Staff(business_id=business.id, name="Kiran", phone="+919800000009"))
    colleague.text("orders")
    _proof_on(customer, "AK-1001")
    vendor.text("paid AK-1001 250 cash")
    for staff in ("+919800000009", ASHA):  # everyone asked is told, once
        told = queued(demo, "proof_decided", staff)
        assert len(told) == 1 and "closed: the order is paid in full" in told[0]
    assert "No payment proofs are waiting" in vendor.text("proofs")


def test_close_in_hindi_and_not_while_something_is_due(customer, vendor_hi, demo) -> None:
    _proof_on(customer, "AK-1001", "paid 100")
    assert "अभी ₹250.00 बाकी" in vendor_hi.text("बंद 1")
    vendor_hi.text("छूट AK-1001 250")
    assert "पहले ही बंद" in vendor_hi.text("बंद 1")


# ── 4. amounts are never silently changed ───────────────────────────────────────


@pytest.mark.parametrize("typed, expected", [
    ("-50", "cannot be negative"), ("250.555", "Did you mean 250.55 or 250.56"),
])
def test_a_customer_amount_is_asked_about_not_changed(customer, demo, typed, expected) -> None:
    customer.text("AK-1001")
    assert "How much did you pay" in send(customer)
    assert expected in customer.text(typed)
    with unit_of_work(demo.sessions) as s:
        assert s.scalars(select(PaymentProof)).all() == []
    assert "Received your payment screenshot" in customer.text("250")


def test_a_caption_with_a_negative_amount_is_asked_about(customer_hi, demo) -> None:
    customer_hi.text("AK-1001")
    assert "माइनस" in send(customer_hi, "-50")
    assert "दशमलव" in customer_hi.text("250.555")


@pytest.mark.parametrize("command, expected", [
    ("paid AK-1001 -50 cash", "cannot be negative"),
    ("refund AK-1002 250.555", "Did you mean 250.55 or 250.56"),
    ("discount AK-1001 -50", "cannot be negative"),
    ("भुगतान AK-1001 -50 नकद", "cannot be negative"),
])
def test_a_staff_amount_is_asked_about_not_changed(vendor, demo, command, expected) -> None:
    assert expected in vendor.text(command)
    with unit_of_work(demo.sessions) as s:
        assert order_by_number(s, "AK-1001").paid_minor == 15000
        assert order_by_number(s, "AK-1002").refunded_minor == 0
        assert order_by_number(s, "AK-1001").total_minor == 40000


def test_approving_with_a_negative_amount_is_asked_about(customer, vendor, demo) -> None:
    _proof_on(customer, "AK-1001")
    assert "cannot be negative" in vendor.text("approve 1 -50")
    assert "दशमलव" in ChatDriver(demo, address=ASHA, phone=ASHA, lang="hi").text("approve 1 1.505")
    with unit_of_work(demo.sessions) as s:
        assert s.scalars(select(PaymentProof)).one().status == "pending"


# ── 13. the https pay link ──────────────────────────────────────────────────────


def test_the_pay_link_opens_the_upi_app_on_a_phone_and_shows_the_qr_elsewhere(
    customer, client,
) -> None:
    path = pay_path(customer.text("AK-1001"))
    phone = client.get(path, headers={"User-Agent": MOBILE})
    html = phone.get_data(as_text=True)
    assert phone.status_code == 200 and "pay.js" in html and "data-open-upi" in html
    link = re.search(r'id="open-upi" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link.startswith("upi://pay?pa=ashaskitchen@okaxis") and "am=250.00" in link
    assert "cu=INR" in link and "tn=AK-1001" in link
    assert "<script>" not in html  # no inline script: the CSP allows 'self' only
    computer = client.get(path, headers={"User-Agent": DESKTOP}).get_data(as_text=True)
    assert "pay.js" not in computer and 'id="upi-qr"' in computer
    assert "ashaskitchen@okaxis" in computer and "copy.js" in computer
    qr = re.search(r'id="upi-qr" src="([^"]+)"', computer).group(1)
    assert client.get(qr).mimetype == "image/png"
    assert "UPI ऐप खोलें" in client.get(path + "?lang=hi", headers={"User-Agent": MOBILE}
                                       ).get_data(as_text=True)


def test_the_pay_link_follows_what_is_due_and_refuses_a_forged_token(customer, vendor, client):
    path = pay_path(customer.text("AK-1001"))
    vendor.text("paid AK-1001 250 cash")
    html = client.get(path, headers={"User-Agent": MOBILE}).get_data(as_text=True)
    assert "Nothing is due on AK-1001" in html and "upi://" not in html
    assert client.get("/pay/MQ.forged").status_code == 404
    assert client.get("/favicon.ico").mimetype == "image/svg+xml"


def test_the_page_has_copy_buttons_and_chat_links(demo, client) -> None:
    settings = replace(demo.settings, whatsapp_number="+14155238886",
                       telegram_bot_username="AshasKitchenBot")
    with unit_of_work(demo.sessions) as s:
        view = page.build(s, settings, order_by_number(s, "AK-1001"), "en")
    assert view.contact.whatsapp_href == "https://wa.me/14155238886?text=AK-1001"
    assert view.contact.telegram_href == "https://t.me/AshasKitchenBot?start=AK-1001"
    html = page_of(client, demo, "AK-1001")
    assert 'data-copy="ashaskitchen@okaxis"' in html and 'data-copy="50100234567890"' in html
    assert "copy.js" in html and "favicon.svg" in html and "<script>" not in html


def test_a_colleague_hears_of_a_discount(vendor, demo) -> None:
    kiran = ChatDriver(demo, address="+919800000009", phone="+919800000009", lang="hi")
    with unit_of_work(demo.sessions) as s:
        business = order_by_number(s, "AK-1001").business
        s.add(Staff(business_id=business.id, name="Kiran", phone="+919800000009"))
    kiran.text("orders")
    vendor.text("discount AK-1001 50 late delivery")
    [news] = queued(demo, "staff_update", "+919800000009")
    assert "Asha" in news and "AK-1001" in news and "−₹50.00" in news and "₹200.00" in news


def test_the_prompt_template_says_the_order_is_paid(demo) -> None:
    _submit(demo, "AK-1002", 25000)
    with unit_of_work(demo.sessions) as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "proof_prompt")).first()
        fields = notices.fields_of(s, row)
    assert "already paid in full" in fields["6"] and "More than" not in fields["6"]
