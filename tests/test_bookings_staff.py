"""The salon's staff and their bookings in the chat, in English and Hindi: the day's
list, a booking in full, its statuses, a move in words, money and cancelling through the
order commands, the notices of a booking asked for and of a customer's wish to move or
cancel, with their buttons — through the real core, with the booking, its timeline, its
requests and the outbox checked in the database. The demo's clock is Tue 24 Nov 2026,
7:30 pm in Bengaluru: GS-B501 is tomorrow 11:00, GS-B502 the day after at 17:00."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from support import ChatDriver, verify_dialog
from test_every_channel import person, world  # noqa: F401 - `world` is a fixture

from handlers import notices
from store import bookings
from store.db import unit_of_work
from store.models import BookingRequest, OutboxMessage, Payment, StatusEvent
from store.queries import business_by_code, order_by_number

NEHA = "+919800000002"  # Glow Salon's staff
ASHA = "+919800000001"  # Asha's Kitchen: another business
RAVI = "+919811111111"  # GS-B501's customer
NNBSP = "\u202f"  # Babel's narrow no-break space before am/pm


def at(text: str) -> str:
    """"11:00 am" as the chat writes it."""
    return text.replace(" am", NNBSP + "am").replace(" pm", NNBSP + "pm")


@pytest.fixture
def neha(demo) -> ChatDriver:
    return ChatDriver(demo, address=NEHA, phone=NEHA)


@pytest.fixture
def ravi(demo) -> ChatDriver:
    """GS-B501's customer, with a chat linked to his phone: he hears of its changes."""
    driver = ChatDriver(demo, address=RAVI, phone=RAVI)
    driver.say("hi")
    return driver


@pytest.fixture
def neha_hi(demo) -> ChatDriver:
    return ChatDriver(demo, address=NEHA, phone=NEHA, lang="hi")


def _booking(runtime, number: str):
    with unit_of_work(runtime.sessions) as s:
        order = order_by_number(s, number)
        booking = order.booking
        s.expunge_all()
        return order, booking


def _outbox(runtime, kind: str | None = None) -> list[OutboxMessage]:
    with unit_of_work(runtime.sessions) as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        rows = list(s.scalars(query))
        s.expunge_all()
        return rows


def _render(runtime, message_id: int):
    with unit_of_work(runtime.sessions) as s:
        return notices.render(s, s.get(OutboxMessage, message_id))


def _ask(runtime, number: str, kind: str, wanted: datetime | None = None,
         text: str | None = None, reason: str | None = None) -> int:
    """The customer's wish, as the customer's chat would file it."""
    with unit_of_work(runtime.sessions) as s:
        request = bookings.request_change(
            s, order_by_number(s, number), kind, chat_id=None, wanted_starts_at=wanted,
            wanted_text=text, reason=reason, now=runtime.clock())
        return request.id


# ── the day's list and one booking ─────────────────────────────────────────────


def test_bookings_lists_today_and_tomorrow_by_time_each_a_choice(neha: ChatDriver) -> None:
    listing = neha.say("bookings")[0]
    assert listing.text.splitlines() == [
        "No bookings today, Tue 24 Nov.",
        "",
        "📅 Bookings, tomorrow, Wed 25 Nov:",
        at("• 11:00 am · GS-B501 · Ravi Kumar · Haircut and styling · Confirmed · due ₹600.00"),
    ]
    assert [b.payload for b in listing.buttons] == ["bo:GS-B501"]
    view = neha.text("1")
    for fragment in ["📅 Booking GS-B501 · Glow Salon", "✂️ Haircut and styling",
                     at("🕑 Wed 25 Nov, 11:00 am – 12:00 pm"), "💁 With Neha",
                     "📍 7 Church Street, Bengaluru", "Status: Confirmed",
                     "Price ₹800.00 · paid ₹200.00 · due ₹600.00",
                     "👤 Customer: Ravi Kumar · +91 98111 11111", "🕑 Timeline",
                     "💰 ₹200.00 received (UPI) · Neha",
                     "🔗 Details and updates: https://bot.example.test/b/"]:
        assert fragment in view, fragment
    payloads = [b.payload for b in neha.history[-1][0].buttons]
    assert payloads == ["bst:GS-B501:checked_in", "bst:GS-B501:completed",
                        "bst:GS-B501:no_show", "bsmove:GS-B501", "bst:GS-B501:cancelled",
                        "bo:GS-B501", "bl"]


def test_bookings_tomorrow_and_the_day_after_moves_in(neha: ChatDriver, demo, clock) -> None:
    assert "GS-B501" in neha.text("bookings tomorrow")
    assert "No bookings today" in neha.text("today's bookings")
    clock.advance(days=1)
    answer = neha.text("bookings")
    assert at("📅 Bookings, today, Wed 25 Nov:\n• 11:00 am · GS-B501") in answer
    assert at("📅 Bookings, tomorrow, Thu 26 Nov:\n• 5:00 pm · GS-B502 · Priya Sharma · "
              "Hair spa · Requested · due ₹1,200.00") in answer


def test_a_booking_number_opens_the_staff_view_and_orders_leave_bookings_out(
    neha: ChatDriver, demo
) -> None:
    view = neha.text("gs b502")
    assert "📅 Booking GS-B502" in view and "+91 98222 22222" in view
    assert [b.payload for b in neha.history[-1][0].buttons][:2] == [
        "bst:GS-B502:confirmed", "bsmove:GS-B502"]
    assert "No open orders right now." in neha.text("orders")
    asha = ChatDriver(demo, address=ASHA, phone=ASHA)
    assert "GS-B" not in asha.text("orders")


# ── statuses, money, cancelling ────────────────────────────────────────────────


def test_statuses_however_worded_and_the_customer_told(neha: ChatDriver, ravi, demo) -> None:
    verify_dialog(neha, [
        ("GS-B501 checked in", ["✅ GS-B501: Confirmed → Checked in.",
                                "The customer is being told."]),
        ("GS-B501 no show", ["GS-B501 is Checked in; it cannot go to Missed.",
                             "It can go to: Completed."]),
        ("done", ["✅ GS-B501: Checked in → Completed."]),  # the booking last opened
        ("GS-B502 confirmed", ["✅ GS-B502: Requested → Confirmed."]),
        ("GS-B502 ready", ["GS-B502 is Confirmed; it cannot go to Ready."]),
        ("GS-B502 no show", ["✅ GS-B502: Confirmed → Missed."]),
    ])
    assert _booking(demo, "GS-B501")[0].status == "completed"
    assert _booking(demo, "GS-B502")[0].status == "no_show"
    kinds = [(m.address, m.kind) for m in _outbox(demo)]
    assert kinds.count((RAVI, "booking_status")) == 2  # checked in, completed
    with unit_of_work(demo.sessions) as s:
        event = s.scalars(select(StatusEvent).where(StatusEvent.to_status == "checked_in")).one()
        assert (event.actor, event.from_status) == ("Neha", "confirmed")


def test_paid_and_cancel_through_the_order_commands(neha: ChatDriver, ravi, demo) -> None:
    verify_dialog(neha, [
        ("paid GS-B501 200 upi", ["₹200.00 (UPI) recorded for GS-B501",
                                  "Paid ₹400.00 of ₹800.00; due ₹400.00"]),
        ("cancel GS-B501 stylist is ill", ["❌ GS-B501 cancelled (was Confirmed).",
                                           "Reason: stylist is ill",
                                           "refund GS-B501 400.00 cash"]),
        ("paid GS-B501 100 cash", ["GS-B501 is cancelled; it takes no payments"]),
        ("refund GS-B501 400 upi", ["↩️ ₹400.00 (UPI) refunded on GS-B501",
                                    "payment: Refunded"]),
        ("move GS-B501 3/12 17:00", ["GS-B501 is Cancelled; it can no longer be moved."]),
    ])
    order, booking = _booking(demo, "GS-B501")
    assert (order.status, order.paid_minor, booking.sequence) == ("cancelled", 0, 1)
    with unit_of_work(demo.sessions) as s:
        methods = s.scalars(select(Payment.method).where(Payment.order_id == order.id)
                            .order_by(Payment.id)).all()
    assert methods == ["upi", "upi", "upi"]  # two payments, one refund
    assert {m.kind for m in _outbox(demo) if m.address == RAVI} >= {
        "booking_payment", "booking_status", "booking_refund"}


def test_cancel_asks_the_reason_first(neha: ChatDriver, demo) -> None:
    verify_dialog(neha, [
        ("cancel GS-B502", ["Why is GS-B502 being cancelled?"]),
        ("keep", ["GS-B502 was not cancelled."]),
    ])
    neha.say(button="bst:GS-B502:cancelled")
    assert "❌ GS-B502 cancelled (was Requested)." in neha.text("skip")
    assert _booking(demo, "GS-B502")[0].status == "cancelled"


# ── moving a booking ───────────────────────────────────────────────────────────


def test_move_in_words_tells_the_customer(neha: ChatDriver, ravi, demo) -> None:
    answer = neha.text("move GS-B501 3/12 17:00")
    assert at("🕑 GS-B501 moved: Wed 25 Nov, 11:00 am – 12:00 pm → Thu 3 Dec, "
              "5:00 pm – 6:00 pm.") in answer
    assert "The customer is being told." in answer
    _, booking = _booking(demo, "GS-B501")
    assert booking.starts_at.replace(tzinfo=UTC) == datetime(2026, 12, 3, 11, 30, tzinfo=UTC)
    assert booking.sequence == 1
    assert [m.kind for m in _outbox(demo) if m.address == RAVI] == ["booking_reschedule"]
    assert at("🕑 Moved: Wed 25 Nov, 11:00 am → Thu 3 Dec, 5:00 pm") in neha.text("GS-B501")


def test_move_asks_the_time_until_it_reads_one(neha: ChatDriver, demo) -> None:
    verify_dialog(neha, [
        ("move GS-B501", ["When should GS-B501 start?"]),
        ("whenever suits", ["I could not read a day and time in that."]),
        ("keep", ["Nothing was changed on GS-B501."]),
    ])
    neha.say(button="bsmove:GS-B501")
    assert at("→ Wed 25 Nov, 5:00 pm – 6:00 pm.") in neha.text("tomorrow 5pm")
    assert "already starts at" in neha.text("move GS-B501 tomorrow 5pm")
    neha.say("GS-B502")
    assert at("→ Thu 26 Nov, 11:30 am") in neha.text("reschedule 26/11 11:30")


# ── the notices and their buttons ──────────────────────────────────────────────


def test_a_booking_asked_for_reaches_the_staff_to_confirm_or_decline(
    neha: ChatDriver, demo, clock
) -> None:
    with unit_of_work(demo.sessions) as s:
        salon = business_by_code(s, "GS")
        starts = datetime(2026, 11, 27, 6, 30, tzinfo=UTC)  # Fri 27 Nov, noon in Bengaluru
        for number in ("GS-B503", "GS-B504"):
            bookings.create_booking(
                s, salon, number, bookings.NewBooking("Manicure", starts, 45, 50000),
                customer_name="Anu Rao", customer_phone="+919833333333", now=clock())
    news = [m for m in _outbox(demo, "booking_new") if m.address == NEHA]
    assert len(news) == 2
    [reply] = _render(demo, news[0].id)
    assert reply.text.splitlines()[:3] == [
        "🆕 Booking asked for: GS-B503 · Anu Rao · +91 98333 33333", "✂️ Manicure",
        at("🕑 Fri 27 Nov, 12:00 pm – 12:45 pm")]
    assert [b.payload for b in reply.buttons] == [
        "bst:GS-B503:confirmed", "bst:GS-B503:cancelled", "bo:GS-B503"]
    assert "✅ GS-B503: Requested → Confirmed." in neha.text(button="bst:GS-B503:confirmed")
    assert "GS-B503 is already Confirmed." in neha.text(button="bst:GS-B503:confirmed")
    assert "Why is GS-B504 being cancelled?" in neha.text(button="bst:GS-B504:cancelled")
    assert "Reason: fully booked that day" in neha.text("fully booked that day")
    assert (_booking(demo, "GS-B503")[0].status, _booking(demo, "GS-B504")[0].status) == (
        "confirmed", "cancelled")


def test_a_wish_to_move_accepted(neha: ChatDriver, ravi, demo) -> None:
    wanted = datetime(2026, 11, 25, 11, 30, tzinfo=UTC)  # Wed 25 Nov, 5 pm local
    request_id = _ask(demo, "GS-B501", "reschedule", wanted, "tomorrow 5pm")
    [message] = [m for m in _outbox(demo, "booking_request") if m.address == NEHA]
    [reply] = _render(demo, message.id)
    assert reply.text == at(
        "🔁 Ravi Kumar asks to move GS-B501 (Haircut and styling) from Wed 25 Nov, "
        "11:00 am – 12:00 pm to Wed 25 Nov, 5:00 pm – 6:00 pm (“tomorrow 5pm”).")
    assert [b.payload for b in reply.buttons] == [
        f"breq:{request_id}:yes", f"breq:{request_id}:propose", f"breq:{request_id}:no",
        "bo:GS-B501"]
    view = neha.text("GS-B501")
    assert "⏳ Waiting for you: the customer asks to move it to" in view
    assert neha.history[-1][0].buttons[0].payload == f"breq:{request_id}:yes"
    answer = neha.text(button=f"breq:{request_id}:yes")
    assert at("✅ Accepted: GS-B501 moved to Wed 25 Nov, 5:00 pm – 6:00 pm.") in answer
    _, booking = _booking(demo, "GS-B501")
    assert booking.starts_at.replace(tzinfo=UTC) == wanted
    assert "no longer waiting (accepted)" in neha.text(button=f"breq:{request_id}:no")
    assert [m.kind for m in _outbox(demo) if m.address == RAVI] == ["booking_reschedule"]


def test_another_time_proposed_or_a_wish_declined(neha: ChatDriver, ravi, demo) -> None:
    wanted = datetime(2026, 11, 25, 11, 30, tzinfo=UTC)
    request_id = _ask(demo, "GS-B501", "reschedule", wanted, "tomorrow 5pm")
    assert "What time do you propose for GS-B501?" in neha.text(
        button=f"breq:{request_id}:propose")
    assert "I could not read" in neha.text("sometime later")
    answer = neha.text("3/12 11:30")
    assert at("🕑 You proposed Thu 3 Dec, 11:30 am – 12:30 pm for GS-B501") in answer
    with unit_of_work(demo.sessions) as s:
        request = s.get(BookingRequest, request_id)
        assert (request.status, request.proposed_starts_at.replace(tzinfo=UTC)) == (
            "proposed", datetime(2026, 12, 3, 6, 0, tzinfo=UTC))
    assert "⏳ You proposed" in neha.text("GS-B501")
    assert "no longer waiting (another time proposed)" in neha.text(
        button=f"breq:{request_id}:yes")
    cancel_id = _ask(demo, "GS-B502", "cancel", reason="feeling unwell")
    [message] = [m for m in _outbox(demo, "booking_request") if m.address == NEHA][1:]
    [reply] = _render(demo, message.id)
    assert "asks to cancel GS-B502 (Hair spa" in reply.text and "feeling unwell" in reply.text
    assert "propose" not in " ".join(b.payload for b in reply.buttons)
    assert "🚫 Declined: GS-B502 stays at" in neha.text(button=f"breq:{cancel_id}:no")
    assert _booking(demo, "GS-B502")[0].status == "requested"
    assert [m.address for m in _outbox(demo, "booking_answer")] == [RAVI]  # Priya has no chat


def test_a_wish_to_cancel_accepted_cancels(neha: ChatDriver, demo) -> None:
    cancel_id = _ask(demo, "GS-B502", "cancel")
    answer = neha.text(button=f"breq:{cancel_id}:yes")
    assert "❌ GS-B502 cancelled (was Requested)." in answer
    assert _booking(demo, "GS-B502")[0].status == "cancelled"


# ── only their own business ────────────────────────────────────────────────────


def test_another_business_staff_and_customers_cannot_touch_a_booking(demo, customer) -> None:
    asha = ChatDriver(demo, address=ASHA, phone=ASHA)
    assert "GS-B501 is not an order of Asha's Kitchen" in asha.text("gs b501 confirmed")
    assert "Timeline" not in asha.text("GS-B501 checked in")  # the public view
    assert "no longer applies" in asha.text(button="bst:GS-B501:checked_in")
    assert "no longer applies" in asha.text(button="bsmove:GS-B501")
    assert "📅 Booking" not in asha.text(button="bo:GS-B501")
    asha.say("move GS-B501 3/12 17:00")
    request_id = _ask(demo, "GS-B501", "cancel")
    assert "no longer applies" in asha.text(button=f"breq:{request_id}:yes")
    customer.say("GS-B501 checked in")
    assert "no longer applies" in customer.text(button="bst:GS-B501:checked_in")
    order, booking = _booking(demo, "GS-B501")
    assert (order.status, booking.sequence) == ("confirmed", 0)
    assert "Timeline" not in asha.text("GS-B501")


# ── in Hindi, and on a platform's channel ──────────────────────────────────────


def test_the_salon_day_in_hindi(neha_hi: ChatDriver, ravi, demo) -> None:
    verify_dialog(neha_hi, [
        ("बुकिंग", ["आज, मंगल 24 नव॰ कोई बुकिंग नहीं है।", "📅 बुकिंग, कल, बुध 25 नव॰:",
                    "GS-B501 · Ravi Kumar · Haircut and styling · पक्का · बाकी ₹600.00"]),
        ("GS-B501", ["📅 बुकिंग GS-B501 · Glow Salon", "💁 Neha के साथ",
                     "कीमत ₹800.00 · चुकाया ₹200.00 · बाकी ₹600.00"]),
        ("GS-B501 पहुँच गए", ["✅ GS-B501: पक्का → पहुँच गए।", "ग्राहक को बताया जा रहा है।"]),
        ("GS-B502 समय बदलो", ["GS-B502 कब शुरू हो?"]),
        ("कल शाम 5 बजे", ["🕑 GS-B502 का समय बदला:", "बुध 25 नव॰"]),
        ("भुगतान GS-B502 500 नकद", ["₹500.00 (नकद) दर्ज किए गए", "बाकी ₹700.00"]),
        ("GS-B502 रद्द", ["GS-B502 क्यों रद्द हो रहा है?"]),
        ("छोड़ो", ["❌ GS-B502 रद्द कर दिया गया"]),
    ])
    assert _booking(demo, "GS-B501")[0].status == "checked_in"


def test_the_notices_in_hindi(neha_hi: ChatDriver, demo) -> None:
    neha_hi.say("नमस्ते")  # the chat's language is now Hindi
    request_id = _ask(demo, "GS-B501", "reschedule",
                      datetime(2026, 11, 25, 11, 30, tzinfo=UTC), "कल शाम 5 बजे")
    [message] = [m for m in _outbox(demo, "booking_request") if m.address == NEHA]
    [reply] = _render(demo, message.id)
    assert "Ravi Kumar GS-B501 (Haircut and styling) को" in reply.text
    assert "पर करना चाहते हैं (“कल शाम 5 बजे”)।" in reply.text
    assert [b.label for b in reply.buttons][:3] == ["✅ मान लें", "🕑 दूसरा समय सुझाएँ",
                                                   "🚫 मना करें"]
    assert "✅ मान लिया: GS-B501 अब बुध 25 नव॰" in neha_hi.text(button=f"breq:{request_id}:yes")


@pytest.mark.parametrize("channel", ["console", "web", "whatsapp"])
def test_the_staff_commands_on_every_channel_that_proves_a_phone(
    channel, world  # noqa: F811 - the fixture imported above
) -> None:
    staff = person(channel, world, NEHA)
    assert "GS-B501 · Ravi Kumar · Haircut and styling" in staff.text("bookings")
    assert "📅 Booking GS-B501 · Glow Salon" in staff.text("GS-B501")
    assert "✅ GS-B501: Confirmed → Checked in." in staff.text("GS-B501 checked in")
    assert "₹200.00 (UPI) recorded for GS-B501" in staff.text("paid GS-B501 200 upi")


def test_staff_help_names_the_booking_commands(neha: ChatDriver, neha_hi: ChatDriver) -> None:
    assert '"bookings" lists today\'s and tomorrow\'s bookings' in neha.text("help")
    assert '"बुकिंग" आज और कल की बुकिंग दिखाता है' in neha_hi.text("मदद")


def test_the_terminal_staff_chat_accepts_a_wish_by_the_notice_s_number(
    demo, database_url, tmp_path
) -> None:
    """`orderbot chat --vendor`: the notice queued while the chat was closed is printed
    when it opens, and its numbers choose its buttons (as on WhatsApp)."""
    from test_foundation import _run_chat

    _ask(demo, "GS-B501", "reschedule", datetime(2026, 11, 25, 11, 30, tzinfo=UTC), "tomorrow 5pm")
    done = _run_chat(database_url, tmp_path, "1\n", "--vendor", NEHA)
    assert done.returncode == 0, done.stderr
    assert "🔁 Ravi Kumar asks to move GS-B501" in done.stdout and "1. ✅ Accept" in done.stdout
    assert at("✅ Accepted: GS-B501 moved to Wed 25 Nov, 5:00 pm – 6:00 pm.") in done.stdout
    _, booking = _booking(demo, "GS-B501")
    assert booking.starts_at.replace(tzinfo=UTC) == datetime(2026, 11, 25, 11, 30, tzinfo=UTC)


def test_a_wish_answered_in_words(neha: ChatDriver, neha_hi: ChatDriver, demo) -> None:
    """The buttons typed: accept, decline, propose with or without the time."""
    wanted = datetime(2026, 11, 25, 11, 30, tzinfo=UTC)
    _ask(demo, "GS-B501", "reschedule", wanted, "tomorrow 5pm")
    assert at("🕑 You proposed Thu 3 Dec, 11:30 am – 12:30 pm for GS-B501") in neha.text(
        "propose GS-B501 3/12 11:30")
    _ask(demo, "GS-B501", "reschedule", wanted, "tomorrow 5pm")
    assert "What time do you propose for GS-B501?" in neha.text("suggest GS-B501")
    assert "🚫 Declined: GS-B501 stays at" in neha.text("decline GS-B501")  # another command
    _ask(demo, "GS-B501", "reschedule", wanted, "kal shaam 5 baje")
    assert at("✅ Accepted: GS-B501 moved to Wed 25 Nov, 5:00 pm") in neha.text("accept GS-B501")
    assert "Why is GS-B502 being cancelled?" in neha.text("decline GS-B502")  # asked for
    _ask(demo, "GS-B501", "cancel", reason="travelling")
    assert "🚫 मना किया: GS-B501" in neha_hi.text("GS-B501 मना करो")  # the chat in Hindi now
    with unit_of_work(demo.sessions) as s:
        outcomes = s.scalars(select(BookingRequest.status).order_by(BookingRequest.id)).all()
    assert outcomes == ["withdrawn", "declined", "accepted", "declined"]  # a new wish withdraws
