"""What an order looks like in the chat, for the public (by number), its proven
owner, and the business's own staff."""

from __future__ import annotations

import enum

from handlers import i18n
from handlers.orders.adjustments import adjustment_lines
from handlers.orders.links import order_page_url, pay_url
from handlers.orders.pay_now import pay_now_line
from handlers.orders.payments import qr_png, qr_token, upi_link
from handlers.parse import display_phone
from handlers.turn import Turn
from handlers.types import Button, Image, Reply
from store import chat_reads
from store.models import Order, OrderStatus, PaymentStatus
from store.orders import FLOW


class Audience(enum.Enum):
    PUBLIC = "public"  # found by number: no phone, address, full name or notes
    OWNER = "owner"  # the chat proved the order's phone: their own name and notes too
    VENDOR = "vendor"  # the business's staff: everything, internal notes included


DONE, CURRENT, AHEAD = "✅", "🔵", "⚪"


def audience_for(turn: Turn, order: Order) -> Audience:
    if order.business_id in turn.business_ids():
        return Audience.VENDOR
    linked = turn.linked_phone
    if linked and order.customer_phone == linked:
        return Audience.OWNER
    if order.customer_phone and order.customer_phone == turn.inbound.proven_phone:
        return Audience.OWNER  # the channel proves this message comes from that phone
    return Audience.PUBLIC


def money(turn: Turn, order: Order, minor: int) -> str:
    return i18n.order_money(order, minor, turn.lang)


def when(turn: Turn, order: Order, moment) -> str:  # noqa: ANN001 - a datetime
    return i18n.when(moment, order.business.timezone, turn.lang, order.business.country)


def progress(turn: Turn, order: Order) -> str:
    if order.status == OrderStatus.CANCELLED:
        return f"❌ {turn.t('status.cancelled')}"
    reached = FLOW.index(OrderStatus(order.status))
    marks = []
    for n, step in enumerate(FLOW):
        mark = DONE if n < reached or step == OrderStatus.COMPLETED == order.status else (
            CURRENT if n == reached else AHEAD
        )
        marks.append(f"{mark} {turn.t('status.' + step.value)}")
    for feature in turn.features:  # steps other features add (a shipment's)
        for extend in feature.progress:
            marks = extend(turn, order, marks)
    return " → ".join(marks)


def order_text(turn: Turn, order: Order, audience: Audience) -> str:
    t = turn.t
    business = order.business
    lines = [t("order.header", number=order.number, business=business.name)]
    name = (order.customer_name or "").strip()
    if name and audience is Audience.PUBLIC:
        lines.append(t("order.for", name=name.split()[0]))
    elif name:
        lines.append(t("order.for", name=name))
    lines.append(t("order.placed", when=when(turn, order, order.created_at)))
    lines.append("")
    lines.append(
        t(
            "order.status",
            status=t("status." + order.status),
            when=when(turn, order, order.status_changed_at),
        )
    )
    lines.append(progress(turn, order))
    lines.append("")
    lines.append(t("order.items"))
    for item in order.items:
        lines.append(
            t(
                "order.item",
                quantity=i18n.number(item.quantity, turn.lang),
                name=item.name,
                unit=money(turn, order, item.unit_price_minor),
                line=money(turn, order, item.line_total_minor),
            )
        )
    lines.extend(adjustment_lines(order, turn.lang))
    lines.append(t("order.total", amount=money(turn, order, order.total_minor)))
    lines.append("")
    lines.extend(money_lines(turn, order))
    if audience is not Audience.PUBLIC and order.customer_note:
        lines.append(t("order.customer_note", note=order.customer_note))
    for section in (s for feature in turn.features for s in feature.sections):
        extra = section(turn, order, audience)  # a shipment, the staff's part, …
        if extra:
            lines.append("")
            lines.extend(extra)
    if order.due_minor > 0 and audience is not Audience.VENDOR:  # staff need no "how to pay"
        lines.append("")
        lines.extend(payment_lines(turn, order))
    lines.append("")
    proven = audience is not Audience.PUBLIC  # their page shows the parcel's details too
    lines.append(t("web.link", url=order_page_url(turn.ctx.settings, order.id, turn.lang, proven)))
    contact = business.contact_phone or business.contact_email
    if contact:
        shown = display_phone(contact) if contact.startswith("+") else contact
        lines.append("")
        lines.append(t("order.contact", business=business.name, contact=shown))
    return "\n".join(lines)


def money_lines(turn: Turn, order: Order, cancelled: str = "order.cancelled_nothing_due",
                ) -> list[str]:
    """Payment status, paid, refunded, to refund, and what is due (`cancelled`: the
    sentence instead of "due" once it is cancelled)."""
    t = turn.t
    lines = [t("order.payment", status=t("payment_status." + order.payment_status)),
             t("order.paid", amount=money(turn, order, order.paid_minor))]
    if order.refunded_minor:
        lines.append(t("order.refunded", amount=money(turn, order, order.refunded_minor)))
    if order.to_refund_minor:
        lines.append(t("money.to_refund", amount=money(turn, order, order.to_refund_minor)))
    if order.status == OrderStatus.CANCELLED:
        lines.append(t(cancelled))
    else:
        lines.append(t("order.due", amount=money(turn, order, order.due_minor)))
    return lines


def payment_lines(turn: Turn, order: Order) -> list[str]:
    """How to pay what is due: UPI ID and link, bank details, other methods, then the
    invitation to send the screenshot here."""
    t = turn.t
    business = order.business
    due = order.due_minor
    lines = [t("pay.title", amount=money(turn, order, due))]
    pay_now = pay_now_line(turn.ctx.payment_links, turn.session, turn.ctx.settings, order,
                           turn.now, turn.lang)
    if pay_now:
        lines.append(pay_now)
    methods = business.accepted_methods or []
    link = upi_link(business, order, due)
    if link and "upi" in methods:
        lines.append(t("pay.upi", upi_id=business.upi_id))
        # An https link: WhatsApp does not make upi:// tappable, Telegram buttons refuse it.
        lines.append(t("money.pay_link", amount=money(turn, order, due),
                       url=pay_url(turn.ctx.settings, order.id)))
    if business.bank_account_number and "bank" in methods:
        lines.append(
            t(
                "pay.bank",
                name=business.bank_account_name or business.name,
                account=business.bank_account_number,
                ifsc=business.bank_ifsc or "",
                bank=business.bank_name or "",
            ).replace(" ()", "")
        )
    if methods:
        names = ", ".join(t("method." + m) for m in methods if f"method.{m}" in i18n.catalog("en"))
        lines.append(t("pay.methods", methods=names))
    if business.payment_note:
        lines.append(business.payment_note)
    if link and "upi" in methods or "bank" in methods:
        lines.append(t("pay.screenshot"))
    return lines


def qr_reply(turn: Turn, order: Order) -> Reply | None:
    """The UPI QR for the amount due, as an image reply (or None when there is no UPI)."""
    if "upi" not in (order.business.accepted_methods or []):
        return None
    due = order.due_minor
    link = upi_link(order.business, order, due)
    if not link or due <= 0:
        return None
    token = qr_token(turn.ctx.settings.secret_key, order.id, due)
    caption = turn.t("pay.qr_caption", amount=money(turn, order, due), upi_id=order.business.upi_id)
    return Reply(
        text=caption,
        image=Image(alt=caption, render=lambda: qr_png(link), path=f"/qr/{token}.png"),
    )


def is_watching(turn: Turn, order: Order) -> bool:
    if not turn.watching:
        return False  # the chat follows no order at all: nothing to read
    return chat_reads.is_watching(turn.session, turn.chat.id, order.id)


def order_buttons(turn: Turn, order: Order) -> tuple[Button, ...]:
    t = turn.t
    buttons = [Button(t("button.refresh"), f"refresh:{order.number}")]
    if order.status not in (OrderStatus.COMPLETED, OrderStatus.CANCELLED):
        if is_watching(turn, order):
            buttons.append(Button(t("button.stop_updates"), f"stop:{order.number}"))
        else:
            buttons.append(Button(t("button.notify"), f"notify:{order.number}"))
    if order.due_minor > 0:
        buttons.append(Button(t("button.pay"), f"pay:{order.number}"))
    buttons.append(Button(t("button.help"), "help"))
    return tuple(buttons)


def order_view(turn: Turn, order: Order, audience: Audience | None = None) -> list[Reply]:
    """The full view of conversation.md; remembers the order as the chat's current one.
    A row of another kind (a booking) is shown by the feature that declares its view."""
    audience = audience or audience_for(turn, order)
    for feature in turn.features:
        view = feature.views.get(order.kind)
        if view is not None:
            return view(turn, order, audience)
    turn.chat.current_order_id = order.id
    replies = [
        Reply(
            text=order_text(turn, order, audience),
            buttons=order_buttons(turn, order),
            refresh_of=f"order:{order.number}",
        )
    ]
    paying = order.payment_status != PaymentStatus.PAID and audience is not Audience.VENDOR
    qr = qr_reply(turn, order) if paying else None
    if qr:
        replies.append(qr)
    return replies
