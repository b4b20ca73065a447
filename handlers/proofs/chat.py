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

from dataclasses import replace
from pathlib import Path

from handlers import i18n
from handlers.feature import Feature
from handlers.orders.amounts import amount_question
from handlers.orders.customer import find_for
from handlers.orders.customer import keywords as customer_keywords
from handlers.orders.view import money
from handlers.parse import (
    display_phone,
    find_order_number,
    matches,
    mentions,
    parse_amount,
    words,
)
from handlers.proofs import guard, notices
from handlers.proofs.notices import (
    decided_line,
    flag_lines,
    prompt_replies,
    proof_buttons,
)
from handlers.proofs.statements import is_statement
from handlers.routing import route
from handlers.turn import State, Turn
from handlers.types import Button, Inbound, Reply
from handlers.vendor.parse import amount_in, is_only, method_in, statuses_in, vocabulary
from store import media as media_store
from store import proofs
from store.errors import AlreadyDecided, DomainError, NotSettled, OrderCancelled, Overpayment
from store.media import MediaRefused
from store.models import MediaFile, Order, OrderStatus, PaymentProof, ProofStatus, Staff
from store.proof_limits import TooManyProofs
from store.queries import order_by_id, order_by_number, orders_for_phone
from store.staff_news import active_staff

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
    return i18n.phrases(f"proofs.keywords.{name}")


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


def payable(order: Order | None) -> bool:
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


def check_file(inbound: Inbound) -> Inbound:
    """`inbound` with its file decoded and re-encoded, or its refusal noted: called
    before the message's transaction begins, so that no database lock waits on Pillow."""
    if not inbound.media or inbound.media[0].error or not inbound.media[0].data:
        return inbound
    first, *rest = inbound.media
    if is_statement(first.content_type, first.filename):
        return inbound  # a bank statement for staff (handlers/proofs/statements.py), no picture
    try:
        first = replace(first, checked=media_store.check(first.data))
    except MediaRefused as refused:
        first = replace(first, error=refused.reason)
    return replace(inbound, media=(first, *rest))



def receive_file(turn: Turn) -> list[Reply]:
    """A file arrived: check and keep it, then find its order and amount."""
    media = turn.inbound.media[0]
    if media.error:
        key = FETCH_ERRORS.get(media.error) or REFUSALS.get(media.error, "proofs.fetch_failed")
        return [Reply(turn.t(key))]
    flooded = guard.chat_refusal(turn)  # before anything is kept
    if flooded:
        return flooded
    try:
        stored = media_store.store(
            turn.session, Path(turn.ctx.settings.media_dir), media.checked or media.data,
            turn.now,
        )
    except MediaRefused as refused:
        return [Reply(turn.t(REFUSALS.get(refused.reason, "proofs.broken")))]
    caption = turn.text[:500]
    named = find_order_number(caption)
    found = find_for(turn, named) if named else None  # counted as any lookup
    order = found if isinstance(found, Order) else None
    if payable(order):
        return _with_order(turn, order, stored, caption)
    candidates = orders_in_play(turn)
    if len(candidates) == 1:
        return _with_order(turn, candidates[0], stored, caption)
    offered = [o.id for o in candidates]
    turn.set_state(State.CHOOSING_PROOF_ORDER, media_id=stored.id, caption=caption, offered=offered)
    if not candidates:
        return [Reply(turn.t("proofs.ask_order"))]
    buttons = tuple(
        Button(
            turn.t("proofs.choice", number=o.number, business=o.business.name,
                   due=money(turn, o, o.due_minor)),
            f"prooffor:{o.number}",
        )
        for o in candidates
    )
    return [Reply(turn.t("proofs.choose_order"), buttons=buttons)]


def orders_in_play(turn: Turn) -> list[Order]:
    """The chat's current order when something is due on it; otherwise every order with
    something due of the phone this chat has proven."""
    current = order_by_id(turn.session, turn.chat.current_order_id) if turn.chat.current_order_id else None
    if payable(current):
        return [current]
    phone = turn.linked_phone
    if phone is None:
        return []
    return [o for o in orders_for_phone(turn.session, phone) if payable(o)]


def _with_order(turn: Turn, order: Order, media: MediaFile, caption: str) -> list[Reply]:
    full = guard.order_refusal(turn, order)
    if full:
        return full
    amount = parse_amount(caption, order.currency) if caption else None
    method = method_named(caption)
    if amount is None and turn.ctx.settings.read_proofs:
        return submit(turn, order, media, None, method)  # the amount read is offered
    if amount is None:
        turn.set_state(State.AWAITING_AMOUNT, media_id=media.id, order_id=order.id, method=method)
        turn.chat.current_order_id = order.id
        question = amount_question(turn, caption, order.currency) if caption else None
        return question or [Reply(turn.t("proofs.ask_amount", number=order.number,
                                         due=money(turn, order, order.due_minor)))]
    return submit(turn, order, media, amount, method)


def submit(
    turn: Turn, order: Order, media: MediaFile | None, amount: int | None, method: str | None,
    utr: str | None = None,
) -> list[Reply]:
    settings = turn.ctx.settings
    try:
        submission = proofs.submit(
            turn.session, order, media, amount, chat_id=turn.chat.id,
            staff_channels=settings.staff_channels, method=method, now=turn.now,
            sender_flags=guard.sender_flags(turn, order),
            read=settings.read_proofs, utr=utr,
        )
    except TooManyProofs as refused:
        return guard.refused(turn, order, **refused.params)
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
    staffed = active_staff(turn.session, order.business_id)
    key = "proofs.received" if staffed else "words.received_no_staff"
    contact = order.business.contact_phone or order.business.contact_email
    contact = display_phone(contact) if contact and contact.startswith("+") else contact
    lines = [turn.t(key, number=order.number, amount=money(turn, order, amount),
                    business=business, contact=contact or turn.t("words.contact_directly"))]
    if amount > order.due_minor:
        lines.append(turn.t("proofs.received_over_due", due=money(turn, order, order.due_minor),
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
    question = amount_question(turn, turn.text, order.currency)
    if question:  # "-50", "250.555": asked again, never changed
        return question
    amount = parse_amount(turn.text, order.currency)
    if amount is not None:
        method = turn.data.get("method") or method_named(turn.text)
        return submit(turn, order, media, amount, method)
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
    order = find_for(turn, key)  # the same answer, and count, as any lookup
    if not isinstance(order, Order):
        return order
    if not payable(order):
        return [Reply(turn.t("proofs.nothing_due", number=order.number))]
    caption = turn.data.get("caption") or ""
    return _with_order(turn, order, media, caption if parse_amount(caption) else turn.text)


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
        return turn.t("proofs.still_due", number=order.number, amount=money(turn, order, order.due_minor))
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
        if due <= 0:  # paid in full already: nothing to approve, but it can be closed
            return [Reply(turn.t("money.approve_nothing_due", number=order.number,
                                 proof=proof.number), buttons=proof_buttons(proof, turn.lang))]
        return [Reply(turn.t(
            "proofs.over_due", number=order.number, proof=proof.number,
            due=money(turn, order, due), amount=money(turn, order, refused.params["amount"]),
            plain_due=i18n.plain_amount(due, order.currency),
        ))]
    except DomainError:
        return _no_such(turn, proof.number)
    turn.reset()
    order = decision.proof.order
    amount = decision.proof.decided_amount_minor or 0
    text = "\n".join([
        turn.t("proofs.approved", proof=proof.number, number=order.number,
               amount=money(turn, order, amount),
               method=i18n.method_label(decision.event.detail.get("method"), turn.lang)),
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
        question = amount_question(turn, args[1], proof.order.currency)
        if question:
            return question
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


def close_proof(turn: Turn, proof: PaymentProof) -> list[Reply]:
    """`close 2`: a proof on an order with nothing due is closed, nothing recorded."""
    order = proof.order
    try:
        proofs.close(turn.session, proof.id, _membership(turn, proof).id, now=turn.now)
    except AlreadyDecided:
        return _already(turn, proof)
    except NotSettled:
        return [Reply(turn.t("money.not_settled", number=order.number, proof=proof.number,
                             due=money(turn, order, order.due_minor)),
                      buttons=proof_buttons(proof, turn.lang))]
    except DomainError:
        return _no_such(turn, proof.number)
    turn.reset()
    return [Reply(turn.t("money.closed_ok", proof=proof.number, number=order.number))]


def _close_intent(turn: Turn) -> list[Reply] | None:
    if not turn.staff:
        return None
    rest = matches(turn.text, i18n.phrases("money.keywords.close"))
    if rest is None:
        return None
    if not rest:
        proof, answer = _the_only_one(turn)
        return answer or close_proof(turn, proof)
    number = rest.split()[0]
    if len(rest.split()) > 1 or not number.lstrip("#").isdigit():
        return None
    proof = _find(turn, number)
    return close_proof(turn, proof) if proof else _no_such(turn, number.lstrip("#"))


def _close_button(turn: Turn, number: str) -> list[Reply] | None:
    proof = _find(turn, number) if turn.staff else None
    return close_proof(turn, proof) if proof else None


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
            claimed=money(turn, order, proof.claimed_minor or 0),
            due=money(turn, order, order.due_minor),
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
    proof = proofs.proof_by_id(turn.session, proof_id) if isinstance(proof_id, int) else None
    if proof is None or proof.business_id not in turn.business_ids():
        turn.reset()
        return None
    other = any(_command(turn, name) is not None for name in ("approve", "reject", "list", "show"))
    other = other or matches(turn.text, i18n.phrases("money.keywords.close")) is not None
    if other or turn.inbound.media or _leaves_reason_prompt(turn.text):
        # Another command: it is answered, nothing is rejected, and the proof still waits.
        turn.reset()
        replies = route(turn) or []
        still = turn.t("words.proof_still_waiting", proof=proof.number)
        return replies + [Reply(still)] if replies else None
    if not turn.text:
        return _ask_reason(turn, proof)
    skip = matches(turn.text, keywords("skip")) == "" or is_only(turn.text, "skip")
    return reject_proof(turn, proof, None if skip else turn.text)


def _leaves_reason_prompt(text: str) -> bool:
    """An order number, or a message that is only a command word ("orders", "help", "ready",
    "my orders", "language") is the next command, never a reason ("orders" rejected a
    proof with the reason "orders"). Reasons that merely contain such words stay reasons."""
    said = words(text)
    return bool(
        find_order_number(text)
        or is_only(text, "orders")
        or any(said == words(w) for w in i18n.phrases("keywords.help"))
        or any(is_only(text, f"status.{s}") for s in statuses_in(text))
        or matches(text, customer_keywords("my_orders")) == ""
        or matches(text, customer_keywords("language")) is not None
    )


def _approve_button(turn: Turn, number: str) -> list[Reply] | None:
    proof = _find(turn, number) if turn.staff else None
    return approve_proof(turn, proof) if proof else None


def _reject_button(turn: Turn, number: str) -> list[Reply] | None:
    proof = _find(turn, number) if turn.staff else None
    return _ask_reason(turn, proof) if proof else None


def _reject_now_button(turn: Turn, number: str) -> list[Reply] | None:
    proof = _find(turn, number) if turn.staff else None
    return reject_proof(turn, proof, None) if proof else None


FEATURE = Feature(
    "proofs",
    buttons={
        "prooffor": _proof_for,
        "approve": _approve_button,
        "reject": _reject_button,
        "rejectnow": _reject_now_button,
        "closeproof": _close_button,
    },
    intents=(_intake, _list_intent, _show_intent, _approve_intent, _reject_intent, _close_intent),
    states={
        State.AWAITING_AMOUNT: _awaiting_amount,
        State.CHOOSING_PROOF_ORDER: _choosing_order,
        State.AWAITING_REJECT_REASON: _awaiting_reason,
    },
    renderers=notices.RENDERERS,
    template_fields=notices.TEMPLATE_FIELDS,
)
