"""What is read off a proof, checked against what we know (the payee, the UTR seen
before, the order's date…), and the queue of proofs waiting to be read.

A proof to be read waits with `read_state = "queued"`. A reader (bot/proof_reader.py:
the worker, or the terminal chat) claims one here with a lease, reads the file outside
any transaction, and finishes it (store/proof_completion.finish); a proof nobody
finished within the time budget is finished as "timeout" ("could not read it")."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.models import Business, Order, Payment, PaymentProof
from store.proof_reading import Reading

QUEUED = "queued"
# What the customer is asked when their caption had no amount (outbox kinds):
CONFIRM = "proof_confirm_amount"  # "₹250.00 — right? Yes / Change"
ASK = "proof_ask_amount"  # nothing read: how much was it?
LEASE = timedelta(minutes=2)
STALE_AFTER = timedelta(days=3)
BEFORE_ORDER_SLACK = timedelta(minutes=10)  # clocks and minute-precision screenshots
# The stable codes, as the API shows them (sender_not_customer: helper "guard"'s check).
CODES = ("amount_mismatch", "payee_mismatch", "utr_reused", "image_reused", "before_order",
         "stale", "not_successful", "unreadable", "sender_not_customer")


def codes(proof: PaymentProof) -> list[str]:
    """The proof's flags as their stable codes, each once."""
    found: list[str] = []
    for flag in proof.flags or []:
        kind = flag.get("kind")
        code = {"reused": "image_reused", "over_due": "amount_mismatch",
                "unproven_sender": "sender_not_customer"}.get(kind, kind)
        if code in CODES and code not in found:
            found.append(code)
    return found


def normalise_utr(text: str) -> str:
    return re.sub(r"[\s-]", "", text).upper()


# ── the checks ──────────────────────────────────────────────────────────────


def checks(
    session: Session, proof: PaymentProof, reading: Reading | None, state: str
) -> list[dict]:
    """The flags what was read raises (none for a proof not read: engine off)."""
    order: Order = proof.order
    business: Business = order.business
    flags: list[dict] = []
    if state in ("unreadable", "timeout") or (state == "read" and reading and reading.empty):
        flags.append({"kind": "unreadable", "why": state})
    if reading is not None:
        if reading.amount_minor is not None and proof.claimed_minor is not None and (
            reading.amount_minor != proof.claimed_minor
        ):
            flags.append({"kind": "amount_mismatch", "read_minor": reading.amount_minor})
        if _other_payee(business, reading):
            flags.append({"kind": "payee_mismatch",
                          "read": reading.payee_vpa or reading.payee_name})
        if reading.outcome in ("pending", "failed"):
            flags.append({"kind": "not_successful", "outcome": reading.outcome})
        if reading.paid_at is not None:
            paid = reading.paid_at.replace(tzinfo=ZoneInfo(business.timezone))
            if paid < order.created_at - BEFORE_ORDER_SLACK:
                flags.append({"kind": "before_order"})
            if proof.created_at - paid > STALE_AFTER:
                flags.append({"kind": "stale", "days": (proof.created_at - paid).days})
    reuse = utr_reuse(session, proof)
    if reuse:
        flags.append(reuse)
    return flags


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower().replace("'s", "s"))


def _other_payee(business: Business, reading: Reading) -> bool:
    if reading.payee_vpa and business.upi_id:
        return reading.payee_vpa.lower() != business.upi_id.strip().lower()
    if reading.payee_name:
        read = _letters(reading.payee_name)
        known = [_letters(n) for n in (business.upi_payee_name, business.name,
                                       business.bank_account_name) if n]
        return bool(read and known) and not any(k in read or read in k for k in known if k)
    return False


def utr_reuse(session: Session, proof: PaymentProof) -> dict | None:
    """The same UTR on another proof, or a payment, of any business in the instance.
    Another business's order is not named to this one's staff."""
    if not proof.utr:
        return None
    other = session.execute(
        select(PaymentProof.business_id, PaymentProof.number, Order.number)
        .join(Order, Order.id == PaymentProof.order_id)
        .where(PaymentProof.utr == proof.utr, PaymentProof.id != proof.id)
        .order_by(PaymentProof.id)
        .limit(1)
    ).first()
    if other is not None:
        ours = other[0] == proof.business_id
        return {"kind": "utr_reused", "proof": other[1] if ours else None,
                "order": other[2] if ours else None}
    paid = session.execute(
        select(Order.business_id, Order.number)
        .join(Payment, Payment.order_id == Order.id)
        .where(Payment.reference == proof.utr)
        .limit(1)
    ).first()
    if paid is not None:
        ours = paid[0] == proof.business_id
        return {"kind": "utr_reused", "proof": None, "order": paid[1] if ours else None}
    return None


# ── the queue ────────────────────────────────────────────────────────────────


def claim(session: Session, now: datetime) -> PaymentProof | None:
    """One queued proof for this reader alone until the lease runs out."""
    query = (
        select(PaymentProof)
        .where(PaymentProof.read_state == QUEUED,
               or_(PaymentProof.read_lease_until.is_(None), PaymentProof.read_lease_until < now))
        .order_by(PaymentProof.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    proof = session.scalars(query).one_or_none()
    if proof is not None:
        proof.read_lease_until = now + LEASE
    return proof


def overdue(session: Session, now: datetime, budget: timedelta) -> list[int]:
    """Queued proofs older than the time budget (finished as "could not read it")."""
    return list(session.scalars(
        select(PaymentProof.id)
        .where(PaymentProof.read_state == QUEUED, PaymentProof.created_at < now - budget)
        .order_by(PaymentProof.id).limit(50)
    ))


def awaiting_amount(session: Session, chat_id: int) -> PaymentProof | None:
    """The chat's latest proof still waiting for its amount (once it has been read)."""
    return session.scalars(
        select(PaymentProof).where(
            PaymentProof.chat_id == chat_id, PaymentProof.claimed_minor.is_(None),
            PaymentProof.status == "pending",
            or_(PaymentProof.read_state.is_(None), PaymentProof.read_state != QUEUED),
        ).order_by(PaymentProof.id.desc()).limit(1)
    ).one_or_none()


def read_fields(proof: PaymentProof) -> dict | None:
    """What was read, as the API and the prompt show it (paid_at in UTC)."""
    if not proof.reading:
        return None
    fields = dict(proof.reading)
    if fields.get("paid_at"):
        local = datetime.fromisoformat(fields["paid_at"]).replace(
            tzinfo=ZoneInfo(proof.order.business.timezone))
        fields["paid_at"] = local
    return fields
