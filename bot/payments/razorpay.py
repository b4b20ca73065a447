"""Razorpay's Payment Links API through its official SDK (`razorpay`), and the one-tap
"Pay now" link every order view offers where a business has links on.

Where the link is made: on the first view that needs it, during that request, with
a short bound (connect 1.5 s, read 2.5 s) and no retries; a failure is logged and
the view goes on without the line (the UPI ID, link and QR are always there), and
the same account is not tried again for a minute, so a gateway that is down costs
one bounded wait, not one per view. A link made ahead of time by the worker would
cost no request anything, but most orders are never viewed by their customer before
they pay at the counter, and each link made is one more to cancel when the due
changes; a bounded call on first view makes only the links someone looks at.

`RAZORPAY_API_BASE_URL` (default https://api.razorpay.com) is the SDK's `base_url`.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

import razorpay
import requests
from razorpay.errors import BadRequestError, GatewayError, ServerError
from sqlalchemy.orm import Session

from bot.config import Config
from store import payment_links
from store.models import Order, RazorpayAccount
from store.payment_links import GatewayRefused, GatewayUnavailable

log = logging.getLogger("orderbot.gateway")

DEFAULT_BASE_URL = "https://api.razorpay.com"
TIMEOUT = (1.5, 2.5)  # connect, read (seconds): a view waits at most this long
RESTING = 60.0  # seconds an account is not tried again after a failure


class _BoundedSession(requests.Session):
    """The SDK's HTTP session: every call bounded by TIMEOUT, and a network failure
    or a reply that is not JSON raised as GatewayUnavailable at once (the SDK would
    otherwise print it to stdout, which is the terminal chat's own output)."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException as error:
            raise GatewayUnavailable(f"unreachable ({type(error).__name__})") from None
        if not response.headers.get("Content-Type", "").startswith("application/json") and (
            response.status_code != 204
        ):
            raise GatewayUnavailable(f"HTTP {response.status_code}, not JSON")
        return response


class RazorpayGateway:
    """payment_links.Gateway over the SDK: one client per call, with the account's keys."""

    def __init__(self, base_url: str = DEFAULT_BASE_URL,
                 timeout: tuple[float, float] = TIMEOUT) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._resting: dict[str, float] = {}
        self._lock = threading.Lock()

    def _client(self, account: RazorpayAccount) -> razorpay.Client:
        return razorpay.Client(session=_BoundedSession(self.timeout),
                               auth=(account.key_id, account.key_secret), base_url=self.base_url)

    def _call(self, account: RazorpayAccount, what: str, call: Any) -> dict[str, Any]:
        key = account.key_id or ""
        with self._lock:
            if self._resting.get(key, 0.0) > time.monotonic():
                raise GatewayUnavailable("resting after a recent failure")
        try:
            result = call(self._client(account))
        except (GatewayUnavailable, BadRequestError, GatewayError, ServerError) as error:
            if not isinstance(error, BadRequestError):  # a refusal says nothing of the gateway
                with self._lock:
                    self._resting[key] = time.monotonic() + RESTING
            failure = GatewayRefused if isinstance(error, BadRequestError) else GatewayUnavailable
            raise failure(f"{what}: {error}") from None
        if not isinstance(result, dict):
            raise GatewayUnavailable(f"{what}: an answer that is not an object")
        return result

    def create_link(self, account: RazorpayAccount, data: dict[str, Any]) -> dict[str, Any]:
        return self._call(account, "create", lambda c: c.payment_link.create(data))

    def fetch_link(self, account: RazorpayAccount, link_id: str) -> dict[str, Any]:
        return self._call(account, "fetch", lambda c: c.payment_link.fetch(link_id))

    def cancel_link(self, account: RazorpayAccount, link_id: str) -> dict[str, Any]:
        return self._call(account, "cancel", lambda c: c.payment_link.cancel(link_id))

    def list_links(self, account: RazorpayAccount) -> dict[str, Any]:
        return self._call(account, "list", lambda c: c.payment_link.all())

    def signature_ok(self, body: bytes, signature: str, secret: str) -> bool:
        """`X-Razorpay-Signature`: the hex HMAC-SHA256 of the raw body with the
        webhook secret, checked by the SDK's own utility (in constant time)."""
        if not signature or not secret:
            return False
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        client = razorpay.Client(auth=("", ""), base_url=self.base_url)
        try:
            client.utility.verify_webhook_signature(text, signature, secret)
        except razorpay.errors.SignatureVerificationError:
            return False
        return True


class RazorpayPaymentLinks:
    """handlers.types.PaymentLinks over Razorpay, what the order views ask: the order's
    "Pay now" link, or None (links off, nothing due, or the gateway failed: the view
    shows UPI as always)."""

    def __init__(self, gateway: RazorpayGateway) -> None:
        self.gateway = gateway

    def url_for(
        self, session: Session, order: Order, now: datetime, callback_url: str
    ) -> str | None:
        if order.due_minor <= 0:
            return None
        account = payment_links.account_for(session, order.business)
        if not payment_links.links_on(account):
            return None
        assert account is not None
        try:
            with session.begin_nested():  # a failure leaves the view's transaction whole
                link = payment_links.link_for_order(
                    session, order, account, self.gateway, now, callback_url)
        except GatewayUnavailable as error:
            log.warning("no payment link for %s: %s", order.number, error)
            return None
        return link.short_url if link is not None else None


def gateway_for(config: Config) -> RazorpayGateway:
    return RazorpayGateway(config.razorpay_api_base_url or DEFAULT_BASE_URL)


def payment_links_for(config: Config) -> RazorpayPaymentLinks:
    return RazorpayPaymentLinks(gateway_for(config))
