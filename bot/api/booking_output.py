"""The bookings API's JSON (issue 18): a booking's when (UTC, and local to the
business beside its zone), where, who, and its money, timeline, payments and proofs
in the orders API's very shape (bot/api/output.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.api.output import history_json, money_state, stamp
from store.bookings import booking_of, open_request
from store.models import BookingRequest, Order


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def _request_json(request: BookingRequest | None) -> dict[str, Any] | None:
    """The customer's wish still waiting for the staff (or for them, a proposed time)."""
    if request is None:
        return None
    return {
        "kind": request.kind,
        "status": request.status,
        "wanted_starts_at": stamp(request.wanted_starts_at),
        "wanted_text": request.wanted_text,
        "proposed_starts_at": stamp(request.proposed_starts_at),
        "reason": request.reason,
        "created_at": stamp(request.created_at),
    }


def booking_summary(session: Session, order: Order) -> dict[str, Any]:
    """A booking in a list: when, what, who, its status and money."""
    booking = booking_of(order)
    zone = ZoneInfo(order.business.timezone)
    return {
        **money_state(session, order),
        "service": booking.service,
        "starts_at": stamp(booking.starts_at),
        "starts_at_local": _local(booking.starts_at, zone),
        "ends_at": stamp(booking.ends_at),
        "ends_at_local": _local(booking.ends_at, zone),
        "timezone": order.business.timezone,
        "duration_minutes": booking.duration_minutes,
        "staff": booking.staff_name,
        "place": booking.place,
        "customer": {"name": order.customer_name, "phone": order.customer_phone},
    }


def booking_json(session: Session, order: Order) -> dict[str, Any]:
    """A booking in full: its summary, notes, the request waiting, and its history."""
    return {
        **booking_summary(session, order),
        "price_minor": sum(item.line_total_minor for item in order.items),
        "customer_note": order.customer_note,
        "internal_note": order.internal_note,
        "request": _request_json(open_request(session, order.id)),
        "sequence": booking_of(order).sequence,
        "created_at": stamp(order.created_at),
        "status_changed_at": stamp(order.status_changed_at),
        **history_json(session, order),
    }
