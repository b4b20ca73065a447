"""How to pay: the UPI deep link for the exact amount due, and its QR code."""

from __future__ import annotations

import functools
import io
from urllib.parse import quote

import segno
from itsdangerous import BadSignature, URLSafeSerializer

from handlers.i18n import plain_amount
from store.models import Business, Order


def upi_link(business: Business, order: Order, amount_minor: int) -> str | None:
    """upi://pay?pa=…&pn=…&am=250.00&cu=INR&tn=AK-1001, or None without a UPI ID."""
    if not business.upi_id:
        return None
    params = [
        ("pa", business.upi_id),
        ("pn", business.upi_payee_name or business.name),
        ("am", plain_amount(amount_minor, order.currency)),
        ("cu", order.currency),
        ("tn", order.number),
    ]
    return "upi://pay?" + "&".join(f"{k}={quote(v, safe='@')}" for k, v in params)


@functools.lru_cache(maxsize=256)
def qr_png(data: str, scale: int = 6) -> bytes:
    """The QR of `data` as a PNG: drawn once per link (an order at an amount), not for
    every view that sends it (a Telegram view uploads it each time)."""
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


@functools.lru_cache(maxsize=4)
def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="orderbot.qr")


@functools.lru_cache(maxsize=4096)  # signed, not timed: the same order and amount, the same name
def qr_token(secret: str, order_id: int, amount_minor: int) -> str:
    """An unguessable name for one order's QR at one amount (signed, not stored)."""
    return _serializer(secret).dumps([order_id, amount_minor])


def read_qr_token(secret: str, token: str) -> tuple[int, int] | None:
    try:
        order_id, amount = _serializer(secret).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(order_id, int) or not isinstance(amount, int):
        return None
    return order_id, amount
