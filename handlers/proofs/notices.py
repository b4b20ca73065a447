"""How payment proofs read: the staff's prompt (the image, the numbers, the flags,
approve / reject) and the customer's notice of the decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.feature import Renderer, TemplateFields
from handlers.orders.notices import order_and_event, order_buttons
from handlers.proofs.file_links import media_image
from handlers.proofs.guard import flag_line as sender_line
from handlers.proofs.reading_view import flag_line, reading_lines
from handlers.types import Button, Reply, Settings
from store.models import OutboxMessage, PaymentProof, ProofStatus
from store.proofs import decider_name, proof_by_id
from store.stale_proofs import settled


def _when(proof: PaymentProof, moment: datetime, lang: str) -> str:
    business = proof.order.business
    return i18n.when(moment, business.timezone, lang, business.country)


def flag_lines(proof: PaymentProof, lang: str, *, over_due: bool = True) -> list[str]:
    lines = []
    for flag in proof.flags or []:
        if flag.get("kind") == "over_due" and over_due:
            lines.append(
                i18n.t("proofs.flag_over_due", lang,
                       due=i18n.order_money(proof.order, flag["due_minor"], lang))
            )
        elif flag.get("kind") == "reused":
            key = "proofs.flag_reused_same" if flag["how"] == "same" else "proofs.flag_reused_similar"
            at = datetime.fromisoformat(flag["at"])
            lines.append(
                i18n.t(key, lang, number=flag["order"], when=_when(proof, at, lang), proof=flag["proof"])
            )
        elif flag.get("kind") == "unproven_sender":
            lines.append(sender_line(flag, lang))
        elif (line := flag_line(proof, flag, lang)) is not None:
            lines.append(line)
    return lines


def decided_line(proof: PaymentProof, lang: str) -> str:
    """"Proof 12 was already approved by Asha at …": what a second decision is told."""
    key = "money.already_closed" if proof.status == ProofStatus.CLOSED else (
        "proofs.already_" + proof.status)
    return i18n.t(
        key,
        lang,
        proof=proof.number,
        by=decider_name(proof),
        when=_when(proof, proof.decided_at, lang) if proof.decided_at else "",
    )


def proof_buttons(proof: PaymentProof, lang: str) -> tuple[Button, ...]:
    if settled(proof.order):  # nothing to decide: one word closes it
        return (Button(i18n.t("money.button_close", lang), f"closeproof:{proof.number}"),)
    return (
        Button(i18n.t("proofs.button_approve", lang), f"approve:{proof.number}"),
        Button(i18n.t("proofs.button_reject", lang), f"reject:{proof.number}"),
    )


def settled_line(proof: PaymentProof, lang: str) -> str:
    """The prompt's answer when the order has nothing due: it is paid, or cancelled."""
    order = proof.order
    key = "money.prompt_cancelled" if order.status == "cancelled" else "money.prompt_paid"
    return i18n.t(key, lang, number=order.number, proof=proof.number)


def prompt_replies(
    proof: PaymentProof, lang: str, settings: Settings | None
) -> list[Reply]:
    """The staff's view of one proof: image, numbers, flags and what to answer."""
    order = proof.order
    lines = [
        i18n.t(
            "proofs.prompt",
            lang,
            proof=proof.number,
            number=order.number,
            customer=order.customer_name or "—",
            claimed=i18n.order_money(proof.order, proof.claimed_minor or 0, lang),
            due=i18n.order_money(proof.order, order.due_minor, lang),
        )
    ]
    if proof.method:
        method = i18n.method_label(proof.method, lang)
        lines.append(i18n.t("proofs.prompt_method", lang, method=method))
    lines += reading_lines(proof, lang)
    pending = proof.status == ProofStatus.PENDING.value
    if pending and settled(order):  # "more than the ₹250 due" beside "due ₹0" helps no one
        lines += flag_lines(proof, lang, over_due=False)
        lines.append(settled_line(proof, lang))
    else:
        lines += flag_lines(proof, lang)
        lines.append(i18n.t("proofs.prompt_how", lang, proof=proof.number) if pending else
                     decided_line(proof, lang))
    alt = i18n.t("proofs.image_alt", lang, proof=proof.number, number=order.number)
    has_file = settings is not None and proof.media is not None
    image = media_image(settings, proof.media, alt) if has_file else None
    buttons = proof_buttons(proof, lang) if pending else ()
    return [Reply("\n".join(lines), buttons=buttons, image=image)]


def _prompt(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    proof = proof_by_id(session, message.payload["proof_id"])
    if proof is None:
        raise LookupError("proof gone")
    return prompt_replies(proof, lang, session.info.get("settings"))


def _prompt_fields(session: Session, message: OutboxMessage, lang: str) -> dict[str, str]:
    """The prompt as the quick-reply template's variables (README, "TWILIO_TEMPLATE_PROOF_PROMPT"):
    {{1}} proof number, {{2}} order, {{3}} customer, {{4}} claimed, {{5}} due, {{6}} flags.
    None may be empty (WhatsApp refuses an empty variable)."""
    proof = proof_by_id(session, message.payload["proof_id"])
    if proof is None:
        raise LookupError("proof gone")
    order = proof.order
    notes = reading_lines(proof, lang)
    if settled(order):  # nothing is due: say so rather than "more than the ₹0.00 due"
        notes += flag_lines(proof, lang, over_due=False) + [settled_line(proof, lang)]
    else:
        notes += flag_lines(proof, lang)
    if proof.method:
        notes.insert(0, i18n.t("proofs.prompt_method", lang,
                               method=i18n.method_label(proof.method, lang)))
    return {
        "1": str(proof.number),
        "2": order.number,
        "3": order.customer_name or "—",
        "4": i18n.order_money(proof.order, proof.claimed_minor or 0, lang),
        "5": i18n.order_money(proof.order, order.due_minor, lang),
        "6": " ".join(notes) or i18n.t("proofs.template_no_flags", lang),
    }


def _decided_by_colleague(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    """To the staff asked about a proof: a colleague decided it; nothing left to do."""
    proof = proof_by_id(session, message.payload["proof_id"])
    if proof is None or proof.decided_at is None:
        raise LookupError("proof gone or undecided")
    order = proof.order
    business = order.business
    facts = {
        "proof": proof.number,
        "number": order.number,
        "by": decider_name(proof),
        "when": i18n.when(proof.decided_at, business.timezone, lang, business.country),
    }
    if proof.status == ProofStatus.CLOSED.value:
        why = "cancelled" if proof.reason == "cancelled" else "paid"
        text = i18n.t(f"money.closed_notice_{why}", lang, proof=proof.number, number=order.number)
    elif proof.status == ProofStatus.APPROVED.value:
        amount = i18n.money(proof.decided_amount_minor or 0, order.currency, lang, business.country)
        text = i18n.t("proofs.colleague_approved", lang, amount=amount, **facts)
    else:
        text = i18n.t("proofs.colleague_rejected", lang, **facts)
    return [Reply(text)]


def _decision(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    """The customer's notice: approved with the new balance, or rejected with why."""
    order, event = order_and_event(session, message.payload)
    detail = event.detail
    money = lambda minor: i18n.money(minor, order.currency, lang, order.business.country)  # noqa: E731
    if detail["decision"] == ProofStatus.APPROVED.value:
        lines = [
            i18n.t(
                "proofs.notice_approved",
                lang,
                business=order.business.name,
                amount=money(detail["amount_minor"]),
                method=i18n.method_label(detail.get("method"), lang),
                number=order.number,
                paid=money(detail["paid_minor"]),
                total=money(order.total_minor),
            )
        ]
    else:
        lines = [i18n.t("proofs.notice_rejected", lang, business=order.business.name,
                        number=order.number)]
        if detail.get("reason"):
            lines.append(i18n.t("notice.reason", lang, reason=detail["reason"]))
        lines.append(i18n.t("proofs.notice_rejected_next", lang))
    due = detail["due_minor"]
    lines.append(
        i18n.t("notice.due", lang, amount=money(due)) if due > 0 else i18n.t("notice.paid_full", lang)
    )
    return [Reply("\n".join(lines), buttons=order_buttons(order, lang))]


RENDERERS: dict[str, Renderer] = {
    "proof_prompt": _prompt,
    "proof_decided": _decided_by_colleague,
    "order_proof": _decision,
}
TEMPLATE_FIELDS: dict[str, TemplateFields] = {"proof_prompt": _prompt_fields}
