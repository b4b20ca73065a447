"""Less typing for customers: the amount read off their screenshot, confirmed with one
tap (`proofyes:<id>` / `proofchange:<id>`, or typed), and a payment told by its UTR
alone ("paid UTR 432156789012") becoming a proof without a picture."""

from __future__ import annotations

import re

from handlers.feature import Feature
from handlers.i18n import phrases
from handlers.orders.view import money
from handlers.parse import find_order_number, mentions, parse_amount
from handlers.proofs import reading_view
from handlers.proofs.chat import orders_in_play, payable, submit
from handlers.turn import Turn
from handlers.types import Reply
from store import proof_checks, proof_completion
from store.models import PaymentProof
from store.proof_reading import utr_in
from store.queries import order_by_number


def _received(turn: Turn, proof: PaymentProof) -> list[Reply]:
    order = proof.order
    turn.chat.current_order_id = order.id
    return [Reply(turn.t("proofs.received", number=order.number,
                         amount=money(turn, order, proof.claimed_minor),
                         business=order.business.name))]


def _claim(turn: Turn, proof: PaymentProof, amount: int) -> list[Reply]:
    done = proof_completion.confirm_claim(turn.session, proof.id, amount,
                                          turn.ctx.settings.staff_channels, turn.now)
    return _received(turn, done) if done else None


def _own(turn: Turn, arg: str) -> PaymentProof | None:
    """The chat's own proof waiting for its amount, by the button's id."""
    if turn.staff or not arg.isdigit():
        return None
    proof = proof_checks.awaiting_amount(turn.session, turn.chat.id)
    return proof if proof is not None and proof.id == int(arg) else None


def _yes(turn: Turn, arg: str) -> list[Reply] | None:
    proof = _own(turn, arg)
    read = (proof.reading or {}).get("amount_minor") if proof else None
    return _claim(turn, proof, read) if read else None


def _change(turn: Turn, arg: str) -> list[Reply] | None:
    proof = _own(turn, arg)
    if proof is None:
        return None
    order = proof.order
    return [Reply(turn.t("proofs.ask_amount", number=order.number,
                         due=money(turn, order, order.due_minor)))]


def _typed_amount(turn: Turn) -> list[Reply] | None:
    """"250" after the amount was offered or asked for."""
    text = turn.text
    if turn.staff or turn.inbound.media or not _has_digit(text) or find_order_number(text):
        return None  # no digit, no amount: no proof to read for it
    proof = proof_checks.awaiting_amount(turn.session, turn.chat.id)
    if proof is None:
        return None
    amount = parse_amount(turn.text, proof.order.currency)
    return _claim(turn, proof, amount) if amount else None


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)  # any script's: "२५०" is an amount too


def _utr_text(turn: Turn) -> list[Reply] | None:
    """"paid UTR 432156789012 250" (an order number too, when none is in play)."""
    if turn.staff or turn.inbound.media or not mentions(turn.text, phrases("ocr.keywords.utr")):
        return None
    utr = utr_in(turn.text)
    if not utr:
        return None
    utr = proof_checks.normalise_utr(utr)
    named = find_order_number(turn.text.replace(utr, " "))
    order = order_by_number(turn.session, named) if named else None
    if not payable(order):
        in_play = orders_in_play(turn)
        order = in_play[0] if len(in_play) == 1 else None
    if order is None:
        return [Reply(turn.t("ocr.utr_ask_order", utr=utr))]
    rest = re.sub(r"\d{4}\s?\d{4}\s?\d{4}|" + re.escape(utr), " ", turn.text, flags=re.I)
    if named:
        rest = re.sub(re.escape(order.number), " ", rest, flags=re.I)
    amount = parse_amount(rest, order.currency)
    return submit(turn, order, None, amount, "upi" if utr.isdigit() else "bank", utr=utr)


FEATURE = Feature(
    "proof_claims",
    buttons={"proofyes": _yes, "proofchange": _change},
    intents=(_utr_text, _typed_amount),
    renderers=reading_view.RENDERERS,
)
