"""A staff member removed with `orderbot staff remove` decides nothing from then on:
through the real core, a status change, a payment and a proof's approval are refused,
and the prompt still waiting for them is not sent."""

from __future__ import annotations

import pytest
from support import ChatDriver
from test_operator import orderbot  # noqa: F401 (a fixture)

from store.db import unit_of_work
from store.queries import order_by_number

ASHA = "+919800000001"


@pytest.fixture
def removed_asha(demo, orderbot) -> ChatDriver:  # noqa: F811
    asha = ChatDriver(demo, address=ASHA, phone=ASHA)
    asha.say("AK-1001")  # while still staff: her chat offers the status buttons
    assert orderbot("staff", "remove", "AK", ASHA).exit_code == 0
    return asha


def _order(runtime, number: str):
    with unit_of_work(runtime.sessions) as session:
        order = order_by_number(session, number)
        return order.status, order.paid_minor, len(order.events)


def test_a_removed_member_changes_no_status(removed_asha, demo) -> None:
    before = _order(demo, "AK-1001")
    answer = removed_asha.text("AK-1001 ready")
    assert answer and "Preparing → Ready" not in answer  # answered, as anyone would be
    removed_asha.say(button="st:AK-1001:ready")
    removed_asha.say("cancel AK-1001")
    assert _order(demo, "AK-1001") == before == ("preparing", 15000, before[2])


def test_a_removed_member_records_no_payment(removed_asha, demo) -> None:
    before = _order(demo, "AK-1003")
    removed_asha.say("paid AK-1003 100 cash")
    assert _order(demo, "AK-1003") == before


def test_a_removed_member_gets_no_prompt_and_approves_no_proof(demo, orderbot) -> None:  # noqa: F811
    from pathlib import Path

    from sqlalchemy import func, select
    from support import FIXTURES

    from store import media as media_store
    from store import proofs
    from store.models import OutboxMessage, Payment, PaymentProof

    asha = ChatDriver(demo, address=ASHA, phone=ASHA)
    asha.say("hi")
    receipt = (FIXTURES / "images" / "upi-payment-250.png").read_bytes()
    with unit_of_work(demo.sessions) as session:
        stored = media_store.store(session, Path(demo.settings.media_dir), receipt)
        submitted = proofs.submit(session, order_by_number(session, "AK-1003"), stored, 10000,
                                  chat_id=None, now=demo.clock())
        proof_id, number = submitted.proof.id, submitted.proof.number
        assert [chat.address for chat in submitted.prompted] == [ASHA]
    assert orderbot("staff", "remove", "AK", ASHA).exit_code == 0
    with unit_of_work(demo.sessions) as session:
        prompts = session.scalars(select(OutboxMessage.status)
                                  .where(OutboxMessage.address == ASHA)).all()
        assert prompts and set(prompts) == {"failed"}  # the waiting prompt is not sent
    asha.say(f"approve {number}")
    asha.say(button=f"approve:{number}")
    with unit_of_work(demo.sessions) as session:
        assert session.get(PaymentProof, proof_id).status == "pending"
        assert session.scalar(select(func.count()).select_from(Payment)
                              .where(Payment.proof_id == proof_id)) == 0
