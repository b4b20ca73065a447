"""GET /api/v1/proofs[?status=] and /proofs/{id}: each proof with what was read off it,
its flags as stable codes, and the bank statement's match; all in the OpenAPI document."""

from __future__ import annotations

from datetime import datetime

import pytest
from support import FIXTURES
from support.api import assert_documented, bearer, new_key

from store import proof_completion, proofs, statements
from store.db import unit_of_work
from store.proof_reading import Reading
from store.queries import business_by_code, order_by_number

UTR = "432156789012"


@pytest.fixture
def get(client, demo):
    key = new_key(demo)
    return lambda path: client.get(f"/api/v1{path}", headers=bearer(key))


def _read_proof(demo, order: str, reading: Reading | None, claimed: int = 25000) -> int:
    with unit_of_work(demo.sessions) as s:
        proof = proofs.submit(s, order_by_number(s, order), None, claimed, chat_id=None,
                              now=demo.clock(), utr=None).proof
        proof.read_state = "queued"
        proof_id = proof.id
    with unit_of_work(demo.sessions) as s:
        proof_completion.finish(s, proof_id, reading, "read", ("console",), demo.clock())
    return proof_id


def test_a_proof_with_what_was_read_flags_and_the_statement(get, demo) -> None:
    _read_proof(demo, "AK-1001", Reading(
        amount_minor=20000, utr=UTR, payee_vpa="ashaskitchen@okaxis", payee_name="Asha",
        paid_at=datetime(2026, 11, 24, 19, 42), app="google_pay", outcome="success"))
    with unit_of_work(demo.sessions) as s:
        statements.import_statement(s, business_by_code(s, "AK"),
                                    (FIXTURES / "statements" / "generic.csv").read_bytes(),
                                    "generic.csv", now=demo.clock())
    answer = get("/proofs/1")
    assert_documented(answer, "/proofs/{id}", "get")
    body = answer.json
    assert body["read"] == {"amount_minor": 20000, "utr": UTR, "payee_vpa": "ashaskitchen@okaxis",
                            "payee_name": "Asha", "paid_at": "2026-11-24T14:12:00Z",
                            "app": "google_pay", "outcome": "success"}
    assert body["flags"] == ["amount_mismatch"]
    # The claim (₹250) and the UTR equal the bank's credit: the statement outranks the
    # screenshot's ₹200 (which stays flagged for staff).
    assert body["statement"]["match"] == "confirmed"
    assert (body["id"], body["utr"]) == (1, UTR)


def test_statement_match_and_status_filter(get, demo) -> None:
    proof_id = _read_proof(demo, "AK-1001", Reading(amount_minor=25000, utr=UTR))
    with unit_of_work(demo.sessions) as s:
        statements.import_statement(s, business_by_code(s, "AK"),
                                    (FIXTURES / "statements" / "generic.csv").read_bytes(),
                                    "generic.csv", now=demo.clock())
    body = get("/proofs/1").json
    assert body["statement"] == {"match": "confirmed", "utr": UTR, "amount_minor": 25000,
                                 "credited_at": "2026-11-24T14:13:00Z"}
    _read_proof(demo, "AK-1003", None, claimed=36000)
    with unit_of_work(demo.sessions) as s:
        staff = business_by_code(s, "AK").staff[0].id
        proofs.approve(s, proof_id, staff, now=demo.clock())
    for status, numbers in [("pending", [2]), ("approved", [1]), ("rejected", []),
                            ("all", [1, 2]), (None, [2])]:
        listed = get("/proofs" + (f"?status={status}" if status else ""))
        assert_documented(listed, "/proofs", "get")
        assert [p["number"] for p in listed.json["proofs"]] == numbers, status
    approved = get("/proofs?status=approved").json["proofs"][0]
    assert approved["decided_by"] == "Asha" and approved["read"]["utr"] == UTR
    assert get("/proofs?status=all").json["proofs"][1]["read"] is None


def test_unknown_status_and_proof(get, demo) -> None:
    bad = get("/proofs?status=waiting")
    assert_documented(bad, "/proofs", "get")
    assert bad.status_code == 422 and bad.json["error"]["field"] == "status"
    missing = get("/proofs/99")
    assert_documented(missing, "/proofs/{id}", "get")
    assert missing.status_code == 404


def test_another_business_proof_is_not_found(get, demo) -> None:
    _read_proof(demo, "SB-2001", None)
    assert get("/proofs/1").status_code == 404
    assert get("/proofs?status=all").json["proofs"] == []
