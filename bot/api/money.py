"""The vendor API does what the chat does (issue 16): the list of orders with filters
and a cursor, refunds, discounts and charges, and deciding payment proofs. Each is
scoped to the API key's business and honours the Idempotency-Key like every POST."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.api.errors import ApiError
from bot.api.input import adjustment_input, approve_input, list_input, refund_input, reject_input
from bot.api.output import order_json, order_summary, proof_json
from bot.api.routes import API, _change, _now, _order, bp, sessions
from store import orders, proofs
from store.db import unit_of_work
from store.models import Business, Order, OrderKind, PaymentProof


@bp.get("/orders")
def list_orders() -> Response:
    """The business's orders, oldest first, `limit` a page; `next_cursor` fetches the next."""
    statuses, since, cursor, limit = list_input(request.args)
    query = select(Order).where(Order.business_id == g.business_id,
                                Order.kind == OrderKind.ORDER.value)
    if statuses:
        query = query.where(Order.status.in_(statuses))
    if since is not None:
        query = query.where(Order.updated_at >= since)
    if cursor is not None:
        query = query.where(Order.id > cursor)
    with unit_of_work(sessions()) as session:
        found = list(session.scalars(query.order_by(Order.id).limit(limit + 1)))
        page = [order_summary(session, order) for order in found[:limit]]
        more = len(found) > limit
        next_cursor = str(found[limit - 1].id) if more else None
    return jsonify(orders=page, next_cursor=next_cursor)


@bp.post("/orders/<number>/refunds")
def record_refund(number: str) -> tuple[Response, int]:
    def action(session: Session, business: Business, body: dict[str, Any]):  # noqa: ANN202
        amount, method, reference = refund_input(body)
        order = _order(session, business, number)
        orders.record_refund(session, order, amount, method, API, reference=reference,
                               now=_now())
        return 201, order_json(session, _order(session, business, number))

    return _change(action)


@bp.post("/orders/<number>/adjustments")
def adjust(number: str) -> tuple[Response, int]:
    def action(session: Session, business: Business, body: dict[str, Any]):  # noqa: ANN202
        amount, reason = adjustment_input(body)
        order = _order(session, business, number)
        orders.adjust_order(session, order, amount, reason, API, now=_now())
        return 201, order_json(session, _order(session, business, number))

    return _change(action)


def _proof(session: Session, business: Business, number: str) -> PaymentProof:
    """Proof `number` of this business (the number its prompt and list show)."""
    found = proofs.find(session, {business.id}, int(number)) if number.isdigit() and len(
        number) <= 9 else None
    if found is None:
        raise ApiError(404, "unknown_proof", "id")
    return found


@bp.post("/proofs/<id>/approve")
def approve_proof(id: str) -> tuple[Response, int]:  # noqa: A002 - the documented {id}
    def action(session: Session, business: Business, body: dict[str, Any]):  # noqa: ANN202
        amount, method = approve_input(body)
        proof = _proof(session, business, id)
        decision = proofs.approve(session, proof.id, None, amount_minor=amount, method=method,
                                  now=_now())
        return 200, proof_json(decision.proof)

    return _change(action, optional_body=True)


@bp.post("/proofs/<id>/reject")
def reject_proof(id: str) -> tuple[Response, int]:  # noqa: A002 - the documented {id}
    def action(session: Session, business: Business, body: dict[str, Any]):  # noqa: ANN202
        reason = reject_input(body)
        proof = _proof(session, business, id)
        decision = proofs.reject(session, proof.id, None, reason=reason, now=_now())
        return 200, proof_json(decision.proof)

    return _change(action, optional_body=True)
