"""Which payment proof a bank-statement credit is: one whose UTR and amount equal the
credit's is confirmed by it; failing that, the one pending proof of the same amount
within a day of it, without a UTR to go by, is a possible match. Matching only links
the two: approving a confirmed proof is store/proofs' (`approve_if_confirmed`), and
only where the business asked for it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from store.models import PaymentProof, ProofStatus, StatementCredit

CONFIRMED = "confirmed"
POSSIBLE = "possible"
CLOSE = timedelta(days=1)  # statements carry dates, rarely times


def _claimed(proof: PaymentProof) -> int | None:
    return proof.claimed_minor or (proof.reading or {}).get("amount_minor")


def _when_paid(proof: PaymentProof) -> datetime:
    paid = (proof.reading or {}).get("paid_at")
    if paid:
        return datetime.fromisoformat(paid).replace(tzinfo=ZoneInfo(proof.order.business.timezone))
    return proof.created_at


def _link(proof: PaymentProof, credit: StatementCredit, match: str) -> None:
    if proof.statement_match == CONFIRMED:
        return
    proof.statement_credit_id = credit.id
    proof.statement_match = match


def match_credit(session: Session, credit: StatementCredit) -> list[tuple[PaymentProof, str]]:
    """Link a new credit to the proofs it confirms (UTR and amount equal) or, failing
    that, the one pending proof it may be (same amount, within a day, no UTR)."""
    matched = []
    if credit.utr:
        for proof in session.scalars(
            select(PaymentProof).where(PaymentProof.business_id == credit.business_id,
                                       PaymentProof.utr == credit.utr)
            .order_by(PaymentProof.id)
        ):
            if _claimed(proof) == credit.amount_minor:
                _link(proof, credit, CONFIRMED)
                matched.append((proof, CONFIRMED))
                break  # the first proof of a UTR; a later one is flagged utr_reused
    if matched:
        return matched
    candidates = [
        proof for proof in session.scalars(
            select(PaymentProof).where(
                PaymentProof.business_id == credit.business_id,
                PaymentProof.status == ProofStatus.PENDING.value,
                PaymentProof.statement_match.is_(None),
            )
        )
        if _claimed(proof) == credit.amount_minor
        and abs(_when_paid(proof) - credit.credited_at) <= CLOSE
        and not (proof.utr and credit.utr and proof.utr != credit.utr)
    ]
    if len(candidates) == 1:
        _link(candidates[0], credit, POSSIBLE)
        matched.append((candidates[0], POSSIBLE))
    return matched


def match_proof(session: Session, proof: PaymentProof) -> str | None:
    """Link a proof just sent, read or given its amount to the credit already imported
    that confirms it or, failing that, the one it may be; the match, or None."""
    amount = _claimed(proof)
    if amount is None:
        return None
    taken = exists().where(PaymentProof.statement_credit_id == StatementCredit.id,
                           PaymentProof.id != proof.id)
    if proof.utr:
        credit = session.scalars(
            select(StatementCredit).where(
                StatementCredit.business_id == proof.business_id,
                StatementCredit.utr == proof.utr, StatementCredit.amount_minor == amount,
                ~taken,
            ).limit(1)
        ).one_or_none()
        if credit is not None:
            _link(proof, credit, CONFIRMED)
            return CONFIRMED
    paid = _when_paid(proof)
    close = list(session.scalars(
        select(StatementCredit).where(
            StatementCredit.business_id == proof.business_id,
            StatementCredit.amount_minor == amount,
            StatementCredit.credited_at.between(paid - CLOSE, paid + CLOSE), ~taken,
        ).limit(2)
    ))
    close = [c for c in close if not (proof.utr and c.utr and c.utr != proof.utr)]
    if len(close) == 1:
        _link(proof, close[0], POSSIBLE)
        return POSSIBLE
    return None
