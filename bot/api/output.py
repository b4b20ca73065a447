"""The vendor API's JSON: orders with their items, customer, timeline, payments,
proofs and shipments; money always integer minor units beside the currency."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers.bookings.links import booking_page_url
from handlers.orders.links import order_page_url
from store.models import Order, OrderKind, PaymentProof
from store.proof_checks import codes, read_fields
from store.proofs import decider_name
from store.shipments import shipments_of
from store.vendor_reads import proofs_of


def stamp(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _read_json(proof: PaymentProof) -> dict[str, Any] | None:
    """What was read off the proof (None: not read, or nothing in it)."""
    fields = read_fields(proof)
    if not fields:
        return None
    return {
        "amount_minor": fields.get("amount_minor"),
        "utr": fields.get("utr"),
        "payee_vpa": fields.get("payee_vpa"),
        "payee_name": fields.get("payee_name"),
        "paid_at": stamp(fields["paid_at"].astimezone(UTC)) if fields.get("paid_at") else None,
        "app": fields.get("app"),
        "outcome": fields.get("outcome"),
    }


def _statement_json(proof: PaymentProof) -> dict[str, Any] | None:
    credit = proof.statement_credit
    if credit is None or not proof.statement_match:
        return None
    return {"match": proof.statement_match, "utr": credit.utr,
            "amount_minor": credit.amount_minor, "credited_at": stamp(credit.credited_at)}


def proof_json(proof: PaymentProof) -> dict[str, Any]:
    return {
        "id": proof.number,
        "number": proof.number,
        "order_number": proof.order.number,
        "status": proof.status,
        "claimed_minor": proof.claimed_minor,
        "method": proof.method,
        "currency": proof.order.currency,
        "flags": codes(proof),
        "utr": proof.utr,
        "read": _read_json(proof),
        "statement": _statement_json(proof),
        "decided_by": decider_name(proof) if proof.decided_at else None,
        "created_at": stamp(proof.created_at),
        "decided_at": stamp(proof.decided_at),
        "decided_amount_minor": proof.decided_amount_minor,
        "reason": proof.reason,
    }


def page_url(session: Session, order: Order) -> str | None:
    """The order's (or booking's) own page: the link the customer's chat carries."""
    settings = session.info.get("settings")
    if settings is None:
        return None
    if order.kind == OrderKind.BOOKING:
        return booking_page_url(settings, order.id)
    return order_page_url(settings, order.id)


def money_state(session: Session, order: Order) -> dict[str, Any]:
    """An order's state and money, as every answer about it starts."""
    return {
        "number": order.number,
        "status": order.status,
        "payment_status": order.payment_status,
        "currency": order.currency,
        "total_minor": order.total_minor,
        "paid_minor": order.paid_minor,
        "refunded_minor": order.refunded_minor,
        "due_minor": order.due_minor,
        "to_refund_minor": order.to_refund_minor,
        "page_url": page_url(session, order),
    }


def order_summary(session: Session, order: Order) -> dict[str, Any]:
    """An order in a list: its state and money, without the timeline and the rest."""
    return {
        **money_state(session, order),
        "customer_name": order.customer_name,
        "created_at": stamp(order.created_at),
        "updated_at": stamp(order.updated_at),
    }


def history_json(session: Session, order: Order) -> dict[str, Any]:
    """An order's (or booking's) timeline, payments and proofs."""
    return {
        "timeline": [
            {
                "kind": event.kind,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "actor": event.actor,
                "detail": event.detail or {},
                "at": stamp(event.created_at),
            }
            for event in order.events
        ],
        "payments": [
            {
                "kind": payment.kind,
                "amount_minor": payment.amount_minor,
                "method": payment.method,
                "reference": payment.reference,
                "recorded_via": payment.recorded_via,
                "at": stamp(payment.created_at),
            }
            for payment in order.payments
        ],
        "proofs": [proof_json(proof) for proof in proofs_of(session, order.id)],
    }


def order_json(session: Session, order: Order) -> dict[str, Any]:
    return {
        **money_state(session, order),
        "fulfilment": order.fulfilment,
        "customer": {
            "name": order.customer_name,
            "phone": order.customer_phone,
            "address": order.customer_address,
        },
        "customer_note": order.customer_note,
        "internal_note": order.internal_note,
        "items": [
            {
                "name": item.name,
                "quantity": item.quantity,
                "unit_price_minor": item.unit_price_minor,
                "line_total_minor": item.line_total_minor,
            }
            for item in order.items
        ],
        "adjustments": [
            {
                "amount_minor": adjustment.amount_minor,
                "reason": adjustment.reason,
                "recorded_via": adjustment.recorded_via,
                "at": stamp(adjustment.created_at),
            }
            for adjustment in order.adjustments
        ],
        "created_at": stamp(order.created_at),
        "status_changed_at": stamp(order.status_changed_at),
        **history_json(session, order),
        "shipments": [
            {
                "provider": shipment.provider,
                "awb": shipment.awb,
                "courier": shipment.courier,
                "status": shipment.status,
                "tracking_url": shipment.tracking_url,
                "updated_at": stamp(shipment.updated_at),
            }
            for shipment in shipments_of(session, order.id)
        ],
    }
