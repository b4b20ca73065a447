"""The customer's web pages: an order's own page at `/o/<token>` (the link every
order view in the chat carries), the pay link `/pay/<token>` and the lookup form at
`/orders/track`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request
from sqlalchemy.orm import Session

from bot.runtime import Runtime
from handlers import i18n
from handlers.booking_page import booking_number_key, booking_number_printed
from handlers.bookings.links import booking_page_path
from handlers.orders import lookup_guard, page
from handlers.orders.customer import MISS_LIMIT, MISS_WINDOW
from handlers.orders.links import order_page_path, read_page_token, read_pay_token
from handlers.orders.pay_now import pay_now_url
from handlers.orders.payments import qr_token, upi_link
from handlers.parse import clean, find_order_number
from store.bookings import is_booking
from store.db import unit_of_work
from store.models import Order
from store.numbers import number_key
from store.queries import order_by_id

pages = Blueprint("pages", __name__)


def blueprint(runtime: Runtime) -> Blueprint:
    lines = runtime.services.demo_lines
    if "track order:   {base}/orders/track" not in lines:
        lines.append("track order:   {base}/orders/track")
    return pages


def current_runtime() -> Runtime:
    return current_app.extensions["orderbot"]


def page_language() -> str:
    """`?lang=` first, then the browser's Accept-Language, then the default."""
    asked = i18n.normalize_language(request.args.get("lang"))
    if asked:
        return asked
    accepted = request.accept_languages.best_match(i18n.LANGUAGES)
    return accepted or current_runtime().settings.default_locale


def client_address() -> str:
    """Who is asking, for the lookup throttle. Behind a proxy every request comes from
    the proxy, so with ORDERBOT_PROXY_HOPS=N the address N hops back in X-Forwarded-For
    counts (only what our own proxies appended can be trusted)."""
    hops = current_runtime().config.proxy_hops
    forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.remote_addr or "unknown"


def render(template: str, lang: str, status: int = 200, **context: Any) -> Response:
    html = render_template(
        template, lang=lang, t=lambda key, **p: i18n.t(key, lang, **p), **context
    )
    response = Response(html, status=status, mimetype="text/html")
    # Private and always current: a reload shows the latest, nothing keeps a copy, and
    # the token never leaves in a Referer (the courier's site, say).
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Content-Language"] = lang
    response.vary.add("Accept-Language")
    return response


def order_or_404(session: Session, order_id: int | None) -> Order:
    """The order a signed link names; 404 for a bad token or a deleted order alike."""
    order = order_by_id(session, order_id) if order_id is not None else None
    if order is None:
        abort(404)
    return order


@pages.get("/o/<token>")
def order_page(token: str) -> Response:
    runtime = current_runtime()
    found = read_page_token(runtime.settings.secret_key, token)
    if found is None:
        abort(404)
    order_id, proven = found
    lang = page_language()
    with unit_of_work(runtime.sessions) as session:
        order = order_or_404(session, order_id)
        if is_booking(order):  # an order's link to a booking (a pay link's way back, say)
            return _booking_instead(order.id)
        pay_now = pay_now_url(runtime.services.payment_links, session, runtime.settings, order,
                              runtime.clock())
        view = page.build(session, runtime.settings, order, lang, pay_now=pay_now, proven=proven)
    return render("order.html", lang, page=view)


@dataclass(frozen=True)
class TrackForm:
    """A lookup form: the number's query parameter, the form's endpoint, and the
    catalog keys of its words (title, intro, label, hint, submit, empty, not_found,
    throttled, ask_last4, last4_wrong, last4_label)."""

    field: str
    endpoint: str
    words: dict[str, str]


ORDER_FORM = TrackForm("orderNumber", "pages.track", {
    **{w: f"web.track.{w}" for w in ("title", "intro", "label", "hint", "submit", "empty")},
    "not_found": "lookup.not_found", "throttled": "words.page_throttled",
    "ask_last4": "guard.ask_last4", "last4_wrong": "guard.last4_wrong",
    "last4_label": "guard.web_last4_label",
})


def page_path(secret: str, order: Order) -> str:
    """The page of what a number names: a booking's own, or the order's."""
    if is_booking(order):
        return booking_page_path(secret, order.id)
    return order_page_path(secret, order.id)


def _booking_instead(order_id: int) -> Response:
    target = booking_page_path(current_runtime().settings.secret_key, order_id)
    query = request.query_string.decode("ascii", "replace")
    return redirect(target + (f"?{query}" if query else ""), code=303)


@pages.get("/orders/track")
def track() -> Response:
    return track_page(ORDER_FORM)


def track_page(form: TrackForm) -> Response:
    """The lookup: every try counted per client, misses too, a phone4 business's
    numbers asked the last 4 digits alike whether they exist (handlers/orders/page.py
    `lookup`); found, a 303 to the page of what the number names (an order's number
    typed into the bookings' form still finds the order, and the reverse)."""
    runtime = current_runtime()
    lang = page_language()
    words = lambda key, **p: i18n.t(form.words[key], lang, **p)  # noqa: E731
    shown = partial(render, "track.html", lang, form=form, words=words)
    typed = clean(request.args.get(form.field, ""), limit=60)
    if not typed:
        asked = form.field in request.args  # the form was sent empty
        return shown(400 if asked else 200, typed="", error=words("empty") if asked else None)
    # A booking's number first: the order numbers' reader takes GS-B501 for "B501".
    key = booking_number_key(typed) or find_order_number(typed) or number_key(typed)
    last4 = "".join(ch for ch in clean(request.args.get("last4", ""), limit=12) if ch.isdigit())
    with unit_of_work(runtime.sessions) as session:
        found = page.lookup(
            session, key, client_address(), runtime.clock(), MISS_LIMIT, MISS_WINDOW, last4
        )
        target = page_path(runtime.settings.secret_key, found.order) if found.order else None
    if found.throttled:
        return shown(429, typed=typed, error=words("throttled"))
    if found.ask_last4:  # the same whether the number exists
        error = words("last4_wrong" if found.last4_wrong else "ask_last4",
                      number=booking_number_printed(typed) or lookup_guard.as_printed(key))
        return shown(404 if found.last4_wrong else 200, typed=typed, error=error, ask_last4=True)
    if target is None:
        return shown(404, typed=typed, error=words("not_found"))
    if request.args.get("lang"):
        target += f"?lang={lang}"
    return redirect(target, code=303)


# Phones and tablets, where a upi:// link opens a UPI app (a computer shows the QR).
MOBILE = ("Mobi", "Android", "iPhone", "iPad", "iPod", "Opera Mini", "IEMobile")


@pages.get("/pay/<token>")
def pay(token: str) -> Response:
    """The https link every chat can make tappable: on a phone the page opens the UPI
    app for what is due now (`upi://pay?…&am=250.00…`); on a computer it shows the QR
    and the UPI ID. Nothing due (paid, cancelled): it says so."""
    runtime = current_runtime()
    order_id = read_pay_token(runtime.settings.secret_key, token)
    lang = page_language()
    with unit_of_work(runtime.sessions) as session:
        order = order_or_404(session, order_id)
        business = order.business
        due = order.due_minor
        link = upi_link(business, order, due) if due > 0 and "upi" in (
            business.accepted_methods or []) else None
        context = {
            "business": business.name,
            "number": order.number,
            "amount": i18n.money(due, order.currency, lang, business.country) if link else None,
            "upi_link": link,
            "upi_id": business.upi_id,
            "qr_path": f"/qr/{qr_token(runtime.settings.secret_key, order.id, due)}.png",
            "order_path": page_path(runtime.settings.secret_key, order),
            "page_label": i18n.t("bookings_web.page.see" if is_booking(order)
                                 else "money.pay_order_page", lang),
        }
    agent = request.user_agent.string or ""
    mobile = any(mark in agent for mark in MOBILE)
    response = render("pay.html", lang, mobile=mobile, **context)
    response.vary.add("User-Agent")
    return response


@pages.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page says: the same mark as the pages'."""
    icon = Path(current_app.static_folder or "") / "favicon.svg"
    response = Response(icon.read_bytes(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
