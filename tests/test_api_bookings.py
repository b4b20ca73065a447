"""The bookings API (issue 18): create-or-update on the number (local times and offsets),
the list by time range, status, moves and deposits, each answer documented; the
validation table (each bad input → its 4xx and nothing written); idempotency; a key
sees its own business only; orders and bookings never show under each other's routes;
a salon with bookings and no orders, and a business with both."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select
from support import ChatDriver, requires_postgres
from support.api import ApiClient, assert_documented, assert_refused, row_counts
from test_api import _events

from bot.api.openapi import document
from handlers.bookings.links import read_booking_token
from store.db import unit_of_work
from store.models import OutboxMessage
from store.orders import Actor, adjust_order
from store.queries import order_by_number

# The demo's clock: 2026-11-24 14:00 UTC, 19:30 in Kolkata. GS-B501 is tomorrow 11:00
# local (05:30 UTC), confirmed, ₹800 with ₹200 paid; GS-B502 the day after at 17:00,
# requested, ₹1,200.
NEW_BOOKING = {
    "number": "gs b503",
    "service": "Beard trim",
    "starts_at": "2026-12-02T11:00",
    "duration_minutes": 30,
    "price_minor": 30000,
    "customer_name": "Arjun Mehta",
    "customer_phone": "098333 33333",
    "staff": "Neha",
    "status": "confirmed",
}


@pytest.fixture
def api(client, demo) -> ApiClient:
    """The API as Glow Salon (or, with `code=`, another business)."""
    return ApiClient(client, demo, "GS")


# ── happy paths ───────────────────────────────────────────────────────────────


def test_create_then_resend_then_update(api, demo) -> None:
    created = api.post("/bookings", NEW_BOOKING)
    assert created.status_code == 201, created.json
    assert_documented(created, "/bookings", "post")
    booking = created.json
    assert (booking["number"], booking["status"], booking["service"]) == (
        "GS-B503", "confirmed", "Beard trim")
    # No offset: the salon's local time (Kolkata, +05:30).
    assert (booking["starts_at"], booking["starts_at_local"]) == (
        "2026-12-02T05:30:00Z", "2026-12-02T11:00:00+05:30")
    assert (booking["ends_at"], booking["ends_at_local"]) == (
        "2026-12-02T06:00:00Z", "2026-12-02T11:30:00+05:30")
    assert (booking["duration_minutes"], booking["staff"], booking["timezone"]) == (
        30, "Neha", "Asia/Kolkata")
    assert booking["customer"] == {"name": "Arjun Mehta", "phone": "+919833333333"}
    assert (booking["price_minor"], booking["total_minor"], booking["due_minor"]) == (
        30000, 30000, 30000)
    assert booking["timeline"] == [{"kind": "status", "from_status": None,
                                    "to_status": "confirmed", "actor": "api", "detail": {},
                                    "at": "2026-11-24T14:00:00Z"}]

    again = api.post("/bookings", NEW_BOOKING)  # idempotent on the number
    assert again.status_code == 200 and again.json["timeline"] == booking["timeline"]
    assert_documented(again, "/bookings", "post")

    # An update gives what changes; the rest stays. A new start is a move.
    changed = api.post("/bookings", {"number": "GS-B503", "staff": "Kavya",
                                     "starts_at": "2026-12-02T06:30:00Z",
                                     "internal_note": "prefers the window seat"})
    assert changed.status_code == 200, changed.json
    body = changed.json
    assert (body["staff"], body["service"], body["duration_minutes"]) == (
        "Kavya", "Beard trim", 30)
    assert body["starts_at_local"] == "2026-12-02T12:00:00+05:30"
    assert body["internal_note"] == "prefers the window seat"
    assert body["customer"]["name"] == "Arjun Mehta" and body["sequence"] == 1
    assert [e[0] for e in _events(demo, "GS-B503")] == ["status", "update", "reschedule"]


def test_an_offset_is_taken_as_given(api) -> None:
    created = api.post("/bookings", {**NEW_BOOKING, "starts_at": "2026-12-02T06:00:00+01:00"})
    assert created.status_code == 201
    assert created.json["starts_at"] == "2026-12-02T05:00:00Z"
    assert created.json["starts_at_local"] == "2026-12-02T10:30:00+05:30"


def test_a_new_booking_is_requested_by_default_and_the_staff_hear_of_it(api, demo) -> None:
    ChatDriver(demo, address="+919800000002", phone="+919800000002").say("hi")  # Neha
    body = {k: v for k, v in NEW_BOOKING.items() if k not in ("status", "duration_minutes")}
    created = api.post("/bookings", body)
    assert created.status_code == 201
    assert (created.json["status"], created.json["duration_minutes"]) == ("requested", 60)
    with unit_of_work(demo.sessions) as s:
        assert s.scalars(select(OutboxMessage.kind)).all() == ["booking_new"]


def test_an_update_keeps_the_price_apart_from_a_discount(api, demo) -> None:
    with unit_of_work(demo.sessions) as s:
        adjust_order(s, order_by_number(s, "GS-B501"), -5000, "loyalty", Actor("Neha"),
                     now=demo.clock())
    changed = api.post("/bookings", {"number": "GS-B501", "staff": "Kavya"})
    assert changed.status_code == 200, changed.json
    assert (changed.json["price_minor"], changed.json["total_minor"],
            changed.json["due_minor"]) == (80000, 75000, 55000)
    repriced = api.post("/bookings", {"number": "GS-B501", "price_minor": 90000})
    assert (repriced.json["price_minor"], repriced.json["total_minor"]) == (90000, 85000)


def test_read_one_and_the_list(api) -> None:
    read = api.get("/bookings/gsb501")
    assert read.status_code == 200
    assert_documented(read, "/bookings/{number}", "get")
    b501 = read.json
    assert (b501["number"], b501["status"], b501["starts_at_local"]) == (
        "GS-B501", "confirmed", "2026-11-25T11:00:00+05:30")
    assert (b501["total_minor"], b501["paid_minor"], b501["due_minor"]) == (80000, 20000, 60000)
    assert [p["amount_minor"] for p in b501["payments"]] == [20000] and b501["request"] is None
    assert b501["page_url"].startswith("https://bot.example.test/b/")
    token = b501["page_url"].rsplit("/", 1)[1]
    with unit_of_work(api.runtime.sessions) as s:  # the booking page's own token
        assert read_booking_token("test-secret-key", token) == order_by_number(s, "GS-B501").id

    week = api.get("/bookings")  # today and the 7 days after, in the salon's zone
    assert_documented(week, "/bookings", "get")
    assert [b["number"] for b in week.json["bookings"]] == ["GS-B501", "GS-B502"]
    assert (week.json["from"], week.json["to"]) == ("2026-11-23T18:30:00Z",
                                                    "2026-11-30T18:30:00Z")
    day = api.get("/bookings?from=2026-11-26&to=2026-11-26")
    assert [b["number"] for b in day.json["bookings"]] == ["GS-B502"]
    morning = api.get("/bookings?from=2026-11-25T00:00&to=2026-11-25T10:59")
    assert morning.json["bookings"] == []
    exact = api.get("/bookings?from=2026-11-25T05:30:00Z&to=2026-11-25T05:31:00%2B00:00")
    assert [b["number"] for b in exact.json["bookings"]] == ["GS-B501"]


def test_status_changes_and_the_customer_is_told(api, demo) -> None:
    ChatDriver(demo, address="+919822222222", phone="+919822222222").say("hi")  # Priya
    confirmed = api.post("/bookings/GS-B502/status", {"status": "confirmed"})
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"
    assert_documented(confirmed, "/bookings/{number}/status", "post")
    with unit_of_work(demo.sessions) as s:
        assert s.scalars(select(OutboxMessage.kind)).all() == ["booking_status"]
    assert api.post("/bookings/GS-B502/status", {"status": "confirmed"}).status_code == 200
    assert _events(demo, "GS-B502").count(("status", "confirmed")) == 1  # a retry

    cancelled = api.post("/bookings/GS-B502/status",
                         {"status": "cancelled", "reason": "stylist ill"})
    assert cancelled.json["status"] == "cancelled" and cancelled.json["due_minor"] == 0
    assert cancelled.json["timeline"][-1]["detail"] == {"reason": "stylist ill"}


def test_reschedule_moves_it_once(api, demo) -> None:
    moved = api.post("/bookings/GS-B501/reschedule",
                     {"starts_at": "2026-11-25T17:00", "duration_minutes": 90})
    assert moved.status_code == 200, moved.json
    assert_documented(moved, "/bookings/{number}/reschedule", "post")
    assert (moved.json["starts_at_local"], moved.json["ends_at_local"]) == (
        "2026-11-25T17:00:00+05:30", "2026-11-25T18:30:00+05:30")
    assert (moved.json["status"], moved.json["sequence"]) == ("confirmed", 1)
    event = moved.json["timeline"][-1]
    assert (event["kind"], event["detail"]["from"], event["detail"]["to"]) == (
        "reschedule", "2026-11-25T05:30:00+00:00", "2026-11-25T11:30:00+00:00")

    again = api.post("/bookings/GS-B501/reschedule", {"starts_at": "2026-11-25T11:30:00Z"})
    assert again.status_code == 200 and again.json["sequence"] == 1  # a retry: not moved twice
    assert [e[0] for e in _events(demo, "GS-B501")].count("reschedule") == 1


def test_payments_take_a_deposit_and_no_more_than_is_due(api) -> None:
    paid = api.post("/bookings/GS-B501/payments",
                    {"amount_minor": 60000, "method": "cash", "reference": "at the desk"})
    assert paid.status_code == 201
    assert_documented(paid, "/bookings/{number}/payments", "post")
    assert (paid.json["paid_minor"], paid.json["due_minor"], paid.json["payment_status"]) == (
        80000, 0, "paid")
    assert [(p["amount_minor"], p["method"]) for p in paid.json["payments"]] == [
        (20000, "upi"), (60000, "cash")]
    assert paid.json["payments"][-1]["recorded_via"] == "api"
    more = api.post("/bookings/GS-B501/payments", {"amount_minor": 100, "method": "cash"})
    assert more.status_code == 409 and more.json["error"]["code"] == "overpayment"


def test_idempotency_key_replays_the_first_answer(api, demo) -> None:
    first = api.post("/bookings", NEW_BOOKING, **{"Idempotency-Key": "book-1"})
    again = api.post("/bookings", NEW_BOOKING, **{"Idempotency-Key": "book-1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    before = row_counts(demo)
    reused = api.post("/bookings", {**NEW_BOOKING, "price_minor": 1},
                      **{"Idempotency-Key": "book-1"})
    assert reused.status_code == 422
    assert reused.json["error"]["code"] == "idempotency_key_reused"
    assert row_counts(demo) == before


# ── orders and bookings, businesses and keys ────────────────────────────────────


def test_a_salon_with_bookings_and_no_orders(api) -> None:
    orders = api.get("/orders")
    assert orders.status_code == 200 and orders.json == {"orders": [], "next_cursor": None}
    assert api.get("/orders/GS-B501").status_code == 404  # a booking is no order
    refused = api.post("/orders/GS-B501/payments", {"amount_minor": 100, "method": "cash"})
    assert refused.status_code == 404
    with_digits = api.post("/orders", {"number": "GS-501", "items": []})
    assert with_digits.status_code == 422  # and no order is made of a booking's number


def test_a_business_with_orders_and_bookings(api) -> None:
    created = api.post("/bookings", {**NEW_BOOKING, "number": "AK-B100"}, code="AK")
    assert created.status_code == 201, created.json
    assert [b["number"] for b in api.get("/bookings?from=2026-12-02&to=2026-12-02",
                                         code="AK").json["bookings"]] == ["AK-B100"]
    numbers = [o["number"] for o in api.get("/orders", code="AK").json["orders"]]
    assert numbers and "AK-B100" not in numbers and all(n.startswith("AK-1") for n in numbers)
    assert api.get("/orders/AK-B100", code="AK").status_code == 404
    assert api.get("/bookings/AK-1001", code="AK").status_code == 404  # an order is no booking
    assert api.post("/bookings/AK-1001/status", {"status": "confirmed"},
                    code="AK").status_code == 404


def test_another_business_booking_is_not_found(api, demo) -> None:
    assert api.get("/bookings/GS-B501", code="AK").status_code == 404
    assert api.get("/bookings", code="AK").json["bookings"] == []
    before = row_counts(demo)
    moved = api.post("/bookings/GS-B501/reschedule", {"starts_at": "2026-11-25T17:00"},
                     code="AK")
    assert moved.status_code == 404 and moved.json["error"]["code"] == "not_found"
    # Another business's number: not this business's format, and never written.
    taken = api.post("/bookings", {**NEW_BOOKING, "number": "GS-B501"}, code="AK")
    assert taken.status_code == 422 and taken.json["error"]["field"] == "number"
    assert row_counts(demo) == before


def test_errors_speak_hindi_when_asked(api) -> None:
    response = api.post("/bookings/GS-B501/status", {"status": "requested"},
                        **{"Accept-Language": "hi-IN,hi;q=0.9"})
    assert response.status_code == 409
    assert "बुकिंग" in response.json["error"]["message"]
    assert "{" not in response.json["error"]["message"]


# ── the validation table ─────────────────────────────────────────────────────


def _new(**changes):
    return {**NEW_BOOKING, **changes}


def _without(name: str):
    return {k: v for k, v in NEW_BOOKING.items() if k != name}


BAD = [
    # path, body (or raw text), status, code, field
    ("/bookings", "not json", 400, "invalid_json", None),
    ("/bookings", _without("number"), 422, "missing_field", "number"),
    ("/bookings", _new(number="GS-503"), 422, "invalid_number", "number"),
    ("/bookings", _new(number="AK-B503"), 422, "invalid_number", "number"),
    ("/bookings", _new(number=503), 422, "wrong_type", "number"),
    ("/bookings", _without("service"), 422, "missing_field", "service"),
    ("/bookings", _without("starts_at"), 422, "missing_field", "starts_at"),
    ("/bookings", _without("price_minor"), 422, "missing_field", "price_minor"),
    ("/bookings", _new(service=""), 422, "invalid_value", "service"),
    ("/bookings", _new(starts_at="tomorrow 5pm"), 422, "invalid_value", "starts_at"),
    ("/bookings", _new(starts_at="2026-12-02"), 422, "invalid_value", "starts_at"),
    ("/bookings", _new(starts_at="2026-13-02T11:00"), 422, "invalid_value", "starts_at"),
    ("/bookings", _new(starts_at=1764651600), 422, "wrong_type", "starts_at"),
    ("/bookings", _new(duration_minutes=0), 422, "invalid_value", "duration_minutes"),
    ("/bookings", _new(duration_minutes=24 * 60 + 1), 422, "invalid_value",
     "duration_minutes"),
    ("/bookings", _new(duration_minutes=30.5), 422, "wrong_type", "duration_minutes"),
    ("/bookings", _new(price_minor=-1), 422, "invalid_amount", "price_minor"),
    ("/bookings", _new(price_minor="300"), 422, "wrong_type", "price_minor"),
    ("/bookings", _new(price_minor=300.0), 422, "wrong_type", "price_minor"),
    ("/bookings", _new(customer_phone="12"), 422, "invalid_phone", "customer_phone"),
    ("/bookings", _new(status="booked"), 422, "unknown_status", "status"),
    ("/bookings", _new(price=300), 422, "unknown_field", "price"),
    ("/bookings", _new(customer={"name": "x"}), 422, "unknown_field", "customer"),
    ("/bookings", {"number": "GS-B501", "price_minor": 10000}, 409, "total_below_paid", None),
    ("/bookings", {"number": "GS-B501", "status": "requested"}, 409, "invalid_transition",
     None),
    ("/bookings/GS-B501/status", {"status": "shipped"}, 422, "unknown_status", "status"),
    ("/bookings/GS-B501/status", {"status": "preparing"}, 422, "unknown_status", "status"),
    ("/bookings/GS-B501/status", {}, 422, "missing_field", "status"),
    ("/bookings/GS-B502/status", {"status": "completed"}, 409, "invalid_transition", None),
    ("/bookings/GS-B999/status", {"status": "confirmed"}, 404, "not_found", None),
    ("/bookings/GS-B501/reschedule", {}, 422, "missing_field", "starts_at"),
    ("/bookings/GS-B501/reschedule", {"starts_at": "soon"}, 422, "invalid_value", "starts_at"),
    ("/bookings/GS-B501/reschedule", {"starts_at": "2026-11-25T17:00", "duration_minutes": -5},
     422, "invalid_value", "duration_minutes"),
    ("/bookings/GS-B501/reschedule", {"starts_at": "2026-11-25T17:00", "staff": "x"}, 422,
     "unknown_field", "staff"),
    ("/bookings/GS-B501/payments", {"amount_minor": 0, "method": "cash"}, 422,
     "invalid_amount", "amount_minor"),
    ("/bookings/GS-B501/payments", {"amount_minor": 100, "method": "bitcoin"}, 422,
     "invalid_value", "method"),
    ("/bookings/GS-B501/payments", {"amount_minor": 60001, "method": "cash"}, 409,
     "overpayment", "amount_minor"),
]


@pytest.mark.parametrize(("path", "body", "status", "code", "field"), BAD,
                         ids=[f"{n}-{row[3]}" for n, row in enumerate(BAD)])
def test_bad_input_is_refused_and_writes_nothing(api, path, body, status, code,
                                                 field) -> None:
    assert_refused(api, path, body, status, code, field)


def test_a_closed_booking_is_neither_moved_nor_paid(api, demo) -> None:
    api.post("/bookings/GS-B502/status", {"status": "cancelled"})
    before = row_counts(demo)
    moved = api.post("/bookings/GS-B502/reschedule", {"starts_at": "2026-11-27T10:00"})
    assert moved.status_code == 409 and moved.json["error"]["code"] == "order_closed"
    assert "Booking GS-B502" in moved.json["error"]["message"]
    paid = api.post("/bookings/GS-B502/payments", {"amount_minor": 100, "method": "cash"})
    assert paid.status_code == 409 and paid.json["error"]["code"] == "order_cancelled"
    assert row_counts(demo) == before


@pytest.mark.parametrize(("query", "field"), [
    ("?from=yesterday", "from"),
    ("?from=2026-11-30&to=2026-11-20", "to"),
    ("?from=2026-01-01&to=2026-12-31", "to"),
    ("?day=2026-11-25", "day"),
])
def test_a_bad_range_is_refused(api, query, field) -> None:
    response = api.get(f"/bookings{query}")
    assert response.status_code == 422, response.json
    assert_documented(response, "/bookings", "get")
    assert response.json["error"]["field"] == field


def test_the_readme_documents_every_bookings_route_and_command() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for path, operations in document()["paths"].items():
        if path.startswith("/bookings"):
            for method in operations:
                assert f"`{method.upper()} /api/v1{path}" in readme, (method, path)
    for command in ("orderbot bookings import CODE FILE.csv [--dry-run] [--update]",
                    "orderbot bookings list CODE [--day YYYY-MM-DD]",
                    "orderbot business edit CODE --cancel-before-hours N"):
        assert command in readme, command


@requires_postgres
def test_racing_creates_of_one_number_make_one_booking(api, demo) -> None:
    """Two tills sending the same new booking at once: one creates it, the other finds it."""
    start = threading.Barrier(4)

    def send() -> int:
        start.wait(timeout=10)
        return api.post("/bookings", NEW_BOOKING).status_code

    with ThreadPoolExecutor(4) as pool:
        answers = sorted(pool.map(lambda _: send(), range(4)))
    assert answers == [200, 200, 200, 201]
    assert _events(demo, "GS-B503") == [("status", "confirmed")]
