"""The vendor API does what the chat does (issue 16.16): the order's page URL, the list
with filters and a cursor, refunds, discounts and charges, and deciding proofs, each
documented, scoped to the key's business and idempotent."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from support import ChatDriver
from support.api import assert_documented, bearer, new_key, row_counts
from test_proof_decisions import _submit

from store.db import unit_of_work
from store.models import OutboxMessage, Payment, PaymentProof
from store.queries import order_by_number


@pytest.fixture
def api(client, demo):
    key = new_key(demo, "AK")

    class Api:
        def post(self, path: str, body=None, *, key: str = key, **headers: str):
            data = "" if body is None else json.dumps(body)
            return client.post(f"/api/v1{path}", data=data, headers=bearer(key, **headers),
                               content_type="application/json")

        def get(self, path: str, *, key: str = key):
            return client.get(f"/api/v1{path}", headers=bearer(key))

    return Api()


def test_the_order_carries_its_page_url(api, client) -> None:
    answer = api.get("/orders/AK-1001")
    assert_documented(answer, "/orders/{number}", "get")
    url = answer.json["page_url"]
    assert url.startswith("https://bot.example.test/o/")
    assert client.get(url.removeprefix("https://bot.example.test")).status_code == 200


def test_the_list_filters_by_status_and_pages_with_a_cursor(api, demo) -> None:
    first = api.get("/orders?limit=2")
    assert_documented(first, "/orders", "get")
    assert [o["number"] for o in first.json["orders"]] == ["AK-1001", "AK-1002"]
    second = api.get(f"/orders?limit=2&cursor={first.json['next_cursor']}")
    assert [o["number"] for o in second.json["orders"]] == ["AK-1003", "AK-1004"]
    assert second.json["next_cursor"] is None or api.get(
        f"/orders?cursor={second.json['next_cursor']}").json["orders"] == []
    ready = api.get("/orders?status=ready,cancelled").json["orders"]
    assert [o["number"] for o in ready] == ["AK-1002", "AK-1004"]
    assert all(o["number"].startswith("AK-") for o in api.get("/orders").json["orders"])
    assert api.get("/orders?updated_since=2999-01-01T00:00:00Z").json["orders"] == []
    assert len(api.get("/orders?updated_since=2000-01-01T00:00:00%2B05:30").json["orders"]) >= 4
    assert len(api.get("/orders?updated_since=2000-01-01T00:00:00+05:30").json["orders"]) >= 4
    for bad in ("status=lost", "updated_since=yesterday", "updated_since=2026-11-24T10:00",
                "cursor=abc", "limit=0", "limit=5000"):
        refused = api.get(f"/orders?{bad}")
        assert refused.status_code == 422, bad
        assert_documented(refused, "/orders", "get")


def test_a_refund_never_makes_money_due(api, demo) -> None:
    answer = api.post("/orders/AK-1002/refunds", {"amount_minor": 5000, "method": "cash"},
                      **{"Idempotency-Key": "refund-1"})
    assert answer.status_code == 201, answer.json
    assert_documented(answer, "/orders/{number}/refunds", "post")
    assert (answer.json["refunded_minor"], answer.json["due_minor"]) == (5000, 0)
    again = api.post("/orders/AK-1002/refunds", {"amount_minor": 5000, "method": "cash"},
                     **{"Idempotency-Key": "refund-1"})
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json == answer.json
    with unit_of_work(demo.sessions) as s:
        assert len(s.scalars(select(Payment).where(Payment.kind == "refund")).all()) == 1
    too_much = api.post("/orders/AK-1002/refunds", {"amount_minor": 30000, "method": "cash"})
    assert too_much.status_code == 409
    assert_documented(too_much, "/orders/{number}/refunds", "post")


def test_adjustments_discount_and_charge(api, demo) -> None:
    ChatDriver(demo).say(button="notify:AK-1001")  # Ravi follows his order
    before = row_counts(demo)
    answer = api.post("/orders/AK-1001/adjustments",
                      {"amount_minor": -5000, "reason": "late delivery"},
                      **{"Idempotency-Key": "disc-1"})
    assert answer.status_code == 201, answer.json
    assert_documented(answer, "/orders/{number}/adjustments", "post")
    order = answer.json
    assert (order["total_minor"], order["due_minor"]) == (35000, 20000)
    assert order["adjustments"][0]["amount_minor"] == -5000
    assert order["adjustments"][0]["reason"] == "late delivery"
    assert ("adjustment", "partial") in [(e["kind"], e["to_status"]) for e in order["timeline"]]
    replay = api.post("/orders/AK-1001/adjustments",
                      {"amount_minor": -5000, "reason": "late delivery"},
                      **{"Idempotency-Key": "disc-1"})
    assert replay.json == order
    assert row_counts(demo)["order_adjustments"] == before["order_adjustments"] + 1
    with unit_of_work(demo.sessions) as s:
        kinds = s.scalars(select(OutboxMessage.kind)).all()
    assert "order_adjustment" in kinds  # the customer is told
    charged = api.post("/orders/AK-1001/adjustments", {"amount_minor": 4000, "reason": "delivery"})
    assert (charged.json["total_minor"], charged.json["due_minor"]) == (39000, 24000)
    over = api.post("/orders/AK-1002/adjustments", {"amount_minor": -5000})
    assert (over.json["due_minor"], over.json["to_refund_minor"]) == (0, 5000)
    for body, status in (({"amount_minor": 0}, 422), ({"amount_minor": "50"}, 422),
                         ({"amount_minor": -99999999}, 422), ({"amount_minor": -100}, 422)):
        path = "/orders/AK-1004/adjustments" if body["amount_minor"] == -100 else (
            "/orders/AK-1003/adjustments")
        refused = api.post(path, body)
        assert refused.status_code in (status, 409), (body, refused.json)
        assert_documented(refused, "/orders/{number}/adjustments", "post")


def test_another_business_cannot_touch_these_orders(api, demo) -> None:
    bakery = new_key(demo, "SB")
    assert api.post("/orders/AK-1001/adjustments", {"amount_minor": -5000},
                    key=bakery).status_code == 404
    assert api.post("/orders/AK-1002/refunds", {"amount_minor": 100, "method": "cash"},
                    key=bakery).status_code == 404
    _submit(demo, "AK-1001", 10000)
    refused = api.post("/proofs/1/approve", key=bakery)
    assert refused.status_code == 404
    assert_documented(refused, "/proofs/{id}/approve", "post")
    assert all(o["number"].startswith("SB-") for o in api.get("/orders", key=bakery).json["orders"])


def test_deciding_proofs(api, demo) -> None:
    first, second = _submit(demo, "AK-1001", 10000), _submit(demo, "AK-1003", 20000)
    approved = api.post("/proofs/1/approve", **{"Idempotency-Key": "p1"})
    assert approved.status_code == 200, approved.json
    assert_documented(approved, "/proofs/{id}/approve", "post")
    assert (approved.json["status"], approved.json["decided_amount_minor"]) == ("approved", 10000)
    assert api.post("/proofs/1/approve", **{"Idempotency-Key": "p1"}).json == approved.json
    twice = api.post("/proofs/1/approve")
    assert twice.status_code == 409 and twice.json["error"]["code"] == "already_decided"
    rejected = api.post("/proofs/2/reject", {"reason": "amount not received"})
    assert rejected.status_code == 200
    assert_documented(rejected, "/proofs/{id}/reject", "post")
    assert (rejected.json["status"], rejected.json["reason"]) == ("rejected", "amount not received")
    with unit_of_work(demo.sessions) as s:
        assert order_by_number(s, "AK-1001").paid_minor == 25000
        assert s.get(PaymentProof, first).decided_by_staff_id is None
        assert s.get(PaymentProof, second).status == "rejected"
    third = _submit(demo, "AK-1003", 99900)
    over = api.post("/proofs/3/approve", {"amount_minor": 99900, "method": "upi"})
    assert over.status_code == 409
    with unit_of_work(demo.sessions) as s:
        assert s.get(PaymentProof, third).status == "pending"
    assert api.post("/proofs/3/approve", {"amount_minor": 100, "method": "cheque"}).status_code == 422
    assert api.post("/proofs/99/reject", {}).status_code == 404
    assert api.post("/proofs/abc/reject", {}).status_code == 404


def test_new_items_that_leave_nothing_due_close_a_waiting_proof(api, demo) -> None:
    proof_id = _submit(demo, "AK-1001", 25000)
    answer = api.post("/orders", {"number": "AK-1001", "items": [
        {"name": "Paneer Tikka", "quantity": 1, "unit_price_minor": 15000}]})
    assert answer.status_code == 200 and answer.json["due_minor"] == 0
    assert answer.json["proofs"][0]["status"] == "closed"
    with unit_of_work(demo.sessions) as s:
        assert s.get(PaymentProof, proof_id).status == "closed"
