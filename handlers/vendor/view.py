"""What the business's staff see: their open orders, and an order in full — the
customer's contact, internal notes, the timeline with who and when, the proofs —
with buttons that move it on. An order of another kind (a booking) is shown and
moved as the feature that brings it says (`Feature.staff_kinds`)."""

from __future__ import annotations

from dataclasses import replace

from handlers import i18n
from handlers.feature import StaffKind
from handlers.orders.adjustments import adjustment_event
from handlers.orders.view import Audience, money, order_view, when
from handlers.parse import display_phone
from handlers.turn import Turn
from handlers.types import Button, Reply
from store import chat_reads
from store.models import Order, StatusEvent
from store.orders import allowed_next

LIST_LIMIT = 10
TIMELINE_LIMIT = 12


def open_orders(turn: Turn) -> list[Reply]:
    """The staff's open orders across their businesses, oldest first, each a choice."""
    orders = chat_reads.open_orders(turn.session, turn.business_ids(), LIST_LIMIT + 1)
    if not orders:
        return [Reply(turn.t("vendor.orders_none"))]
    lines = [turn.t("vendor.orders_title")]
    for order in orders[:LIST_LIMIT]:
        lines.append(
            turn.t(
                "vendor.orders_item",
                number=order.number,
                name=order.customer_name or "—",
                status=turn.t("status." + order.status),
                due=money(turn, order, order.due_minor),
                when=when(turn, order, order.created_at),
            )
        )
    if len(orders) > LIST_LIMIT:
        lines.append(turn.t("vendor.orders_more"))
    buttons = tuple(Button(o.number, f"vo:{o.number}") for o in orders[:LIST_LIMIT])
    return [Reply("\n".join(lines), buttons=buttons)]


def staff_kind(turn: Turn, order: Order) -> StaffKind | None:
    """How the staff move an order of another kind (a booking); None for an order."""
    for feature in turn.features:
        kind = feature.staff_kinds.get(order.kind)
        if kind is not None:
            return kind
    return None


def next_statuses(turn: Turn, order: Order) -> list[str]:
    kind = staff_kind(turn, order)
    found = kind.next_statuses(order.status) if kind else allowed_next(order.status)
    return [str(getattr(s, "value", s)) for s in found]


def vendor_buttons(turn: Turn, order: Order, *, refresh: bool = False) -> tuple[Button, ...]:
    """The moves open to the order now, then a way to (re)open it and back to the list."""
    kind = staff_kind(turn, order)
    if kind is not None:
        return kind.buttons(turn, order, refresh)
    buttons = [
        Button(
            turn.t("vendor.button.cancel")
            if status.value == "cancelled"
            else turn.t("vendor.button.move", status=turn.t("status." + status.value)),
            f"st:{order.number}:{status.value}",
        )
        for status in allowed_next(order.status)
    ]
    reopen = (
        turn.t("button.refresh") if refresh else turn.t("vendor.button.open", number=order.number)
    )
    buttons.append(Button(reopen, f"vo:{order.number}"))
    buttons.append(Button(turn.t("vendor.button.orders"), "vl"))
    return tuple(buttons)


def vendor_view(turn: Turn, order: Order) -> list[Reply]:
    """The order as staff see it: the full view, with the vendor's buttons."""
    kind = staff_kind(turn, order)
    if kind is not None:
        return kind.view(turn, order)
    replies = order_view(turn, order, Audience.VENDOR)
    first = replace(replies[0], buttons=vendor_buttons(turn, order, refresh=True))
    return [first, *replies[1:]]


# ── the vendor's section of the order view ─────────────────────────────────────


def customer_lines(turn: Turn, order: Order) -> list[str]:
    lines = [
        turn.t(
            "vendor.customer",
            name=order.customer_name or "—",
            phone=display_phone(order.customer_phone) if order.customer_phone else "—",
        )
    ]
    if order.customer_address:
        lines.append(turn.t("vendor.address", address=order.customer_address))
    if order.internal_note:
        lines.append(turn.t("vendor.internal_note", note=order.internal_note))
    return lines


# Timeline lines other features write: their kind -> where their steps are worded.
OTHER_KINDS = {"shipment": "shipping.step", "proof": "vendor.proof_status"}


def event_line(turn: Turn, order: Order, event: StatusEvent) -> str:
    at = when(turn, order, event.created_at)
    detail = event.detail or {}
    if event.kind in ("payment", "refund"):
        text = turn.t(
            f"vendor.timeline.{event.kind}",
            amount=money(turn, order, int(detail.get("amount_minor", 0))),
            method=_label(turn, "method", detail.get("method")),
        )
    elif event.kind == "status" and event.from_status:
        text = turn.t(
            "vendor.timeline.status",
            before=_label(turn, "status", event.from_status),
            after=_label(turn, "status", event.to_status),
        )
    elif event.kind == "adjustment":  # the reason follows, as for any event
        text = adjustment_event(order, {**detail, "reason": None}, turn.lang)
    elif event.kind == "status":  # the order's creation
        text = _label(turn, "status", event.to_status)
    elif event.kind in OTHER_KINDS:  # what other features write
        group = OTHER_KINDS[event.kind]
        text = turn.t(f"vendor.timeline.{event.kind}", what=_label(turn, group, event.to_status))
    else:
        text = f"{event.kind}: {event.to_status or ''}".strip(": ")
    if detail.get("reason"):
        text += " — " + str(detail["reason"])
    return turn.t("vendor.timeline.line", when=at, what=text, who=event.actor)


def _label(turn: Turn, group: str, code: str | None) -> str:
    key = f"{group}.{code}"
    return turn.t(key) if code and key in i18n.catalog("en") else (code or "")


def timeline_lines(turn: Turn, order: Order) -> list[str]:
    events = chat_reads.latest_events(turn.session, order.id, TIMELINE_LIMIT)
    return [turn.t("vendor.timeline.title")] + [
        event_line(turn, order, e) for e in reversed(events)
    ]


def proof_lines(turn: Turn, order: Order) -> list[str]:
    proofs = chat_reads.order_proofs(turn.session, order.id)
    if not proofs:
        return []
    lines = [turn.t("vendor.proofs_title")]
    for proof in proofs:
        claimed = proof.decided_amount_minor or proof.claimed_minor
        line = turn.t(
            "vendor.proof",
            number=proof.number,
            amount=money(turn, order, claimed) if claimed else "—",
            status=turn.t("vendor.proof_status." + proof.status),
            when=when(turn, order, proof.created_at),
        )
        if proof.decided_at is not None:
            line += " " + turn.t(
                "vendor.proof_decided",
                who=proof.decided_by.name if proof.decided_by else "—",
                when=when(turn, order, proof.decided_at),
            )
        if proof.reason:
            line += " — " + proof.reason
        lines.append(line)
    return lines


def vendor_section(turn: Turn, order: Order, audience: Audience) -> list[str]:
    if audience is not Audience.VENDOR:
        return []
    return [
        *customer_lines(turn, order),
        "",
        *timeline_lines(turn, order),
        *([""] + proofs if (proofs := proof_lines(turn, order)) else []),
    ]

