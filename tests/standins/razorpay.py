"""A stand-in for Razorpay's Payment Links API (create, fetch, cancel, list) and its
webhooks, for the real `razorpay` SDK pointed at it with `base_url`.

Shapes follow Razorpay's documentation: a link entity has `id` (plink_…),
`short_url`, `amount`, `amount_paid`, `currency`, `reference_id`, `status`
(created, partially_paid, paid, cancelled, expired), `upi_link`, `expire_by` and
`payments` (each with `payment_id`, `amount`, `method`, `status`); errors are
`{"error": {"code": "BAD_REQUEST_ERROR", "description": …}}`; a webhook is an
`event` with `payload.payment_link.entity` and `payload.payment.entity`, signed by
`X-Razorpay-Signature` = hex HMAC-SHA256 of the raw body with the webhook secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from .server import Call, Handler, StandIn, json_response

_LINK = re.compile(r"^/v1/payment_links/(plink_[A-Za-z0-9]+)(/cancel)?$")


def _id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:14]


def razorpay_error(status: int, description: str, code: str | None = None) -> dict[str, Any]:
    code = code or ("BAD_REQUEST_ERROR" if status < 500 else "SERVER_ERROR")
    return {"error": {"code": code, "description": description}}


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class FakeRazorpay(StandIn):
    def __init__(self, keys: dict[str, str] | None = None) -> None:
        super().__init__()
        self.keys = dict(keys or {})
        self.links: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    # HTTP ----------------------------------------------------------------------------------
    def route(self, request: Request) -> tuple[str, Handler]:
        if request.path == "/v1/payment_links":
            return ("create", self._create) if request.method == "POST" else ("list", self._list)
        match = _LINK.match(request.path)
        if match and match.group(2) and request.method == "POST":
            return "cancel", self._cancel
        if match and request.method == "GET":
            return "fetch", self._fetch
        return "unknown", lambda call, req: self.error(404)

    def authorize(self, call: Call, request: Request) -> Response | None:
        header = request.headers.get("Authorization", "")
        try:
            decoded = base64.b64decode(header.removeprefix("Basic ")).decode()
            key_id, _, secret = decoded.partition(":")
        except ValueError:
            key_id = secret = ""
        if not key_id or self.keys.get(key_id) != secret:
            return json_response(razorpay_error(401, "The api key provided is invalid"), 401)
        return None

    def error(self, status: int, retry_after: int | None = None, body: Any = None) -> Response:
        return json_response(body or razorpay_error(status, f"stand-in error {status}"), status)

    def _create(self, call: Call, request: Request) -> Response:
        p = call.params
        amount = p.get("amount")
        if not isinstance(amount, int) or amount < 100:
            return json_response(razorpay_error(400, "amount: minimum 100 paise"), 400)
        with self._lock:
            reference = p.get("reference_id")
            if reference and any(
                    link["reference_id"] == reference for link in self.links.values()
            ):
                return json_response(razorpay_error(
                    400, f"Payment Link with reference id {reference} already exists"), 400)
            link_id = _id("plink_")
            link = {
                "id": link_id, "entity": "payment_link", "amount": amount, "amount_paid": 0,
                "currency": p.get("currency", "INR"), "reference_id": reference,
                "description": p.get("description"), "status": "created",
                "upi_link": bool(p.get("upi_link")),
                "accept_partial": bool(p.get("accept_partial")),
                "expire_by": p.get("expire_by"), "notify": p.get("notify"),
                "callback_url": p.get("callback_url"), "callback_method": p.get("callback_method"),
                "notes": p.get("notes") or {}, "created_at": int(time.time()), "payments": None,
                "short_url": f"{self.url}/rzp/{link_id.removeprefix('plink_')}",
            }
            self.links[link_id] = link
            return json_response(link)

    def _fetch(self, call: Call, request: Request) -> Response:
        link = self.links.get(_LINK.match(request.path).group(1))
        if link is None:
            return json_response(razorpay_error(400, "The id provided does not exist"), 400)
        return json_response(link)

    def _cancel(self, call: Call, request: Request) -> Response:
        with self._lock:
            link = self.links.get(_LINK.match(request.path).group(1))
            if link is None or link["status"] not in ("created", "partially_paid"):
                return json_response(razorpay_error(400, "Payment link cannot be cancelled"), 400)
            link["status"] = "cancelled"
            return json_response(link)

    def _list(self, call: Call, request: Request) -> Response:
        return json_response({"payment_links": list(self.links.values())})

    # what a customer does, and the webhook Razorpay then sends ----------------------------
    def pay(self, link_id: str, amount: int | None = None, method: str = "upi") -> dict[str, Any]:
        """The customer pays (all that is left, or `amount`): the link's state changes
        here and the payment entity a webhook carries is returned."""
        with self._lock:
            link = self.links[link_id]
            amount = amount or link["amount"] - link["amount_paid"]
            link["amount_paid"] += amount
            link["status"] = "paid" if link["amount_paid"] >= link["amount"] else "partially_paid"
            payment = {"id": _id("pay_"), "entity": "payment", "amount": amount,
                       "currency": link["currency"], "status": "captured", "method": method,
                       "order_id": _id("order_"), "captured": True,
                       "created_at": int(time.time())}
            link["payments"] = [*(link["payments"] or []), {
                "payment_id": payment["id"], "amount": amount, "method": method,
                "status": "captured", "plink_id": link_id, "created_at": payment["created_at"]}]
            return payment

    def webhook_body(self, link_id: str, payment: dict[str, Any]) -> bytes:
        link = dict(self.links[link_id])
        event = "payment_link.paid" if link["status"] == "paid" else "payment_link.partially_paid"
        link.pop("payments", None)
        body = {
            "entity": "event", "account_id": "acc_standin", "event": event,
            "contains": ["payment_link", "order", "payment"],
            "payload": {
                "payment_link": {"entity": link},
                "payment": {"entity": payment},
                "order": {"entity": {"id": payment["order_id"], "entity": "order",
                                     "amount": link["amount"], "amount_paid": link["amount_paid"],
                                     "status": "paid"}},
            },
            "created_at": int(time.time()),
        }
        return json.dumps(body).encode()

    def only_link(self) -> dict[str, Any]:
        (link,) = self.links.values()
        return link
