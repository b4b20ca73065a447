"""`store.bookings.save_booking`, which the API and the import call: idempotent on the
booking's number (any spelling), an update only where something differs, and never
another business's booking or an order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from store import bookings
from store.db import unit_of_work
from store.errors import NotFound
from store.models import Order, StatusEvent
from store.orders import Actor
from store.queries import business_by_code, order_by_number

START = datetime(2026, 12, 2, 5, 30, tzinfo=UTC)
SPEC = bookings.NewBooking("Beard trim", START, 30, 30000, staff_name="Neha")
API = Actor("api", via="api")


def _lines(session, order_id: int) -> list[tuple[str, str | None]]:
    return [(e.kind, e.to_status) for e in session.scalars(
        select(StatusEvent).where(StatusEvent.order_id == order_id).order_by(StatusEvent.id))]


def test_saving_the_same_booking_again_changes_nothing(demo) -> None:
    now = demo.clock()
    with unit_of_work(demo.sessions) as s:
        salon = business_by_code(s, "GS")
        made, created = bookings.save_booking(s, salon, "GS-B503", SPEC, API, status="confirmed",
                                              now=now, customer_name="Arjun")
        assert created and made.kind == "booking" and made.booking.staff_id is not None
        for spelling in ("GS-B503", "gs b503", "GSB503"):
            again, created = bookings.save_booking(s, salon, spelling, SPEC, API,
                                                   status="confirmed", now=now,
                                                   customer_name="Arjun")
            assert again.id == made.id and not created
        assert _lines(s, made.id) == [("status", "confirmed")]
        assert s.scalar(select(func.count()).select_from(Order).where(
            Order.number_key == "GSB503")) == 1

        moved = bookings.NewBooking("Beard trim", START.replace(hour=7), 30, 30000,
                                    staff_name="Neha")
        bookings.save_booking(s, salon, "GS-B503", moved, API, now=now)
        assert _lines(s, made.id)[-1] == ("reschedule", "confirmed")
        assert made.booking.sequence == 1


def test_another_business_booking_or_an_order_is_not_found(demo) -> None:
    now = demo.clock()
    with unit_of_work(demo.sessions) as s:
        kitchen = business_by_code(s, "AK")
        with pytest.raises(NotFound):  # Glow Salon's booking
            bookings.save_booking(s, kitchen, "GS-B501", SPEC, API, now=now)
        with pytest.raises(NotFound):  # the kitchen's own order is no booking
            bookings.save_booking(s, kitchen, "AK-1001", SPEC, API, now=now)
        assert order_by_number(s, "GS-B501").booking.service == "Haircut and styling"
        assert order_by_number(s, "AK-1001").booking is None
