"""Payment links at a gateway (Razorpay): a business's account, the one live link of
an order for exactly what is due, and the payments the gateway reports, recorded
once each however often they are reported (webhook retries, a sync).

The gateway itself is a `Gateway` handed in (bot/payments/razorpay.py wraps the
official SDK); this module names no channel and no HTTP library.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store import orders, outbox, staff_news, timeline
from store.businesses import get_business
from store.errors import InvalidValue
from store.models import (
    Business,
    GatewayPayment,
    Order,
    OrderStatus,
    PaymentLink,
    RazorpayAccount,
    StatusEvent,
)

log = logging.getLogger("orderbot.gateway")

PROVIDER = "razorpay"
LINK_MODES = ("off", "upi", "on")  # off; UPI-only links (no card fees); any method
LINK_LIFETIME = timedelta(days=7)
# A link this close to expiring is replaced rather than shown (Razorpay wants a new
# link's expire_by at least 15 minutes ahead; a customer needs a few minutes to pay).
EXPIRY_MARGIN = timedelta(minutes=30)
KEY_ID = re.compile(r"^rzp_(test|live)_[A-Za-z0-9]{6,40}$")
SECRET = re.compile(r"^[\x21-\x7e]{8,128}$")  # printable, no spaces
# The gateway's payment methods, as the store knows them.
METHODS = {"upi": "upi", "card": "card", "netbanking": "bank", "bank_transfer": "bank"}
REFUND_KIND = "gateway_refund_due"  # the staff notice of money to give back
REFUND_CUSTOMER_KIND = "gateway_refund_coming"  # the customer's: it arrived, it comes back
ACTOR_NAME = "Razorpay"


class GatewayUnavailable(Exception):
    """The gateway could not be reached or refused the call; the message names no secret."""


class GatewayRefused(GatewayUnavailable):
    """The gateway answered, and said no (a 4xx: a reference id taken, a bad amount)."""


class Gateway(Protocol):
    """The calls of the Payment Links API this module makes, for one account."""

    def create_link(self, account: RazorpayAccount, data: dict[str, Any]) -> dict[str, Any]: ...

    def fetch_link(self, account: RazorpayAccount, link_id: str) -> dict[str, Any]: ...

    def cancel_link(self, account: RazorpayAccount, link_id: str) -> dict[str, Any]: ...


# --- the account -------------------------------------------------------------------------


def account_of(session: Session, business_id: int) -> RazorpayAccount | None:
    return session.scalars(
        select(RazorpayAccount).where(RazorpayAccount.business_id == business_id)
    ).one_or_none()


def account_for(session: Session, business: Business) -> RazorpayAccount | None:
    """The business's account: the one read with it if it was (the order's view reads
    it in the order's statement), else read now."""
    if "razorpay_account" in inspect(business).dict:
        return business.razorpay_account
    return account_of(session, business.id)


def links_on(account: RazorpayAccount | None) -> bool:
    return bool(
        account is not None and account.links != "off"
        and account.key_id and account.key_secret and account.webhook_secret
    )


def _bad(field: str, reason: str) -> InvalidValue:
    # The value is not kept in the error: it may be a secret, and errors get printed.
    return InvalidValue(f"{field}: {reason}", field=field, value="", reason=reason)


def configure(session: Session, code: str, **changes: str | None) -> RazorpayAccount:
    """Set a business's Razorpay key id, key secret, webhook secret and links mode
    (`links`: off, upi, on). Links are switched on only with all three set; setting
    the keys alone turns links on (UPI only), as the operator evidently wants them."""
    business = get_business(session, code)
    account = account_of(session, business.id)
    if account is None:
        account = RazorpayAccount(business_id=business.id, links="off")
        session.add(account)
    for field in ("key_id", "key_secret", "webhook_secret"):
        value = changes.get(field)
        if value is None:
            continue
        value = value.strip()
        if value and field == "key_id" and not KEY_ID.match(value):
            raise _bad("razorpay_key_id", "razorpay_key_id")
        if value and field != "key_id" and not SECRET.match(value):
            raise _bad(f"razorpay_{field}", "razorpay_secret")
        setattr(account, field, value or None)
    mode = changes.get("links")
    if mode is not None:
        mode = mode.strip().lower()
        if mode not in LINK_MODES:
            raise _bad("payment_links", "payment_links_mode")
        account.links = mode
    elif account.links == "off" and any(changes.get(f) for f in ("key_id", "key_secret")):
        account.links = "upi"
    if account.links != "off" and not (
        account.key_id and account.key_secret and account.webhook_secret
    ):
        raise _bad("payment_links", "payment_links_need_keys")
    session.flush()
    return account


def masked(secret: str | None) -> str | None:
    """What `business show` prints for a secret: that it is set, never any of it."""
    return "•••••••• (set)" if secret else None


# --- the live link ----------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def live_link_of(session: Session, order_id: int) -> PaymentLink | None:
    return session.scalars(
        select(PaymentLink)
        .where(PaymentLink.order_id == order_id, PaymentLink.status == "created")
        .order_by(PaymentLink.id.desc())
        .limit(1)
    ).first()


def link_for_order(
    session: Session,
    order: Order,
    account: RazorpayAccount,
    gateway: Gateway,
    now: datetime,
    callback_url: str,
) -> PaymentLink | None:
    """The order's live link for exactly what is due: the one made before while the
    due is the same and it has time left; else the old one is cancelled at the
    gateway and a new one made. None when nothing is due. Raises GatewayUnavailable.

    The order row is locked first (PostgreSQL), so two views at once make one link."""
    order = orders.lock_order(session, order.id)
    due = order.due_minor
    live = live_link_of(session, order.id)
    if live is not None:
        fresh = _aware(live.expire_by) > now + EXPIRY_MARGIN
        if fresh and live.amount_minor == due and live.currency == order.currency:
            return live
        _retire(session, live, account, gateway, expired=not fresh)
    if due <= 0:
        return None
    made = session.scalar(select(func.count(PaymentLink.id)).where(
        PaymentLink.order_id == order.id))
    # Razorpay wants a reference id unique per link: the order number, then "AK-1001.2"…
    reference = order.number if not made else f"{order.number}.{made + 1}"
    expire_by = now + LINK_LIFETIME
    data = {
        "amount": due,
        "currency": order.currency,
        "accept_partial": False,
        "upi_link": account.links == "upi",
        "reference_id": reference,
        "description": order.number,
        "notify": {"sms": False, "email": False},  # we tell the customer ourselves
        "reminder_enable": False,
        "callback_url": callback_url,
        "callback_method": "get",
        "expire_by": int(expire_by.timestamp()),
        "notes": {"order_number": order.number},
    }
    try:
        made_link = gateway.create_link(account, data)
    except GatewayRefused:
        # Most likely the reference is taken by a link whose answer never reached us (a
        # timeout after Razorpay made it): nobody has seen that link, so make another.
        reference = data["reference_id"] = f"{reference}.{secrets.token_hex(3)}"
        made_link = gateway.create_link(account, data)
    try:
        link = PaymentLink(
            business_id=order.business_id,
            order_id=order.id,
            provider=PROVIDER,
            gateway_link_id=str(made_link["id"]),
            reference_id=reference,
            short_url=str(made_link["short_url"]),
            amount_minor=due,
            currency=order.currency,
            status="created",
            expire_by=expire_by,
            created_at=now,
            updated_at=now,
        )
    except KeyError as error:
        raise GatewayUnavailable(f"the gateway's link lacks {error}") from None
    session.add(link)
    session.flush()
    log.info("payment link %s made for %s (%s)", link.gateway_link_id, order.number, due)
    return link


def _retire(
    session: Session, link: PaymentLink, account: RazorpayAccount, gateway: Gateway,
    *, expired: bool,
) -> None:
    """The link no longer stands for what is due: cancel it at the gateway (an expired
    one needs nothing). A cancel that fails leaves it `stale`; should it still be
    paid, the payment is recorded like any other (and any excess flagged)."""
    if expired:
        link.status = "expired"
        return
    try:
        gateway.cancel_link(account, link.gateway_link_id)
        link.status = "cancelled"
    except GatewayUnavailable as error:
        log.warning("payment link %s not cancelled: %s", link.gateway_link_id, error)
        link.status = "stale"
    session.flush()


# --- payments the gateway reports --------------------------------------------------------


@dataclass(frozen=True)
class Reported:
    """One payment on one of our links, as the gateway reported it."""

    gateway_payment_id: str
    amount_minor: int
    currency: str
    method: str  # the gateway's word: upi, card, netbanking…


@dataclass(frozen=True)
class Outcome:
    result: str  # recorded, duplicate, flagged, ignored
    order_number: str | None = None


def link_by_gateway_id(session: Session, business_id: int, link_id: str) -> PaymentLink | None:
    """Our link of that id, of that business only (another business's is not found)."""
    return session.scalars(
        select(PaymentLink).where(
            PaymentLink.gateway_link_id == link_id, PaymentLink.business_id == business_id
        )
    ).one_or_none()


def record_reported(
    session: Session, link: PaymentLink, paid: Reported, link_status: str | None,
    now: datetime, via: str,
) -> Outcome:
    """Record `paid` on the link's order exactly once (the unique gateway payment id,
    inserted first: a second delivery, at once or later, finds it taken and writes
    nothing). What the order can take is booked as a payment (the customer and every
    staff member are told); what it cannot (cancelled since, or already paid) is kept
    here and flagged to staff for a refund."""
    if link.order_id is None:  # a booking's link, once bookings exist
        return Outcome("ignored")
    order = orders.lock_order(session, link.order_id)
    if link_status in ("paid", "partially_paid", "cancelled", "expired"):
        link.status = link_status
    if paid.currency != order.currency or paid.amount_minor <= 0:
        log.warning("gateway payment %s: %s %s does not fit order %s", paid.gateway_payment_id,
                    paid.amount_minor, paid.currency, order.number)
        return Outcome("ignored", order.number)
    row = GatewayPayment(
        provider=PROVIDER, gateway_payment_id=paid.gateway_payment_id[:64], link_id=link.id,
        order_id=order.id, amount_minor=paid.amount_minor,
        method=METHODS.get(paid.method, "other"), refund_due_minor=0, via=via, created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return Outcome("duplicate", order.number)
    bookable = 0 if order.status == OrderStatus.CANCELLED else min(order.due_minor,
                                                                   paid.amount_minor)
    actor = orders.Actor(ACTOR_NAME, via=via)
    if bookable:
        payment = orders.record_payment(
            session, order, bookable, row.method, actor,
            reference=paid.gateway_payment_id[:120], now=now,
        )
        row.payment_id = payment.id
        _tell_staff_of_payment(session, order, payment.id, now)
    row.refund_due_minor = paid.amount_minor - bookable
    if row.refund_due_minor:
        _flag_refund(session, order, row, now)
    session.flush()
    log.info("gateway payment %s on %s: %s booked, %s to refund", paid.gateway_payment_id,
             order.number, bookable, row.refund_due_minor)
    return Outcome("flagged" if row.refund_due_minor else "recorded", order.number)


def _staff_chats(session: Session, order: Order, now: datetime):  # noqa: ANN202
    channels = staff_news.configured_staff_channels(session)
    return staff_news.staff_chats(session, order.business_id, channels, now)


def _tell_staff_of_payment(session: Session, order: Order, payment_id: int, now: datetime) -> None:
    """No staff member took this money, so every one of them hears of it (the store's
    news goes to a recorder's colleagues only)."""
    event = session.scalars(
        select(StatusEvent)
        .where(StatusEvent.order_id == order.id, StatusEvent.kind == "payment")
        .order_by(StatusEvent.id.desc())
    ).first()
    if event is None or (event.detail or {}).get("payment_id") != payment_id:
        return
    for _, chat in _staff_chats(session, order, now):
        outbox.enqueue_for(
            session, chat, kind=staff_news.KIND,
            payload={"order_id": order.id, "event_id": event.id},
            key=f"staff:{event.id}:chat:{chat.id}", order_id=order.id, now=now,
        )


def _flag_refund(session: Session, order: Order, row: GatewayPayment, now: datetime) -> None:
    """The timeline says so (a staff-only note), every staff member is asked to refund,
    and the customer hears that the money arrived and will come back."""
    event = timeline.add_event(
        session, order, "note", now, actor=ACTOR_NAME,
        detail={"gateway_payment": row.gateway_payment_id, "refund_due_minor":
                row.refund_due_minor, "amount_minor": row.amount_minor, "reason":
                "cancelled" if order.status == OrderStatus.CANCELLED else "overpaid"},
    )
    for _, chat in _staff_chats(session, order, now):
        outbox.enqueue_for(
            session, chat, kind=REFUND_KIND,
            payload={"order_id": order.id, "gateway_payment": row.id, "event_id": event.id},
            key=f"gateway-refund:{row.id}:chat:{chat.id}", order_id=order.id, now=now,
        )
    for chat in outbox.order_recipients(session, order, now):
        outbox.enqueue_for(
            session, chat, kind=REFUND_CUSTOMER_KIND,
            payload={"order_id": order.id, "gateway_payment": row.id},
            key=f"gateway-refund:{row.id}:customer:{chat.id}", order_id=order.id, now=now,
        )


def reported_from_link(entity: dict[str, Any]) -> list[tuple[Reported, str]]:
    """The captured payments a fetched link lists, with its status."""
    found = []
    for item in entity.get("payments") or []:
        if not isinstance(item, dict) or item.get("status") != "captured":
            continue
        try:
            found.append(Reported(
                gateway_payment_id=str(item["payment_id"]),
                amount_minor=int(item["amount"]),
                currency=str(entity.get("currency") or "INR"),
                method=str(item.get("method") or "other"),
            ))
        except (KeyError, TypeError, ValueError):
            continue
    return [(each, str(entity.get("status") or "")) for each in found]


@dataclass
class SyncReport:
    links: int = 0
    recorded: int = 0
    flagged: int = 0
    duplicates: int = 0
    failed: int = 0


def sync(
    session: Session, business: Business, account: RazorpayAccount, gateway: Gateway,
    since: datetime, now: datetime,
) -> SyncReport:
    """Ask the gateway for the state of every link made since `since` and record what
    a missed webhook would have (the same exactly-once key)."""
    report = SyncReport()
    links = list(session.scalars(
        select(PaymentLink)
        .where(PaymentLink.business_id == business.id, PaymentLink.created_at >= since)
        .order_by(PaymentLink.id)
    ))
    for link in links:
        report.links += 1
        try:
            entity = gateway.fetch_link(account, link.gateway_link_id)
        except GatewayUnavailable as error:
            log.warning("sync: payment link %s not fetched: %s", link.gateway_link_id, error)
            report.failed += 1
            continue
        status = str(entity.get("status") or "")
        if status in ("cancelled", "expired") and link.status in ("created", "stale"):
            link.status = status
        elif status == "created" and link.status == "stale":  # its cancel failed: again
            _retire(session, link, account, gateway, expired=False)
        for paid, link_status in reported_from_link(entity):
            outcome = record_reported(session, link, paid, link_status, now, via="sync")
            if outcome.result == "duplicate":
                report.duplicates += 1
            elif outcome.result == "flagged":
                report.flagged += 1
            elif outcome.result == "recorded":
                report.recorded += 1
    session.flush()
    return report
