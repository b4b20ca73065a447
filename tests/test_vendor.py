"""The business's staff running their day in the chat, in English and Hindi: through
the real core, with the order, the timeline and the outbox checked in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from support import ChatDriver, verify_dialog

from store.db import unit_of_work
from store.models import OutboxMessage, Payment, StatusEvent
from store.queries import order_by_number

ASHA = "+919800000001"
MEERA = "+919800000003"  # Sweet Crumbs Bakery


@pytest.fixture
def asha(demo) -> ChatDriver:
    return ChatDriver(demo, address=ASHA, phone=ASHA)


@pytest.fixture
def priya(demo) -> ChatDriver:
    """The customer of AK-1003, with a chat linked to her phone."""
    driver = ChatDriver(demo, address="+919822222222", phone="+919822222222")
    driver.say("hi")
    return driver


def _order(runtime, number: str):
    with unit_of_work(runtime.sessions) as s:
        order = order_by_number(s, number)
        s.expunge_all()
        return order


def _notices(runtime) -> list[OutboxMessage]:
    with unit_of_work(runtime.sessions) as s:
        rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        s.expunge_all()
        return list(rows)


def test_open_orders_oldest_first_each_a_choice_that_opens_it(asha: ChatDriver) -> None:
    listing = asha.say("orders")[0]
    lines = listing.text.splitlines()
    assert [line.split(" · ")[0] for line in lines[1:]] == ["• AK-1002", "• AK-1001", "• AK-1003"]
    assert "Preparing · due ₹250.00" in listing.text and "SB-2001" not in listing.text
    assert [b.payload for b in listing.buttons] == ["vo:AK-1002", "vo:AK-1001", "vo:AK-1003"]
    view = asha.text("2")  # the second choice: AK-1001
    for fragment in ["Order AK-1001", "👤 Customer: Ravi Kumar · +91 98111 11111",
                     "📍 Address: 22 Residency Road", "🔒 Internal note: Regular; extra spicy",
                     "🕑 Timeline", "Received → Confirmed · Asha",
                     "💰 ₹150.00 received (UPI) · Asha", "Due: ₹250.00"]:
        assert fragment in view, fragment
    buttons = [b.payload for b in asha.history[-1][0].buttons]
    assert buttons[:3] == ["st:AK-1001:ready", "st:AK-1001:completed", "st:AK-1001:cancelled"]


def test_an_order_number_alone_opens_the_vendor_view(asha: ChatDriver) -> None:
    answer = asha.text("ak 1003")
    assert "+91 98222 22222" in answer and "🕑 Timeline" in answer
    assert asha.history[-1][0].buttons[0].payload == "st:AK-1003:confirmed"


@pytest.mark.parametrize(
    "command", ["AK-1001 ready", "ready AK-1001", "AK-1001 तैयार", "ak1001 ko ready karo",
                "mark AK-1001 as Ready!", "AK-1001 taiyar"]
)
def test_status_changes_however_worded(asha: ChatDriver, demo, command: str) -> None:
    assert "AK-1001: Preparing → Ready" in asha.text(command)
    assert _order(demo, "AK-1001").status == "ready"


def test_a_button_changes_the_status_and_the_timeline_names_who(asha: ChatDriver, demo) -> None:
    asha.say("AK-1001")
    assert "AK-1001: Preparing → Ready" in asha.text(button="st:AK-1001:ready")
    with unit_of_work(demo.sessions) as s:
        event = s.scalars(select(StatusEvent).order_by(StatusEvent.id.desc())).first()
        assert (event.from_status, event.to_status, event.actor) == ("preparing", "ready", "Asha")
        assert event.actor_staff_id is not None and event.created_at == demo.clock()


def test_a_change_tells_the_customer_in_their_language(asha: ChatDriver, priya: ChatDriver,
                                                       demo) -> None:
    priya.say("language hindi")
    assert "The customer is being told." in asha.text("AK-1003 confirmed")
    [notice] = _notices(demo)
    assert (notice.channel, notice.address, notice.kind) == (
        "console", "+919822222222", "order_status")
    from handlers import notices

    with unit_of_work(demo.sessions) as s:
        text = notices.render(s, s.get(OutboxMessage, notice.id))[0].text
    assert "AK-1003" in text and "पक्का" in text and "₹360.00" in text


def test_refused_moves_are_explained_and_change_nothing(asha: ChatDriver, demo) -> None:
    verify_dialog(asha, [
        ("AK-1001 confirmed", ["AK-1001 is Preparing; it cannot go to Confirmed",
                               "It can go to: Ready, Completed, Cancelled"]),
        ("AK-1004 ready", ["AK-1004 is Cancelled; it can no longer change"]),
        ("AK-1001 preparing", ["AK-1001 is already Preparing"]),
    ])
    assert _order(demo, "AK-1001").status == "preparing"
    assert _notices(demo) == []


def test_payments_taken_in_person(asha: ChatDriver, demo) -> None:
    verify_dialog(asha, [
        ("paid AK-1001 200 upi UTR1234", ["₹200.00 (UPI) recorded for AK-1001",
                                          "Paid ₹350.00 of ₹400.00; due ₹50.00",
                                          "Reference: UTR1234"]),
        ("paid AK-1001 100 cash", ["₹100.00 is more than the ₹50.00 left on AK-1001",
                                   "Nothing was recorded"]),
        ("AK-1001 50 mila", ["₹50.00 (Cash) recorded", "due ₹0.00"]),
        ("paid AK-1003", ["How much was paid on AK-1003?", "paid AK-1003 360.00 cash"]),
        ("paid AK-1004 10 cash", ["AK-1004 is cancelled; it takes no payments"]),
    ])
    order = _order(demo, "AK-1001")
    assert (order.paid_minor, order.payment_status) == (40000, "paid")
    with unit_of_work(demo.sessions) as s:
        payments = s.execute(select(Payment.amount_minor, Payment.method, Payment.reference)
                             .where(Payment.order_id == order.id).order_by(Payment.id)).all()
    assert payments == [(15000, "upi", None), (20000, "upi", "UTR1234"), (5000, "cash", None)]


def test_cancel_with_a_reason_or_asked_for_one(asha: ChatDriver, demo) -> None:
    verify_dialog(asha, [
        ("cancel AK-1003 customer asked", ["❌ AK-1003 cancelled (was Received)",
                                           "Reason: customer asked"]),
        ("cancel AK-1001", ["Why is AK-1001 being cancelled?"]),
        ("keep", ["AK-1001 was not cancelled"]),
        ("cancel AK-1001", ["Why is AK-1001 being cancelled?"]),
        ("orders", ["Open orders, oldest first"]),  # another command, not a reason
        ("cancel AK-1001", ["Why is AK-1001 being cancelled?"]),
        ("AK-1002", ["Order AK-1002"]),
    ])
    assert _order(demo, "AK-1001").status == "preparing"
    asha.say(button="st:AK-1001:cancelled")
    answer = asha.text("Out of paneer, sorry")
    assert "Reason: Out of paneer, sorry" in answer
    assert "refund AK-1001 150.00 cash" in answer  # it was partly paid
    with unit_of_work(demo.sessions) as s:
        reasons = s.scalars(select(StatusEvent.detail).where(StatusEvent.to_status == "cancelled")
                            .order_by(StatusEvent.id)).all()
    assert reasons[-2:] == [{"reason": "customer asked"}, {"reason": "Out of paneer, sorry"}]


def test_refunds_for_paid_orders(asha: ChatDriver, demo) -> None:
    verify_dialog(asha, [
        ("refund AK-1002 50 cash", ["₹50.00 (Cash) refunded on AK-1002",
                                    "Paid now ₹200.00; payment: Partly refunded"]),
        ("refund AK-1002 500", ["₹500.00 is more than the ₹200.00 paid on AK-1002"]),
        ("refund AK-1002", ["How much is being given back on AK-1002?"]),
        ("refund AK-1003 10", ["Nothing has been paid on AK-1003"]),
        ("refund AK-1002 200", ["₹200.00 (Cash) refunded", "payment: Refunded"]),
    ])
    assert _order(demo, "AK-1002").payment_status == "refunded"


def test_the_day_in_hindi(demo) -> None:
    asha = ChatDriver(demo, address=ASHA, phone=ASHA, lang="hi")
    verify_dialog(asha, [
        ("ऑर्डर", ["खुले ऑर्डर, सबसे पुराने पहले", "AK-1003 · Priya Sharma · मिल गया"]),
        ("AK-1003 पक्का", ["✅ AK-1003: मिल गया → पक्का", "ग्राहक"]),
        ("भुगतान AK-1003 १०० नकद", ["₹100.00 (नकद) दर्ज किए गए", "बाकी ₹260.00"]),
        ("AK-1003 रद्द", ["AK-1003 क्यों रद्द हो रहा है?"]),
        ("ग्राहक ने मना किया", ["❌ AK-1003 रद्द कर दिया गया", "कारण: ग्राहक ने मना किया"]),
        ("AK-1003 तैयार", ["AK-1003 रद्द है; इसमें अब बदलाव नहीं हो सकता"]),
        ("refund AK-1003 100 नकद", ["AK-1003 पर ₹100.00 (नकद) लौटाए गए"]),
    ])


def test_a_command_without_a_number_acts_on_the_order_last_opened(asha: ChatDriver, demo) -> None:
    assert "Which order?" in asha.text("ready")
    asha.say("AK-1001")
    assert "AK-1001: Preparing → Ready" in asha.text("ready")
    assert "₹250.00 (Cash) recorded for AK-1001" in asha.text("paid 250 cash")


def test_another_business_order_gets_the_customers_answer(asha: ChatDriver, demo) -> None:
    assert "SB-2001 is not an order of Asha's Kitchen" in asha.text("SB-2001 ready")
    answer = asha.text("SB-2001")
    assert "Order SB-2001" in answer and "For Ravi" in answer
    assert "Kumar" not in answer and "Timeline" not in answer and "98111" not in answer
    assert "no longer applies" in asha.text(button="st:SB-2001:ready")
    asha.say("paid SB-2001 100 cash")
    asha.say("cancel SB-2001 because")
    asha.say(button="vo:SB-2001")
    order = _order(demo, "SB-2001")
    assert (order.status, order.paid_minor) == ("confirmed", 20000)
    meera = ChatDriver(demo, address=MEERA, phone=MEERA)
    assert "SB-2001: Confirmed → Ready" in meera.text("SB-2001 ready")
    assert "AK-1001 is not an order of Sweet Crumbs" in meera.text("AK-1001 ready")
    assert "Timeline" not in meera.text("AK-1001")
    assert _order(demo, "AK-1001").status == "preparing"


def test_customers_cannot_use_vendor_commands(customer: ChatDriver, demo) -> None:
    customer.say("AK-1001 ready")
    customer.say("paid AK-1001 250 cash")
    assert "no longer applies" in customer.text(button="st:AK-1001:ready")
    order = _order(demo, "AK-1001")
    assert (order.status, order.paid_minor) == ("preparing", 15000)


@pytest.mark.parametrize("words", ["approve 12", "reject 12 blurry photo", "proofs",
                                   "approve 3 200"])
def test_proof_commands_are_left_to_the_proofs_feature(asha: ChatDriver, words: str) -> None:
    from handlers.vendor import commands as vendor

    replies = asha.say(words)
    assert not any(b.payload.startswith(("vo:", "st:", "vl")) for r in replies for b in r.buttons)
    assert not any(r.text.startswith(("Open orders", "✅", "💰")) for r in replies)
    assert vendor.FEATURE.intents[0].__name__ == "_command"


def test_watchers_hear_and_a_completed_order_says_thank_you(asha: ChatDriver, demo) -> None:
    from handlers import notices

    watcher = ChatDriver(demo, address="watcher", phone=None)
    watcher.say("AK-1002")
    watcher.say(button="notify:AK-1002")
    asha.say("AK-1002 done")
    [notice] = [n for n in _notices(demo) if n.address == "watcher"]
    with unit_of_work(demo.sessions) as s:
        text = notices.render(s, s.get(OutboxMessage, notice.id))[0].text
    assert "AK-1002" in text and "Completed" in text and "Thank you for ordering" in text


def test_a_change_that_rolls_back_leaves_no_notice(asha: ChatDriver, priya: ChatDriver, demo,
                                                   monkeypatch) -> None:
    from handlers.vendor import commands as vendor

    def crash(*_args, **_kwargs):
        raise RuntimeError("crash after the change, before the commit")

    monkeypatch.setattr(vendor, "told", crash)
    assert "something went wrong" in asha.text("AK-1003 confirmed")
    assert _order(demo, "AK-1003").status == "pending"
    assert _notices(demo) == []
    monkeypatch.undo()
    asha.say("AK-1003 confirmed")
    assert [n.address for n in _notices(demo)] == ["+919822222222"]


def test_whatsapp_reaches_a_customer_who_never_wrote(asha: ChatDriver, demo) -> None:
    from bot.runtime import reach_phones_on

    reach_phones_on(demo, "whatsapp")
    asha.say("AK-1003 confirmed")
    assert [(n.channel, n.address) for n in _notices(demo)] == [
        ("whatsapp", "whatsapp:+919822222222")]
    with unit_of_work(demo.sessions) as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_terminal_vendor_change_waits_for_the_customer_in_their_language(
    demo, database_url, tmp_path
) -> None:
    """The issue's Done-when, literally: a customer who never opened a chat, one in
    English and one in Hindi."""
    from test_foundation import _run_chat

    vendor = _run_chat(database_url, tmp_path, "AK-1003 confirmed\nAK-1001 ready\n",
                       "--vendor", ASHA)
    assert vendor.returncode == 0, vendor.stderr
    assert "AK-1003: Received → Confirmed" in vendor.stdout
    assert "[to +919822222222] 🔔 AK-1003 (Asha's Kitchen): Confirmed." in vendor.stdout
    english = _run_chat(database_url, tmp_path, "", "--phone", "+919822222222")
    assert english.returncode == 0, english.stderr
    assert "AK-1003 (Asha's Kitchen): Confirmed." in english.stdout
    assert "Still due: ₹360.00" in english.stdout
    assert {n.status for n in _notices(demo) if n.address == "+919822222222"} == {"sent"}
    hindi = _run_chat(database_url, tmp_path, "", "--phone", "+919811111111", "--lang", "hi")
    assert "AK-1001 (Asha's Kitchen): तैयार।" in hindi.stdout
    assert "कृपया Asha's Kitchen से ले जाएँ" in hindi.stdout


def test_the_vendor_view_lists_proofs_with_their_status(asha: ChatDriver, demo, clock) -> None:
    from store.models import MediaFile, PaymentProof, Staff

    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "AK-1001")
        media = MediaFile(sha256="0" * 64, content_type="image/png", size=10, created_at=clock())
        s.add(media)
        s.flush()
        staff = s.scalars(select(Staff).where(Staff.phone == ASHA)).one()
        s.add_all([
            PaymentProof(business_id=order.business_id, number=1, order_id=order.id,
                         media_id=media.id, claimed_minor=25000, created_at=clock()),
            PaymentProof(business_id=order.business_id, number=2, order_id=order.id,
                         media_id=media.id, claimed_minor=5000, status="rejected",
                         decided_by_staff_id=staff.id, decided_at=clock(), reason="blurry",
                         created_at=clock()),
        ])
    view = asha.text("AK-1001")
    assert "🧾 Payment proofs" in view
    assert "• #1 · ₹250.00 · sent 24 Nov 2026, 7:30\u202fpm · waiting for review" in view
    rejected = next(line for line in view.splitlines() if line.startswith("• #2"))
    assert "· rejected by Asha" in rejected and "₹50.00 · sent" in rejected
    assert rejected.endswith("— blurry")
    stranger = ChatDriver(demo, address="x", phone=None)
    assert "Payment proofs" not in stranger.text("AK-1001")


def test_a_shipment_step_reads_in_the_vendor_timeline(demo) -> None:
    from store.shipments import CarrierUpdate, record_update

    with unit_of_work(demo.sessions) as s:
        record_update(s, CarrierUpdate(provider="generic", carrier_status="OUT FOR DELIVERY",
                                       step="out_for_delivery", order_number="AK-1002"),
                      now=demo.clock())
    english = ChatDriver(demo, address=ASHA, phone=ASHA).text("AK-1002")
    assert any(line.startswith("• ") and "· 🚚 Out for delivery · " in line
               for line in english.splitlines())
    hindi = ChatDriver(demo, address=ASHA, phone=ASHA, lang="hi")
    hindi.say("language hindi")
    assert "out_for_delivery" not in hindi.text("AK-1002")


def test_colleagues_hear_of_money_and_cancellations_not_of_routine_steps(demo) -> None:
    """Raju takes ₹100 cash, refunds ₹50, marks an order ready and cancels another:
    Asha hears of the money and the cancellation, in her language; Raju of none of it."""
    from support import ChatDriver
    from sqlalchemy import select as select_

    from handlers import notices
    from store.db import unit_of_work
    from store.models import OutboxMessage, Staff
    from store.queries import business_by_code

    with unit_of_work(demo.sessions) as s:
        business = business_by_code(s, "AK")
        s.add(Staff(business_id=business.id, name="Raju", phone="+919800000009"))
    raju = ChatDriver(demo, address="+919800000009", phone="+919800000009")
    raju.say("paid AK-1003 100 cash")
    raju.say("refund AK-1003 50 cash")
    raju.say("AK-1004 ready")
    raju.say("cancel AK-1001 customer asked")
    with unit_of_work(demo.sessions) as s:
        news = s.scalars(select_(OutboxMessage).where(OutboxMessage.kind == "staff_update")
                         .order_by(OutboxMessage.id)).all()
        assert {m.address for m in news} == {"+919800000001"}  # Asha only, never Raju
        texts = [notices.render(s, m)[0].text for m in news]
    assert len(texts) == 3, texts
    assert "Raju recorded ₹100.00 (Cash) for AK-1003" in texts[0]
    assert "Raju refunded ₹50.00 (Cash) on AK-1003" in texts[1]
    assert "Raju cancelled AK-1001: customer asked" in texts[2]
