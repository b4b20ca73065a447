"""Orders (and bookings) by phone: a phone the channel proves (a WhatsApp sender, a Telegram contact
of one's own) lists its orders at once; a typed phone is proven by a one-time code
first (store/otp.py), after which the chat stays linked to it for 30 days.

    my orders ─ proven? ─ yes ─> the list
                   └ no ─> AWAITING_PHONE ─ a number ─> code sent ─> AWAITING_CODE
    AWAITING_CODE ─ right code ─> linked 30 days, the list (or "no orders")
                  └ wrong / expired / used ─> a clear answer
    six digits in any chat, any state ─> checked and counted as a code (store/otp.py)

Before the code is right nothing tells whether the number has orders: every typed
number gets the same reply and a code.
"""

from __future__ import annotations

import math
import re

from handlers import i18n
from handlers.bookings.view import booking_list_line
from handlers.feature import Feature
from handlers.orders.customer import help_replies, keywords
from handlers.parse import display_phone, find_order_number, matches, parse_phone
from handlers.turn import PROVEN_LINK, State, Turn
from handlers.types import Button, Reply
from store import chat_reads, otp
from store.bookings import is_booking, upcoming_for_phone
from store.models import Staff
from store.queries import business_codes, orders_for_phone, staff_for_phone

_SEPARATORS = re.compile(r"[\s\-.·_]+")
_PHONE_SHAPED = re.compile(r"[+\d\s().\-]+")


def order_list(turn: Turn, phone: str) -> list[Reply]:
    """The phone's bookings still to come (soonest first), then its recent orders
    (newest first), each a choice that opens it."""
    booked = upcoming_for_phone(turn.session, phone, turn.now)
    orders = [o for o in orders_for_phone(turn.session, phone) if not is_booking(o)]
    if not orders and not booked:
        turn.set_state(State.AWAITING_PHONE)
        return [Reply(turn.t("phone.no_orders", phone=display_phone(phone)))]
    title = "bookings.list_title" if booked else "phone.list_title"
    lines = [turn.t(title, phone=display_phone(phone))]
    lines += [booking_list_line(turn, booking) for booking in booked]
    for order in orders:
        lines.append(
            turn.t(
                "phone.list_item",
                number=order.number,
                business=order.business.name,
                date=i18n.day(order.created_at, order.business.timezone, turn.lang),
                status=turn.t("status." + order.status),
                due=i18n.money(order.due_minor, order.currency, turn.lang),
            )
        )
    buttons = tuple(Button(o.number, f"refresh:{o.number}") for o in [*booked, *orders])
    turn.reset()
    return [Reply("\n".join(lines), buttons=buttons)]


def my_orders(turn: Turn) -> list[Reply]:
    phone = turn.linked_phone
    if phone:
        return order_list(turn, phone)
    turn.set_state(State.AWAITING_PHONE)
    return [Reply(turn.t("phone.ask"), request_contact=turn.t("phone.button_share"))]


def link(turn: Turn, phone: str) -> None:
    turn.chat.linked_phone = phone
    turn.chat.linked_until = turn.now + PROVEN_LINK


# ── a typed phone: the code ───────────────────────────────────────────────────


def phone_typed(turn: Turn, phone: str) -> list[Reply]:
    if phone in (turn.linked_phone, turn.inbound.proven_phone):
        return order_list(turn, phone)  # already proven here: nothing to ask
    return send_code(turn, phone)


def send_code(turn: Turn, phone: str) -> list[Reply]:
    """Issue and deliver a code; the reply is the same whether the phone has orders."""
    settings = turn.ctx.settings
    # The instance's own region counts as served, so an instance with no business yet works.
    countries = (*settings.otp_countries, settings.default_region)
    result = otp.issue(
        turn.session, turn.chat.id, phone, turn.now, settings.secret_key,
        daily_cap=settings.otp_daily_cap, countries=countries,
    )
    if result == otp.Refused(otp.Refusal.COUNTRY, turn.now):
        served = otp.countries_served(turn.session, countries)
        territories = i18n.babel_locale(turn.lang).territories
        names = ", ".join(sorted(territories.get(c, c) for c in served))
        return [Reply(turn.t("guard.code_country", countries=names))]
    if isinstance(result, otp.Refused) and result.reason is otp.Refusal.INSTANCE_DAILY:
        return [Reply(turn.t("guard.code_try_later"))]
    if isinstance(result, otp.Refused):
        seconds = max(1, math.ceil((result.retry_at - turn.now).total_seconds()))
        text = turn.t(
            f"phone.refused_{result.reason.value}", seconds=seconds, minutes=math.ceil(seconds / 60)
        )
        return [Reply(text)]
    sender = turn.ctx.code_sender
    if sender is None or not sender.send_code(turn.session, phone, result.code, turn.lang):
        otp.undelivered(result.challenge)
        turn.reset()
        return [Reply(turn.t("phone.code_failed"), buttons=(_help_button(turn),))]
    turn.set_state(State.AWAITING_CODE, phone=phone)
    return [Reply(turn.t("phone.code_sent"), buttons=(_resend_button(turn),))]


def check_code(turn: Turn, code: str) -> list[Reply]:
    """The answer to a typed code: whether or not this chat asked for one, a wrong code
    gets the same answer (store/otp.py counts it against every code it could open)."""
    check = otp.verify(turn.session, turn.chat.id, code, turn.now, turn.ctx.settings.secret_key)
    verdict = check.verdict
    if verdict is otp.Verdict.OK and check.phone:
        link(turn, check.phone)
        return order_list(turn, check.phone)
    if verdict is otp.Verdict.CHAT_DAILY_CAP:
        return [Reply(turn.t("guard.code_chat_daily_cap"))]
    text = turn.t(f"phone.code_{verdict.value}", left=check.tries_left)
    if verdict in (otp.Verdict.EXPIRED, otp.Verdict.LOCKED) and check.phone:
        turn.set_state(State.AWAITING_CODE, phone=check.phone)
        return [Reply(text, buttons=(_resend_button(turn),))]
    return [Reply(text)]


def _resend(turn: Turn, _arg: str = "") -> list[Reply]:
    phone = turn.data.get("phone") if turn.chat.state == State.AWAITING_CODE else None
    return send_code(turn, phone) if phone else my_orders(turn)


def _resend_button(turn: Turn) -> Button:
    return Button(turn.t("phone.button_resend"), "otpresend")


def _help_button(turn: Turn) -> Button:
    return Button(turn.t("button.help"), "help")


def _compact(text: str) -> str:
    """A code as typed, "123 456" or "123-456", without its separators."""
    return _SEPARATORS.sub("", text)


def _is_code(text: str) -> bool:
    compact = _compact(text)
    return compact.isascii() and compact.isdigit() and len(compact) == otp.CODE_DIGITS


def _is_order_number(turn: Turn, text: str) -> bool:
    key = find_order_number(text)
    prefix = re.match(r"[A-Z]+", key or "")
    return bool(prefix) and prefix.group() in business_codes(turn.session)


def _code_with_letters(turn: Turn, text: str) -> bool:
    """"12345O", "l23456": a code mistyped with letters (an order number is not)."""
    compact = _compact(text)
    digits = sum(ch.isdigit() for ch in compact)
    return 4 <= len(compact) <= 8 and 0 < digits < len(compact) and not _is_order_number(turn, text)


# ── states and intents ───────────────────────────────────────────────────────


def _awaiting_phone(turn: Turn) -> list[Reply] | None:
    if turn.inbound.shared_phone:
        return shared_contact(turn)
    if _is_code(turn.text):
        return check_code(turn, _compact(turn.text))
    phone = parse_phone(turn.text, turn.ctx.settings.default_region)
    if phone:
        return phone_typed(turn, phone)
    if _PHONE_SHAPED.fullmatch(turn.text):
        return [Reply(turn.t("phone.invalid"))]
    return None


def _awaiting_code(turn: Turn) -> list[Reply] | None:
    if turn.inbound.shared_phone:
        return shared_contact(turn)
    if _is_code(turn.text):
        return check_code(turn, _compact(turn.text))
    if matches(turn.text, keywords("phone_resend")) is not None:
        return _resend(turn)
    phone = parse_phone(turn.text, turn.ctx.settings.default_region)
    if phone:
        return phone_typed(turn, phone)
    if _compact(turn.text).isdigit():
        return [Reply(turn.t("phone.code_length"))]
    if _code_with_letters(turn, turn.text):
        return [Reply(turn.t("phone.code_letters"))]
    return None


def _code_intent(turn: Turn) -> list[Reply] | None:
    """Six digits typed outside the code state: a code, and counted as one."""
    return check_code(turn, _compact(turn.text)) if _is_code(turn.text) else None


def _my_orders_intent(turn: Turn) -> list[Reply] | None:
    if matches(turn.text, keywords("my_orders")) != "":
        return None
    return my_orders(turn)


def _my_orders_button(turn: Turn, _arg: str) -> list[Reply]:
    return my_orders(turn)


# ── forget me ────────────────────────────────────────────────────────────────


def forget(turn: Turn) -> list[Reply]:
    """Unlink the chat from its phone at once (and from a staff account it was linked
    to by a shared contact); a phone the channel itself proves stays known."""
    chat = turn.chat
    linked = turn.linked_phone
    otp.cancel_open(turn.session, chat.id)
    turn.reset()
    chat.linked_phone = chat.linked_until = None
    own = turn.inbound.proven_phone
    if own:
        link(turn, own)
        return [Reply(turn.t("phone.forgotten_channel", phone=display_phone(own)))]
    if chat.staff is not None:
        _unlink_staff(turn)
    if linked:
        return [Reply(turn.t("phone.forgotten", phone=display_phone(linked)))]
    return [Reply(turn.t("phone.forgotten_nothing"))]


def _unlink_staff(turn: Turn) -> None:
    user_id = turn.chat.platform_user_id
    if user_id and user_id.isdigit():
        chat_reads.unlink_staff_account(turn.session, int(user_id))
    turn.chat.staff_id = None
    turn.staff = []


def _forget_intent(turn: Turn) -> list[Reply] | None:
    return forget(turn) if matches(turn.text, keywords("forget")) is not None else None


# ── a shared contact (Telegram) ──────────────────────────────────────────────


def _contact_phone(turn: Turn) -> str | None:
    raw = (turn.inbound.shared_phone or "").strip()
    region = turn.ctx.settings.default_region
    # Telegram gives the number without its "+": 919811111111.
    return parse_phone(raw, region) or (parse_phone("+" + raw, region) if raw.isdigit() else None)


def shared_contact(turn: Turn) -> list[Reply]:
    """Their own contact proves their phone (and makes staff known as staff); someone
    else's proves nothing."""
    if not turn.inbound.shared_phone_is_own:
        return [Reply(turn.t("phone.contact_not_own"))]
    phone = _contact_phone(turn)
    if phone is None:
        return [Reply(turn.t("phone.invalid"))]
    otp.cancel_open(turn.session, turn.chat.id)
    link(turn, phone)
    staff = staff_for_phone(turn.session, phone)
    if staff:
        return _link_staff(turn, staff)
    return order_list(turn, phone)


def _link_staff(turn: Turn, staff: list[Staff]) -> list[Reply]:
    turn.chat.staff_id = staff[0].id
    user_id = turn.inbound.platform_user_id
    if user_id and user_id.isdigit():
        for member in staff:
            member.platform_user_id = int(user_id)
    turn.staff = staff
    turn.reset()
    businesses = ", ".join(member.business.name for member in staff)
    greeting = turn.t("phone.staff_linked", name=staff[0].name, business=businesses)
    return [Reply(greeting)] + help_replies(turn)


def _shared_contact_intent(turn: Turn) -> list[Reply] | None:
    return shared_contact(turn) if turn.inbound.shared_phone else None


FEATURE = Feature(
    "phone",
    buttons={"myorders": _my_orders_button, "otpresend": _resend},
    intents=(_shared_contact_intent, _forget_intent, _code_intent, _my_orders_intent),
    states={State.AWAITING_PHONE: _awaiting_phone, State.AWAITING_CODE: _awaiting_code},
)
