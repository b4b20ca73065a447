"""The links to a booking's own web page, `PUBLIC_BASE_URL/b/<token>`, and its
calendar file, `/b/<token>/calendar.ics`: the token is the order id signed with the
secret key under a salt of its own, so an order page's token opens no booking page
(and the reverse) — unguessable, bound to one booking, and nothing to store."""

from __future__ import annotations

from itsdangerous import URLSafeSerializer

from handlers.orders.links import signed_order_id
from handlers.types import Settings


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="orderbot.booking-page")


def booking_token(secret: str, order_id: int) -> str:
    return _serializer(secret).dumps(order_id)


def read_booking_token(secret: str, token: str) -> int | None:
    """The booking's order id a token names, or None for anything we did not sign."""
    return signed_order_id(_serializer(secret), token)


def booking_page_path(secret_key: str, order_id: int) -> str:
    return f"/b/{booking_token(secret_key, order_id)}"


def _base(settings: Settings) -> str:
    return settings.public_base_url.rstrip("/")


def booking_page_url(settings: Settings, order_id: int, lang: str | None = None) -> str:
    """The page's full address; in the chat's language when that is not the default
    (the page would otherwise follow the browser's)."""
    url = _base(settings) + booking_page_path(settings.secret_key, order_id)
    return url + f"?lang={lang}" if lang and lang != settings.default_locale else url


def booking_calendar_url(settings: Settings, order_id: int) -> str:
    """The booking's `.ics` file: a calendar app adds it, and a later copy (same UID,
    higher SEQUENCE) moves or cancels the entry."""
    return _base(settings) + booking_page_path(settings.secret_key, order_id) + "/calendar.ics"
