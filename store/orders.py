"""The services that change orders and money. Each takes the caller's session (the
unit of work), keeps the rules, writes the timeline and queues the notices in the
same transaction, and raises a DomainError when a rule says no."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store import outbox, staff_news, stale_proofs, timeline
from store.errors import (
    InvalidAmount,
    InvalidTransition,
    ItemsRequired,
    NotFound,
    OrderCancelled,
    OrderClosed,
    Overpayment,
    TotalBelowPaid,
)
from store.models import (
    BookingStatus,
    Business,
    Order,
    OrderAdjustment,
    OrderItem,
    OrderKind,
    OrderStatus,
    Payment,
    PaymentStatus,
    StatusEvent,
    utcnow,
)
from store.numbers import number_key

S = OrderStatus
FLOW = (S.PENDING, S.CONFIRMED, S.PREPARING, S.READY, S.COMPLETED)
OPEN = frozenset(FLOW[:-1])
# A booking (store/bookings.py) shares this module's money and details: these of its
# statuses are open to changes.
BOOKING_OPEN = frozenset({BookingStatus.REQUESTED, BookingStatus.CONFIRMED})
PAYMENT_METHODS = ("upi", "cash", "bank", "card", "other")


@dataclass(frozen=True)
class Actor:
    """Who made a change, as the timeline names them."""

    name: str
    staff_id: int | None = None
    via: str = "chat"  # chat, api, import, webhook, system


SYSTEM = Actor("system", via="system")


def allowed_next(status: str) -> list[OrderStatus]:
    """Where an order may go from `status`: forward along the flow (steps may be
    skipped, a kitchen often goes straight to ready), or cancelled while open."""
    current = OrderStatus(status)
    if current not in OPEN:
        return []
    return [*FLOW[FLOW.index(current) + 1 :], S.CANCELLED]


def is_open(order: Order) -> bool:
    """Whether the order (or booking) may still change: items, details, price."""
    return order.status in (BOOKING_OPEN if order.kind == OrderKind.BOOKING else OPEN)


def lock_order(session: Session, order_id: int) -> Order:
    """The order, re-read and row-locked for the rest of the transaction (PostgreSQL;
    SQLite serialises writers at BEGIN IMMEDIATE). FOR NO KEY UPDATE: two lockers still
    wait for each other, but a row that merely refers to the order (a chat's current
    order, a watch, an outbox row) does not block it — with FOR UPDATE two views that
    had each set their chat's current order deadlocked on the order."""
    order = session.scalars(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if order is None:
        raise NotFound(order_id=order_id)
    return order


def set_status(
    session: Session,
    order: Order,
    new_status: str,
    actor: Actor = SYSTEM,
    *,
    reason: str | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> StatusEvent:
    """Move the order to `new_status` if the flow allows it; `notify=False` writes the
    timeline without telling anyone (an import of past orders)."""
    now = now or utcnow()
    order = lock_order(session, order.id)
    if order.kind == OrderKind.BOOKING:  # a booking's statuses are store/bookings.py's
        raise InvalidTransition(current=order.status, target=new_status)
    target = OrderStatus(new_status)
    check_transition(order, target, allowed_next(order.status))
    return record_status(session, order, target.value, actor, reason=reason, now=now,
                         notify=notify)


def check_transition(order: Order, target: str, allowed: Iterable[str]) -> None:
    """Raise unless the order (or booking: `allowed` is its kind's rule) may go from its
    status to `target`; the same status again is refused as such."""
    if target == order.status:
        raise InvalidTransition(current=order.status, target=str(target), same=True)
    if target not in allowed:
        raise InvalidTransition(current=order.status, target=str(target))


def record_status(
    session: Session,
    order: Order,
    target: str,
    actor: Actor,
    *,
    reason: str | None,
    now: datetime,
    notify: bool,
) -> StatusEvent:
    """A checked status change of an order or a booking: the status, its one timeline
    line, the waiting proofs of a cancelled one closed, and the customer told (and, of a
    cancellation, the colleagues)."""
    previous = order.status
    order.status = target
    order.status_changed_at = now
    event = timeline.add_event(
        session, order, "status", now,
        from_status=previous,
        to_status=target,
        detail={"reason": reason} if reason else {},
        actor=actor.name,
        staff_id=actor.staff_id,
    )
    cancelled = target == OrderStatus.CANCELLED  # a booking's word for it is the same
    if cancelled:
        stale_proofs.close_settled(session, order, actor.staff_id, now)
    if notify:
        outbox.notify_order(session, order, event, now=now)
        if cancelled:
            staff_news.tell_colleagues(session, order, event, actor.staff_id, now)
    return event


def _check_amount(amount_minor: int) -> None:
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise InvalidAmount(amount=amount_minor)


def _recompute(session: Session, order: Order) -> None:
    sums = dict(
        session.execute(
            select(Payment.kind, func.coalesce(func.sum(Payment.amount_minor), 0))
            .where(Payment.order_id == order.id)
            .group_by(Payment.kind)
        ).all()
    )
    paid, refunded = int(sums.get("payment", 0)), int(sums.get("refund", 0))
    order.paid_minor = paid - refunded  # what the shop keeps
    order.refunded_minor = refunded
    # What is due is Order.due_minor (store/models.py): the total less all received.
    if refunded:
        full = order.paid_minor == 0
        order.payment_status = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
    elif order.paid_minor == 0:
        order.payment_status = PaymentStatus.UNPAID
    elif order.paid_minor >= order.total_minor:
        order.payment_status = PaymentStatus.PAID
    else:
        order.payment_status = PaymentStatus.PARTIAL


def record_payment(
    session: Session,
    order: Order,
    amount_minor: int,
    method: str,
    actor: Actor = SYSTEM,
    *,
    reference: str | None = None,
    proof_id: int | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> Payment:
    """Money received. Never on a cancelled order, never past the total."""
    now = now or utcnow()
    _check_amount(amount_minor)
    if method not in PAYMENT_METHODS:
        raise InvalidAmount(method=method)
    order = lock_order(session, order.id)
    if order.status == OrderStatus.CANCELLED:
        raise OrderCancelled(order=order.number)
    if amount_minor > order.due_minor:
        raise Overpayment(due=order.due_minor, amount=amount_minor, currency=order.currency)
    payment = Payment(kind="payment", amount_minor=amount_minor, method=method,
                      reference=reference, proof_id=proof_id)
    return _book(session, order, payment, actor, now, notify=notify)


def record_refund(
    session: Session,
    order: Order,
    amount_minor: int,
    method: str,
    actor: Actor = SYSTEM,
    *,
    reference: str | None = None,
    now: datetime | None = None,
) -> Payment:
    """Money given back; at most what was paid. Allowed on cancelled orders too."""
    now = now or utcnow()
    _check_amount(amount_minor)
    order = lock_order(session, order.id)
    if amount_minor > order.paid_minor:
        raise Overpayment(due=order.paid_minor, amount=amount_minor, currency=order.currency)
    refund = Payment(kind="refund", amount_minor=amount_minor, method=method, reference=reference)
    return _book(session, order, refund, actor, now)


def _book(
    session: Session, order: Order, payment: Payment, actor: Actor, now: datetime,
    *, notify: bool = True,
) -> Payment:
    """Record `payment` (a payment or a refund) against the locked `order`: the new
    totals, the timeline line, and the notice."""
    payment.order_id = order.id
    payment.recorded_by_staff_id = actor.staff_id
    payment.recorded_via = actor.via
    payment.created_at = now
    session.add(payment)
    session.flush()
    _recompute(session, order)
    event = _money_event(session, order, payment, actor, now)
    stale_proofs.close_settled(session, order, actor.staff_id, now)
    if notify:
        outbox.notify_order(session, order, event, now=now)
        if payment.proof_id is None:  # a proof's decision tells the colleagues itself
            staff_news.tell_colleagues(session, order, event, actor.staff_id, now)
    return payment


def _money_event(
    session: Session, order: Order, payment: Payment, actor: Actor, now: datetime
) -> StatusEvent:
    return _order_event(session, order, payment.kind, actor, now, payment_id=payment.id,
                        amount_minor=payment.amount_minor, method=payment.method,
                        refunded_minor=order.refunded_minor)


def _order_event(
    session: Session, order: Order, kind: str, actor: Actor, now: datetime, **detail: Any
) -> StatusEvent:
    """A money line of the timeline, with the order's balance after it."""
    return timeline.add_event(
        session, order, kind, now,
        to_status=order.payment_status,
        detail={
            **detail,
            "paid_minor": order.paid_minor,
            "due_minor": order.due_minor,
            "to_refund_minor": order.to_refund_minor,
        },
        actor=actor.name,
        staff_id=actor.staff_id,
    )


# An order's total at most (10^15 minor units, ten lakh crore rupees in paise): far
# beyond any real order, far within the 64-bit integers every amount is kept in.
MAX_TOTAL_MINOR = 10**15


MAX_MINOR = 10**12  # ten thousand crore rupees: anything above is a mistake


def adjust_order(
    session: Session,
    order: Order,
    amount_minor: int,
    reason: str | None,
    actor: Actor = SYSTEM,
    *,
    now: datetime | None = None,
) -> StatusEvent:
    """A discount (negative) or a charge (positive) on the order's total: a line of the
    order, a timeline entry and a notice. The total never goes below zero; below what
    was paid, the difference is to be refunded (Order.to_refund_minor)."""
    now = now or utcnow()
    if not _is_int(amount_minor) or amount_minor == 0 or abs(amount_minor) >= MAX_MINOR:
        raise InvalidAmount(amount=amount_minor)
    order = lock_order(session, order.id)
    if order.status == OrderStatus.CANCELLED:
        raise OrderCancelled(order=order.number)
    if not 0 <= order.total_minor + amount_minor <= MAX_TOTAL_MINOR:
        raise InvalidAmount(amount=amount_minor, total=order.total_minor)
    reason = (reason or "").strip()[:500] or None
    session.add(OrderAdjustment(
        order_id=order.id, amount_minor=amount_minor, reason=reason, actor=actor.name,
        actor_staff_id=actor.staff_id, recorded_via=actor.via, created_at=now,
    ))
    order.total_minor += amount_minor
    order.updated_at = now
    session.flush()
    _recompute(session, order)
    event = _order_event(session, order, "adjustment", actor, now, amount_minor=amount_minor,
                         reason=reason, total_minor=order.total_minor)
    session.expire(order, ["adjustments"])
    stale_proofs.close_settled(session, order, actor.staff_id, now)
    outbox.notify_order(session, order, event, now=now)
    staff_news.tell_colleagues(session, order, event, actor.staff_id, now)
    return event


def adjustments_total(order: Order) -> int:
    return sum(a.amount_minor for a in order.adjustments)


@dataclass(frozen=True)
class NewItem:
    name: str
    quantity: int
    unit_price_minor: int


def create_order(
    session: Session,
    business: Business,
    number: str,
    items: Iterable[NewItem],
    *,
    customer_name: str | None = None,
    customer_phone: str | None = None,
    actor: Actor = SYSTEM,
    created_at: datetime | None = None,
    **fields: Any,
) -> Order:
    """A new order in status pending with its items; total computed from the items."""
    items = _checked_items(items)
    created_at = created_at or utcnow()
    order = Order(
        business_id=business.id,
        number=number,
        number_key=number_key(number),
        customer_name=customer_name,
        customer_phone=customer_phone,
        currency=business.currency,
        total_minor=_total(items),
        created_at=created_at,
        status_changed_at=created_at,
        updated_at=created_at,
        **fields,
    )
    order.items = _item_rows(items)
    session.add(order)
    session.flush()
    timeline.add_event(
        session, order, "status", created_at,
        to_status=OrderStatus.PENDING.value,
        actor=actor.name,
        staff_id=actor.staff_id,
    )
    return order


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked_items(items: Iterable[NewItem]) -> list[NewItem]:
    """At least one item; whole positive quantities and whole non-negative prices."""
    items = list(items)
    if not items:
        raise ItemsRequired()
    for item in items:
        if not (_is_int(item.quantity) and item.quantity > 0):
            raise InvalidAmount(item=item.name)
        if not (_is_int(item.unit_price_minor) and item.unit_price_minor >= 0):
            raise InvalidAmount(item=item.name)
    if _total(items) > MAX_TOTAL_MINOR:  # past this the database's 64-bit columns overflow
        raise InvalidAmount(total=_total(items))
    return items


def _total(items: list[NewItem]) -> int:
    return sum(i.quantity * i.unit_price_minor for i in items)


def _item_rows(items: list[NewItem]) -> list[OrderItem]:
    return [
        OrderItem(position=n, name=i.name, quantity=i.quantity, unit_price_minor=i.unit_price_minor)
        for n, i in enumerate(items)
    ]


# What `update_order` may change besides the items.
ORDER_FIELDS = frozenset(
    {"customer_name", "customer_phone", "customer_address", "customer_note", "internal_note",
     "fulfilment"}
)


def update_order(
    session: Session,
    order: Order,
    items: Iterable[NewItem] | None = None,
    actor: Actor = SYSTEM,
    *,
    now: datetime | None = None,
    **fields: Any,
) -> bool:
    """Bring an order's items and customer details up to date. The total follows the
    items and never falls below what was paid; a closed order is not changed. Returns
    whether anything changed (a change is one timeline line; the same data again is a
    no-op, so a till may send an order as often as it likes)."""
    unknown = set(fields) - ORDER_FIELDS
    if unknown:
        raise TypeError(f"update_order cannot change {sorted(unknown)}")
    now = now or utcnow()
    order = lock_order(session, order.id)
    changed = sorted(name for name, value in fields.items() if getattr(order, name) != value)
    new_items = _checked_items(items) if items is not None else None
    if new_items is not None and [
        (i.name, i.quantity, i.unit_price_minor) for i in order.items
    ] != [(i.name, i.quantity, i.unit_price_minor) for i in new_items]:
        changed.append("items")
    if not changed:
        return False
    if not is_open(order):
        raise OrderClosed(order=order.number, status=order.status)
    if new_items is not None and "items" in changed:
        total = _total(new_items) + adjustments_total(order)
        if total < order.paid_minor:
            raise TotalBelowPaid(total=total, paid=order.paid_minor, currency=order.currency)
        order.items = _item_rows(new_items)
        order.total_minor = total
        _recompute(session, order)
        stale_proofs.close_settled(session, order, actor.staff_id, now)
    for name, value in fields.items():
        setattr(order, name, value)
    order.updated_at = now
    timeline.add_event(
        session, order, "update", now,
        detail={"changed": changed, "total_minor": order.total_minor},
        actor=actor.name,
        staff_id=actor.staff_id,
    )
    return True


def save_order(
    session: Session,
    business: Business,
    number: str,
    items: Iterable[NewItem] | None = None,
    actor: Actor = SYSTEM,
    *,
    now: datetime | None = None,
    **fields: Any,
) -> tuple[Order, bool]:
    """Create order `number` for `business`, or update it if it exists: idempotent on
    the number. Returns the order and whether it was created. Another business's
    order of that number is not found."""
    now = now or utcnow()
    key = number_key(number)
    existing = _order_by_key(session, key)
    if existing is None:
        if items is None:
            raise ItemsRequired()
        try:
            with session.begin_nested():  # a racing create of the same number wins…
                order = create_order(
                    session, business, number, items, actor=actor, created_at=now, **fields
                )
            return order, True
        except IntegrityError:  # …and this one becomes an update of it
            existing = _order_by_key(session, key)
            if existing is None:
                raise
    if existing.business_id != business.id:
        raise NotFound(number=number)
    update_order(session, existing, items, actor, now=now, **fields)
    return existing, False


def _order_by_key(session: Session, key: str) -> Order | None:
    return session.scalars(select(Order).where(Order.number_key == key)).one_or_none()
