"""`orderbot business edit`'s Razorpay options, and how `business show` lists them:
the key id in full (it is not secret), the two secrets only as "set"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from sqlalchemy.orm import Session, object_session

from bot.cli import operator_text as text
from store import payment_links

# (option, field, help)
OPTIONS = [
    ("--razorpay-key-id", "key_id", "Razorpay API key id (rzp_live_… or rzp_test_…)."),
    ("--razorpay-key-secret", "key_secret",
     "Razorpay API key secret (never printed back; - to be asked for it without echo)."),
    ("--razorpay-webhook-secret", "webhook_secret",
     "The secret of the Razorpay webhook pointed at /webhooks/razorpay/CODE "
     "(- to be asked for it)."),
    ("--payment-links", "links",
     "Razorpay payment links in order views: upi (UPI-only links, no card fees), on (any "
     "method) or off. [default once the keys are set: upi]"),
]
FIELDS = [field for _, field, _ in OPTIONS]
text.LABELS.update({
    "razorpay_key_id": "Razorpay key id", "razorpay_key_secret": "Razorpay key secret",
    "razorpay_webhook_secret": "Razorpay webhook secret", "payment_links": "Payment links",
})
text.REASONS.update({
    "razorpay_key_id": "a key id looks like rzp_live_… or rzp_test_…",
    "razorpay_secret": "8 to 128 printable characters, no spaces",
    "payment_links_mode": "off, upi or on",
    "payment_links_need_keys": "links need --razorpay-key-id, --razorpay-key-secret and "
                               "--razorpay-webhook-secret",
})


def options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option, field, help_text in reversed(OPTIONS):
        command = click.option(option, f"razorpay_{field}", help=help_text)(command)
    return command


def take(values: dict[str, Any]) -> dict[str, Any]:
    """The Razorpay values given, removed from `values`. A secret given as "-" is asked
    for without echo, so that it stays out of the shell's history and the process list."""
    given = {f: v for f in FIELDS if (v := values.pop(f"razorpay_{f}", None)) is not None}
    for field in ("key_secret", "webhook_secret"):
        if given.get(field) == "-":
            given[field] = click.prompt(text.LABELS[f"razorpay_{field}"], hide_input=True)
    return given


def apply(session: Session, code: str, given: dict[str, Any]) -> None:
    if given:
        payment_links.configure(session, code, **given)


def show_lines(business: Any) -> list[tuple[str, str | None]]:
    session = object_session(business)
    account = payment_links.account_of(session, business.id) if session else None
    if account is None:
        return [("payment_links", "off")]
    return [
        ("payment_links", account.links),
        ("razorpay_key_id", account.key_id),
        ("razorpay_key_secret", payment_links.masked(account.key_secret)),
        ("razorpay_webhook_secret", payment_links.masked(account.webhook_secret)),
    ]
