"""A booking in the customer's chat, in English and Hindi: the number typed shows the
booking (day and time in words, what is due, how to pay, its page); the customer asks
to move it in their own words or to cancel it, the staff decide (here through the
store, as their chat would), and the customer hears each outcome. The demo's clock:
Tue 24 Nov 2026, 7:30 pm in Bengaluru; GS-B501 is Wed 25 Nov, 11:00 am."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from support import ChatDriver
from support.channels import queued_notices
from test_foundation import _run_chat

from handlers import notices
from store import bookings, outbox
from store.db import unit_of_work
from store.models import BookingRequest, OutboxMessage
from store.orders import Actor, record_payment
from store.queries import business_by_code, order_by_number

RAVI = "+919811111111"  # GS-B501
NEHA = "+919800000002"  # Glow Salon's staff
AT_11 = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)  # 11:00 am in Bengaluru
AT_5PM = datetime(2026, 11, 25, 11, 30, tzinfo=UTC)  # 5:00 pm


def news(chat: ChatDriver, seen: set[int]) -> str:
    """What was queued for this chat since last asked, as the terminal prints it."""
    return "\n".join(r.text for r in queued_notices(chat.runtime, "console", chat.address, seen))


def requests(runtime) -> list[BookingRequest]:
    with unit_of_work(runtime.sessions) as s:
        return list(s.scalars(select(BookingRequest).order_by(BookingRequest.id)))


def staff_kinds(runtime) -> list[str]:
    with unit_of_work(runtime.sessions) as s:
        return list(s.scalars(select(OutboxMessage.kind).where(OutboxMessage.address == NEHA)))


def staff_news(runtime, kind: str) -> list[str]:
    """The texts of `kind` queued for Neha's console chat."""
    with unit_of_work(runtime.sessions) as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.address == NEHA,
                                                     OutboxMessage.kind == kind)).all()
        return [reply.text for row in rows for reply in notices.render(s, row)]


def staff(runtime):
    with unit_of_work(runtime.sessions) as s:
        neha = business_by_code(s, "GS").staff[0]
        return Actor(neha.name, neha.id)


# ── the booking's view ───────────────────────────────────────────────────────


def test_the_booking_shows_when_what_is_due_and_how_to_pay(customer: ChatDriver) -> None:
    answer = customer.text("GS-B501")
    for fragment in [
        "📅 Booking GS-B501 · Glow Salon", "For Ravi Kumar", "Service: Haircut and styling",
        "When: Wed 25 Nov, 11:00\u202fam – 12:00\u202fpm", "With: Neha",
        "Where: 7 Church Street, Bengaluru",
        "Map: https://www.google.com/maps/search/?api=1&query=7+Church+Street%2C+Bengaluru",
        "Status: Confirmed", "✅ Requested → 🔵 Confirmed → ⚪ Checked in → ⚪ Completed",
        "Price: ₹800.00", "Paid: ₹200.00", "Due: ₹600.00", "UPI ID: glowsalon@okicici",
        "Pay ₹600.00 by UPI (tap): https://bot.example.test/pay/",
        "🔗 Details and updates: https://bot.example.test/b/",
        "Questions? Contact Glow Salon: +91 98000 00002",
    ]:
        assert fragment in answer, fragment
    labels = [b.label for b in customer.history[-1][0].buttons]
    assert labels == ["Add to calendar", "Ask to reschedule", "Ask to cancel", "How to pay",
                      "Contact"]
    assert customer.history[-1][1].image is not None  # the UPI QR for ₹600


def test_the_booking_in_hindi(demo) -> None:
    answer = ChatDriver(demo, lang="hi").text("GS-B501")
    for fragment in ["📅 बुकिंग GS-B501 · Glow Salon",
                     "कब: बुध 25 नव॰, 11:00\u202fam – 12:00\u202fpm",
                     "स्थिति: पक्का", "बाकी: ₹600.00", "UPI से ₹600.00 चुकाएँ (टैप करें): http",
                     "/b/", "?lang=hi"]:
        assert fragment in answer, fragment
    assert "Due" not in answer


@pytest.mark.parametrize("spelling", ["GS-B501", "gs b501", "gsb501", "#GS b501",
                                      "where is my booking GS-B501?", "GS-B५०१"])
def test_booking_numbers_are_forgiven(stranger: ChatDriver, spelling: str) -> None:
    assert "Booking GS-B501" in stranger.text(spelling)


def test_anyone_with_the_number_sees_no_more_than_an_order_shows(stranger: ChatDriver) -> None:
    answer = stranger.text("GS-B501")
    assert "For Ravi" in answer and "Kumar" not in answer and "98111" not in answer
    assert "Only the person who booked GS-B501" in stranger.text(button="bmove:GS-B501")
    assert "Only the person who booked GS-B501" in stranger.text(button="bcancel:GS-B501")
    assert "calendar.ics" in stranger.text(button="bcal:GS-B501")
    assert "I will message you here when GS-B501 changes." in stranger.text(
        button="notify:GS-B501")
    assert requests(stranger.runtime) == []


def test_buttons_name_only_bookings_this_chat_has_seen(stranger: ChatDriver) -> None:
    assert "no longer applies" in stranger.text(button="bcal:GS-B502")
    assert "no longer applies" in stranger.text(button="bmove:GS-B502")


def test_calendar_and_contact(customer: ChatDriver) -> None:
    customer.say("GS-B501")
    calendar = customer.text(button="bcal:GS-B501")
    assert calendar.startswith("📆 Add GS-B501 to your calendar: https://bot.example.test/b/")
    assert calendar.endswith("/calendar.ics")
    assert customer.text(button="bcontact:GS-B501") == (
        "Questions? Contact Glow Salon: +91 98000 00002")


# ── asking to move it ────────────────────────────────────────────────────────


def test_a_move_asked_in_words_reaches_the_staff_and_their_yes_moves_it(customer) -> None:
    seen: set[int] = set()
    customer.say("GS-B501")
    asked = customer.text(button="bmove:GS-B501")
    assert "GS-B501 is now Wed 25 Nov, 11:00\u202fam – 12:00\u202fpm" in asked
    confirm = customer.text("tomorrow 5pm")
    assert confirm == "Ask Glow Salon to move GS-B501 to Wed 25 Nov, 5:00\u202fpm – 6:00\u202fpm?"
    assert requests(customer.runtime) == []  # nothing is asked before the yes
    sent = customer.text("1")
    assert sent.startswith("✅ Sent. You asked Glow Salon to move GS-B501 to Wed 25 Nov, 5:00")
    assert "Nothing changes until they answer" in sent
    [request] = requests(customer.runtime)
    assert (request.kind, request.status, request.wanted_starts_at) == (
        "reschedule", "pending", AT_5PM)
    assert request.wanted_text == "tomorrow 5pm"
    assert "booking_request" in staff_kinds(customer.runtime)
    assert "⏳ You asked to move it to Wed 25 Nov, 5:00\u202fpm" in customer.text("GS-B501")
    news(customer, seen)
    neha = staff(customer.runtime)
    with unit_of_work(customer.runtime.sessions) as s:
        bookings.decide_request(s, s.get(BookingRequest, request.id), True,
                                neha, now=customer.runtime.clock())
    told = news(customer, seen)
    assert ("📅 GS-B501 (Glow Salon) is moved to Wed 25 Nov, 5:00\u202fpm – 6:00\u202fpm "
            "(it was Wed 25 Nov, 11:00\u202fam).") in told
    assert "Update your calendar: https://bot.example.test/b/" in told
    assert "When: Wed 25 Nov, 5:00\u202fpm – 6:00\u202fpm" in customer.text("GS-B501")


def test_a_move_asked_in_hindi(demo) -> None:
    chat = ChatDriver(demo, lang="hi")
    chat.say("GS-B501")
    assert "आपके लिए कौन-सा दिन और समय ठीक रहेगा" in chat.text(button="bmove:GS-B501")
    assert chat.text("कल शाम 5 बजे") == (
        "Glow Salon से GS-B501 को बुध 25 नव॰, 5:00\u202fpm – 6:00\u202fpm पर करने को कहें?")
    assert "✅ भेज दिया" in chat.text("हाँ")
    assert [(r.kind, r.wanted_starts_at) for r in requests(demo)] == [("reschedule", AT_5PM)]


def test_words_that_are_no_time_are_asked_again_and_help_leaves(customer) -> None:
    customer.say("GS-B501")
    customer.say(button="bmove:GS-B501")
    assert "could not read a day and time" in customer.text("whenever suits")
    assert "That is already when GS-B501 is" in customer.text("tomorrow 11am")
    assert "Hello!" in customer.text("help")
    assert "Booking GS-B501" in customer.text("GS-B501")  # the question is left
    assert requests(customer.runtime) == []


def test_my_orders_typed_instead_of_a_time_is_answered(customer) -> None:
    customer.say("GS-B501")
    customer.say(button="bmove:GS-B501")
    assert "Bookings and orders for +91 98111 11111" in customer.text("my orders")
    assert requests(customer.runtime) == []


def test_no_keeps_the_booking(customer) -> None:
    customer.say("GS-B501")
    customer.say(button="bmove:GS-B501")
    customer.say("3/12 11:30")
    assert customer.text("no") == "OK, GS-B501 stays as it is."
    assert requests(customer.runtime) == []


# ── asking to cancel ─────────────────────────────────────────────────────────


def test_a_cancel_is_a_request_and_a_decline_is_told(customer) -> None:
    seen: set[int] = set()
    customer.say("GS-B501")
    assert customer.text(button="bcancel:GS-B501") == (
        "Ask Glow Salon to cancel GS-B501 (Wed 25 Nov, 11:00\u202fam – 12:00\u202fpm)?")
    assert customer.text("yes").startswith("✅ Sent. You asked Glow Salon to cancel GS-B501.")
    [request] = requests(customer.runtime)
    assert (request.kind, request.status) == ("cancel", "pending")
    news(customer, seen)
    neha = staff(customer.runtime)
    with unit_of_work(customer.runtime.sessions) as s:
        bookings.decide_request(s, s.get(BookingRequest, request.id), False,
                                neha, now=customer.runtime.clock())
    assert news(customer, seen) == (
        "Glow Salon did not cancel GS-B501; it stays Wed 25 Nov, 11:00\u202fam – 12:00\u202fpm. "
        "Contact Glow Salon: +91 98000 00002")


def test_a_cancel_inside_the_business_window_is_at_once(customer) -> None:
    seen: set[int] = set()
    with unit_of_work(customer.runtime.sessions) as s:
        business_by_code(s, "GS").cancel_before_hours = 12  # 15½ hours are left
    customer.say("GS-B501")
    assert customer.text(button="bcancel:GS-B501").startswith("Cancel GS-B501 (Wed 25 Nov")
    assert customer.text("1") == "❌ GS-B501 is cancelled. Glow Salon is told."
    assert requests(customer.runtime) == []
    assert "staff_update" in staff_kinds(customer.runtime)
    told = news(customer, seen)
    assert "🔔 GS-B501 (Glow Salon): Cancelled. Haircut and styling, Wed 25 Nov" in told
    view = customer.text("GS-B501")
    assert "❌ Cancelled" in view and "This booking was cancelled; nothing is due." in view
    assert "Ask to reschedule" not in [b.label for b in customer.history[-1][0].buttons]


def test_a_closed_booking_cannot_be_changed(customer) -> None:
    customer.say("GS-B501")
    neha = staff(customer.runtime)
    with unit_of_work(customer.runtime.sessions) as s:
        bookings.set_status(s, order_by_number(s, "GS-B501"), "checked_in",
                            neha, now=customer.runtime.clock())
    assert "is Checked in and can no longer be changed" in customer.text(
        button="bmove:GS-B501")


# ── a time the staff propose ─────────────────────────────────────────────────


def _proposed(customer: ChatDriver, seen: set[int]) -> tuple[str, dict[str, str]]:
    customer.say("GS-B501")
    customer.say(button="bmove:GS-B501")
    customer.say("tomorrow 5pm")
    customer.say("yes")
    [request] = requests(customer.runtime)
    news(customer, seen)
    neha = staff(customer.runtime)
    with unit_of_work(customer.runtime.sessions) as s:
        bookings.propose_time(s, s.get(BookingRequest, request.id),
                              datetime(2026, 11, 25, 12, 30, tzinfo=UTC),
                              neha, now=customer.runtime.clock())
    rows = queued_notices(customer.runtime, "console", customer.address, seen)
    buttons = {b.label: b.payload for r in rows for b in r.buttons}
    return "\n".join(r.text for r in rows), buttons


def test_a_proposed_time_accepted_moves_the_booking(customer) -> None:
    seen: set[int] = set()
    told, buttons = _proposed(customer, seen)
    assert told == (
        "Glow Salon cannot do the time you asked for GS-B501 and proposes Wed 25 Nov, "
        "6:00\u202fpm – 7:00\u202fpm instead. Does it suit you? Until you accept, it stays "
        "Wed 25 Nov, 11:00\u202fam – 12:00\u202fpm.")
    assert customer.text(button=buttons["Accept"]) == (
        "✅ Done: GS-B501 is moved to Wed 25 Nov, 6:00\u202fpm – 7:00\u202fpm.")
    assert "is moved to Wed 25 Nov, 6:00\u202fpm" in news(customer, seen)
    assert "That proposal for GS-B501 no longer applies" in customer.text(
        button=buttons["Accept"])
    assert staff_news(customer.runtime, "booking_customer_decided") == [
        "✅ Ravi Kumar accepted Wed 25 Nov, 6:00\u202fpm – 7:00\u202fpm for GS-B501; it is moved."]


def test_a_proposed_time_declined_keeps_the_booking(customer) -> None:
    seen: set[int] = set()
    _, buttons = _proposed(customer, seen)
    assert "you declined Wed 25 Nov, 6:00\u202fpm" in customer.text(button=buttons["Decline"])
    assert "When: Wed 25 Nov, 11:00\u202fam" in customer.text("GS-B501")
    assert [r.status for r in requests(customer.runtime)] == ["declined"]
    assert staff_news(customer.runtime, "booking_customer_decided") == [
        "Ravi Kumar declined Wed 25 Nov, 6:00\u202fpm – 7:00\u202fpm for GS-B501; it stays "
        "Wed 25 Nov, 11:00\u202fam – 12:00\u202fpm."]


def test_someone_else_cannot_answer_a_proposal(customer, stranger) -> None:
    _, buttons = _proposed(customer, set())
    stranger.say("GS-B501")
    assert "no longer applies" in stranger.text(button=buttons["Accept"])
    assert [r.status for r in requests(customer.runtime)] == ["proposed"]


# ── my orders and bookings; money ────────────────────────────────────────────


def test_my_orders_lists_the_booking_to_come_first(customer) -> None:
    answer = customer.text("my orders")
    lines = answer.splitlines()
    assert lines[0] == "Bookings and orders for +91 98111 11111:"
    assert lines[1] == ("• 📅 GS-B501 · Glow Salon · Haircut and styling, Wed 25 Nov, "
                        "11:00\u202fam – 12:00\u202fpm · Confirmed · due ₹600.00")
    assert lines[2].startswith("• AK-1001")
    assert "Booking GS-B501" in customer.text("1")


def test_a_payment_and_a_status_are_told_with_the_booking_page(customer) -> None:
    seen: set[int] = set()
    customer.say("GS-B501")  # the chat now exists to be told
    neha = staff(customer.runtime)
    with unit_of_work(customer.runtime.sessions) as s:
        order = order_by_number(s, "GS-B501")
        record_payment(s, order, 60000, "cash", neha,
                       now=customer.runtime.clock())
        bookings.set_status(s, order, "checked_in", neha,
                            now=customer.runtime.clock())
    told = news(customer, seen)
    assert "💰 ₹600.00 received for GS-B501. Paid ₹800.00 of ₹800.00." in told
    assert "🔔 GS-B501 (Glow Salon): Checked in. Haircut and styling, Wed 25 Nov" in told
    assert "https://bot.example.test/b/" in told and "/o/" not in told


def test_the_notices_in_hindi(demo) -> None:
    chat = ChatDriver(demo, lang="hi")
    seen: set[int] = set()
    chat.say("GS-B501")
    neha = staff(demo)
    with unit_of_work(demo.sessions) as s:
        bookings.reschedule(s, order_by_number(s, "GS-B501"), AT_5PM, neha, now=demo.clock())
    told = news(chat, seen)
    assert "📅 GS-B501 (Glow Salon) अब बुध 25 नव॰, 5:00\u202fpm – 6:00\u202fpm है" in told
    assert "(पहले बुध 25 नव॰, 11:00\u202fam थी)" in told and "?lang=hi" in told
    with unit_of_work(demo.sessions) as s:
        bookings.set_status(s, order_by_number(s, "GS-B501"), "cancelled", neha,
                            reason="Stylist unwell", now=demo.clock())
    told = news(chat, seen)
    assert "🔔 GS-B501 (Glow Salon): रद्द। Haircut and styling" in told
    assert "Stylist unwell" in told


def test_done_when_in_the_terminal(demo, database_url, tmp_path) -> None:
    """Issue 18's first step: GS-B501 typed in `orderbot chat` by its customer shows what
    is due and the pay link; "ask to reschedule" (choice 2), then "tomorrow 5pm" and
    yes (choice 1) reach the staff as a request."""
    done = _run_chat(database_url, tmp_path, "GS-B501\n2\ntomorrow 5pm\n1\n", "--phone", RAVI)
    assert done.returncode == 0, done.stderr
    for fragment in ["Booking GS-B501 · Glow Salon", "Due: ₹600.00", "Pay ₹600.00 by UPI (tap): ",
                     "/pay/", "2. Ask to reschedule", "What day and time would suit you?",
                     "✅ Sent. You asked Glow Salon to move GS-B501"]:
        assert fragment in done.stdout, fragment
    [request] = requests(demo)
    assert request.kind == "reschedule" and request.wanted_text == "tomorrow 5pm"
    assert "booking_request" in staff_kinds(demo)


def test_a_stale_reminder_waiting_at_the_terminal_is_skipped(demo, database_url, tmp_path) -> None:
    """A reminder waiting for the terminal chat whose booking has moved since it was
    queued: the chat opens and answers, the stale reminder not printed."""
    neha = staff(demo)
    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "GS-B501")
        bookings.reschedule(s, order, AT_5PM, neha)
        outbox.enqueue(
            s, channel="console", address=RAVI, kind="booking_reminder",
            payload={"order_id": order.id, "starts_at": AT_11.isoformat(), "offset_minutes": 120},
            key="stale-reminder", order_id=order.id,
        )
    done = _run_chat(database_url, tmp_path, "GS-B501\n", "--phone", RAVI)
    assert done.returncode == 0, done.stderr
    assert "Booking GS-B501 · Glow Salon" in done.stdout
    assert "Reminder" not in done.stdout
