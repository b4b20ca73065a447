"""Carriers' webhooks: `POST /webhooks/shipping/<provider>`.

`shiprocket` reads Shiprocket's tracking webhook (`awb`, `order_id`,
`current_status`, `shipment_status`, `courier_name`, `current_timestamp`, `scans`,
`etd`…) and checks its `x-api-key` header. Any other provider name reads the
generic JSON below and checks `X-Orderbot-Signature: sha256=<hex HMAC-SHA256 of
the raw body>` or, for senders that cannot sign, `X-Orderbot-Token: <secret>`:

    {"order_number": "AK-1005", "awb": "1904…", "courier": "Delhivery",
     "status": "out_for_delivery", "time": "2026-11-24T15:00:00+05:30",
     "tracking_url": "https://…"}

Each provider's secret is `SHIPPING_<PROVIDER>_SECRET`; a provider without one is
not served (404). Every accepted report answers 200 with what became of it, so a
carrier never retries what we chose to ignore.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, jsonify, request

from bot.api.errors import ApiError, error_response, json_body
from bot.runtime import runtime_of
from store.db import unit_of_work
from store.queries import business_by_code
from store.shipments import STEPS, CarrierUpdate, record_update
from store.text import clean_text

log = logging.getLogger("orderbot.shipping")
bp = Blueprint("shipping", __name__)

# Shiprocket's status labels (current_status / shipment_status), by what they mean here.
SHIPROCKET_STEPS = {
    "picked_up": ["PICKED UP", "PICKUP COMPLETE", "PICKUP COMPLETED"],
    "in_transit": ["SHIPPED", "IN TRANSIT", "REACHED AT DESTINATION HUB", "REACHED DESTINATION HUB",
                   "REACHED WAREHOUSE", "IN TRANSIT-AT DESTINATION HUB", "MISROUTED", "DELAYED",
                   "IN FLIGHT", "CONNECTION ALIGNED", "DESTINATION HUB"],
    "out_for_delivery": ["OUT FOR DELIVERY"],
    "delivered": ["DELIVERED"],
    "failed_attempt": ["UNDELIVERED", "DELIVERY FAILED", "FAILED DELIVERY"],
    "returned": ["RTO", "RETURNED", "RETURN DELIVERED"],
}
_SHIPROCKET = {label: step for step, labels in SHIPROCKET_STEPS.items() for label in labels}
# Prefixes that carry the meaning of whatever follows ("RTO IN TRANSIT", "UNDELIVERED-2ND ATTEMPT").
_SHIPROCKET_PREFIXES = (("RTO", "returned"), ("UNDELIVERED", "failed_attempt"),
                        ("IN TRANSIT", "in_transit"))
SHIPROCKET_ZONE = ZoneInfo("Asia/Kolkata")  # its timestamps carry no zone; they are IST
GENERIC_SYNONYMS = {"shipped": "in_transit", "undelivered": "failed_attempt",
                    "delivery_failed": "failed_attempt", "rto": "returned",
                    "returned_to_origin": "returned", "ofd": "out_for_delivery"}


def _label(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("_", " ")).strip().upper()


def shiprocket_step(label: str) -> str | None:
    label = _label(label)
    if label in _SHIPROCKET:
        return _SHIPROCKET[label]
    return next((step for prefix, step in _SHIPROCKET_PREFIXES if label.startswith(prefix)), None)


def generic_step(status: str) -> str | None:
    word = re.sub(r"[\s-]+", "_", status.strip().lower())
    return word if word in STEPS else GENERIC_SYNONYMS.get(word)


def _text(body: dict[str, Any], key: str, limit: int = 120) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ApiError(422, "wrong_type", key, msg="type_string")
    value = clean_text(str(value)).strip()
    if len(value) > limit:
        raise ApiError(422, "invalid_value", key, msg="too_long", limit=limit)
    return value or None


def _shiprocket_time(text: str | None) -> datetime | None:
    for pattern in ("%d %m %Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text or "", pattern).replace(tzinfo=SHIPROCKET_ZONE)
        except ValueError:
            continue
    return None


def parse_shiprocket(provider: str, body: dict[str, Any]) -> CarrierUpdate:
    awb = _text(body, "awb", 64)
    number = _text(body, "order_id", 64)
    label = _text(body, "current_status") or _text(body, "shipment_status")
    if not (awb or number):
        raise ApiError(422, "missing_field", "awb", msg="order_or_awb")
    if label is None:
        raise ApiError(422, "missing_field", "current_status")
    return CarrierUpdate(
        provider=provider,
        carrier_status=label,
        step=shiprocket_step(label),
        order_number=number,
        awb=awb,
        courier=_text(body, "courier_name", 80),
        tracking_url=f"https://shiprocket.co/tracking/{awb}" if awb else None,
        at=_shiprocket_time(_text(body, "current_timestamp")),
    )


def parse_generic(provider: str, body: dict[str, Any]) -> CarrierUpdate:
    awb = _text(body, "awb", 64)
    number = _text(body, "order_number", 64)
    status = _text(body, "status")
    if not (awb or number):
        raise ApiError(422, "missing_field", "order_number", msg="order_or_awb")
    if status is None:
        raise ApiError(422, "missing_field", "status")
    url = _text(body, "tracking_url", 500)
    if url and not re.match(r"https?://[^\s/]+", url):
        raise ApiError(422, "invalid_value", "tracking_url", msg="invalid_url")
    return CarrierUpdate(
        provider=provider,
        carrier_status=status,
        step=generic_step(status),
        order_number=number,
        awb=awb,
        courier=_text(body, "courier", 80),
        tracking_url=url,
        at=_generic_time(_text(body, "time", 40)),
    )


def _generic_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ApiError(422, "invalid_value", "time", msg="invalid_time")
    return moment


def _shiprocket_authentic(secret: str) -> bool:
    return hmac.compare_digest(request.headers.get("x-api-key", "").encode(), secret.encode())


def _generic_authentic(secret: str) -> bool:
    signature = request.headers.get("X-Orderbot-Signature", "")
    if signature:
        expected = hmac.new(secret.encode(), request.get_data(cache=True), hashlib.sha256)
        return hmac.compare_digest(signature.encode(), f"sha256={expected.hexdigest()}".encode())
    token = request.headers.get("X-Orderbot-Token", "")
    return bool(token) and hmac.compare_digest(token.encode(), secret.encode())


Parser = Callable[[str, dict[str, Any]], CarrierUpdate]
FORMATS: dict[str, tuple[Callable[[str], bool], Parser]] = {
    "shiprocket": (_shiprocket_authentic, parse_shiprocket),
}
GENERIC = (_generic_authentic, parse_generic)
PROVIDER = r"[a-z0-9_]{1,32}"


@bp.errorhandler(ApiError)
def _refused(error: ApiError) -> tuple[Response, int]:
    return error_response(error)


@bp.post("/webhooks/shipping/<provider>")
def shipping_webhook(provider: str) -> tuple[Response, int]:
    """The instance-wide secret (SHIPPING_<PROVIDER>_SECRET): for an instance that
    serves one business, or whose carrier account is its operator's own."""
    runtime = runtime_of(current_app)
    name = provider.lower()
    secret = runtime.config.shipping_secrets.get(name)
    if not re.fullmatch(PROVIDER, name) or not secret:
        raise ApiError(404, "unknown_provider")
    return _receive(name, secret, None)


@bp.post("/webhooks/shipping/<provider>/<code>")
def business_shipping_webhook(provider: str, code: str) -> tuple[Response, int]:
    """One business's carrier reports, checked with that business's own secret
    (`orderbot business edit CODE --shipping-secret …`); they move only its orders.
    An unknown code and a business without a secret get the same answer."""
    runtime = runtime_of(current_app)
    name = provider.lower()
    if not re.fullmatch(PROVIDER, name) or not re.fullmatch(r"[A-Za-z]{1,12}", code):
        raise ApiError(404, "unknown_provider")
    with unit_of_work(runtime.sessions) as session:
        business = business_by_code(session, code)
        secret = business.shipping_secret if business else None
        business_id = business.id if business else None
    if not secret:
        raise ApiError(404, "unknown_provider")
    return _receive(name, secret, business_id)


def _receive(name: str, secret: str, business_id: int | None) -> tuple[Response, int]:
    runtime = runtime_of(current_app)
    authentic, parse = FORMATS.get(name, GENERIC)
    if not authentic(secret):
        raise ApiError(403, "bad_secret")
    update = parse(name, json_body())
    with unit_of_work(runtime.sessions) as session:
        outcome = record_update(session, update, runtime.clock(), business_id=business_id)
    if outcome.result == "unknown_order":
        log.warning("%s: update for an unknown order (awb %s, order %s)",
                    name, update.awb, update.order_number)
    return jsonify(result=outcome.result, order=outcome.order_number,
                   step=update.step, notified=outcome.notified), 200
