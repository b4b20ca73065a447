"""What was read off a proof, its checks and the bank statement's word, as the staff
read them in the prompt ("🔎 Read: ₹250.00 to ashaskitchen@okaxis, UTR 4321 5678 9012,
24 Nov 2026, 7:42 pm ✓ matches"). Customers never see these."""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.feature import Renderer
from handlers.types import Button, Reply
from store.models import OutboxMessage, PaymentProof
from store.proof_checks import ASK, CONFIRM, read_fields
from store.proofs import proof_by_id

# Kinds raised by reading (store/proof_checks.py); "over_due" and "reused" are older.
READ_KINDS = ("amount_mismatch", "payee_mismatch", "utr_reused", "before_order", "stale",
              "not_successful")




def _when(proof: PaymentProof, moment, lang: str) -> str:  # noqa: ANN001 - a datetime
    business = proof.order.business
    return i18n.when(moment, business.timezone, lang, business.country)


def spaced_utr(utr: str) -> str:
    """"4321 5678 9012": a 12-digit UTR as people read it off their app."""
    return " ".join(utr[i:i + 4] for i in range(0, 12, 4)) if len(utr) == 12 and utr.isdigit() \
        else utr


def flag_line(proof: PaymentProof, flag: dict, lang: str) -> str | None:
    kind = flag.get("kind")
    if kind == "amount_mismatch":
        return i18n.t("ocr.flag_amount_mismatch", lang,
                      amount=i18n.order_money(proof.order, flag["read_minor"], lang),
                      claimed=i18n.order_money(proof.order, proof.claimed_minor or 0, lang))
    if kind == "payee_mismatch":
        return i18n.t("ocr.flag_payee_mismatch", lang, payee=flag.get("read") or "?")
    if kind == "utr_reused":
        if flag.get("proof"):
            return i18n.t("ocr.flag_utr_reused", lang, proof=flag["proof"], number=flag["order"])
        if flag.get("order"):
            return i18n.t("ocr.flag_utr_reused_payment", lang, number=flag["order"])
        return i18n.t("ocr.flag_utr_reused_elsewhere", lang)
    if kind == "not_successful":
        return i18n.t(f"ocr.flag_not_successful_{flag.get('outcome', 'failed')}", lang)
    if kind == "stale":
        return i18n.t("ocr.flag_stale", lang, days=flag.get("days", 0))
    if kind == "before_order":
        return i18n.t("ocr.flag_before_order", lang)
    return None


def reading_lines(proof: PaymentProof, lang: str) -> list[str]:
    """The "Read:" line (or "could not read it"), and the statement's match."""
    lines = []
    fields = read_fields(proof)
    kinds = {f.get("kind") for f in proof.flags or []}
    if "unreadable" in kinds:
        lines.append(i18n.t("ocr.could_not_read", lang))
    elif fields:
        parts = []
        if fields.get("amount_minor") is not None:
            parts.append(i18n.order_money(proof.order, fields["amount_minor"], lang))
        payee = fields.get("payee_vpa") or fields.get("payee_name")
        if payee:
            parts[-1:] = [" ".join([*parts[-1:], i18n.t("ocr.read_to", lang, payee=payee)])]
        if fields.get("utr"):
            parts.append(i18n.t("ocr.read_utr", lang, utr=spaced_utr(fields["utr"])))
        if fields.get("paid_at"):
            parts.append(_when(proof, fields["paid_at"], lang))
        text = i18n.t("ocr.read", lang, parts=", ".join(parts))
        if not kinds & {*READ_KINDS, "reused", "over_due"}:
            text += " " + i18n.t("ocr.matches", lang)
        lines.append(text)
    credit = proof.statement_credit
    if credit is not None and proof.statement_match:
        lines.append(i18n.t(f"ocr.statement_{proof.statement_match}", lang,
                            amount=i18n.order_money(proof.order, credit.amount_minor, lang),
                            when=_when(proof, credit.credited_at, lang)))
    return lines


def _waiting(session: Session, message: OutboxMessage) -> PaymentProof:
    proof = proof_by_id(session, message.payload["proof_id"])
    if proof is None or proof.claimed_minor is not None:
        raise LookupError("proof gone or its amount given")
    return proof


def _confirm(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    """To the customer: the amount read, to confirm with one tap."""
    proof = _waiting(session, message)
    amount = i18n.order_money(proof.order, proof.reading["amount_minor"], lang)
    buttons = (Button(i18n.t("ocr.button_yes", lang), f"proofyes:{proof.id}"),
               Button(i18n.t("ocr.button_change", lang), f"proofchange:{proof.id}"))
    return [Reply(i18n.t("ocr.confirm_amount", lang, amount=amount, number=proof.order.number),
                  buttons=buttons)]


def _ask(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    """To the customer: nothing read; how much was it?"""
    proof = _waiting(session, message)
    order = proof.order
    return [Reply(i18n.t("proofs.ask_amount", lang, number=order.number,
                         due=i18n.order_money(proof.order, order.due_minor, lang)))]


RENDERERS: dict[str, Renderer] = {CONFIRM: _confirm, ASK: _ask}
