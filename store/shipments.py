"""Shipments and their steps, as carriers report them.

A carrier's update, already mapped to one of `STEPS` by the adapter that read it,
becomes at most one timeline event per shipment and step — a conditional insert on
the event's unique `dedupe_key` — and only that first event queues a notice. A
carrier that repeats itself, or delivers its webhooks twice, changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import outbox
from store.db import insert_for
from store.models import Business, Order, OrderStatus, Shipment, StatusEvent, utcnow
from store.numbers import number_key
from store.orders import OPEN, Actor, lock_order, set_status

STEPS = ("picked_up", "in_transit", "out_for_delivery", "failed_attempt", "delivered", "returned")
FINAL = frozenset({"delivered", "returned"})
BOOKED = "booked"  # a shipment whose carrier said nothing we can map yet


@dataclass(frozen=True)
class CarrierUpdate:
    """One status report from a carrier, in our words."""

    provider: str  # shiprocket, generic, or another configured provider name
    carrier_status: str  # as the carrier said it: "OUT FOR DELIVERY"
    step: str | None  # one of STEPS, or None when we do not know the carrier's status
    order_number: str | None = None
    awb: str | None = None
    courier: str | None = None
    tracking_url: str | None = None
    at: datetime | None = None  # when the carrier says it happened


@dataclass(frozen=True)
class Outcome:
    result: str  # recorded, repeat, unknown_status, unknown_order
    order_number: str | None = None
    notified: int = 0


def find_order(
    session: Session, update: CarrierUpdate, business_id: int | None = None
) -> Order | None:
    """The order an update is about: by the shipment's AWB when we know it, else by
    the order number the carrier was given; only among `business_id`'s orders when
    the report came with that business's own secret. A report checked with the
    instance-wide secret never moves the orders of a business that has a secret of
    its own (that business's carrier account is the only one that may)."""
    if business_id is not None:
        mine = (Order.business_id == business_id,)
    else:
        guarded = select(Business.id).where(Business.shipping_secret.is_not(None))
        mine = (Order.business_id.not_in(guarded),)
    if update.awb:
        order_id = session.scalar(
            select(Shipment.order_id).join(Order, Order.id == Shipment.order_id).where(
                Shipment.provider == update.provider, Shipment.awb == update.awb, *mine
            )
        )
        if order_id is not None:
            return session.get(Order, order_id)
    if update.order_number:
        return session.scalars(
            select(Order).where(Order.number_key == number_key(update.order_number), *mine)
        ).one_or_none()
    return None


def _shipment(session: Session, order: Order, update: CarrierUpdate, now: datetime) -> Shipment:
    """The order's shipment for this provider and AWB, made on first sight. The
    order row is locked already, so two reports of one order cannot both make it."""
    query = select(Shipment).where(
        Shipment.order_id == order.id,
        Shipment.provider == update.provider,
        Shipment.awb == update.awb if update.awb else Shipment.awb.is_(None),
    )
    shipment = session.scalars(query).one_or_none()
    if shipment is None:
        shipment = Shipment(order_id=order.id, provider=update.provider, awb=update.awb,
                            status=BOOKED, created_at=now, updated_at=now)
        session.add(shipment)
        session.flush()
        session.expire(order, ["shipments"])
    return shipment


def record_update(
    session: Session, update: CarrierUpdate, now: datetime | None = None,
    business_id: int | None = None,
) -> Outcome:
    """Record a carrier's report on its order's timeline and tell the customer, once
    per step. A step reported after the parcel was delivered or returned is kept on
    the timeline but neither shown as current nor announced."""
    now = now or utcnow()
    found = find_order(session, update, business_id)
    if found is None:
        return Outcome("unknown_order")
    order = lock_order(session, found.id)
    shipment = _shipment(session, order, update, now)
    shipment.courier = update.courier or shipment.courier
    shipment.tracking_url = update.tracking_url or shipment.tracking_url
    shipment.updated_at = now
    what = update.step or "carrier:" + update.carrier_status.upper()
    key = f"shipment:{shipment.id}:{what}"[:120]
    event_id = session.execute(
        insert_for(session)(StatusEvent)
        .values(
            order_id=order.id,
            kind="shipment",
            to_status=update.step,
            detail={
                "shipment_id": shipment.id,
                "provider": update.provider,
                "awb": update.awb,
                "courier": shipment.courier,
                "carrier_status": update.carrier_status,
                "tracking_url": shipment.tracking_url,
                "at": update.at.isoformat() if update.at else None,
            },
            actor=update.provider,
            dedupe_key=key,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(StatusEvent.id)
    ).scalar_one_or_none()
    if event_id is None:
        return Outcome("repeat", order.number)
    if update.step is None:
        return Outcome("unknown_status", order.number)
    if shipment.status in FINAL and update.step not in FINAL:
        return Outcome("recorded", order.number)
    shipment.status = update.step
    event = session.get(StatusEvent, event_id)
    if update.step == "delivered" and order.status in OPEN:
        # Handed over: the order is done. Its timeline says so; the customer hears it
        # once, in the delivery notice below.
        set_status(session, order, OrderStatus.COMPLETED.value,
                   Actor(update.provider, via="webhook"), now=now, notify=False)
    return Outcome("recorded", order.number, outbox.notify_order(session, order, event, now=now))


def shipments_of(session: Session, order_id: int) -> list[Shipment]:
    return list(
        session.scalars(select(Shipment).where(Shipment.order_id == order_id).order_by(Shipment.id))
    )
