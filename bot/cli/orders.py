"""`orderbot orders list|show|status`: a business's orders from the command line.

A status changed here goes through the same service as the staff chat's (`set_status`),
so the customer is told the same way, through the outbox. Status names are the
catalog's (the chat's and the page's), in English: an operator's tool."""

from __future__ import annotations

import click
from sqlalchemy import select

from bot.cli import operator_text as text
from bot.cli.operator import database, fail, refusals, transaction
from handlers import i18n
from handlers.parse import display_phone, find_order_number
from store import businesses, outbox
from store.errors import InvalidTransition
from store.models import Order, OrderKind, OrderStatus, StatusEvent
from store.orders import OPEN, Actor, allowed_next, set_status
from store.queries import order_by_number

LIMIT = 50
OPERATOR = Actor("operator", via="cli")


def status_name(status: str) -> str:
    return i18n.t(f"status.{status}", "en")


def _status_code(typed: str) -> str | None:
    """A status as typed: its code (`pending`) or its name in any language (`Received`)."""
    said = typed.strip().casefold()
    for status in OrderStatus:
        names = {status.value} | {i18n.t(f"status.{status.value}", lang).casefold()
                                  for lang in i18n.LANGUAGES}
        if said in names:
            return status.value
    return None


def _choices() -> str:
    return ", ".join(f"{s.value} ({status_name(s.value)})" for s in OrderStatus)


def _money(order: Order, minor: int) -> str:
    return i18n.money(minor, order.currency, "en", order.business.country)


def _when(order: Order, moment) -> str:  # noqa: ANN001 - a datetime
    return i18n.when(moment, order.business.timezone, "en", order.business.country)


def _order(session, number: str) -> Order:  # noqa: ANN001 - a Session
    key = find_order_number(number)
    order = order_by_number(session, key) if key else None
    if order is None:
        fail(text.NO_ORDER.format(number=number))
    return order


@click.command("list")
@click.argument("code")
@click.option("--status", "wanted", default="open", show_default=True,
              help="open, all, or one status (pending, confirmed, …, or its name: Received).")
@refusals
def orders_list(code: str, wanted: str) -> None:
    """The orders of the business CODE, newest first (at most 50)."""
    statuses = None if wanted == "all" else list(OPEN) if wanted == "open" else None
    if wanted not in ("all", "open"):
        single = _status_code(wanted)
        if single is None:
            fail(text.NOT_A_STATUS.format(value=wanted, choices=_choices()))
        statuses = [single]
    with database() as runtime, runtime.sessions() as session:
        business = businesses.get_business(session, code)
        query = select(Order).where(Order.business_id == business.id,
                                    Order.kind == OrderKind.ORDER.value)
        if statuses is not None:
            query = query.where(Order.status.in_([str(s) for s in statuses]))
        found = list(session.scalars(query.order_by(Order.created_at.desc(), Order.id.desc())
                                     .limit(LIMIT + 1)))
        if not found:
            click.echo(text.NO_ORDERS.format(code=business.code))
            return
        for order in found[:LIMIT]:
            click.echo(text.ORDER_LINE.format(
                number=order.number, when=_when(order, order.created_at),
                name=order.customer_name or "—", status=status_name(order.status),
                total=_money(order, order.total_minor), due=_money(order, order.due_minor)))
        if len(found) > LIMIT:
            click.echo(text.MORE_ORDERS.format(limit=LIMIT))


@click.command("show")
@click.argument("number")
@refusals
def orders_show(number: str) -> None:
    """One order in full: customer, items, money and its timeline."""
    with database() as runtime, runtime.sessions() as session:
        order = _order(session, number)
        lines = [
            text.ORDER_HEADER.format(number=order.number, business=order.business.name,
                                     when=_when(order, order.created_at)),
            text.ORDER_CUSTOMER.format(
                name=order.customer_name or "—",
                phone=display_phone(order.customer_phone) if order.customer_phone else "—"),
            text.ORDER_STATUS.format(status=status_name(order.status),
                                     when=_when(order, order.status_changed_at)),
        ]
        for item in order.items:
            lines.append(text.ORDER_ITEM.format(
                quantity=item.quantity, name=item.name,
                unit=_money(order, item.unit_price_minor),
                line=_money(order, item.line_total_minor)))
        lines.append(text.ORDER_MONEY.format(
            total=_money(order, order.total_minor), paid=_money(order, order.paid_minor),
            due=_money(order, order.due_minor),
            payment=i18n.t(f"payment_status.{order.payment_status}", "en")))
        events = session.scalars(select(StatusEvent).where(StatusEvent.order_id == order.id)
                                 .order_by(StatusEvent.created_at, StatusEvent.id)).all()
        lines.append(text.TIMELINE)
        for event in events:
            lines.append(text.TIMELINE_LINE.format(when=_when(order, event.created_at),
                                                   what=_event(order, event), who=event.actor))
    click.echo("\n".join(lines))


def _event(order: Order, event: StatusEvent) -> str:
    detail = event.detail or {}
    if event.kind in ("payment", "refund"):
        amount = _money(order, int(detail.get("amount_minor", 0)))
        return text.EVENT_MONEY[event.kind].format(amount=amount, method=detail.get("method", ""))
    if event.kind == "status":
        after = status_name(event.to_status) if event.to_status else ""
        what = f"{status_name(event.from_status)} → {after}" if event.from_status else after
    else:
        what = f"{event.kind}: {event.to_status or ''}"
    return what + (f" — {detail['reason']}" if detail.get("reason") else "")


@click.command("status")
@click.argument("number")
@click.argument("status")
@click.option("--reason", help="Why (the customer sees it); for a cancellation above all.")
@refusals
def orders_status(number: str, status: str, reason: str | None) -> None:
    """Move order NUMBER to STATUS; the customer is told, as from the staff chat."""
    target = _status_code(status)
    if target is None:
        fail(text.NOT_A_STATUS.format(value=status, choices=_choices()))
    with transaction() as session:
        order = _order(session, number)
        before = order.status
        try:
            event = set_status(session, order, target, OPERATOR, reason=(reason or None))
        except InvalidTransition:
            options = ", ".join(status_name(s.value) for s in allowed_next(before))
            fail(text.CANNOT_MOVE.format(number=order.number, status=status_name(before),
                                         target=status_name(target), options=options or "—"))
        told = outbox.queued_for_event(session, event.id)
        click.echo(text.STATUS_CHANGED.format(number=order.number, before=status_name(before),
                                              after=status_name(target)))
        click.echo(text.TOLD.format(count=told) if told else text.TOLD_NONE)


def register(orders: click.Group) -> None:
    for command in (orders_list, orders_show, orders_status):
        orders.add_command(command)
