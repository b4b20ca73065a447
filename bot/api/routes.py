"""The vendor API, `/api/v1`: a business's own till or website creates and updates
orders, changes their status, records payments and reads orders and proofs.

JSON in and out; `Authorization: Bearer <key>` (`orderbot apikey create CODE`)
names the business; every POST honours an `Idempotency-Key`. Routes only parse,
call a store service and shape the answer; the rules live in store/orders.py.
The OpenAPI document (bot/api/openapi.py) is served at /api/v1/openapi.json.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from bot.api.errors import ApiError, error_response, json_body
from bot.api.input import idempotency_key, order_input, payment_input, status_input
from bot.api.openapi import document
from bot.api.output import order_json, proof_json
from bot.runtime import runtime_of
from store import idempotency, orders
from store.apikeys import business_for_key
from store.db import unit_of_work
from store.errors import DomainError, NotFound
from store.models import Business, Order
from store.vendor_reads import (
    business_order,
    business_proof,
    business_proofs,
    proofs_waiting,
)

API = orders.Actor("api", via="api")
Action = Callable[[Session, Business, dict[str, Any]], tuple[int, dict[str, Any]]]

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.errorhandler(ApiError)
def _refused(error: ApiError) -> tuple[Response, int]:
    return error_response(error)


@bp.errorhandler(DomainError)
def _rule_said_no(error: DomainError) -> tuple[Response, int]:
    refusal = ApiError.from_domain(error)
    if request.path.startswith(f"{bp.url_prefix}/bookings"):
        refusal.worded_for("booking")
    return error_response(refusal)


def unknown_route(error: HTTPException) -> Response | tuple[Response, int] | HTTPException:
    """The app's own 404 and 405 under /api/v1 answer in the API's JSON shape (a client
    parsing JSON never gets an HTML page); elsewhere Flask's page stays."""
    if not request.path.startswith(bp.url_prefix or "/api/v1"):
        return error
    if error.code == 405:
        response, status = error_response(ApiError(405, "method_not_allowed", method=request.method))
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods or []))  # type: ignore[attr-defined]
        return response, status
    return error_response(ApiError(404, "unknown_route", path=request.path))


@bp.before_request
def _authenticate() -> None:
    """Every route but the OpenAPI document needs a live key; `g.business_id` is its business."""
    if request.endpoint == "api.openapi":
        return
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "unauthorized")
    with unit_of_work(runtime_of(current_app).sessions) as session:
        business = business_for_key(session, key.strip())
        if business is None:
            raise ApiError(401, "unauthorized")
        g.business_id = business.id


def _now() -> Any:
    return runtime_of(current_app).clock()


def sessions() -> Any:
    return runtime_of(current_app).sessions


def _order(session: Session, business: Business, number: str) -> Order:
    order = business_order(session, business.id, number)
    if order is None:
        raise NotFound(number=number)
    return order


def _change(action: Action, *, optional_body: bool = False) -> tuple[Response, int]:
    """Run `action` in one transaction. With an `Idempotency-Key` the response is kept
    with the change, and the same request again gets it back without acting twice."""
    body = json_body(optional=optional_body)
    key = idempotency_key(request.headers.get("Idempotency-Key"))
    with unit_of_work(runtime_of(current_app).sessions) as session:
        business = session.get(Business, g.business_id)
        if key is not None:
            fingerprint = idempotency.request_hash(request.method, request.path, body)
            stored = idempotency.claim(session, business.id, key, fingerprint, _now())
            if stored is not None:
                response = jsonify(stored.body)
                response.headers["Idempotent-Replayed"] = "true"
                return response, stored.status_code
        status, payload = action(session, business, body)
        if key is not None:
            idempotency.complete(session, business.id, key, status, payload)
    return jsonify(payload), status


@bp.post("/orders")
def save_order() -> tuple[Response, int]:
    def action(session: Session, business: Business, body: dict[str, Any]):  # noqa: ANN202
        data = order_input(business, body)
        order, created = orders.save_order(
            session, business, data.number, data.items, API, now=_now(), **data.fields
        )
        shown = order_json(session, _order(session, business, order.number))
        return (201 if created else 200), shown

    return _change(action)


@bp.get("/orders/<number>")
def get_order(number: str) -> Response:
    with unit_of_work(runtime_of(current_app).sessions) as session:
        business = session.get(Business, g.business_id)
        return jsonify(order_json(session, _order(session, business, number)))


@bp.post("/orders/<number>/status")
def change_status(number: str) -> tuple[Response, int]:
    def action(session: Session, business: Business, body: dict[str, Any]):  # noqa: ANN202
        status, reason = status_input(body)
        order = _order(session, business, number)
        if order.status != status:  # the same status again is a retry, not a transition
            orders.set_status(session, order, status, API, reason=reason, now=_now())
        return 200, order_json(session, _order(session, business, number))

    return _change(action)


def pay(session: Session, order: Order, body: dict[str, Any]) -> None:
    """Record the payment a body describes on an order or a booking."""
    amount, method, reference = payment_input(body)
    orders.record_payment(session, order, amount, method, API, reference=reference, now=_now())


@bp.post("/orders/<number>/payments")
def record_payment(number: str) -> tuple[Response, int]:
    def action(session: Session, business: Business, body: dict[str, Any]):  # noqa: ANN202
        pay(session, _order(session, business, number), body)
        return 201, order_json(session, _order(session, business, number))

    return _change(action)


PROOF_STATUSES = ("pending", "approved", "rejected", "all")


@bp.get("/proofs")
def list_proofs() -> Response:
    """`?status=pending` (the default), approved, rejected or all; oldest first."""
    status = request.args.get("status", "pending")
    if status not in PROOF_STATUSES:
        raise ApiError(422, "invalid_choice", "status", choices=", ".join(PROOF_STATUSES))
    with unit_of_work(runtime_of(current_app).sessions) as session:
        if status == "pending":
            proofs = proofs_waiting(session, g.business_id)
        else:
            proofs = business_proofs(session, g.business_id, None if status == "all" else status)
        return jsonify(proofs=[proof_json(proof) for proof in proofs])


@bp.get("/proofs/<id>")
def get_proof(id: str) -> Response:  # noqa: A002 - the documented path's name
    """One proof by its number in this business (what staff see: "proof 12")."""
    with unit_of_work(runtime_of(current_app).sessions) as session:
        number = int(id) if id.isascii() and id.isdigit() and len(id) < 10 else 0
        proof = business_proof(session, g.business_id, number)
        if proof is None:
            raise ApiError(404, "not_found", msg="proof_not_found")
        return jsonify(proof_json(proof))


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())

