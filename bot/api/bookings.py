"""The vendor API's bookings (issue 18): a salon's till or website books, moves,
confirms and takes deposits for appointments as it does for orders. Each route is
scoped to the API key's business, honours the Idempotency-Key like every POST, and
calls store/bookings.py (statuses, moves) or store/orders.py (money), whose rules
refuse what is not allowed (in a booking's words: routes.py's error handler). An
order's number is as good as missing here, and a booking's under /orders."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request
from sqlalchemy.orm import Session

from bot.api.booking_input import (
    booking_input,
    booking_status_input,
    range_input,
    reschedule_input,
)
from bot.api.booking_output import booking_json, booking_summary
from bot.api.errors import ApiError
from bot.api.routes import API, _change, _now, bp, pay, sessions
from store import bookings
from store.db import unit_of_work
from store.models import Business, Order, OrderKind
from store.vendor_reads import business_order


def _booking(session: Session, business: Business, number: str) -> Order:
    order = business_order(session, business.id, number, kind=OrderKind.BOOKING.value)
    if order is None:
        raise ApiError(404, "not_found", msg="booking_not_found")
    return order


def _shown(session: Session, business: Business, number: str) -> dict[str, Any]:
    return booking_json(session, _booking(session, business, number))


@bp.post("/bookings")
def save_booking() -> tuple[Response, int]:
    """Create the booking, or bring the one of that number up to date: what the body
    leaves out stays as it is; a new start is a move, a new status a transition."""

    def action(session: Session, business: Business, body: dict[str, Any]):  # noqa: ANN202
        data = booking_input(business, body)
        existing = business_order(session, business.id, data.number,
                                  kind=OrderKind.BOOKING.value)
        spec = data.spec(existing)
        order, created = bookings.save_booking(
            session, business, data.number, spec, API, status=data.status, now=_now(),
            **data.fields,
        )
        return (201 if created else 200), _shown(session, business, order.number)

    return _change(action)


@bp.get("/bookings")
def list_bookings() -> Response:
    """The business's bookings starting from `from` until `to`, by start time."""
    with unit_of_work(sessions()) as session:
        business = session.get(Business, g.business_id)
        start, end = range_input(business, request.args, _now())
        found = bookings.bookings_between(session, business.id, start, end)
        return jsonify(bookings=[booking_summary(session, order) for order in found],
                       **{"from": start.isoformat().replace("+00:00", "Z"),
                          "to": end.isoformat().replace("+00:00", "Z")})


@bp.get("/bookings/<number>")
def get_booking(number: str) -> Response:
    with unit_of_work(sessions()) as session:
        business = session.get(Business, g.business_id)
        return jsonify(_shown(session, business, number))


@bp.post("/bookings/<number>/status")
def change_booking_status(number: str) -> tuple[Response, int]:
    def action(session: Session, business: Business, body: dict[str, Any]):  # noqa: ANN202
        status, reason = booking_status_input(body)
        order = _booking(session, business, number)
        if order.status != status:  # the same status again is a retry, not a transition
            bookings.set_status(session, order, status, API, reason=reason, now=_now())
        return 200, _shown(session, business, number)

    return _change(action)


@bp.post("/bookings/<number>/reschedule")
def reschedule(number: str) -> tuple[Response, int]:
    def action(session: Session, business: Business, body: dict[str, Any]):  # noqa: ANN202
        starts_at, duration = reschedule_input(business, body)
        order = _booking(session, business, number)
        booking = bookings.booking_of(order)
        unchanged = booking.starts_at == starts_at and duration in (
            None, booking.duration_minutes)
        if not unchanged:  # the same time again is a retry, not a move
            bookings.reschedule(session, order, starts_at, API, duration_minutes=duration,
                               now=_now())
        return 200, _shown(session, business, number)

    return _change(action)


@bp.post("/bookings/<number>/payments")
def record_booking_payment(number: str) -> tuple[Response, int]:
    def action(session: Session, business: Business, body: dict[str, Any]):  # noqa: ANN202
        pay(session, _booking(session, business, number), body)
        return 201, _shown(session, business, number)

    return _change(action)
