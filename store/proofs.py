"""Payment proofs: a customer's screenshot becomes a pending proof (numbered per
business, flagged when it looks wrong, announced to every active staff member), and
staff decide it exactly once: approve records one payment, reject records why."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from store import media as media_store
from store import (
    outbox,
    proof_checks,
    proof_limits,
    stale_proofs,
    statement_matches,
    timeline,
    wakeups,
)
from store.errors import (
    AlreadyDecided,
    DomainError,
    Forbidden,
    InvalidAmount,
    NotFound,
    NotSettled,
    OrderCancelled,
)
from store.models import (
    Business,
    Chat,
    MediaFile,
    Order,
    OrderStatus,
    PaymentProof,
    ProofStatus,
    Staff,
    StatusEvent,
    utcnow,
)
from store.orders import Actor, lock_order, record_payment
from store.staff_news import configured_staff_channels, staff_addresses, staff_chats

PROMPT = stale_proofs.PROMPT
DECIDED = stale_proofs.DECIDED  # to the staff asked about a proof that a colleague decided
STATEMENT = "statement"  # the decider when the bank statement approved a proof by itself
BY_STATEMENT = Actor(STATEMENT, None, via=STATEMENT)
# What a screenshot or receipt can show a payment was made by (not cash, not card).
TRANSFER_METHODS = ("upi", "bank")
RECENT_FOR_REUSE = 1000  # how many of a business's latest proofs a new one is compared with


@dataclass(frozen=True)
class Submission:
    proof: PaymentProof
    prompted: list[Chat]  # the staff chats the prompt was queued for


@dataclass(frozen=True)
class Decision:
    proof: PaymentProof
    event: StatusEvent


def submit(
    session: Session,
    order: Order,
    media: MediaFile | None,
    claimed_minor: int | None,
    *,
    chat_id: int | None,
    staff_channels: Iterable[str] | None = None,
    method: str | None = None,
    now: datetime | None = None,
    sender_flags: Sequence[dict] = (),
    read: bool = False,
    utr: str | None = None,
) -> Submission:
    """A new pending proof for `order`, its flags worked out, and the prompt queued for
    the business's staff in the same transaction. `method` is how the customer says
    they paid (upi, bank), if they said; `sender_flags` what the chat knows of who sent
    it; `staff_channels` where staff are reached by phone (None: the session's settings).
    With `read`, the file is read first (by the worker, store/proof_checks.py) and
    the prompt waits for that; `utr` is one the customer typed (a proof without a file).
    `claimed_minor` may be None only when the file is to be read (the amount read is
    offered to the customer to confirm). Raises TooManyProofs past the chat's hourly or
    the order's waiting limit."""
    now = now or utcnow()
    to_read = read and media is not None
    if claimed_minor is None and (to_read or utr):
        pass  # asked of the customer later (store/proof_completion.confirm_claim)
    elif isinstance(claimed_minor, bool) or not isinstance(claimed_minor, int) or (
        claimed_minor <= 0
    ):
        raise InvalidAmount(amount=claimed_minor)
    if method is not None and method not in TRANSFER_METHODS:
        raise InvalidAmount(method=method)
    order = lock_order(session, order.id)
    if order.status == OrderStatus.CANCELLED:
        raise OrderCancelled(order=order.number)
    number = _next_number(session, order.business_id)  # locks the business: one at a time
    proof_limits.check(session, order.id, chat_id, now)
    flags = [*_flags(session, order, media, claimed_minor), *sender_flags]
    proof = PaymentProof(
        business_id=order.business_id,
        number=number,
        order_id=order.id,
        chat_id=chat_id,
        media_id=media.id if media is not None else None,
        claimed_minor=claimed_minor,
        status=ProofStatus.PENDING.value,
        flags=flags,
        method=method,
        created_at=now,
        utr=utr,
        read_state=proof_checks.QUEUED if to_read else None,
    )
    session.add(proof)
    session.flush()
    if to_read:
        wakeups.signal(session, wakeups.PROOFS)
    if utr:
        reuse = proof_checks.utr_reuse(session, proof)
        proof.flags = [*flags, reuse] if reuse else flags
    if to_read or claimed_minor is None:
        return Submission(proof, [])  # the prompt goes out once it is read / its amount known
    if staff_channels is None:
        staff_channels = configured_staff_channels(session)
    prompted = queue_prompt(session, proof, tuple(staff_channels), now)
    if utr:
        match_statement(session, proof, now)
    return Submission(proof, prompted)


def _next_number(session: Session, business_id: int) -> int:
    """The business's next proof number. The business row is locked first (PostgreSQL;
    SQLite writers are serialised already), so two proofs never draw the same one."""
    session.scalars(  # NO KEY UPDATE: rows referring to the business do not block it
        select(Business.id).where(Business.id == business_id).with_for_update(key_share=True)
    ).one()
    current = session.scalar(
        select(func.max(PaymentProof.number)).where(PaymentProof.business_id == business_id)
    )
    return (current or 0) + 1


def _flags(
    session: Session, order: Order, media: MediaFile | None, claimed: int | None
) -> list[dict]:
    """What staff should look at twice: more than is due, or a screenshot already used."""
    flags: list[dict] = []
    if claimed is not None and claimed > order.due_minor:
        flags.append({"kind": "over_due", "due_minor": order.due_minor})
    if media is None:
        return flags
    earlier = session.execute(
        select(PaymentProof, MediaFile.phash, Order.number)
        .join(MediaFile, MediaFile.id == PaymentProof.media_id)
        .join(Order, Order.id == PaymentProof.order_id)
        .where(PaymentProof.business_id == order.business_id)
        .order_by(PaymentProof.id.desc())
        .limit(RECENT_FOR_REUSE)
    ).all()
    for proof, phash, number in reversed(earlier):  # the first use is the one to name
        same = proof.media_id == media.id
        if same or media_store.similar(phash, media.phash):
            flags.append(
                {
                    "kind": "reused",
                    "how": "same" if same else "similar",
                    "order": number,
                    "proof": proof.number,
                    "at": proof.created_at.isoformat(),
                }
            )
            break
    return flags


def queue_prompt(
    session: Session, proof: PaymentProof, staff_channels: tuple[str, ...], now: datetime
) -> list[Chat]:
    prompted: list[Chat] = []
    for staff, chat in staff_chats(session, proof.business_id, staff_channels, now):
        _prompt(session, proof, staff, chat, now)
        prompted.append(chat)
    return prompted


def _prompt(session: Session, proof: PaymentProof, staff: Staff, chat: Chat,
            now: datetime) -> bool:
    """Queue the proof's prompt for one staff chat, once (its key); whether it was new."""
    return outbox.enqueue_for(
        session, chat, kind=PROMPT, payload={"proof_id": proof.id, "staff_id": staff.id},
        key=f"proof:{proof.id}:prompt:chat:{chat.id}", order_id=proof.order_id, now=now,
    )


def prompt_waiting(
    session: Session, member: Staff, staff_channels: Iterable[str], now: datetime | None = None
) -> int:
    """Queue for a staff member just added the prompt of every proof of the business still
    waiting: proofs sent while it had nobody to ask reach the first one added. Each prompt
    is queued once per chat (its key); returns how many were queued now."""
    now = now or utcnow()
    waiting = session.scalars(
        select(PaymentProof).where(PaymentProof.business_id == member.business_id,
                                   PaymentProof.status == ProofStatus.PENDING.value)
        .order_by(PaymentProof.id)
    ).all()
    chats = staff_addresses(session, member, tuple(staff_channels), now)
    return sum(_prompt(session, proof, member, chat, now) for proof in waiting for chat in chats)


# ── reading ──────────────────────────────────────────────────────────────────


def proof_by_id(session: Session, proof_id: int) -> PaymentProof | None:
    return session.scalars(
        select(PaymentProof)
        .where(PaymentProof.id == proof_id)
        .options(
            selectinload(PaymentProof.order).selectinload(Order.business),
            selectinload(PaymentProof.media),
            selectinload(PaymentProof.decided_by),
        )
        .execution_options(populate_existing=True)
    ).one_or_none()


def find(session: Session, business_ids: set[int], number: int) -> PaymentProof | None:
    """Proof `number` of one of these businesses (a waiting one first, should a person
    serve two businesses whose numbers meet)."""
    if not business_ids:
        return None
    return session.scalars(
        select(PaymentProof)
        .where(PaymentProof.business_id.in_(business_ids), PaymentProof.number == number)
        .order_by((PaymentProof.status == ProofStatus.PENDING.value).desc(), PaymentProof.id)
        .options(selectinload(PaymentProof.order).selectinload(Order.business))
        .limit(1)
    ).one_or_none()


def pending(session: Session, business_ids: set[int], limit: int = 20) -> list[PaymentProof]:
    """Proofs waiting for a decision, oldest first (not those still waiting for the
    customer's amount: staff are asked once it is known)."""
    if not business_ids:
        return []
    return list(
        session.scalars(
            select(PaymentProof)
            .where(
                PaymentProof.business_id.in_(business_ids),
                PaymentProof.status == ProofStatus.PENDING.value,
                PaymentProof.claimed_minor.is_not(None),
            )
            .order_by(PaymentProof.id)
            .options(selectinload(PaymentProof.order).selectinload(Order.business))
            .limit(limit)
        )
    )


# ── deciding ─────────────────────────────────────────────────────────────────


API = Actor("api", via="api")


def _decider(session: Session, proof: PaymentProof, staff_id: int | None) -> Actor:
    """Who decides: an active staff member of the proof's business, or (no staff id)
    the business's own API key."""
    if staff_id is None:
        return API
    staff = session.get(Staff, staff_id, populate_existing=True)
    if staff is None or not staff.active or staff.business_id != proof.business_id:
        raise Forbidden(proof=proof.number)
    return Actor(staff.name, staff.id)


def _proof_and_decider(
    session: Session, proof_id: int, staff_id: int | None
) -> tuple[PaymentProof, Actor]:
    proof = proof_by_id(session, proof_id)
    if proof is None:
        raise NotFound(proof_id=proof_id)
    return proof, _decider(session, proof, staff_id)


def _claim(
    session: Session, proof: PaymentProof, staff: Actor, status: ProofStatus, now: datetime,
    amount_minor: int | None = None, reason: str | None = None,
) -> None:
    """Take the decision for ourselves: only one transaction ever moves a proof out of
    pending (a conditional update, on every database); the loser is told who won."""
    won = session.execute(
        update(PaymentProof)
        .where(PaymentProof.id == proof.id, PaymentProof.status == ProofStatus.PENDING.value)
        .values(
            status=status.value,
            decided_by_staff_id=staff.staff_id,
            decided_via=STATEMENT if staff.via == STATEMENT else None,
            decided_at=now,
            decided_amount_minor=amount_minor,
            reason=reason,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        _already_decided(session, proof)


def _already_decided(session: Session, proof: PaymentProof) -> None:
    """Refuse a second decision, saying who made the first and when."""
    fresh = proof_by_id(session, proof.id)
    raise AlreadyDecided(proof=fresh.number, status=fresh.status, by=decider_name(fresh),
                         at=fresh.decided_at)


def decider_name(proof: PaymentProof) -> str:
    """Who decided a proof, as people read it: the staff member, "statement" (approved
    by the bank statement), else the API."""
    if proof.decided_by is not None:
        return proof.decided_by.name
    if proof.decided_via:
        return proof.decided_via
    return "API" if proof.status in (ProofStatus.APPROVED, ProofStatus.REJECTED) else "—"


def _proof_event(
    session: Session, proof: PaymentProof, staff: Actor, now: datetime, **detail: object
) -> StatusEvent:
    order = proof.order
    event = timeline.add_event(
        session, order, "proof", now,
        to_status=proof.status,
        detail={
            "proof_id": proof.id,
            "proof": proof.number,
            "decision": proof.status,
            "paid_minor": order.paid_minor,
            "due_minor": order.due_minor,
            **detail,
        },
        actor=staff.name,
        staff_id=staff.staff_id,
    )
    outbox.notify_order(
        session, order, event, now=now,
        extra_chat_ids=(proof.chat_id,) if proof.chat_id else (),
    )
    stale_proofs.tell_prompted(session, proof, staff.staff_id, now)
    return event


def approve(
    session: Session,
    proof_id: int,
    staff_id: int | None,
    *,
    amount_minor: int | None = None,
    method: str | None = None,
    now: datetime | None = None,
) -> Decision:
    """Approve a pending proof: one payment of the claimed (or given) amount, by the
    given method (else the proof's own, see `method_of`), linked to the proof, the
    timeline written and the customer told. All or nothing."""
    now = now or utcnow()
    with session.begin_nested():
        proof, staff = _proof_and_decider(session, proof_id, staff_id)
        amount = amount_minor if amount_minor is not None else proof.claimed_minor
        if amount is None:
            raise InvalidAmount(proof=proof.number)
        # The proof is claimed before the order is locked, as a rejection does: one
        # lock order for every decision, so two of them never wait on each other.
        _claim(session, proof, staff, ProofStatus.APPROVED, now, amount_minor=amount)
        order = lock_order(session, proof.order_id)
        if order.status == OrderStatus.CANCELLED:
            raise OrderCancelled(order=order.number, proof=proof.number)
        method = method or method_of(proof)
        payment = record_payment(
            session, proof.order, amount, method, staff,
            reference=f"proof {proof.number}", proof_id=proof.id, now=now, notify=False,
        )
        proof = proof_by_id(session, proof.id)
        event = _proof_event(
            session, proof, staff, now, amount_minor=amount, payment_id=payment.id, method=method
        )
    return Decision(proof, event)


def method_of(proof: PaymentProof) -> str:
    """How an approved proof was paid: what the customer said; else the business's one
    way of taking a transfer, if it has only one; else UPI (the common case)."""
    if proof.method:
        return proof.method
    business = proof.order.business
    ways = [m for m in business.accepted_methods or [] if m in TRANSFER_METHODS]
    return ways[0] if len(ways) == 1 else "upi"


def reject(
    session: Session,
    proof_id: int,
    staff_id: int | None,
    *,
    reason: str | None = None,
    now: datetime | None = None,
) -> Decision:
    """Reject a pending proof, with an optional reason the customer is told."""
    now = now or utcnow()
    reason = (reason or "").strip()[:500] or None
    with session.begin_nested():
        proof, staff = _proof_and_decider(session, proof_id, staff_id)
        _claim(session, proof, staff, ProofStatus.REJECTED, now, reason=reason)
        proof = proof_by_id(session, proof.id)
        event = _proof_event(session, proof, staff, now, reason=reason)
    return Decision(proof, event)


def close(
    session: Session, proof_id: int, staff_id: int | None, *, now: datetime | None = None
) -> PaymentProof:
    """Close a waiting proof whose order has nothing left to decide (paid in full, or
    cancelled): no payment, no rejection; the colleagues asked about it are told."""
    now = now or utcnow()
    with session.begin_nested():
        proof, staff = _proof_and_decider(session, proof_id, staff_id)
        order = lock_order(session, proof.order_id)
        if not stale_proofs.settled(order):
            raise NotSettled(proof=proof.number, due=order.due_minor)
        if not stale_proofs.close(session, order, proof.id, staff.staff_id, staff.name, now):
            _already_decided(session, proof)
    return proof_by_id(session, proof_id)


def approve_by_statement(
    session: Session, proof_id: int, *, now: datetime | None = None
) -> Decision | None:
    """Approve a pending proof that the bank statement confirmed (the business asked
    for it: `--auto-approve statement`), with "statement" as the decider. Exactly once,
    by the same conditional claim as a person's approval; None when it was decided
    already or cannot be approved (then staff decide it as ever)."""
    now = now or utcnow()
    try:
        with session.begin_nested():
            proof = proof_by_id(session, proof_id)
            if proof is None or not proof.claimed_minor:
                return None
            amount = proof.claimed_minor
            _claim(session, proof, BY_STATEMENT, ProofStatus.APPROVED, now, amount_minor=amount)
            order = lock_order(session, proof.order_id)
            if order.status == OrderStatus.CANCELLED:
                raise OrderCancelled(order=order.number, proof=proof.number)
            method = method_of(proof)
            payment = record_payment(
                session, proof.order, amount, method, BY_STATEMENT,
                reference=f"proof {proof.number}", proof_id=proof.id, now=now, notify=False,
            )
            proof = proof_by_id(session, proof.id)
            event = _proof_event(session, proof, BY_STATEMENT, now, amount_minor=amount,
                                 payment_id=payment.id, method=method)
    except DomainError:
        return None
    return Decision(proof, event)


# ── the bank statement ───────────────────────────────────────────────────────


def match_statement(session: Session, proof: PaymentProof, now: datetime) -> str | None:
    """A proof just sent, read or given its amount, against the bank credits already
    imported (store/statement_matches.py); one confirmed is approved at once where the
    business asks for it. The match, or None."""
    match = statement_matches.match_proof(session, proof)
    if match == statement_matches.CONFIRMED:
        approve_if_confirmed(session, proof, now)
    return match


def approve_if_confirmed(session: Session, proof: PaymentProof, now: datetime) -> bool:
    """Approve a proof its bank credit confirmed, where the business asked for it
    (`--auto-approve statement`); whether it was approved now."""
    business = session.get(Business, proof.business_id)
    if business.auto_approve != "statement" or proof.status != ProofStatus.PENDING.value:
        return False
    if proof.statement_match != statement_matches.CONFIRMED or (
        proof.read_state == proof_checks.QUEUED
    ):
        return False  # never on what was read alone; and its checks come first
    return approve_by_statement(session, proof.id, now=now) is not None
