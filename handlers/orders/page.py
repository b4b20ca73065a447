"""What an order's web page shows, as data for a template: the same facts as the chat's
order view (handlers/orders/view.py), for the public audience — first name only, no phone,
address or notes — worded in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.orders import lookup_guard
from handlers.orders.adjustments import adjustment_event, adjustment_lines
from handlers.orders.links import pay_url
from handlers.orders.payments import qr_token, upi_link
from handlers.parse import display_phone
from handlers.shipping import DETOURS, ROAD, shipment_details
from handlers.types import Settings
from store import throttle
from store.models import Order, OrderStatus, Shipment, StatusEvent
from store.queries import order_by_number
from store.shipments import BOOKED, shipments_of

# The steps a customer follows: the kitchen's statuses, named as everywhere else (the
# `status.` catalog: one name per status per language, the chat's, notices' and the CLI's).
ORDER_STEPS = (OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PREPARING, OrderStatus.READY)


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # done, current, ahead, cancelled


@dataclass(frozen=True)
class Line:
    name: str
    quantity: str
    unit: str
    total: str


@dataclass(frozen=True)
class Event:
    when: str
    iso: str
    text: str


@dataclass(frozen=True)
class Payment:
    due: str
    qr_path: str | None
    upi_id: str | None
    upi_link: str | None
    pay_url: str | None  # the https /pay/<token> link (opens the UPI app on a phone)
    bank: dict[str, str] | None
    methods: list[str]
    note: str | None
    pay_now_url: str | None = None  # the gateway's one-tap link, where links are on


@dataclass(frozen=True)
class Contact:
    phone: str | None
    phone_href: str | None
    email: str | None
    whatsapp_href: str | None = None  # wa.me/<number>, when the WhatsApp number is known
    telegram_href: str | None = None  # t.me/<bot>?start=<order>, when the bot's name is


@dataclass(frozen=True)
class Totals:
    """What an order (or a booking) costs and where its payment stands, as its page
    words them (templates/_totals.html)."""

    adjustments: list[str]
    total: str
    paid: str
    refunded: str | None
    to_refund: str | None
    payment_status: str
    due: str
    due_minor: int


def totals(order: Order, lang: str) -> dict[str, Any]:
    """The `Totals` fields of an order, for its page's constructor."""
    money = lambda minor: i18n.order_money(order, minor, lang)  # noqa: E731
    return dict(
        adjustments=adjustment_lines(order, lang),
        total=money(order.total_minor),
        paid=money(order.paid_minor),
        refunded=money(order.refunded_minor) if order.refunded_minor else None,
        to_refund=money(order.to_refund_minor) if order.to_refund_minor else None,
        payment_status=i18n.t("payment_status." + order.payment_status, lang),
        due=money(order.due_minor),
        due_minor=order.due_minor,
    )


@dataclass(frozen=True)
class OrderPage(Totals):
    lang: str
    business: str
    initials: str
    number: str
    first_name: str | None
    placed: str
    status: str
    cancelled: bool
    steps: list[Step]
    items: list[Line]
    payment: Payment | None
    timeline: list[Event]
    contact: Contact
    shipment: list[str] = field(default_factory=list)  # courier, AWB, tracking link
    tracking_url: str | None = None


def initials(name: str) -> str:
    """"Asha's Kitchen" -> "AK": the business's mark where it has no logo."""
    letters = [w[0] for w in name.replace("'", "").split() if w[:1].isalnum()]
    return "".join(letters[:2]).upper() or "?"


def latest_shipment(session: Session, order_id: int) -> Shipment | None:
    shipments = shipments_of(session, order_id)
    return shipments[-1] if shipments else None


def steps(order: Order, shipment: Shipment | None, lang: str) -> list[Step]:
    """Each step done, current or ahead: the kitchen's steps, then the parcel's road
    where there is a shipment (as the chat's progress line draws it), else
    "completed". A cancelled order shows the steps it reached, then that it was
    cancelled; a parcel off its road (a failed attempt, a return) shows where."""
    kitchen = [i18n.t("status." + status, lang) for status in ORDER_STEPS]
    positions = {status.value: n for n, status in enumerate(ORDER_STEPS)}
    if order.status == OrderStatus.CANCELLED:
        reached = positions.get(_status_before_cancel(order), 0)
        done = [Step(label, "done") for label in kitchen[: reached + 1]]
        return done + [Step(i18n.t("status.cancelled", lang), "cancelled")]
    if shipment is None:
        labels = kitchen + [i18n.t("status.completed", lang)]
        if order.status == OrderStatus.COMPLETED:
            return [Step(label, "done") for label in labels]
        return _marked(labels, positions.get(order.status, 0))
    road = [shipment_label(step, lang) for step in ROAD]
    status = shipment.status
    if status in DETOURS:  # done up to where it went wrong, then what went wrong
        stop = ROAD.index("out_for_delivery") if status == "failed_attempt" else len(ROAD) - 1
        marked = [Step(label, "done") for label in kitchen + road[:stop]]
        marked.append(Step(shipment_label(status, lang), "problem"))
        return marked + ([Step(road[-1], "ahead")] if status == "failed_attempt" else [])
    if status == "delivered" or order.status == OrderStatus.COMPLETED:
        return [Step(label, "done") for label in kitchen + road]
    if status == BOOKED or status not in ROAD:  # the parcel has not left the kitchen
        return _marked(kitchen + road, positions.get(order.status, 0))
    return _marked(kitchen + road, len(kitchen) + ROAD.index(status))


def _marked(labels: list[str], reached: int) -> list[Step]:
    return [
        Step(label, "done" if n < reached else "current" if n == reached else "ahead")
        for n, label in enumerate(labels)
    ]


def _status_before_cancel(order: Order) -> str:
    for event in reversed(order.events):
        if event.kind == "status" and event.to_status == OrderStatus.CANCELLED:
            return event.from_status or OrderStatus.PENDING.value
    return OrderStatus.PENDING.value


def payment(
    order: Order, settings: Settings, lang: str, pay_now: str | None = None
) -> Payment | None:
    """How to pay what is due, or None once nothing is (paid, or cancelled)."""
    due = order.due_minor
    if due <= 0:
        return None
    business = order.business
    methods = business.accepted_methods or []
    link = upi_link(business, order, due) if "upi" in methods else None
    bank = None
    if business.bank_account_number and "bank" in methods:
        bank = {
            "name": business.bank_account_name or business.name,
            "account": business.bank_account_number,
            "ifsc": business.bank_ifsc or "",
            "bank": business.bank_name or "",
        }
    known = i18n.catalog("en")
    return Payment(
        due=i18n.order_money(order, due, lang),
        qr_path=f"/qr/{qr_token(settings.secret_key, order.id, due)}.png" if link else None,
        upi_id=business.upi_id if link else None,
        upi_link=link,
        pay_url=pay_url(settings, order.id) if link else None,
        bank=bank,
        methods=[i18n.t("method." + m, lang) for m in methods if f"method.{m}" in known],
        note=business.payment_note,
        pay_now_url=pay_now,
    )


EventText = Callable[[Order, StatusEvent, str], "str | None"]


def timeline(order: Order, lang: str, describe: EventText | None = None) -> list[Event]:
    """What happened to the order, newest first, in the business's local time. Only
    kinds customers may see; notes and anything unknown stay out. `describe` words
    each line (a booking's page words its own kinds, then falls back to `event_text`)."""
    describe = describe or event_text
    events = []
    for event in sorted(order.events, key=lambda e: (e.created_at, e.id), reverse=True):
        text = describe(order, event, lang)
        if text:
            moment = event.created_at
            events.append(Event(_when(order, moment, lang), moment.isoformat(), text))
    return events


def event_text(order: Order, event: StatusEvent, lang: str) -> str | None:
    t = lambda key, **p: i18n.t(key, lang, **p)  # noqa: E731
    detail: dict[str, Any] = event.detail or {}
    if event.kind == "status":
        if event.from_status is None and event.to_status == OrderStatus.PENDING:
            return t("web.event.placed")
        status = event.to_status or order.status
        text = t("web.event.status", status=t("status." + status))
        if detail.get("reason"):
            text += " — " + t("notice.reason", reason=detail["reason"])
        return text
    if event.kind in ("payment", "refund") and "amount_minor" in detail:
        method = detail.get("method", "other")
        return t(
            "web.event." + event.kind,
            amount=i18n.order_money(order, int(detail["amount_minor"]), lang),
            method=t("method." + method) if f"method.{method}" in i18n.catalog("en") else method,
        )
    if event.kind == "adjustment" and "amount_minor" in detail:
        return adjustment_event(order, detail, lang)
    if event.kind == "proof" and event.to_status == "closed":
        return t("money.event_proof_closed")
    if event.kind == "proof":
        key = f"web.event.proof_{event.to_status}"
        return t(key) if key in i18n.catalog("en") else t("web.event.proof_pending")
    if event.kind == "shipment" and event.to_status:
        return t("web.event.shipment", step=shipment_label(event.to_status, lang))
    return None


def shipment_label(status: str, lang: str) -> str:
    key = f"shipping.step.{status}"
    return i18n.t(key, lang) if key in i18n.catalog("en") else status.replace("_", " ")


def contact(order: Order, settings: Settings | None = None) -> Contact:
    business = order.business
    phone = business.contact_phone
    whatsapp = settings.whatsapp_number if settings else None
    bot = settings.telegram_bot_username if settings else None
    start = "".join(ch for ch in order.number if ch.isalnum() or ch in "-_")[:64]
    return Contact(
        phone=display_phone(phone) if phone else None,
        phone_href=f"tel:{phone}" if phone else None,
        email=business.contact_email,
        whatsapp_href=f"https://wa.me/{whatsapp.lstrip('+')}?text={order.number}"
        if whatsapp else None,
        telegram_href=f"https://t.me/{bot}?start={start}" if bot else None,
    )


def build(session: Session, settings: Settings, order: Order, lang: str, *,
          pay_now: str | None = None, proven: bool = False) -> OrderPage:
    """The page; `proven` (a link given to the proven customer or staff) adds where the
    parcel goes — courier, AWB, tracking link — as the chat shows them; `pay_now` is the
    gateway's payment link, when the business has them."""
    shipment = latest_shipment(session, order.id)
    shown = shipment if proven else None
    name = (order.customer_name or "").split()
    return OrderPage(
        lang=lang,
        business=order.business.name,
        initials=initials(order.business.name),
        number=order.number,
        first_name=name[0] if name else None,
        placed=_when(order, order.created_at, lang),
        status=i18n.t("status." + order.status, lang),
        cancelled=order.status == OrderStatus.CANCELLED,
        steps=steps(order, shipment, lang),
        items=[
            Line(
                name=item.name,
                quantity=i18n.number(item.quantity, lang),
                unit=i18n.order_money(order, item.unit_price_minor, lang),
                total=i18n.order_money(order, item.line_total_minor, lang),
            )
            for item in order.items
        ],
        **totals(order, lang),
        payment=payment(order, settings, lang, pay_now),
        timeline=timeline(order, lang),
        contact=contact(order, settings),
        shipment=shipment_details(lang, shown.courier, shown.awb, None) if shown else [],
        tracking_url=_web_link(shown.tracking_url) if shown else None,
    )


def _web_link(url: str | None) -> str | None:
    """A carrier's tracking link, only if it is one a browser should follow (http or https)."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


def _when(order: Order, moment: datetime, lang: str) -> str:
    return i18n.when(moment, order.business.timezone, lang, order.business.country)


@dataclass(frozen=True)
class Lookup:
    order: Order | None
    throttled: bool = False
    ask_last4: bool = False  # the business asks for the last 4 digits of the order's phone
    last4_wrong: bool = False


def lookup(
    session: Session, key: str, client: str, now: datetime, limit: int, window: timedelta,
    last4: str = "",
) -> Lookup:
    """The order `key` names, for the lookup form: every lookup is counted per client
    (30 an hour), misses too (`limit` in `window`), as the chat counts them per chat; past
    either nothing is looked up. A phone4 business's orders need the last 4 digits of the
    order's phone (wrong digits are misses), asked alike whether the number exists."""
    miss_key = f"lookup-miss:web:{client}"[:120]
    all_key = f"lookup:web:{client}"[:120]
    if (
        throttle.count(session, miss_key, window, now) >= limit
        or throttle.count(session, all_key, lookup_guard.HOUR, now) >= lookup_guard.LOOKUPS_PER_HOUR
    ):
        return Lookup(None, throttled=True)
    order = order_by_number(session, key)
    throttle.hit(session, all_key, now)
    if order is not None:
        guarded = order.business.lookup_check == lookup_guard.PHONE4
    else:
        guarded = lookup_guard.phone4_business(session, key)
    if guarded and not last4:
        return Lookup(None, ask_last4=True)
    if guarded and not lookup_guard.last4_matches(order, last4):
        throttle.hit(session, miss_key, now)
        return Lookup(None, ask_last4=True, last4_wrong=True)
    if order is None:
        throttle.hit(session, miss_key, now)
    return Lookup(order)
