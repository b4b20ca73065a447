"""Words for queued messages: an outbox row becomes replies in its recipient's
language at the moment it is delivered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.links import order_page_url
from handlers.types import Button, Reply
from store.models import Chat, Order, OrderStatus, OutboxMessage, StatusEvent

Renderer = Callable[[Session, OutboxMessage, str], list[Reply]]
RENDERERS: dict[str, Renderer] = {}
# Kinds with a template of their own, whose buttons answer the message (a WhatsApp
# quick-reply template): its numbered variables, {"1": …, "2": …}.
TemplateFields = Callable[[Session, OutboxMessage, str], dict[str, str]]
TEMPLATE_FIELDS: dict[str, TemplateFields] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        RENDERERS[kind] = fn
        return fn

    return register


def template_fields(kind: str) -> Callable[[TemplateFields], TemplateFields]:
    def register(fn: TemplateFields) -> TemplateFields:
        TEMPLATE_FIELDS[kind] = fn
        return fn

    return register


def fields_of(session: Session, message: OutboxMessage, default_lang: str = "en") -> dict[str, str]:
    """The variables of the message's own template, in its recipient's language."""
    lang = recipient_language(session, message, default_lang)
    return TEMPLATE_FIELDS[message.kind](session, message, lang)


def recipient_language(session: Session, message: OutboxMessage, default: str = "en") -> str:
    """The recipient chat's language; for a chat that never said (a phone that never
    wrote), the business's own language; else the default."""
    chat = session.get(Chat, message.chat_id) if message.chat_id else None
    if chat is not None and chat.locale:
        return chat.locale
    order = session.get(Order, message.order_id) if message.order_id else None
    business_locale = i18n.normalize_language(order.business.default_locale) if order else None
    return business_locale or default


def render(session: Session, message: OutboxMessage, default_lang: str = "en") -> list[Reply]:
    """The replies an outbox row stands for; a text payload is sent as it is."""
    lang = recipient_language(session, message, default_lang)
    fn = RENDERERS.get(message.kind)
    if fn is not None:
        return fn(session, message, lang)
    text = message.payload.get("text")
    if text:
        return [Reply(str(text))]
    raise LookupError(f"no renderer for outbox kind {message.kind!r}")


def _order_and_event(session: Session, payload: dict[str, Any]) -> tuple[Any, StatusEvent]:
    """The notice's order and its event. A notice shows the order's own columns and its
    business, which the delivery has usually loaded already: no statement for them then
    (items, payments and timeline are read only if a notice ever shows them)."""
    order = session.get(Order, payload["order_id"])
    event = session.get(StatusEvent, payload["event_id"])
    if order is None or event is None:
        raise LookupError("order or event gone")
    return order, event


def _money(order: Any, minor: int, lang: str) -> str:
    return i18n.money(minor, order.currency, lang, order.business.country)


def _next_step(order: Any, lang: str) -> list[str]:
    """What the customer can do next: pay what is due, pick up, or nothing."""
    t = lambda key, **p: i18n.t(key, lang, **p)  # noqa: E731
    lines = []
    if order.status == OrderStatus.COMPLETED:
        lines.append(t("notice.completed", business=order.business.name))
    elif order.status == OrderStatus.READY and order.fulfilment == "pickup":
        lines.append(t("notice.ready_pickup", business=order.business.name))
    if order.to_refund_minor > 0:  # cancelled after paying, or a total lowered below it
        lines.append(t("money.notice_to_refund", amount=_money(order, order.to_refund_minor, lang),
                       business=order.business.name))
    if order.status != OrderStatus.CANCELLED and order.due_minor > 0:
        lines.append(t("notice.due", amount=_money(order, order.due_minor, lang)))
    return lines


def page_line(session: Session, order: Any, lang: str) -> list[str]:
    """The link to the order's own page, as every order view ends (none when the
    session carries no settings to sign it with)."""
    settings = session.info.get("settings")
    if settings is None:
        return []
    return [i18n.t("web.link", lang, url=order_page_url(settings, order.id, lang))]


def _buttons(order: Any, lang: str) -> tuple[Button, ...]:
    buttons = [Button(i18n.t("button.refresh", lang), f"refresh:{order.number}")]
    if order.status != OrderStatus.CANCELLED and order.due_minor > 0:
        buttons.append(Button(i18n.t("button.pay", lang), f"pay:{order.number}"))
    return tuple(buttons)


@renderer("order_status")
def _status(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order, event = _order_and_event(session, message.payload)
    lines = [
        i18n.t(
            "notice.status",
            lang,
            number=order.number,
            business=order.business.name,
            status=i18n.t("status." + (event.to_status or order.status), lang),
        )
    ]
    if event.detail.get("reason"):
        lines.append(i18n.t("notice.reason", lang, reason=event.detail["reason"]))
    lines += _next_step(order, lang) + page_line(session, order, lang)
    return [Reply("\n".join(lines), buttons=_buttons(order, lang))]


@renderer("order_payment")
def _payment(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order, event = _order_and_event(session, message.payload)
    lines = [
        i18n.t(
            "notice.payment",
            lang,
            number=order.number,
            amount=_money(order, event.detail["amount_minor"], lang),
            paid=_money(order, event.detail["paid_minor"], lang),
            total=_money(order, order.total_minor, lang),
        )
    ]
    due = event.detail["due_minor"]
    lines.append(
        i18n.t("notice.due", lang, amount=_money(order, due, lang))
        if due > 0
        else i18n.t("notice.paid_full", lang)
    )
    lines += page_line(session, order, lang)
    return [Reply("\n".join(lines), buttons=_buttons(order, lang))]


@renderer("order_refund")
def _refund(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    order, event = _order_and_event(session, message.payload)
    text = i18n.t(
        "notice.refund",
        lang,
        number=order.number,
        amount=_money(order, event.detail["amount_minor"], lang),
    )
    text = "\n".join([text, *page_line(session, order, lang)])
    return [Reply(text, buttons=_buttons(order, lang))]


@renderer("order_adjustment")
def _adjustment(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    """A discount or a charge: the new total, then what is due or to be refunded."""
    order, event = _order_and_event(session, message.payload)
    detail = event.detail
    amount = int(detail["amount_minor"])
    reason = detail.get("reason")
    lines = [i18n.t(
        "money.notice_discount" if amount < 0 else "money.notice_charge", lang,
        business=order.business.name, number=order.number,
        amount=_money(order, abs(amount), lang),
        reason=i18n.t("money.reason", lang, reason=reason) if reason else "",
        total=_money(order, int(detail["total_minor"]), lang),
    )]
    due, back = int(detail["due_minor"]), int(detail.get("to_refund_minor", 0))
    if due > 0:
        lines.append(i18n.t("notice.due", lang, amount=_money(order, due, lang)))
    elif back > 0:
        lines.append(i18n.t("money.notice_to_refund", lang, amount=_money(order, back, lang),
                            business=order.business.name))
    lines += page_line(session, order, lang)
    return [Reply("\n".join(lines), buttons=_buttons(order, lang))]


@renderer("staff_update")
def _staff_update(session: Session, message: OutboxMessage, lang: str) -> list[Reply]:
    """To the other staff: a colleague took or gave back money, or cancelled an order."""
    order, event = _order_and_event(session, message.payload)
    detail = event.detail or {}
    facts = {"by": event.actor or "?", "number": order.number}
    if event.kind in ("payment", "refund"):
        method = f"method.{detail.get('method') or 'other'}"
        text = i18n.t(
            f"staff_news.{event.kind}", lang, **facts,
            amount=_money(order, detail["amount_minor"], lang),
            method=i18n.t(method, lang) if method in i18n.catalog("en") else detail.get("method"),
            due=_money(order, order.due_minor, lang),
        )
    elif event.kind == "adjustment":
        amount = int(detail["amount_minor"])
        text = i18n.t(
            "money.staff_adjustment", lang, **facts,
            amount=("−" if amount < 0 else "+") + _money(order, abs(amount), lang),
            reason=i18n.t("money.reason", lang, reason=detail["reason"]) if detail.get("reason") else "",
            total=_money(order, int(detail["total_minor"]), lang),
            due=_money(order, order.due_minor, lang),
        )
    else:
        text = i18n.t("staff_news.cancelled", lang, **facts,
                      reason=detail.get("reason") or i18n.t("staff_news.no_reason", lang))
    return [Reply(text)]


from handlers import proof_notices  # noqa: E402, F401  (registers the proofs' renderers)
from handlers import gateway_notices  # noqa: E402, F401  (registers the gateway's renderer)
