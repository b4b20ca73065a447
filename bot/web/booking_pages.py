"""A booking's web pages: its own page at `/b/<token>` (the link the chat's booking
view carries), its calendar file `/b/<token>/calendar.ics`, and the lookup form at
`/bookings/track` — the order pages' language, throttles and headers (pages.py)."""

from __future__ import annotations

from flask import Blueprint, Response, abort
from sqlalchemy.orm import Session

from bot.runtime import Runtime
from bot.web.pages import (
    TrackForm,
    current_runtime,
    order_or_404,
    page_language,
    render,
    track_page,
)
from handlers import booking_calendar, booking_page
from handlers.bookings.links import read_booking_token
from handlers.orders.pay_now import pay_now_url
from store.bookings import is_booking
from store.db import unit_of_work
from store.models import Order

bookings = Blueprint("booking_pages", __name__)

BOOKING_FORM = TrackForm("bookingNumber", "booking_pages.track", {
    w: f"bookings_web.track.{w}" for w in (
        "title", "intro", "label", "hint", "submit", "empty", "not_found", "throttled",
        "ask_last4", "last4_wrong", "last4_label",
    )
})


def blueprint(runtime: Runtime) -> Blueprint:
    lines = runtime.services.demo_lines
    if "track booking: {base}/bookings/track" not in lines:
        lines.append("track booking: {base}/bookings/track")
    return bookings


def _booking_or_404(session: Session, token: str) -> Order:
    """The booking a signed link names; 404 for a forged token, a deleted booking, or
    an order that is not a booking alike."""
    runtime = current_runtime()
    order = order_or_404(session, read_booking_token(runtime.settings.secret_key, token))
    if not is_booking(order) or order.booking is None:
        abort(404)
    return order


@bookings.get("/b/<token>")
def booking(token: str) -> Response:
    runtime = current_runtime()
    lang = page_language()
    with unit_of_work(runtime.sessions) as session:
        order = _booking_or_404(session, token)
        pay_now = pay_now_url(runtime.services.payment_links, session, runtime.settings, order,
                              runtime.clock())
        view = booking_page.build(runtime.settings, order, lang, pay_now=pay_now)
    return render("booking.html", lang, page=view)


@bookings.get("/b/<token>/calendar.ics")
def calendar(token: str) -> Response:
    """The booking as a calendar entry; the same UID whenever it is fetched, so adding
    it again after a move or a cancellation updates the entry."""
    runtime = current_runtime()
    lang = page_language()
    with unit_of_work(runtime.sessions) as session:
        order = _booking_or_404(session, token)
        body = booking_calendar.ics(runtime.settings, order, lang, runtime.clock())
        name = "".join(ch for ch in order.number if ch.isalnum() or ch == "-") or "booking"
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept-Language")
    return response


@bookings.get("/bookings/track")
def track() -> Response:
    return track_page(BOOKING_FORM)
