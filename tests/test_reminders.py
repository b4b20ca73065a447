"""Booking reminders (issue 18) with the test's clock moved by hand: each one queued
once per (booking, start, offset) and sent once, none late for a booking made inside
its window, none stale after a move, a cancellation or the start, two workers at once,
the setting read and refused, and the words in English and Hindi."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from support.together import at_once
from test_delivery import FakeSender

from bot import housekeeping, reminders, worker
from bot.config import Config, durations
from bot.runtime import SendResult, reach_phones_on
from store import bookings
from store import reminders as reminder_store
from store.db import unit_of_work
from store.models import Booking, Business, Chat, OutboxMessage, OutboxStatus
from store.orders import Actor

RAVI = "+919811111111"
RAVI_WA = f"whatsapp:{RAVI}"
NEHA = Actor("Neha")


@pytest.fixture
def salon(demo):  # noqa: ANN001, ANN201
    """The demo, WhatsApp faked and reaching phones, its own bookings out of the way
    (test_the_demo_booking_is_reminded_on_time has them)."""
    demo.senders["whatsapp"] = FakeSender()
    reach_phones_on(demo, "whatsapp")
    with unit_of_work(demo.sessions) as s:
        for order in bookings.upcoming_for_phone(s, RAVI, demo.clock()):
            bookings.set_status(s, order, "cancelled", NEHA, now=demo.clock(), notify=False)
    return demo


def _book(runtime, starts_in: timedelta, number: str = "GS-B601", status: str = "confirmed",
          phone: str = RAVI) -> int:
    """A 60-minute Hair spa for ₹1,200 at now + `starts_in`, made now."""
    with unit_of_work(runtime.sessions) as s:
        salon = s.scalars(select(Business).where(Business.code == "GS")).one()
        spec = bookings.NewBooking("Hair spa", runtime.clock() + starts_in, 60, 120000,
                                   staff_name="Neha")
        order = bookings.create_booking(s, salon, number, spec, status=status,
                                        customer_name="Ravi Kumar", customer_phone=phone,
                                        now=runtime.clock(), notify_staff=False)
        return order.id


def _reminders(runtime) -> list[OutboxMessage]:
    with unit_of_work(runtime.sessions) as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "booking_reminder")
                              .order_by(OutboxMessage.id)))
        s.expunge_all()
    return rows


def _deliver(runtime) -> None:
    while worker.run_once(runtime):
        pass


def _sent(runtime) -> list[str]:
    return [key for key in runtime.senders["whatsapp"].sent if key.startswith("breminder:")]


def _move_to(runtime, order_id: int, starts_in: timedelta) -> None:
    with unit_of_work(runtime.sessions) as s:
        order = s.get(Booking, order_id).order
        bookings.reschedule(s, order, runtime.clock() + starts_in, NEHA, now=runtime.clock())


# ── the setting ──────────────────────────────────────────────────────────────


def test_the_setting_is_read_as_durations(config: Config) -> None:
    assert config.booking_reminders == (timedelta(hours=24), timedelta(hours=2))
    read = Config.from_env({"ORDERBOT_BOOKING_REMINDERS": " 90m, 1d,2h,1m,2h"}, dotenv=False,
                           database_url="sqlite://", instance_dir=config.instance_dir)
    assert read.booking_reminders == (timedelta(days=1), timedelta(hours=2),
                                      timedelta(minutes=90), timedelta(minutes=1))
    assert config.with_env({"ORDERBOT_BOOKING_REMINDERS": "off"}).booking_reminders == ()
    assert config.with_env({"ORDERBOT_BOOKING_REMINDERS": "3h"}).booking_reminders == (
        timedelta(hours=3),)
    assert config.twilio_template_booking_reminder is None
    assert config.with_env({"TWILIO_TEMPLATE_BOOKING_REMINDER": "HX12"}
                           ).twilio_template_booking_reminder == "HX12"


@pytest.mark.parametrize("value", ["24", "24 hours", "2h;1h", "-2h", "0h", "2w", "h", "24h,"])
def test_a_bad_setting_is_refused_by_name(value: str) -> None:
    with pytest.raises(ValueError, match="ORDERBOT_BOOKING_REMINDERS must be durations like"):
        durations(value, "ORDERBOT_BOOKING_REMINDERS")


# ── once, on time ────────────────────────────────────────────────────────────


def test_each_reminder_is_queued_and_sent_once(salon, clock) -> None:
    order_id = _book(salon, timedelta(days=3))
    assert reminders.run_due(salon) == 0  # three days ahead: nothing yet
    clock.advance(days=2, seconds=-1)
    assert reminders.run_due(salon) == 0  # a second before "a day before"
    clock.advance(seconds=1)
    assert reminders.run_due(salon) == 1  # Ravi's WhatsApp, the phone's chat
    assert reminders.run_due(salon) == 0  # looked again: already queued
    _deliver(salon)
    clock.advance(minutes=30)
    assert reminders.run_due(salon) == 0 and _deliver(salon) is None
    assert len(_sent(salon)) == 1
    clock.advance(hours=21, minutes=30)  # two hours before
    assert reminders.run_due(salon) == 1
    _deliver(salon)
    clock.advance(hours=1, minutes=59)
    assert reminders.run_due(salon) == 0
    clock.advance(hours=1)  # it began
    assert reminders.run_due(salon) == 0
    sent = _sent(salon)
    assert [key.split(":")[3] for key in sent] == ["86400", "7200"]
    assert all(key.startswith(f"breminder:{order_id}:") for key in sent)
    assert {m.status for m in _reminders(salon)} == {OutboxStatus.SENT}
    assert [m.payload["offset_minutes"] for m in _reminders(salon)] == [1440, 120]


def test_the_words_in_english_and_hindi(salon, clock) -> None:
    """Every chat of the customer hears it, each in its own language; times are the salon's."""
    with unit_of_work(salon.sessions) as s:
        s.add(Chat(channel="console", address="ravi-hi", linked_phone=RAVI, locale="hi"))
        s.add(Chat(channel="console", address="ravi-en", linked_phone=RAVI, locale="en"))
    _book(salon, timedelta(hours=23, minutes=30))  # 13:30 UTC tomorrow: 7:00 pm in Kolkata
    clock.advance(hours=21)
    assert reminders.run_due(salon) == 0  # its "day before" came before it was made
    clock.advance(minutes=30)
    assert reminders.run_due(salon) == 3
    from handlers import notices

    with unit_of_work(salon.sessions) as s:
        words = {m.address: notices.render(s, m)[0].text
                 for m in s.scalars(select(OutboxMessage).where(
                     OutboxMessage.kind == "booking_reminder"))}
    assert words["ravi-en"] == (
        "⏰ Reminder: Hair spa at Glow Salon, Wed 25 Nov, 7:00\u202fpm – 8:00\u202fpm.\n"
        "Booking GS-B601\nWhere: " + _salon_address(salon) + "\nWith: Neha\nTo pay: ₹1,200.00")
    assert words[RAVI_WA] == words["ravi-en"]  # a phone that never chose: the salon's language
    assert words["ravi-hi"] == (
        "⏰ याद दिला दें: Glow Salon में Hair spa, बुध 25 नव॰, 7:00\u202fpm – 8:00\u202fpm।\n"
        "बुकिंग GS-B601\nकहाँ: " + _salon_address(salon) + "\nकिसके साथ: Neha\n"
        "भुगतान बाकी: ₹1,200.00")


def _salon_address(runtime) -> str:
    with unit_of_work(runtime.sessions) as s:
        return s.scalars(select(Business.address).where(Business.code == "GS")).one()


# ── never late ───────────────────────────────────────────────────────────────


def test_the_demo_booking_is_reminded_on_time(demo, clock) -> None:
    """GS-B501 (tomorrow 11:00 in Kolkata, 15.5 hours ahead) was confirmed a day ago: its
    day-before reminder is due, late but true; its two-hour one comes at 9:00."""
    reach_phones_on(demo, "whatsapp")
    assert reminders.run_due(demo) == 1
    clock.advance(hours=13, minutes=29)
    assert reminders.run_due(demo) == 0
    clock.advance(minutes=1)
    assert reminders.run_due(demo) == 1
    assert [m.payload["offset_minutes"] for m in _reminders(demo)] == [1440, 120]


def test_none_late_for_a_booking_made_inside_the_window(salon, clock) -> None:
    _book(salon, timedelta(hours=3))  # inside the day-before window, outside the 2-hour one
    assert reminders.run_due(salon) == 0
    clock.advance(hours=1)
    assert reminders.run_due(salon) == 1  # GS-B601's two-hour reminder, right on time
    _deliver(salon)
    (sent,) = _sent(salon)
    assert sent.split(":")[3] == "7200"
    _book(salon, timedelta(minutes=90), number="GS-B602")  # inside both: none at all
    clock.advance(minutes=30)
    assert reminders.run_due(salon) == 0


def test_a_worker_down_for_a_day_sends_only_the_shortest_one_due(salon, clock) -> None:
    _book(salon, timedelta(days=2))
    clock.advance(hours=47)  # nobody looked at "a day before"; now it is an hour before
    assert reminders.run_due(salon) == 1
    assert [m.payload["offset_minutes"] for m in _reminders(salon)] == [120]


def test_a_requested_booking_is_not_reminded_until_confirmed(salon, clock) -> None:
    order_id = _book(salon, timedelta(days=2), status="requested")
    clock.advance(days=1, minutes=1)
    assert reminders.run_due(salon) == 0
    with unit_of_work(salon.sessions) as s:  # confirmed after its "day before": that one
        bookings.set_status(s, s.get(Booking, order_id).order, "confirmed", NEHA, now=clock())
    assert reminders.run_due(salon) == 0  # would come late
    clock.advance(hours=21, minutes=59)
    assert reminders.run_due(salon) == 1


# ── never stale ──────────────────────────────────────────────────────────────


def test_a_reminder_queued_before_a_move_is_dropped_and_the_new_time_reminded(salon, clock) -> None:
    order_id = _book(salon, timedelta(days=2))
    clock.advance(days=1)
    assert reminders.run_due(salon) == 1
    _move_to(salon, order_id, timedelta(days=2))  # before the worker sent it
    _deliver(salon)
    assert _sent(salon) == []
    (stale,) = _reminders(salon)
    assert stale.status == OutboxStatus.FAILED and "moved" in stale.last_error
    clock.advance(days=1)  # a day before the new time
    assert reminders.run_due(salon) == 1
    _deliver(salon)
    assert len(_sent(salon)) == 1
    assert [m.status for m in _reminders(salon)] == [OutboxStatus.FAILED, OutboxStatus.SENT]


def test_moved_away_and_back_it_is_still_reminded_once(salon, clock) -> None:
    order_id = _book(salon, timedelta(days=2))
    clock.advance(hours=23)
    _move_to(salon, order_id, timedelta(days=3))
    assert reminders.run_due(salon) == 0
    clock.advance(minutes=30)
    _move_to(salon, order_id, timedelta(hours=24, minutes=30))  # back to the first start
    clock.advance(minutes=30)
    assert reminders.run_due(salon) == 1  # that start's day-before reminder, on time
    _deliver(salon)
    clock.advance(hours=22)
    assert reminders.run_due(salon) == 1
    _deliver(salon)
    clock.advance(minutes=30)
    _move_to(salon, order_id, timedelta(days=2))  # away after its 2-hour reminder went …
    _move_to(salon, order_id, timedelta(hours=1, minutes=30))  # … and back
    assert reminders.run_due(salon) == 0  # that start had both: none again
    assert [k.split(":")[3] for k in _sent(salon)] == ["86400", "7200"]


def test_a_cancelled_booking_is_not_reminded(salon, clock) -> None:
    order_id = _book(salon, timedelta(days=2))
    clock.advance(days=1)
    assert reminders.run_due(salon) == 1
    with unit_of_work(salon.sessions) as s:
        bookings.cancel(s, s.get(Booking, order_id).order, NEHA, now=clock())
    clock.advance(minutes=1)
    assert reminders.run_due(salon) == 0  # the next look drops the one waiting
    (dropped,) = _reminders(salon)
    assert dropped.status == OutboxStatus.FAILED and dropped.last_error.startswith("stale")
    clock.advance(hours=22)
    assert reminders.run_due(salon) == 0
    _deliver(salon)
    assert _sent(salon) == []


def test_a_reminder_held_past_the_start_is_never_sent(salon, clock) -> None:
    """WhatsApp held it for the 24-hour window; the booking began meanwhile."""
    salon.senders["whatsapp"] = FakeSender(script=[SendResult(ok=False, hold=True)])
    _book(salon, timedelta(hours=3))
    clock.advance(hours=1)
    assert reminders.run_due(salon) == 1
    _deliver(salon)
    assert [m.status for m in _reminders(salon)] == [OutboxStatus.HELD]
    clock.advance(hours=2)
    reminders.run_due(salon)
    (held,) = _reminders(salon)
    assert held.status == OutboxStatus.FAILED and "began" in held.last_error


def test_at_delivery_a_reminder_of_a_booking_begun_is_dropped(salon, clock) -> None:
    _book(salon, timedelta(hours=3))
    clock.advance(hours=1)
    assert reminders.run_due(salon) == 1
    clock.advance(hours=2, minutes=1)  # the worker comes to it only after the start
    _deliver(salon)
    assert _sent(salon) == [] and _reminders(salon)[0].status == OutboxStatus.FAILED


# ── several workers ──────────────────────────────────────────────────────────


def test_two_workers_looking_at_once_queue_each_reminder_once(salon, clock) -> None:
    """Two processes' housekeeping loops look at the same moment, on the same database
    (PostgreSQL too, with ORDERBOT_TEST_DATABASE_URL)."""
    with unit_of_work(salon.sessions) as s:
        s.add(Chat(channel="console", address="ravi", linked_phone=RAVI))
    for n in range(5):
        _book(salon, timedelta(hours=24 + n), number=f"GS-B61{n}")
    clock.advance(hours=4)
    counts = at_once(lambda: reminders.run_due(salon))
    assert sum(counts) == 10  # five bookings × two chats, whoever queued them
    keys = Counter(m.idempotency_key for m in _reminders(salon))
    assert len(keys) == 10 and set(keys.values()) == {1}
    _deliver(salon)
    assert len(_sent(salon)) == 5  # the WhatsApp ones; the console reads its own


def test_the_housekeeping_loop_queues_them(salon, clock, monkeypatch) -> None:
    _book(salon, timedelta(hours=2))
    stop = threading.Event()
    looked: list[int] = []

    def look_once(runtime) -> int:  # noqa: ANN001
        looked.append(real(runtime))
        stop.set()
        return looked[-1]

    real = reminders.run_due
    monkeypatch.setattr(housekeeping.reminders, "run_due", look_once)
    housekeeping.run_forever(salon, stop, check_every=0)
    assert looked == [1]


def test_no_reminders_when_switched_off(salon, clock) -> None:
    salon.config = salon.config.with_env({"ORDERBOT_BOOKING_REMINDERS": "off"})
    _book(salon, timedelta(hours=1))
    assert reminders.run_due(salon) == 0 and _reminders(salon) == []


def test_due_offset_in_the_store(salon, clock) -> None:
    order_id = _book(salon, timedelta(hours=5))
    offsets = (timedelta(hours=24), timedelta(hours=2))
    with unit_of_work(salon.sessions) as s:
        booking = s.get(Booking, order_id)
        now = clock()
        assert reminder_store.due_offset(booking, offsets, now) is None  # 24h: before settled
        assert reminder_store.due_offset(booking, offsets, now + timedelta(hours=3)) == offsets[1]
        assert reminder_store.due_offset(booking, offsets, now + timedelta(hours=5)) is None
        booking.settled_at = None  # settled before anyone kept the time: on time
        assert reminder_store.due_offset(booking, offsets, now) == offsets[0]


def test_a_bad_setting_stops_any_command_with_its_name() -> None:
    from click.testing import CliRunner

    from bot.cli.main import main

    result = CliRunner().invoke(main, ["prune"], env={"ORDERBOT_BOOKING_REMINDERS": "2 hours"})
    assert result.exit_code == 1
    assert "ORDERBOT_BOOKING_REMINDERS must be durations like 24h,2h" in result.output
    assert "Traceback" not in result.output


def test_a_one_minute_reminder_of_a_booking_two_minutes_ahead_goes_once(salon, clock) -> None:
    """The issue's check: ORDERBOT_BOOKING_REMINDERS=1m, a booking made two minutes ahead."""
    salon.config = salon.config.with_env({"ORDERBOT_BOOKING_REMINDERS": "1m"})
    _book(salon, timedelta(minutes=2))
    looks = []
    for _ in range(8):  # the housekeeping loop's looks, every 15 seconds, until it starts
        looks.append(reminders.run_due(salon))
        _deliver(salon)
        clock.advance(seconds=15)
    assert looks == [0, 0, 0, 0, 1, 0, 0, 0]
    assert len(_sent(salon)) == 1
