"""Payment proofs in the chat.

Customers: a photo or PDF becomes a pending proof for the order in play, after
asking which order and how much when the message does not say; the file is kept
meanwhile (its stored id in the chat's state):

    file ─┬─ one payable order, amount in caption ─────────────────────> received
          ├─ one payable order, no amount ─> AWAITING_AMOUNT ─> "250" ──> received
          └─ several, or none ─> CHOOSING_PROOF_ORDER ─> choice / "AK-1001" ─> (amount?)

Staff: `proofs`, `proof 12`, `approve [12] [amount]`, `reject [12] [reason]`, and the
prompt's buttons `approve:12` / `reject:12` (reject asks for an optional reason:
AWAITING_REJECT_REASON). They only ever find their own businesses' proofs.
"""

from __future__ import annotations

from pathlib import Path

from handlers import i18n
from handlers.core import State, Turn
from handlers.customer import MISS_LIMIT, MISS_WINDOW, lookup
from handlers.parse import find_order_number, matches, mentions, parse_amount, words
from handlers.proof_notices import (
    decided_line,
    flag_lines,
    method_label,
    proof_buttons,
    prompt_replies,
)
from handlers.types import Button, Reply
from handlers.vendor_parse import amount_in, method_in, vocabulary
from store import media as media_store
from store import proofs
from store.errors import AlreadyDecided, DomainError, OrderCancelled, Overpayment
from store.media import MediaRefused
from store.models import MediaFile, Order, OrderStatus, PaymentProof, ProofStatus, Staff
from store.queries import order_by_id, order_by_number, orders_for_phone

# What the adapter could not fetch, and what the store refused, as the customer reads it.
FETCH_ERRORS = {
    "too_large": "proofs.too_large",
    "fetch_failed": "proofs.fetch_failed",
    "type_mismatch": "proofs.not_allowed",
}
REFUSALS = {
    "empty": "proofs.fetch_failed",
    "too_large": "proofs.too_large",
    "not_allowed": "proofs.not_allowed",
    "broken": "proofs.broken",
    "too_big_image": "proofs.too_big_image",
}


def keywords(name: str) -> list[str]:
    """This feature's words for `name`, in every language at once."""
    found = []
    for lang in i18n.LANGUAGES:
        found += [w.strip() for w in i18n.catalog(lang)[f"proofs.keywords.{name}"].split("|")]
    return [w for w in found if w]


def _command(turn: Turn, name: str) -> str | None:
    """For staff only: what follows command `name` as typed (amounts keep their "." and
    reasons their case), or None when the message is not that command."""
    if not turn.staff:
        return None
    said = turn.text.split()
    for phrase in keywords(name):
        size = len(words(phrase).split())
        if size and words(" ".join(said[:size])) == words(phrase):
            return " ".join(said[size:])
    return None


def _money(turn: Turn, order: Order, minor: int) -> str:
    return i18n.money(minor, order.currency, turn.lang, order.business.country)


def _payable(order: Order | None) -> bool:
    return order is not None and order.status != OrderStatus.CANCELLED and order.due_minor > 0


def method_named(text: str) -> str | None:
    """How the customer says they paid: "upi" for UPI or a UPI app (GPay, PhonePe,
    Paytm, यूपीआई…), else "bank" for a transfer (NEFT, IMPS, RTGS, bank, बैंक…); None
    when the text names neither. An app wins over "transfer" ("GPay transfer" is UPI)."""
    if not text:
        return None
    return next(
        (m for m in proofs.TRANSFER_METHODS if mentions(text, vocabulary(f"method.{m}"))), None
    )


# ── customers: the file ──────────────────────────────────────────────────────


def receive_file(turn: Turn) -> list[Reply]:
    """A file arrived: check and keep it, then find its order and amount."""
    media = turn.inbound.media[0]
    if media.error:
        return [Reply(turn.t(FETCH_ERRORS.get(media.error, "proofs.fetch_failed")))]
    try:
        stored = media_store.store(
            turn.session, Path(turn.ctx.settings.media_dir), media.data, turn.now
        )
    except MediaRefused as refused:
        return [Reply(turn.t(REFUSALS.get(refused.reason, "proofs.broken")))]
    caption = turn.text[:500]
    named = find_order_number(caption)
    order = order_by_number(turn.session, named) if named else None
    if _payable(order):
        return _with_order(turn, order, stored, caption)
    candidates = _orders_in_play(turn)
    if len(candidates) == 1:
        return _with_order(turn, candidates[0], stored, caption)
    offered = [o.id for o in candidates]
    turn.set_state(State.CHOOSING_PROOF_ORDER, media_id=stored.id, caption=caption, offered=offered)
    if not candidates:
        return [Reply(turn.t("proofs.ask_order"))]
    buttons = tuple(
        Button(
            turn.t("proofs.choice", number=o.number, business=o.business.name,
                   due=_money(turn, o, o.due_minor)),
            f"prooffor:{o.number}",
        )
        for o in candidates
    )
    return [Reply(turn.t("proofs.choose_order"), buttons=buttons)]


def _orders_in_play(turn: Turn) -> list[Order]:
    """The chat's current order when something is due on it; otherwise every order with
    something due of the phone this chat has proven."""
    current = order_by_id(turn.session, turn.chat.current_order_id) if turn.chat.current_order_id else None
    if _payable(current):
        return [current]
    chat = turn.chat
    if not chat.linked_phone or (chat.linked_until and chat.linked_until <= turn.now):
        return []
    return [o for o in orders_for_phone(turn.session, chat.linked_phone) if _payable(o)]


def _with_order(turn: Turn, order: Order, media: MediaFile, caption: str) -> list[Reply]:
    amount = parse_amount(caption, order.currency) if caption else None
    method = method_named(caption)
    if amount is None and turn.ctx.settings.read_proofs:
        return _submit(turn, order, media, None, method)  # the amount read is offered
    if amount is None:
        turn.set_state(State.AWAITING_AMOUNT, media_id=media.id, order_id=order.id, method=method)
        turn.chat.current_order_id = order.id
        return [Reply(turn.t("proofs.ask_amount", number=order.number,
                             due=_money(turn, order, order.due_minor)))]
    return _submit(turn, order, media, amount, method)


def _submit(
    turn: Turn, order: Order, media: MediaFile | None, amount: int | None, method: str | None,
    utr: str | None = None,
) -> list[Reply]:
    settings = turn.ctx.settings
    try:
        submission = proofs.submit(
            turn.session, order, media, amount, chat_id=turn.chat.id,
            staff_channels=settings.staff_channels, method=method, now=turn.now,
            read=settings.read_proofs, utr=utr,
        )
    except OrderCancelled:
        turn.reset()
        return [Reply(turn.t("proofs.order_cancelled", number=order.number))]
    turn.reset()
    turn.chat.current_order_id = order.id
    _offer_choices(submission)
    business = order.business.name
    if amount is None:
        key = "ocr.utr_ask_amount" if media is None else "ocr.reading"
        return [Reply(turn.t(key, number=order.number, utr=utr or ""))]
    if media is None:
        return [Reply(turn.t("ocr.utr_proof_received", utr=utr, number=order.number,
                             business=business))]
    lines = [turn.t("proofs.received", number=order.number, amount=_money(turn, order, amount),
                    business=business)]
    if amount > order.due_minor:
        lines.append(turn.t("proofs.received_over_due", due=_money(turn, order, order.due_minor),
                            number=order.number, business=business))
    return [Reply("\n".join(lines))]


def _offer_choices(submission: proofs.Submission) -> None:
    """Where a staff chat shows the prompt's buttons as numbers, "1" / "2" answer it."""
    number = submission.proof.number
    for chat in submission.prompted:
        chat.state_data = {**(chat.state_data or {}),
                           "choices": [f"approve:{number}", f"reject:{number}"]}


def _kept_file(turn: Turn) -> MediaFile | None:
    media_id = turn.data.get("media_id")
    return turn.session.get(MediaFile, media_id) if media_id else None


def _cancelled(turn: Turn) -> list[Reply] | None:
    if matches(turn.text, keywords("cancel")) == "":
        turn.reset()
        return [Reply(turn.t("proofs.dropped"))]
    return None


def _awaiting_amount(turn: Turn) -> list[Reply] | None:
    if turn.inbound.media:
        return receive_file(turn)
    order = order_by_id(turn.session, turn.data.get("order_id") or 0)
    media = _kept_file(turn)
    if order is None or media is None:
        turn.reset()
        return None
    amount = parse_amount(turn.text, order.currency)
    if amount is not None:
        method = turn.data.get("method") or method_named(turn.text)
        return _submit(turn, order, media, amount, method)
    if find_order_number(turn.text) or not turn.text:
        return None  # something else: the other handlers answer it
    return _cancelled(turn) or [Reply(turn.t("proofs.ask_amount_again"))]


def _choosing_order(turn: Turn) -> list[Reply] | None:
    if turn.inbound.media:
        return receive_file(turn)
    media = _kept_file(turn)
    if media is None:
        turn.reset()
        return None
    key = find_order_number(turn.text)
    if not key:
        return _cancelled(turn)
    order = order_by_number(turn.session, key)
    if order is None or _lookups_throttled(turn):
        return lookup(turn, key)  # the same answer, and count, as any lookup's miss
    if not _payable(order):
        return [Reply(turn.t("proofs.nothing_due", number=order.number))]
    caption = turn.data.get("caption") or ""
    return _with_order(turn, order, media, caption if parse_amount(caption) else turn.text)


def _lookups_throttled(turn: Turn) -> bool:
    chat = turn.chat
    since = chat.lookup_misses_since
    return bool(since and turn.now - since < MISS_WINDOW and chat.lookup_misses >= MISS_LIMIT)


def _proof_for(turn: Turn, number: str) -> list[Reply] | None:
    """A chosen order (button or its number typed): only one of those offered."""
    media = _kept_file(turn) if turn.chat.state == State.CHOOSING_PROOF_ORDER else None
    order = order_by_number(turn.session, number) if media and number else None
    if order is None or order.id not in (turn.data.get("offered") or []):
        return None
    return _with_order(turn, order, media, turn.data.get("caption") or "")


def _intake(turn: Turn) -> list[Reply] | None:
    return receive_file(turn) if turn.inbound.media else None


# ── staff: deciding ──────────────────────────────────────────────────────────


def _membership(turn: Turn, proof: PaymentProof) -> Staff:
    return next(s for s in turn.staff if s.business_id == proof.business_id)


def _no_such(turn: Turn, number: object) -> list[Reply]:
    return [Reply(turn.t("proofs.no_such", proof=number))]


def _already(turn: Turn, proof: PaymentProof) -> list[Reply]:
    line = decided_line(proofs.proof_by_id(turn.session, proof.id), turn.lang)
    return [Reply(line + " " + turn.t("proofs.nothing_changed"))]


def _balance(turn: Turn, order: Order) -> str:
    if order.due_minor > 0:
        return turn.t("proofs.still_due", number=order.number, amount=_money(turn, order, order.due_minor))
    return turn.t("proofs.now_paid_full", number=order.number)


def approve_proof(
    turn: Turn, proof: PaymentProof, amount: int | None = None, method: str | None = None
) -> list[Reply]:
    order = proof.order
    try:
        decision = proofs.approve(
            turn.session, proof.id, _membership(turn, proof).id, amount_minor=amount,
            method=method, now=turn.now,
        )
    except AlreadyDecided:
        return _already(turn, proof)
    except OrderCancelled:
        return [Reply(turn.t("proofs.cancelled_order", number=order.number, proof=proof.number))]
    except Overpayment as refused:
        due = refused.params["due"]
        return [Reply(turn.t(
            "proofs.over_due", number=order.number, proof=proof.number,
            due=_money(turn, order, due), amount=_money(turn, order, refused.params["amount"]),
            plain_due=i18n.plain_amount(due, order.currency),
        ))]
    except DomainError:
        return _no_such(turn, proof.number)
    turn.reset()
    order = decision.proof.order
    amount = decision.proof.decided_amount_minor or 0
    text = "\n".join([
        turn.t("proofs.approved", proof=proof.number, number=order.number,
               amount=_money(turn, order, amount),
               method=method_label(decision.event.detail.get("method"), turn.lang)),
        _balance(turn, order),
        turn.t("proofs.customer_told"),
    ])
    return [Reply(text)]


def reject_proof(turn: Turn, proof: PaymentProof, reason: str | None) -> list[Reply]:
    try:
        proofs.reject(turn.session, proof.id, _membership(turn, proof).id, reason=reason,
                      now=turn.now)
    except AlreadyDecided:
        turn.reset()
        return _already(turn, proof)
    except DomainError:
        turn.reset()
        return _no_such(turn, proof.number)
    turn.reset()
    text = turn.t("proofs.rejected", proof=proof.number, number=proof.order.number)
    return [Reply(text + "\n" + turn.t("proofs.customer_told"))]


def _ask_reason(turn: Turn, proof: PaymentProof) -> list[Reply]:
    if proof.status != ProofStatus.PENDING.value:
        return _already(turn, proof)
    turn.set_state(State.AWAITING_REJECT_REASON, proof_id=proof.id)
    skip = Button(turn.t("proofs.button_no_reason"), f"rejectnow:{proof.number}")
    return [Reply(turn.t("proofs.ask_reason", proof=proof.number), buttons=(skip,))]


def _find(turn: Turn, number: str) -> PaymentProof | None:
    digits = number.lstrip("#")
    if not digits.isdigit() or len(digits) > 9:
        return None
    return proofs.find(turn.session, turn.business_ids(), int(digits))


def _the_only_one(turn: Turn) -> tuple[PaymentProof | None, list[Reply] | None]:
    """The one waiting proof, or the answer to give when there is not exactly one."""
    waiting = proofs.pending(turn.session, turn.business_ids())
    if len(waiting) == 1:
        return waiting[0], None
    if not waiting:
        return None, [Reply(turn.t("proofs.none_waiting"))]
    return None, [Reply(turn.t("proofs.which", count=len(waiting), proof=waiting[0].number))] + (
        _listing(turn, waiting)
    )


def _approve_intent(turn: Turn) -> list[Reply] | None:
    rest = _command(turn, "approve")
    if rest is None:
        return None
    args = rest.split(maxsplit=1)
    if not args:
        proof, answer = _the_only_one(turn)
        return answer or approve_proof(turn, proof)
    if not args[0].lstrip("#").isdigit():
        return [Reply(turn.t("proofs.usage_approve"))]
    proof = _find(turn, args[0])
    if proof is None:
        return _no_such(turn, args[0].lstrip("#"))
    amount = method = None
    if len(args) > 1:
        given = _amount_and_method(args[1], proof.order.currency)
        if given is None:
            return [Reply(turn.t("proofs.usage_approve"))]
        amount, method = given
    return approve_proof(turn, proof, amount, method)


def _amount_and_method(text: str, currency: str) -> tuple[int | None, str | None] | None:
    """"200", "200 cash", "bank", "नकद 200": another amount and/or how it was paid;
    None when something else is left over."""
    method, text = method_in(text)
    amount, rest = amount_in(text, currency)
    return None if rest.strip() else (amount, method)


def _reject_intent(turn: Turn) -> list[Reply] | None:
    rest = _command(turn, "reject")
    if rest is None:
        return None
    args = rest.split(maxsplit=1)
    if args and args[0].lstrip("#").isdigit():
        proof = _find(turn, args[0])
        if proof is None:
            return _no_such(turn, args[0].lstrip("#"))
        reason = args[1] if len(args) > 1 else ""
    else:
        proof, answer = _the_only_one(turn)
        if answer:
            return answer
        reason = rest
    return reject_proof(turn, proof, reason) if reason else _ask_reason(turn, proof)


def _listing(turn: Turn, waiting: list[PaymentProof]) -> list[Reply]:
    lines = [turn.t("proofs.list_title", count=len(waiting))]
    for proof in waiting:
        order = proof.order
        lines.append(turn.t(
            "proofs.list_item", proof=proof.number, number=order.number,
            customer=order.customer_name or "—",
            claimed=_money(turn, order, proof.claimed_minor or 0),
            due=_money(turn, order, order.due_minor),
        ))
        lines += [f"   {line}" for line in flag_lines(proof, turn.lang)]
    lines.append(turn.t("proofs.list_how"))
    buttons = proof_buttons(waiting[0], turn.lang) if len(waiting) == 1 else ()
    return [Reply("\n".join(lines), buttons=buttons)]


def _list_intent(turn: Turn) -> list[Reply] | None:
    if _command(turn, "list") != "":
        return None
    turn.reset()
    waiting = proofs.pending(turn.session, turn.business_ids())
    return _listing(turn, waiting) if waiting else [Reply(turn.t("proofs.none_waiting"))]


def _show_intent(turn: Turn) -> list[Reply] | None:
    rest = _command(turn, "show")
    if not rest:
        return None
    proof = _find(turn, rest.split()[0])
    if proof is None:
        return _no_such(turn, rest.split()[0].lstrip("#"))
    full = proofs.proof_by_id(turn.session, proof.id)
    return prompt_replies(full, turn.lang, turn.ctx.settings)


def _awaiting_reason(turn: Turn) -> list[Reply] | None:
    proof_id = turn.data.get("proof_id")
    proof = proofs.proof_by_id(turn.session, proof_id) if proof_id else None
    if proof is None or proof.business_id not in turn.business_ids():
        turn.reset()
        return None
    other = any(_command(turn, name) is not None for name in ("approve", "reject", "list", "show"))
    if other or turn.inbound.media or find_order_number(turn.text):
        turn.reset()
        return None  # another command: it is answered, nothing is rejected
    if not turn.text:
        return _ask_reason(turn, proof)
    skip = matches(turn.text, keywords("skip")) == ""
    return reject_proof(turn, proof, None if skip else turn.text)


def _approve_button(turn: Turn, number: str) -> list[Reply] | None:
    proof = _find(turn, number) if turn.staff else None
    return approve_proof(turn, proof) if proof else None


def _reject_button(turn: Turn, number: str) -> list[Reply] | None:
    proof = _find(turn, number) if turn.staff else None
    return _ask_reason(turn, proof) if proof else None


def _reject_now_button(turn: Turn, number: str) -> list[Reply] | None:
    proof = _find(turn, number) if turn.staff else None
    return reject_proof(turn, proof, None) if proof else None


BUTTONS = {
    "prooffor": _proof_for,
    "approve": _approve_button,
    "reject": _reject_button,
    "rejectnow": _reject_now_button,
}
INTENTS = [_intake, _list_intent, _show_intent, _approve_intent, _reject_intent]
STATES = {
    State.AWAITING_AMOUNT.value: _awaiting_amount,
    State.CHOOSING_PROOF_ORDER.value: _choosing_order,
    State.AWAITING_REJECT_REASON.value: _awaiting_reason,
}
