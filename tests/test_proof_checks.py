"""Proofs read off the request path and checked: the customer is answered first, the
staff prompt goes out once the proof is read (or the budget runs out) carrying what
was read and the flags; each flag raised and not raised; UTR reuse across businesses;
no engine, proofs as before; a waiting reader woken by a new proof."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from support import FIXTURES, ChatDriver, joined
from support.together import hearing, until

from bot import proof_reader
from bot.config import Config
from handlers import notices
from handlers.proofs.notices import prompt_replies
from handlers.types import Media
from store import ocr_engine, proof_checks, proof_completion, proofs, wakeups
from store.db import unit_of_work
from store.models import Business, OutboxMessage, PaymentProof
from store.proof_reading import Reading
from store.queries import order_by_number

IMAGES = FIXTURES / "images"
ASHA = "+919800000001"


@pytest.fixture
def config(database_url: str, tmp_path) -> Config:
    return Config.from_env(
        {"ORDERBOT_PROOF_READING": "on", "ORDERBOT_PROOF_READ_BUDGET": "60"}, dotenv=False,
        database_url=database_url, instance_dir=tmp_path / "instance",
        media_dir=tmp_path / "media", secret_key="test-secret-key",
        public_base_url="https://bot.example.test", testing=True,
    )


def photo(name: str = "upi-payment-250.png") -> tuple[Media, ...]:
    kind = {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf"}[name[-3:]]
    return (Media(data=(IMAGES / name).read_bytes(), content_type=kind, filename=name),)


def prompts(runtime, lang: str | None = None) -> list[str]:
    """The staff prompts queued, rendered as sent (or in `lang`)."""
    with unit_of_work(runtime.sessions) as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "proof_prompt")
                         .order_by(OutboxMessage.id)).all()
        texts = [joined(notices.render(s, m, "en") if lang is None else prompt_replies(
            proofs.proof_by_id(s, m.payload["proof_id"]), lang, None)) for m in rows]
        return [text.replace("\u202f", " ") for text in texts]


def the_proof(runtime, number: int = 1, business: str = "AK") -> PaymentProof:
    with unit_of_work(runtime.sessions) as s:
        return s.scalars(select(PaymentProof).join(Business).where(
            Business.code == business, PaymentProof.number == number)).one()


def engine_or_skip() -> None:
    if ocr_engine.engine() is None:
        pytest.skip(f"OCR engine not available here: {ocr_engine.unavailable_reason()}")


# ── off the request path ────────────────────────────────────────────────────


def test_customer_is_answered_before_reading_and_staff_get_what_was_read(customer, demo) -> None:
    engine_or_skip()
    answer = joined(customer.say("AK-1001")) and joined(customer.say("paid 250", media=photo()))
    assert "Received your payment screenshot for AK-1001 (₹250.00)" in answer
    assert prompts(demo) == []  # nothing for staff until it is read
    assert the_proof(demo).read_state == "queued"

    assert proof_reader.read_all(demo) == 1
    [prompt] = prompts(demo)
    assert ("🔎 Read: ₹250.00 to ashaskitchen@okaxis, UTR 4321 5678 9012, "
            "24 Nov 2026, 7:42 pm ✓ matches") in prompt
    proof = the_proof(demo)
    assert (proof.read_state, proof.utr, proof_checks.codes(proof)) == ("read", "432156789012", [])
    assert proof_reader.read_all(demo) == 0  # read once
    assert "🔎 पढ़ा गया: ₹250.00 ashaskitchen@okaxis को" in prompts(demo, "hi")[0]


def test_the_receipt_pdf_and_jpeg_are_read(customer, demo) -> None:
    engine_or_skip()
    customer.say("AK-1001")
    customer.say("paid 150", media=photo("upi-payment-150.jpg"))
    customer.say("AK-1003")
    proof_reader.read_all(demo)
    assert the_proof(demo).reading["amount_minor"] == 15000
    assert the_proof(demo).utr == "432156789999"


def test_past_the_budget_staff_hear_it_could_not_be_read(customer, demo, clock) -> None:
    customer.say("AK-1001")
    customer.say("paid 250", media=photo())
    clock.advance(seconds=61)
    assert proof_reader.expire(demo) == 1
    [prompt] = prompts(demo)
    assert "🔎 Could not read it." in prompt and "Payment proof 1 · AK-1001" in prompt
    assert proof_checks.codes(the_proof(demo)) == ["unreadable"]
    assert proof_reader.read_all(demo) == 0  # nothing left to read: no second prompt
    assert len(prompts(demo)) == 1


def test_without_an_engine_proofs_go_to_staff_as_before(
    customer, demo, monkeypatch, caplog
) -> None:
    monkeypatch.setattr(ocr_engine, "_engine", None)
    monkeypatch.setattr(ocr_engine, "_failure", None)
    monkeypatch.setitem(__import__("sys").modules, "rapidocr_onnxruntime", None)
    customer.say("AK-1001")
    customer.say("paid 250", media=photo())
    customer.say("paid 250", media=photo("upi-payment-150.jpg"))
    with caplog.at_level("WARNING", logger="orderbot.ocr"):
        assert proof_reader.read_all(demo) == 2
    assert [r.message for r in caplog.records].count(
        next(r.message for r in caplog.records if "could not load" in r.message)) == 1
    first = prompts(demo)[0]
    assert "Payment proof 1 · AK-1001" in first and "🔎" not in first
    assert (the_proof(demo).read_state, the_proof(demo).flags) == ("off", [])


def test_a_waiting_reader_reads_a_new_proof_at_once(customer, demo, monkeypatch) -> None:
    """The reader would look again on its own only after a minute; a proof queued
    wakes it (PostgreSQL: through the database, as from the web process)."""
    monkeypatch.setattr(ocr_engine, "_engine", None)  # "off": no seconds of OCR here
    monkeypatch.setattr(ocr_engine, "_failure", "not in this test")
    stop = threading.Event()
    reader = threading.Thread(target=proof_reader.run_forever, args=(demo, stop, 60.0),
                              daemon=True)
    with hearing(demo):
        reader.start()
        try:
            until(lambda: wakeups.BOARD.waiting >= 1)  # it looked, found nothing, waits
            customer.say("AK-1001")
            customer.say("paid 250", media=photo())
            until(lambda: the_proof(demo).read_state == "off")
        finally:
            stop.set()
            reader.join(timeout=10)
    assert prompts(demo) and "Payment proof 1 · AK-1001" in prompts(demo)[0]


def test_a_broken_file_is_unreadable(customer, demo, monkeypatch) -> None:
    customer.say("AK-1001")
    customer.say("paid 250", media=photo())

    def broken(data: bytes, kind: str) -> Reading:
        raise ocr_engine.Unreadable("bad")

    monkeypatch.setattr(ocr_engine, "read_file", broken)
    proof_reader.read_all(demo)
    assert proof_checks.codes(the_proof(demo)) == ["unreadable"]


# ── each flag, raised and not ───────────────────────────────────────────────

GOOD = Reading(amount_minor=25000, utr="432156789012", payee_vpa="ashaskitchen@okaxis",
               payee_name="Asha's Kitchen", paid_at=datetime(2026, 11, 24, 19, 42),
               app="google_pay", outcome="success")


def _finish(demo, reading: Reading | None, state: str = "read", order: str = "AK-1001",
            claimed: int = 25000) -> PaymentProof:
    """A queued proof finished with `reading`, as the reader would."""
    with unit_of_work(demo.sessions) as s:
        from store import media as media_store

        media = media_store.store(s, demo.config.media_path,
                                  (IMAGES / "upi-payment-250.png").read_bytes(), demo.clock())
        submitted = proofs.submit(s, order_by_number(s, order), media, claimed, chat_id=None,
                                  now=demo.clock(), read=True)
        proof_id = submitted.proof.id
    with unit_of_work(demo.sessions) as s:
        assert proof_completion.finish(s, proof_id, reading, state, ("console",), demo.clock())
    with unit_of_work(demo.sessions) as s:
        return s.get(PaymentProof, proof_id)


def _replace(**changes) -> Reading:
    return Reading(**{**GOOD.as_dict(), **changes})


@pytest.mark.parametrize(
    ("reading", "code"),
    [
        (_replace(amount_minor=20000), "amount_mismatch"),
        (_replace(payee_vpa="someone@ybl"), "payee_mismatch"),
        (_replace(payee_vpa=None, payee_name="Raju Stores"), "payee_mismatch"),
        (_replace(outcome="pending"), "not_successful"),
        (_replace(outcome="failed"), "not_successful"),
        (_replace(paid_at=datetime(2026, 11, 20, 9, 0)), "stale"),
        (_replace(paid_at=datetime(2026, 11, 24, 10, 0)), "before_order"),
        (Reading(), "unreadable"),
    ],
)
def test_each_flag_is_raised(demo, reading, code) -> None:
    proof = _finish(demo, reading)
    assert code in proof_checks.codes(proof)
    text = prompts(demo)[0]
    assert "✓ matches" not in text


def test_no_flag_when_it_all_matches(demo) -> None:
    proof = _finish(demo, _replace(payee_vpa=None, payee_name="ASHAS KITCHEN"))
    assert proof_checks.codes(proof) == []
    assert "✓ matches" in prompts(demo)[0]


def test_amount_mismatch_line_names_both(demo) -> None:
    _finish(demo, _replace(amount_minor=20000))
    assert "⚠️ The screenshot shows ₹200.00, not the ₹250.00 claimed." in prompts(demo)[0]
    assert "⚠️ स्क्रीनशॉट में ₹200.00 है" in prompts(demo, "hi")[0]


def test_utr_reused_in_the_same_business_and_across_businesses(demo) -> None:
    first = _finish(demo, GOOD)
    assert "utr_reused" not in proof_checks.codes(first)
    again = _finish(demo, GOOD, order="AK-1003")
    assert proof_checks.codes(again) == ["image_reused", "utr_reused"]
    assert "⚠️ This UTR is already on proof 1 (AK-1001)." in prompts(demo)[1]
    elsewhere = _finish(demo, GOOD, order="SB-2001", claimed=25000)
    assert "utr_reused" in proof_checks.codes(elsewhere)
    text = prompts(demo)[-1]
    assert "another business" in text and "AK-1001" not in text  # nothing of Asha's shown


def test_utr_on_a_recorded_payment_is_reused(demo) -> None:
    from store.orders import Actor, record_payment

    with unit_of_work(demo.sessions) as s:
        record_payment(s, order_by_number(s, "AK-1003"), 10000, "upi", Actor("Asha"),
                       reference="432156789012", now=demo.clock())
    assert "utr_reused" in proof_checks.codes(_finish(demo, GOOD))


def test_the_flags_never_reach_the_customer(customer, demo) -> None:
    _finish(demo, _replace(amount_minor=20000))
    with unit_of_work(demo.sessions) as s:
        kinds = set(s.scalars(select(OutboxMessage.kind).where(
            OutboxMessage.address == customer.address)))
    assert "proof_prompt" not in kinds
    assert "screenshot shows" not in joined(customer.say("AK-1001"))


def test_two_readers_finish_a_proof_once(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "AK-1001")
        proof_id = proofs.submit(s, order, None, 25000, chat_id=None, now=demo.clock(),
                                 utr=None).proof.id
        s.get(PaymentProof, proof_id).read_state = "queued"
    with unit_of_work(demo.sessions) as s:
        assert proof_completion.finish(s, proof_id, GOOD, "read", ("console",), demo.clock())
    with unit_of_work(demo.sessions) as s:
        assert not proof_completion.finish(s, proof_id, None, "timeout", ("console",),
                                           demo.clock() + timedelta(minutes=5))


# ── less typing ─────────────────────────────────────────────────────────────


def _own_notices(runtime, address: str = "+919811111111") -> list:
    with unit_of_work(runtime.sessions) as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.address == address)
                         .order_by(OutboxMessage.id)).all()
        return [(m.kind, notices.render(s, m, "en")) for m in rows]


def test_no_amount_in_the_caption_the_amount_read_is_confirmed_with_one_tap(customer, demo) -> None:
    engine_or_skip()
    customer.say("AK-1001")
    answer = joined(customer.say("", media=photo()))
    assert "One moment while I read the amount" in answer
    proof_reader.read_all(demo)
    assert prompts(demo) == []  # staff wait for the amount
    [(kind, replies)] = _own_notices(demo)
    assert kind == "proof_confirm_amount"
    assert "I read ₹250.00 on your screenshot for AK-1001 — right?" in replies[0].text
    assert [b.label for b in replies[0].buttons] == ["Yes", "Change"]
    done = joined(customer.say("1"))  # the numbered choice, as the terminal shows it
    assert "Received your payment screenshot for AK-1001 (₹250.00)" in done
    [prompt] = prompts(demo)
    assert "Claimed: ₹250.00" in prompt and "✓ matches" in prompt
    assert "Received" not in joined(customer.say("1"))  # once


def test_change_then_typed_amount_is_flagged_against_the_reading(customer, demo) -> None:
    _finish_unclaimed = _submit_unclaimed(demo, customer)
    replies = customer.say(button=f"proofchange:{_finish_unclaimed}")
    assert "How much did you pay for AK-1001?" in joined(replies)
    assert "(₹200.00)" in joined(customer.say("200"))
    proof = the_proof(demo)
    assert proof.claimed_minor == 20000
    assert "amount_mismatch" in proof_checks.codes(proof)


def _submit_unclaimed(demo, customer) -> int:
    """A photo without an amount, read as ₹250 (no engine needed: finished by hand)."""
    customer.say("AK-1001")
    customer.say("", media=photo())
    proof = the_proof(demo)
    with unit_of_work(demo.sessions) as s:
        proof_completion.finish(s, proof.id, GOOD, "read", ("console",), demo.clock())
    return proof.id


def test_staff_do_not_list_a_proof_still_waiting_for_its_amount(customer, demo) -> None:
    _submit_unclaimed(demo, customer)
    staff = ChatDriver(demo, address=ASHA, phone=ASHA)
    assert "Payment proof" not in staff.text("proofs")
    assert "proof 1" not in staff.text("proofs")
    customer.say("1")  # the customer confirms the amount read
    assert "proof 1 · AK-1001" in staff.text("proofs")


def test_nothing_read_the_customer_is_asked(customer, demo) -> None:
    customer.say("AK-1001")
    customer.say("", media=photo())
    with unit_of_work(demo.sessions) as s:
        proof_completion.finish(s, the_proof(demo).id, None, "timeout", ("console",), demo.clock())
    [(kind, replies)] = _own_notices(demo)
    assert kind == "proof_ask_amount" and "How much did you pay" in replies[0].text
    assert "(₹250.00)" in joined(customer.say("250"))
    assert "Could not read it" in prompts(demo)[0]


def test_a_utr_sent_as_text_becomes_a_proof_without_a_picture(customer, demo) -> None:
    customer.say("AK-1001")
    answer = joined(customer.say("paid UTR 4321 5678 9012 250"))
    assert "UTR 432156789012 for AK-1001" in answer
    proof = the_proof(demo)
    assert (proof.media_id, proof.utr, proof.claimed_minor) == (None, "432156789012", 25000)
    [prompt] = prompts(demo)
    assert "Payment proof 1 · AK-1001" in prompt and "[image" not in prompt

    other = ChatDriver(demo, address="+919822222222", phone="+919822222222")
    other.say("AK-1003")
    asked = joined(other.say("paid utr 432156789012"))
    assert "How much did you pay with UTR 432156789012 for AK-1003?" in asked
    other.say("250")
    assert "⚠️ This UTR is already on proof 1 (AK-1001)." in prompts(demo)[1]


def test_a_utr_without_an_order_in_play_asks_which(stranger) -> None:
    assert "Which order is UTR 432156789012 for?" in joined(stranger.say("UTR 432156789012"))


def test_done_when_in_terminal_chats(demo, database_url, tmp_path) -> None:
    """Issue 19's "done when": the demo receipt sent for AK-1001 without a caption is read
    as ₹250 with its UTR, confirmed with one tap, and the staff prompt shows the reading;
    the same screenshot for AK-1003 is flagged utr_reused; the statement confirms and,
    with --auto-approve statement, approves the first once."""
    engine_or_skip()
    from click.testing import CliRunner
    from test_foundation import _run_chat

    from bot.cli import main

    receipt = IMAGES / "upi-payment-250.png"

    def chat(script: str, phone: str) -> str:
        done = _run_chat(database_url, tmp_path, script, "--phone", phone)
        assert done.returncode == 0, done.stderr
        return done.stdout.replace("\u202f", " ")

    first = chat(f"AK-1001\n/photo {receipt}\n1\n", "+919811111111")
    assert "I read ₹250.00 on your screenshot for AK-1001 — right?" in first
    # (the terminal runs on today's clock: the receipt of 24 Nov may be flagged "stale")
    assert ("[to Asha] 🔎 Read: ₹250.00 to ashaskitchen@okaxis, UTR 4321 5678 9012, "
            "24 Nov 2026, 7:42 pm") in first
    assert "[to Asha] Claimed: ₹250.00" in first
    again = chat(f"AK-1003\n/photo {receipt} paid 250\n", "+919822222222")
    assert "[to Asha] ⚠️ This UTR is already on proof 1 (AK-1001)." in again

    env = {"DATABASE_URL": database_url, "ORDERBOT_INSTANCE_DIR": str(tmp_path)}
    run = lambda *a: CliRunner().invoke(main, list(a), env=env)  # noqa: E731
    assert run("business", "edit", "AK", "--auto-approve", "statement").exit_code == 0
    imported = run("statements", "import", "AK", str(FIXTURES.parent.parent / "samples"
                                                     / "statement.csv"))
    assert "Confirmed 1 proofs" in imported.output
    assert "approved by themselves 1" in imported.output
    assert the_proof(demo, 1).decided_via == "statement"
    assert the_proof(demo, 2).status == "pending"
    assert "approved by themselves 0" in run("statements", "import", "AK", str(
        FIXTURES.parent.parent / "samples" / "statement.csv")).output
