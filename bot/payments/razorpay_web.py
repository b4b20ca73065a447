"""Razorpay's payment-link webhook for one business: `POST /webhooks/razorpay/<CODE>`.

`X-Razorpay-Signature` must be the hex HMAC-SHA256 of the raw body with that
business's webhook secret; otherwise 400 and nothing is written (a business that
does not exist, or has no secret, gets the same 400: the answer tells nothing).
`payment_link.paid` and `payment_link.partially_paid` record the payment once
(store/payment_links.py); any other event, a link we did not make or another
business's link is answered 200, ignored, with a log line, so Razorpay does not retry.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from bot.payments.razorpay import RazorpayGateway, RazorpayPaymentLinks, gateway_for
from bot.runtime import runtime_of
from store import payment_links
from store.db import unit_of_work
from store.queries import business_by_code

log = logging.getLogger("orderbot.gateway")
bp = Blueprint("razorpay", __name__)
EVENTS = ("payment_link.paid", "payment_link.partially_paid")
MAX_BODY = 256 * 1024


def _refused() -> tuple[Response, int]:
    return jsonify(error="bad_signature"), 400


def _entity(body: dict[str, Any], name: str) -> dict[str, Any]:
    payload = body.get("payload")
    part = payload.get(name) if isinstance(payload, dict) else None
    entity = part.get("entity") if isinstance(part, dict) else None
    return entity if isinstance(entity, dict) else {}


def _gateway() -> RazorpayGateway:
    runtime = runtime_of(current_app)
    links = runtime.services.payment_links
    return links.gateway if isinstance(links, RazorpayPaymentLinks) else gateway_for(runtime.config)


@bp.post("/webhooks/razorpay/<code>")
def razorpay_webhook(code: str) -> tuple[Response, int]:
    runtime = runtime_of(current_app)
    if (request.content_length or 0) > MAX_BODY:
        return _refused()
    raw = request.get_data(cache=True)
    signature = request.headers.get("X-Razorpay-Signature", "")
    with unit_of_work(runtime.sessions) as session:
        business = business_by_code(session, code[:12]) if code.isalpha() else None
        account = payment_links.account_of(session, business.id) if business else None
        secret = account.webhook_secret if account else None
        if business is None or not _gateway().signature_ok(raw, signature, secret or ""):
            return _refused()
        try:
            body = json.loads(raw)
        except ValueError:
            return _refused()
        event = body.get("event") if isinstance(body, dict) else None
        if event not in EVENTS:
            log.info("razorpay %s: event %r ignored", business.code, event)
            return jsonify(result="ignored"), 200
        link_entity, pay = _entity(body, "payment_link"), _entity(body, "payment")
        link = payment_links.link_by_gateway_id(session, business.id, str(link_entity.get("id")))
        if link is None:
            log.info("razorpay %s: %s for a link not ours (%s) ignored", business.code, event,
                     str(link_entity.get("id"))[:64])
            return jsonify(result="ignored"), 200
        try:
            paid = payment_links.Reported(
                gateway_payment_id=str(pay["id"]), amount_minor=int(pay["amount"]),
                currency=str(pay.get("currency") or link.currency),
                method=str(pay.get("method") or "other"),
            )
        except (KeyError, TypeError, ValueError):
            log.warning("razorpay %s: %s without a payment ignored", business.code, event)
            return jsonify(result="ignored"), 200
        outcome = payment_links.record_reported(
            session, link, paid, str(link_entity.get("status") or ""), runtime.clock(),
            via="webhook",
        )
    return jsonify(result=outcome.result, order=outcome.order_number), 200
