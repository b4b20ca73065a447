"""The business's staff in their own chat: list open orders, open one, move it on,
record a payment taken in person, cancel with a reason, refund.

Only ever their own business's orders: another business's order number falls through
to the customer's answer (the masked public view, or not found); a command on it is
refused ("SB-2001 is not an order of Asha's Kitchen"). Words that belong to
payment proofs (`approve 12`, `proofs`) are left to handlers/proofs/chat.py. An order
of another kind (a booking) takes the same money and cancel commands, moved by its
own rules (`Feature.staff_kinds`, read through handlers/vendor/view.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from handlers import i18n
from handlers.feature import Feature
from handlers.orders.amounts import amount_question
from handlers.orders.view import money
from handlers.parse import (
    find_order_number,
    find_order_numbers,
    matches,
    mentions,
    typed_order_number,
    without_order_number,
    words,
)
from handlers.turn import State, Turn
from handlers.types import Reply
from handlers.vendor.parse import (
    MONEY_VERBS,
    STATUSES,
    Command,
    is_only,
    parse_command,
    statuses_in,
    verb_of,
    vocabulary,
)
from handlers.vendor.view import (
    next_statuses,
    open_orders,
    staff_kind,
    vendor_buttons,
    vendor_section,
    vendor_view,
)
from store import chat_reads, outbox
from store.errors import DomainError, InvalidAmount, InvalidTransition, Overpayment
from store.models import Order, OrderStatus, StatusEvent
from store.orders import (
    PAYMENT_METHODS,
    Actor,
    adjust_order,
    record_payment,
    record_refund,
    set_status,
)
from store.queries import order_by_id, order_by_number


def _own_order(turn: Turn, number: str | None) -> Order | None:
    """The order `number` names, only if it is one of the staff member's businesses'."""
    order = order_by_number(turn.session, number) if number else None
    if order is None or order.business_id not in turn.business_ids():
        return None
    return order


def _current_own_order(turn: Turn) -> Order | None:
    if not turn.staff or turn.chat.current_order_id is None:
        return None
    order = order_by_id(turn.session, turn.chat.current_order_id)
    return order if order is not None and order.business_id in turn.business_ids() else None


def actor_for(turn: Turn, order: Order) -> Actor:
    staff = next(s for s in turn.staff if s.business_id == order.business_id)
    return Actor(staff.name, staff.id, via="chat")


# ── free text ──────────────────────────────────────────────────────────────────


def _command(turn: Turn) -> list[Reply] | None:
    if not turn.staff or not turn.text or mentions(turn.text, vocabulary("proofs")):
        return None
    number = find_order_number(turn.text)
    if number is None:
        return _without_number(turn)
    order = _own_order(turn, number)
    if order is None:
        return _not_ours(turn)
    command = parse_command(turn.text, order.currency)
    if command.verb == "open" and len(find_order_numbers(turn.text)) > 1:
        return None  # "AK-1001 and AK-1003": each shown, as a lookup shows it
    return run(turn, order, command)


def _not_ours(turn: Turn) -> list[Reply] | None:
    """A command on another business's order (or on none: the same words, so nothing
    tells whether it exists) is refused; the number alone gets the customer's answer."""
    if parse_command(turn.text, "INR").verb == "open":
        return None
    businesses = sorted({s.business.name for s in turn.staff})
    return [Reply(turn.t("words.not_your_order", number=typed_order_number(turn.text),
                         business=i18n.t("words.or", turn.lang).join(businesses)))]


def _without_number(turn: Turn) -> list[Reply] | None:
    """`orders`; or a command for the order last opened (`ready`, `paid 200 cash`)."""
    if is_only(turn.text, "orders"):
        turn.reset()
        return open_orders(turn)
    verb = verb_of(turn.text)
    starts_with_verb = verb is not None and matches(turn.text, vocabulary(verb)) is not None
    only_status = [s for s in statuses_in(turn.text) if is_only(turn.text, f"status.{s}")]
    if not starts_with_verb and not only_status:
        return None
    order = _current_own_order(turn)
    if order is None:
        return [Reply(turn.t("vendor.which_order"))]
    return run(turn, order, parse_command(turn.text, order.currency))


def run(turn: Turn, order: Order, command: Command) -> list[Reply]:
    turn.reset()
    turn.chat.current_order_id = order.id
    if command.verb in MONEY_VERBS:  # "-50" or "250.555": asked, never changed
        question = amount_question(turn, without_order_number(turn.text), order.currency)
        if question:
            return question
    action: Callable[[Turn, Order, Command], list[Reply]] = ACTIONS[command.verb]
    return action(turn, order, command)


# ── the actions ────────────────────────────────────────────────────────────────


@contextmanager
def refusal(turn: Turn, order: Order, replies: list[Reply], *, refund: bool = False,
            explain: Callable[[DomainError], str | None] | None = None) -> Iterator[None]:
    """Run a service; a rule's "no" rolls its writes back and becomes a clear answer
    (`explain`'s, when it has one for that error)."""
    try:
        with turn.session.begin_nested():
            yield
    except DomainError as error:
        text = (explain(error) if explain else None) or _explain(turn, order, error,
                                                                 refund=refund)
        replies.append(Reply(text, buttons=vendor_buttons(turn, order)))


def _explain(turn: Turn, order: Order, error: DomainError, *, refund: bool = False) -> str:
    p = error.params
    if isinstance(error, InvalidTransition):
        current = turn.t("status." + p["current"])
        if p.get("same"):
            return turn.t("vendor.error.same_status", number=order.number, status=current)
        options = [turn.t("status." + s) for s in next_statuses(turn, order)]
        if not options:
            return turn.t("vendor.error.closed", number=order.number, status=current)
        return turn.t(
            "vendor.error.invalid_transition",
            number=order.number,
            status=current,
            target=turn.t("status." + p["target"]),
            options=", ".join(options),
        )
    if isinstance(error, InvalidAmount) and "total" in p:
        return turn.t("money.error_adjustment", number=order.number,
                      total=money(turn, order, p["total"]))
    if isinstance(error, Overpayment):
        return turn.t(
            "words.refund_over_paid" if refund else "vendor.error.overpayment",
            number=order.number,
            amount=money(turn, order, p["amount"]),
            due=money(turn, order, p["due"]),
        )
    return turn.t(f"vendor.error.{error.code}", number=order.number)


def told(turn: Turn, event: StatusEvent) -> str:
    count = outbox.queued_for_event(turn.session, event.id)
    if count > 1:
        return turn.t("vendor.told_many", count=count)
    return turn.t("vendor.told") if count else turn.t("vendor.told_none")


def _open(turn: Turn, order: Order, _command: Command) -> list[Reply]:
    return vendor_view(turn, order)


def change_status(
    turn: Turn, order: Order, status: str, reason: str | None = None
) -> list[Reply]:
    before = order.status
    kind = staff_kind(turn, order)
    service = kind.set_status if kind else set_status
    replies: list[Reply] = []
    with refusal(turn, order, replies):
        event = service(turn.session, order, status, actor_for(turn, order), reason=reason,
                        now=turn.now)
        key = "vendor.cancelled_ok" if status == OrderStatus.CANCELLED else "vendor.changed"
        lines = [
            turn.t(key, number=order.number, before=turn.t("status." + before),
                   after=turn.t("status." + status)),
        ]
        if reason:
            lines.append(turn.t("vendor.reason", reason=reason))
        if status == OrderStatus.CANCELLED and order.to_refund_minor > 0:
            lines.append(turn.t("vendor.refund_hint", number=order.number,
                                paid=money(turn, order, order.to_refund_minor),
                                amount=i18n.plain_amount(order.to_refund_minor, order.currency)))
        lines.append(told(turn, event))
        replies.append(Reply("\n".join(lines), buttons=vendor_buttons(turn, order)))
    return replies


def _status(turn: Turn, order: Order, command: Command) -> list[Reply]:
    assert command.status is not None
    return change_status(turn, order, command.status)


def _cancel(turn: Turn, order: Order, command: Command) -> list[Reply]:
    if command.reason is None:
        return ask_cancel_reason(turn, order)
    return change_status(turn, order, OrderStatus.CANCELLED, command.reason)


def ask_cancel_reason(turn: Turn, order: Order) -> list[Reply]:
    if OrderStatus.CANCELLED.value not in next_statuses(turn, order):
        current = turn.t("status." + order.status)
        return [Reply(turn.t("vendor.error.closed", number=order.number, status=current))]
    turn.set_state(State.AWAITING_CANCEL_REASON, order=order.number)
    return [Reply(turn.t("vendor.ask_cancel_reason", number=order.number))]


def _paid(turn: Turn, order: Order, command: Command) -> list[Reply]:
    if command.amount_minor is None:
        return _ask_amount(turn, order, "vendor.need_amount", "due", order.due_minor)
    method = command.method or "cash"
    return _move_money(turn, order, command, method, record_payment, "vendor.paid_ok")


def _refund(turn: Turn, order: Order, command: Command) -> list[Reply]:
    if order.paid_minor <= 0:
        return [Reply(turn.t("vendor.error.nothing_paid", number=order.number))]
    if command.amount_minor is None:
        return _ask_amount(turn, order, "vendor.need_refund_amount", "paid", order.paid_minor)
    paid_with = [p.method for p in order.payments if p.kind == "payment"]
    method = command.method or (paid_with[-1] if paid_with else "cash")
    method = method if method in PAYMENT_METHODS else "other"
    return _move_money(turn, order, command, method, record_refund, "vendor.refund_ok")


def _adjust(turn: Turn, order: Order, command: Command) -> list[Reply]:
    """`discount AK-1001 50 late delivery` lowers the total; `charge AK-1001 40
    delivery` raises it. Each is a line of the order and a notice to the customer."""
    if command.amount_minor is None:
        return [Reply(turn.t(f"money.need_{command.verb}_amount", number=order.number))]
    signed = -command.amount_minor if command.verb == "discount" else command.amount_minor
    replies: list[Reply] = []
    with refusal(turn, order, replies):
        event = adjust_order(turn.session, order, signed, command.reason, actor_for(turn, order),
                             now=turn.now)
        reason = turn.t("money.reason", reason=command.reason) if command.reason else ""
        lines = [turn.t(
            f"money.{command.verb}_ok", number=order.number, reason=reason,
            amount=money(turn, order, command.amount_minor),
            total=money(turn, order, order.total_minor),
            paid=money(turn, order, order.received_minor),
            due=money(turn, order, order.due_minor),
        )]
        if order.to_refund_minor > 0:
            lines.append(turn.t(
                "money.to_refund_hint", number=order.number,
                amount=money(turn, order, order.to_refund_minor),
                plain=i18n.plain_amount(order.to_refund_minor, order.currency),
            ))
        lines.append(told(turn, event))
        replies.append(Reply("\n".join(lines), buttons=vendor_buttons(turn, order)))
    return replies


def _ask_amount(turn: Turn, order: Order, key: str, name: str, minor: int) -> list[Reply]:
    """The command again with the amount that would settle it filled in, as an example."""
    example = i18n.plain_amount(minor, order.currency)
    shown = {name: money(turn, order, minor)}
    return [Reply(turn.t(key, number=order.number, amount=example, **shown))]


def _move_money(
    turn: Turn, order: Order, command: Command, method: str, service: Callable[..., object],
    key: str,
) -> list[Reply]:
    replies: list[Reply] = []
    with refusal(turn, order, replies, refund=service is record_refund):
        service(turn.session, order, command.amount_minor, method, actor_for(turn, order),
                reference=command.reference, now=turn.now)
        replies.append(_money_reply(turn, order, key, command, method))
    return replies


def _money_reply(turn: Turn, order: Order, key: str, command: Command, method: str) -> Reply:
    event = chat_reads.last_event(turn.session, order.id)
    lines = [
        turn.t(
            key,
            number=order.number,
            amount=money(turn, order, command.amount_minor or 0),
            method=turn.t("method." + method),
            paid=money(turn, order, order.paid_minor),
            total=money(turn, order, order.total_minor),
            due=money(turn, order, order.due_minor),
            status=turn.t("payment_status." + order.payment_status),
        )
    ]
    if command.reference:
        lines.append(turn.t("vendor.reference", reference=command.reference))
    lines.append(told(turn, event))
    return Reply("\n".join(lines), buttons=vendor_buttons(turn, order))


ACTIONS: dict[str, Callable[[Turn, Order, Command], list[Reply]]] = {
    "open": _open,
    "status": _status,
    "cancel": _cancel,
    "paid": _paid,
    "refund": _refund,
    "discount": _adjust,
    "charge": _adjust,
}


# ── the cancel reason ──────────────────────────────────────────────────────────


def _cancel_reason(turn: Turn) -> list[Reply] | None:
    order = _own_order(turn, turn.data.get("order")) if turn.staff else None
    if order is None or is_another_command(turn.text):
        turn.reset()  # not staff any more, or a new command: route it as such
        return None
    if not turn.text:
        return [Reply(turn.t("vendor.ask_cancel_reason", number=order.number))]
    turn.reset()
    if is_only(turn.text, "keep"):
        return [Reply(turn.t("vendor.cancel_kept", number=order.number),
                      buttons=vendor_buttons(turn, order))]
    reason = None if is_only(turn.text, "skip") else turn.text[:500]
    return change_status(turn, order, OrderStatus.CANCELLED, reason)


def is_another_command(text: str) -> bool:
    """An order number, the list, help or proofs: not a reason, whatever state we are in."""
    said = words(text)
    return bool(
        find_order_number(text)
        or is_only(text, "orders")
        or mentions(text, vocabulary("proofs"))
        or any(said == words(w) for w in i18n.phrases("keywords.help"))
    )


# ── buttons ────────────────────────────────────────────────────────────────────


def _open_button(turn: Turn, number: str) -> list[Reply] | None:
    order = _own_order(turn, number) if turn.staff else None
    if order is None:
        return None
    turn.reset()
    return vendor_view(turn, order)


def _status_button(turn: Turn, arg: str) -> list[Reply] | None:
    number, _, status = arg.rpartition(":")
    order = _own_order(turn, number) if turn.staff else None
    if order is None or status not in (*STATUSES, OrderStatus.CANCELLED.value):
        return None
    turn.reset()
    turn.chat.current_order_id = order.id
    if status == OrderStatus.CANCELLED:
        return ask_cancel_reason(turn, order)
    return change_status(turn, order, status)


def _list_button(turn: Turn, _arg: str) -> list[Reply] | None:
    if not turn.staff:
        return None
    turn.reset()
    return open_orders(turn)


FEATURE = Feature(
    "vendor",
    buttons={"vo": _open_button, "st": _status_button, "vl": _list_button},
    intents=(_command,),
    states={State.AWAITING_CANCEL_REASON: _cancel_reason},
    sections=(vendor_section,),
)
