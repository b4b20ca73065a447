"""The vendor API: happy paths, the validation table (each bad input → its 4xx and
nothing written), idempotency, another business's order, auth, and the OpenAPI
document kept true against the routes."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import select
from support import ChatDriver, requires_postgres
from support.api import (
    ApiClient,
    assert_documented,
    assert_refused,
    bearer,
    new_key,
    row_counts,
    validator_at,
)

from bot.api.openapi import document
from store.apikeys import revoke_key
from store.db import unit_of_work
from store.models import MediaFile, OutboxMessage, PaymentProof
from store.queries import business_by_code, order_by_number

NEW_ORDER = {
    "number": "ak 1005",
    "customer": {"name": "Neha Gupta", "phone": "098333 33333", "address": "7 Park Street"},
    "fulfilment": "delivery",
    "items": [{"name": "Veg Biryani", "quantity": 2, "unit_price_minor": 22000},
              {"name": "Raita", "quantity": 1, "unit_price_minor": 3000}],
}


@pytest.fixture
def key(demo) -> str:
    return new_key(demo, "AK")


@pytest.fixture
def api(client, demo) -> ApiClient:
    """POST/GET against /api/v1 as Asha's Kitchen."""
    return ApiClient(client, demo, "AK")


def _events(runtime, number: str) -> list[tuple[str, str | None]]:
    with unit_of_work(runtime.sessions) as s:
        return [(e.kind, e.to_status) for e in order_by_number(s, number).events]


# ── happy paths ───────────────────────────────────────────────────────────────


def test_create_then_resend_then_update(api, demo) -> None:
    created = api.post("/orders", NEW_ORDER)
    assert created.status_code == 201, created.json
    assert_documented(created, "/orders", "post")
    order = created.json
    assert (order["number"], order["status"], order["total_minor"], order["due_minor"]) == (
        "AK-1005", "pending", 47000, 47000)
    assert order["customer"]["phone"] == "+919833333333"  # normalised to E.164
    assert order["timeline"][0]["actor"] == "api"

    again = api.post("/orders", NEW_ORDER)  # idempotent on the number: nothing changes
    assert again.status_code == 200 and again.json["items"] == order["items"]
    assert _events(demo, "AK-1005") == [("status", "pending")]

    changed = api.post("/orders", {"number": "AK1005", "internal_note": "ring twice",
                                   "items": [{"name": "Veg Biryani", "quantity": 3,
                                              "unit_price_minor": 22000}]})
    assert changed.status_code == 200
    assert changed.json["total_minor"] == 66000 and changed.json["internal_note"] == "ring twice"
    assert changed.json["customer"]["name"] == "Neha Gupta"  # left out: left alone
    assert _events(demo, "AK-1005")[-1] == ("update", None)


def test_status_payment_and_read(api, demo) -> None:
    ChatDriver(demo, address="+919822222222", phone="+919822222222").say("hi")
    moved = api.post("/orders/AK-1003/status", {"status": "confirmed"})
    assert moved.status_code == 200 and moved.json["status"] == "confirmed"
    assert_documented(moved, "/orders/{number}/status", "post")
    with unit_of_work(demo.sessions) as s:  # the customer's notice went with the change
        kinds = s.scalars(select(OutboxMessage.kind)).all()
    assert kinds == ["order_status"]
    assert api.post("/orders/ak-1003/status", {"status": "confirmed"}).status_code == 200
    assert _events(demo, "AK-1003").count(("status", "confirmed")) == 1  # a retry, not a change

    paid = api.post("/orders/AK-1003/payments", {"amount_minor": 20000, "method": "cash",
                                                 "reference": "till 4"})
    assert paid.status_code == 201
    assert_documented(paid, "/orders/{number}/payments", "post")
    assert (paid.json["paid_minor"], paid.json["due_minor"], paid.json["payment_status"]) == (
        20000, 16000, "partial")

    read = api.get("/orders/AK-1003")
    assert_documented(read, "/orders/{number}", "get")
    body = read.json
    assert [p["recorded_via"] for p in body["payments"]] == ["api"]
    assert [e["kind"] for e in body["timeline"]] == ["status", "status", "payment"]
    assert body["customer"]["phone"] == "+919822222222" and body["proofs"] == []


def test_proofs_waiting_lists_only_this_business_pending_ones(api, demo) -> None:
    with unit_of_work(demo.sessions) as s:
        media = MediaFile(sha256="0" * 64, content_type="image/png", size=1)
        s.add(media)
        s.flush()
        for n, (number, status) in enumerate(
            [("AK-1003", "pending"), ("AK-1001", "approved"), ("SB-2001", "pending")], 1
        ):
            order = order_by_number(s, number)
            s.add(PaymentProof(business_id=order.business_id, number=n, order_id=order.id,
                               media_id=media.id, claimed_minor=36000, status=status,
                               method="bank" if n == 1 else None))
    listed = api.get("/proofs")
    assert_documented(listed, "/proofs", "get")
    assert [(p["order_number"], p["status"], p["method"]) for p in listed.json["proofs"]] == [
        ("AK-1003", "pending", "bank")]
    assert [p["number"] for p in api.get("/orders/AK-1003").json["proofs"]] == [1]


# ── the validation table ─────────────────────────────────────────────────────

ITEM = {"name": "Dosa", "quantity": 1, "unit_price_minor": 12000}


def _order(**changes):
    return {"number": "AK-1006", "items": [ITEM], **changes}


def _item(**changes):
    return _order(items=[{**ITEM, **changes}])


BAD = [
    # path, body (or raw text), status, code, field
    ("/orders", "not json", 400, "invalid_json", None),
    ("/orders", "[1, 2]", 400, "invalid_json", None),
    ("/orders", '{"number": "AK-1006", "items": [{"name": "x", "quantity": NaN}]}', 400,
     "invalid_json", None),
    ("/orders", {"items": [ITEM]}, 422, "missing_field", "number"),
    ("/orders", _order(number="SB-1006"), 422, "invalid_number", "number"),
    ("/orders", _order(number="AK-12"), 422, "invalid_number", "number"),
    ("/orders", _order(number=1006), 422, "wrong_type", "number"),
    ("/orders", {"number": "AK-1006"}, 422, "items_required", "items"),
    ("/orders", _order(items={"name": "Dosa"}), 422, "wrong_type", "items"),
    ("/orders", _order(items=[]), 422, "invalid_value", "items"),
    ("/orders", _order(items=["Dosa"]), 422, "wrong_type", "items[0]"),
    ("/orders", _item(quantity=1.5), 422, "wrong_type", "items[0].quantity"),
    ("/orders", _item(quantity=True), 422, "wrong_type", "items[0].quantity"),
    ("/orders", _item(quantity=0), 422, "invalid_quantity", "items[0].quantity"),
    ("/orders", _item(unit_price_minor=-1), 422, "invalid_amount", "items[0].unit_price_minor"),
    ("/orders", _item(unit_price_minor=120.0), 422, "wrong_type", "items[0].unit_price_minor"),
    ("/orders", _item(unit_price_minor="12000"), 422, "wrong_type",
     "items[0].unit_price_minor"),
    ("/orders", _item(unit_price_minor=10**13), 422, "invalid_amount",
     "items[0].unit_price_minor"),
    ("/orders", _item(name=""), 422, "invalid_value", "items[0].name"),
    ("/orders", {"number": "AK-1006", "items": [{"quantity": 1, "unit_price_minor": 1}]}, 422,
     "missing_field", "items[0].name"),
    ("/orders", _item(price=5), 422, "unknown_field", "items[0].price"),
    ("/orders", _order(total_minor=12000), 422, "unknown_field", "total_minor"),
    ("/orders", _order(customer="Neha"), 422, "wrong_type", "customer"),
    ("/orders", _order(customer={"phone": "12"}), 422, "invalid_phone", "customer.phone"),
    ("/orders", _order(customer={"phone": "call me"}), 422, "invalid_phone", "customer.phone"),
    ("/orders", _order(fulfilment="drone"), 422, "invalid_value", "fulfilment"),
    ("/orders", {"number": "AK-1002", "items": [ITEM]}, 409, "total_below_paid", None),
    ("/orders", {"number": "AK-1004", "internal_note": "x"}, 409, "order_closed", None),
    ("/orders", {"number": "SB-2001", "items": [ITEM]}, 422, "invalid_number", "number"),
    ("/orders/AK-1003/status", {"status": "shipped"}, 422, "unknown_status", "status"),
    ("/orders/AK-1003/status", {}, 422, "missing_field", "status"),
    ("/orders/AK-1003/status", {"status": 2}, 422, "wrong_type", "status"),
    ("/orders/AK-1003/status", {"status": "ready", "why": "x"}, 422, "unknown_field", "why"),
    ("/orders/AK-1001/status", {"status": "pending"}, 409, "invalid_transition", None),
    ("/orders/AK-1004/status", {"status": "ready"}, 409, "invalid_transition", None),
    ("/orders/AK-9999/status", {"status": "ready"}, 404, "not_found", None),
    ("/orders/SB-2001/status", {"status": "ready"}, 404, "not_found", None),
    ("/orders/AK-1003/payments", {"amount_minor": -100, "method": "cash"}, 422,
     "invalid_amount", "amount_minor"),
    ("/orders/AK-1003/payments", {"amount_minor": 0, "method": "cash"}, 422,
     "invalid_amount", "amount_minor"),
    ("/orders/AK-1003/payments", {"amount_minor": 100.5, "method": "cash"}, 422,
     "wrong_type", "amount_minor"),
    ("/orders/AK-1003/payments", {"amount_minor": 100.0, "method": "cash"}, 422,
     "wrong_type", "amount_minor"),
    ("/orders/AK-1003/payments", {"amount_minor": True, "method": "cash"}, 422,
     "wrong_type", "amount_minor"),
    ("/orders/AK-1003/payments", {"amount_minor": "100", "method": "cash"}, 422,
     "wrong_type", "amount_minor"),
    ("/orders/AK-1003/payments", {"method": "cash"}, 422, "missing_field", "amount_minor"),
    ("/orders/AK-1003/payments", {"amount_minor": 100, "method": "bitcoin"}, 422,
     "invalid_value", "method"),
    ("/orders/AK-1003/payments", {"amount_minor": 100}, 422, "missing_field", "method"),
    ("/orders/AK-1001/payments", {"amount_minor": 25001, "method": "cash"}, 409,
     "overpayment", "amount_minor"),
    ("/orders/AK-1004/payments", {"amount_minor": 100, "method": "cash"}, 409,
     "order_cancelled", None),
    ("/orders/SB-2001/payments", {"amount_minor": 100, "method": "cash"}, 404, "not_found",
     None),
]


@pytest.mark.parametrize(("path", "body", "status", "code", "field"), BAD,
                         ids=[f"{n}-{row[3]}" for n, row in enumerate(BAD)])
def test_bad_input_is_refused_and_writes_nothing(api, path, body, status, code,
                                                 field) -> None:
    assert_refused(api, path, body, status, code, field)


def test_errors_speak_hindi_when_asked(api) -> None:
    response = api.post("/orders/AK-1003/payments", {"amount_minor": 1.5, "method": "cash"},
                        **{"Accept-Language": "hi-IN,hi;q=0.9"})
    assert "पूर्ण संख्या" in response.json["error"]["message"]


def test_another_business_order_is_not_found(client, api, demo) -> None:
    assert api.get("/orders/SB-2001").status_code == 404
    assert api.get("/orders/AK-9999").json["error"]["code"] == "not_found"
    bakery = bearer(new_key(demo, "SB"))
    assert client.get("/api/v1/orders/SB-2001", headers=bakery).status_code == 200
    assert client.get("/api/v1/orders/AK-1001", headers=bakery).status_code == 404


def test_unknown_api_paths_and_methods_answer_json(client, api) -> None:
    missing = api.get("/orderz")
    assert missing.status_code == 404 and missing.is_json
    assert missing.json["error"]["code"] == "unknown_route"
    assert "/api/v1/orderz" in missing.json["error"]["message"]
    wrong = client.delete("/api/v1/orders/AK-1001")
    assert wrong.status_code == 405 and wrong.json["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]
    page = client.get("/no-such-page")  # outside the API: Flask's own page, as before
    assert page.status_code == 404 and not page.is_json


# ── idempotency ──────────────────────────────────────────────────────────────


def test_idempotency_key_replays_the_first_answer(api, demo) -> None:
    body = {"amount_minor": 10000, "method": "upi"}
    first = api.post("/orders/AK-1003/payments", body, **{"Idempotency-Key": "pay-1"})
    again = api.post("/orders/AK-1003/payments", {"method": "upi", "amount_minor": 10000},
                     **{"Idempotency-Key": "pay-1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    with unit_of_work(demo.sessions) as s:
        assert order_by_number(s, "AK-1003").paid_minor == 10000  # paid once

    before = row_counts(demo)
    reused = api.post("/orders/AK-1003/payments", {**body, "amount_minor": 5000},
                      **{"Idempotency-Key": "pay-1"})
    assert reused.status_code == 422
    assert reused.json["error"]["code"] == "idempotency_key_reused"
    assert row_counts(demo) == before


def test_a_refused_request_keeps_no_key(api, demo) -> None:
    too_much = api.post("/orders/AK-1003/payments", {"amount_minor": 10**6, "method": "cash"},
                        **{"Idempotency-Key": "pay-2"})
    assert too_much.status_code == 409
    fixed = api.post("/orders/AK-1003/payments", {"amount_minor": 36000, "method": "cash"},
                     **{"Idempotency-Key": "pay-2"})
    assert fixed.status_code == 201 and fixed.json["payment_status"] == "paid"


def test_idempotency_keys_belong_to_one_business(client, demo) -> None:
    ak, sb = new_key(demo, "AK"), new_key(demo, "SB")
    body = json.dumps({"amount_minor": 100, "method": "cash"})
    for key, number in ((ak, "AK-1003"), (sb, "SB-2001")):
        response = client.post(f"/api/v1/orders/{number}/payments", data=body,
                               headers=bearer(key, **{"Idempotency-Key": "same"}))
        assert response.status_code == 201 and response.json["number"] == number


def test_bad_idempotency_key(api) -> None:
    response = api.post("/orders/AK-1003/status", {"status": "ready"},
                        **{"Idempotency-Key": "x" * 129})
    assert response.status_code == 422 and response.json["error"]["field"] == "Idempotency-Key"


# ── authentication ───────────────────────────────────────────────────────────


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Basic YWxhZGRpbjpv",
                                    "Bearer obk_00000000_" + "a" * 43])
def test_requests_without_a_valid_key_are_refused(client, demo, header) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/orders/AK-1001", headers=headers)
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_stops_working(client, demo, key) -> None:
    assert client.get("/api/v1/orders/AK-1001", headers=bearer(key)).status_code == 200
    with unit_of_work(demo.sessions) as s:
        assert revoke_key(s, business_by_code(s, "AK"), key.split("_")[1])
    assert client.get("/api/v1/orders/AK-1001", headers=bearer(key)).status_code == 401


def test_keys_are_stored_hashed(demo, key) -> None:
    from store.models import ApiKey

    with unit_of_work(demo.sessions) as s:
        stored = s.scalars(select(ApiKey)).one()
    assert key not in (stored.key_hash, stored.prefix) and stored.prefix in key


# ── the OpenAPI document ─────────────────────────────────────────────────────


def test_openapi_document_is_valid_and_served(client) -> None:
    validate_spec(document())
    assert client.get("/api/v1/openapi.json").json == json.loads(json.dumps(document()))


def test_openapi_paths_match_the_routes(app) -> None:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(p, m) for p, ops in document()["paths"].items() for m in ops}
    assert documented == routes


def test_openapi_examples_fit_their_schemas() -> None:
    checked = 0
    for path, operations in document()["paths"].items():
        for method, op in operations.items():
            places = [("requestBody",)] if "requestBody" in op else []
            places += [("responses", status) for status in op["responses"]]
            for place in places:
                media = op
                for part in place:
                    media = media[part]
                media = media.get("content", {}).get("application/json", {})
                if "example" in media:
                    validator_at("paths", path, method, *place, "content", "application/json",
                                 "schema").validate(media["example"])
                    checked += 1
    assert checked >= 6


@requires_postgres
def test_racing_retries_with_one_key_pay_once(client, demo, key) -> None:
    """A till that retries before the first answer came: the key's row decides."""
    start = threading.Barrier(4)
    body = json.dumps({"amount_minor": 10000, "method": "upi"})

    def pay() -> tuple[int, int]:
        start.wait(timeout=10)
        response = client.post("/api/v1/orders/AK-1003/payments", data=body,
                               headers=bearer(key, **{"Idempotency-Key": "race"}))
        return response.status_code, response.json["paid_minor"]

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: pay(), range(4)))
    assert answers == [(201, 10000)] * 4
    with unit_of_work(demo.sessions) as s:
        assert len(order_by_number(s, "AK-1003").payments) == 1
