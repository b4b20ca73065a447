"""What any customer can do: greet, get help, change language, look an order up by
its number, refresh it, ask how to pay, and follow or stop following its changes."""

from __future__ import annotations

from datetime import timedelta

from handlers import i18n
from handlers.feature import Feature
from handlers.orders import gateway_notices, lookup_guard, notices
from handlers.orders.view import Audience, audience_for, order_view, payment_lines, qr_reply
from handlers.parse import find_order_numbers, matches, mentions, words
from handlers.turn import State, Turn
from handlers.types import Button, Reply
from store import chat_reads
from store.models import Order, OrderStatus
from store.numbers import number_key
from store.queries import business_codes, order_by_id, order_by_number, order_for_view, record_miss

MISS_LIMIT = 10
MISS_WINDOW = timedelta(hours=1)


def keywords(name: str) -> list[str]:
    """A keyword list in every language at once: people mix them."""
    return i18n.phrases(f"keywords.{name}")


def help_replies(turn: Turn) -> list[Reply]:
    mine = (Button(turn.t("vendor.button.orders"), "vl") if turn.staff
            else Button(turn.t("button.my_orders"), "myorders"))
    buttons = (mine, Button(turn.t("button.language"), "lang"))
    key = "help.staff" if turn.staff else "help.customer"
    return [Reply(turn.t(key), buttons=buttons)]


def _greeting(turn: Turn) -> list[Reply] | None:
    if matches(turn.text, keywords("help")) is None and turn.text not in ("", "?"):
        return None
    if turn.text == "" and turn.inbound.media:
        return None
    turn.reset()
    return help_replies(turn)


# ── language ──────────────────────────────────────────────────────────────────


def language_menu(turn: Turn) -> list[Reply]:
    buttons = tuple(
        Button(i18n.t("language.name", lang), f"lang:{lang}") for lang in i18n.LANGUAGES
    )
    return [Reply(turn.t("language.choose"), buttons=buttons)]


def set_language(turn: Turn, lang: str) -> list[Reply]:
    code = i18n.normalize_language(lang)
    if code is None:
        return language_menu(turn)
    turn.chat.locale = code
    return [Reply(turn.t("language.set"))] + help_replies(turn)


def _language(turn: Turn) -> list[Reply] | None:
    rest = matches(turn.text, keywords("language"))
    if rest is not None:
        return set_language(turn, rest) if rest else language_menu(turn)
    code = i18n.normalize_language(turn.text) if len(turn.text) < 12 else None
    if code is not None and turn.text.casefold() not in ("en", "hi"):
        return set_language(turn, code)  # "Hindi" or "हिंदी" alone
    return None


def _language_button(turn: Turn, arg: str) -> list[Reply]:
    return set_language(turn, arg) if arg else language_menu(turn)


# ── orders by number ─────────────────────────────────────────────────────────


def lookup(turn: Turn, key: str) -> list[Reply]:
    """Show the order `key` names, with the same answer for every miss, and a slow-down
    after too many lookups or misses (so numbers cannot be walked through). Every
    lookup counts, found or not; a phone4 business asks an unproven sender for the
    last 4 digits of the order's phone first (handlers/orders/lookup_guard.py)."""
    found = find_for(turn, key)
    if not isinstance(found, Order):
        return found
    turn.reset()
    return order_view(turn, found)


def find_for(turn: Turn, key: str) -> Order | list[Reply]:
    """The order `key` names, counted as a lookup (a typed number, a file's caption or
    choice alike), or the answer to give instead: slowed down, the last-4 question, or
    not found."""
    if _throttled(turn):
        return [Reply(turn.t("lookup.throttled"))]
    order = order_for_view(turn.session, key)
    lookup_guard.counted(turn)
    if lookup_guard.needs_last4(turn, key, order):
        return lookup_guard.ask_last4(turn, key)
    if order is None:
        return _miss(turn)
    return order


def _throttled(turn: Turn) -> bool:
    misses = _miss_window_open(turn) and turn.chat.lookup_misses >= MISS_LIMIT
    return misses or lookup_guard.over_budget(turn)


def _count_miss(turn: Turn) -> None:
    record_miss(turn.session, turn.chat, turn.now, restart=not _miss_window_open(turn))


def _miss(turn: Turn) -> list[Reply]:
    _count_miss(turn)
    return [Reply(turn.t("lookup.not_found"), buttons=_not_found_buttons(turn))]


def _awaiting_last4(turn: Turn) -> list[Reply] | None:
    """The last 4 digits of the order's phone, asked by a phone4 business; anything
    else leaves the question (and is answered as usual)."""
    key = str(turn.data.get("number") or "")
    if not lookup_guard.is_last4(turn.text):
        turn.reset()
        return None
    if _throttled(turn):
        return [Reply(turn.t("lookup.throttled"))]
    order = order_for_view(turn.session, key)
    digits = "".join(ch for ch in turn.text if ch.isdigit())
    if not lookup_guard.last4_matches(order, digits):
        _count_miss(turn)
        shown = str(turn.data.get("shown") or key)
        return [Reply(turn.t("guard.last4_wrong", number=shown))]
    turn.reset()
    return order_view(turn, order)


def _miss_window_open(turn: Turn) -> bool:
    since = turn.chat.lookup_misses_since
    return bool(since and turn.now - since < MISS_WINDOW)


def _not_found_buttons(turn: Turn) -> tuple[Button, ...]:
    return (Button(turn.t("button.my_orders"), "myorders"), Button(turn.t("button.help"), "help"))


def _order_number(turn: Turn) -> list[Reply] | None:
    """Each order number in the message (up to three), each a lookup that counts; or a
    number without its letters, read in the chat's context."""
    keys = find_order_numbers(turn.text)
    if not keys:
        return _bare_number(turn)
    replies: list[Reply] = []
    for n, key in enumerate(keys):
        if n:  # the misses just counted (in the database) count for the next one too
            turn.session.refresh(turn.chat, ["lookup_misses", "lookup_misses_since"])
        answer = lookup(turn, key)
        replies += answer
        if answer[0].text == turn.t("lookup.throttled"):
            break
    return replies


def _bare_number(turn: Turn) -> list[Reply] | None:
    """`1001`, `order 1001`, `#1001`: the order of the business in the chat's context (the
    order last shown, the staff member's own, or the only business there is), else ask."""
    said = words(turn.text).split()
    if not said or not said[-1].isdigit() or not 3 <= len(said[-1]) <= 10:
        return None
    leads = i18n.phrases("words.keywords.order_lead")
    lead = {w for phrase in leads for w in words(phrase).split()}
    if any(w not in lead for w in said[:-1]):
        return None
    code = _context_code(turn)
    if code is None:
        return [Reply(turn.t("words.which_business", digits=said[-1]))]
    return lookup(turn, number_key(code + said[-1]))


def _context_code(turn: Turn) -> str | None:
    current = current_order(turn)
    if current is not None:
        return current.business.code
    codes = {s.business.code for s in turn.staff} or business_codes(turn.session)
    return next(iter(codes)) if len(codes) == 1 else None


def _track_without_number(turn: Turn) -> list[Reply] | None:
    """"where is my order?" / "track" with no number: the current order, or ask."""
    if matches(turn.text, keywords("track")) is None and not mentions(turn.text, keywords("track")):
        return None
    order = current_order(turn)
    if order is not None:
        return order_view(turn, order)
    return [Reply(turn.t("lookup.ask_number"), buttons=_not_found_buttons(turn))]


def current_order(turn: Turn) -> Order | None:
    if turn.chat.current_order_id is None:
        return None
    return order_by_id(turn.session, turn.chat.current_order_id)


def _order_from_button(turn: Turn, number: str) -> Order | None:
    """The order a button names: only one this chat has already seen (its current one,
    or one listed for its proven phone), so buttons cannot be used to probe numbers."""
    order = order_by_number(turn.session, number) if number else None
    if order is None:
        return None
    if order.id == turn.chat.current_order_id or audience_for(turn, order) is not Audience.PUBLIC:
        return order
    return None


def _refresh(turn: Turn, number: str) -> list[Reply] | None:
    order = _order_from_button(turn, number)
    return order_view(turn, order) if order else None


def _open(turn: Turn, number: str) -> list[Reply] | None:
    return _refresh(turn, number)


def _pay(turn: Turn, number: str) -> list[Reply] | None:
    order = _order_from_button(turn, number) if number else current_order(turn)
    if order is None:
        return None
    turn.chat.current_order_id = order.id
    if order.due_minor <= 0:
        return [Reply(turn.t("pay.nothing_due", number=order.number))]
    replies = [Reply("\n".join(payment_lines(turn, order)))]
    qr = qr_reply(turn, order)
    return replies + ([qr] if qr else [])


def _pay_intent(turn: Turn) -> list[Reply] | None:
    if matches(turn.text, keywords("pay")) is None:
        return None
    replies = _pay(turn, "")
    return replies if replies is not None else [Reply(turn.t("lookup.ask_number"))]


# ── notify me / stop ─────────────────────────────────────────────────────────


def _notify(turn: Turn, number: str) -> list[Reply] | None:
    order = _order_from_button(turn, number) if number else current_order(turn)
    if order is None:
        return None
    if order.status in (OrderStatus.COMPLETED, OrderStatus.CANCELLED):
        return [Reply(turn.t("notify.closed", number=order.number))]
    chat_reads.watch(turn.session, turn.chat.id, order.id, turn.now)
    turn.watching = True
    stop = Button(turn.t("button.stop_updates"), f"stop:{order.number}")
    return [Reply(turn.t("notify.on", number=order.number), buttons=(stop,))]


def _stop(turn: Turn, number: str) -> list[Reply] | None:
    order = _order_from_button(turn, number) if number else current_order(turn)
    if order is None:
        removed = chat_reads.unwatch(turn.session, turn.chat.id)
        return [Reply(turn.t("notify.off_all" if removed else "notify.none"))]
    chat_reads.unwatch(turn.session, turn.chat.id, order.id)
    return [Reply(turn.t("notify.off", number=order.number))]


def _notify_intent(turn: Turn) -> list[Reply] | None:
    if matches(turn.text, keywords("notify")) is not None:
        return _notify(turn, "") or [Reply(turn.t("lookup.ask_number"))]
    if matches(turn.text, keywords("stop")) is not None:
        return _stop(turn, "")
    return None


def _help_button(turn: Turn, _arg: str) -> list[Reply]:
    turn.reset()
    return help_replies(turn)


FEATURE = Feature(
    "orders",
    buttons={
            "help": _help_button,
        "lang": _language_button,
        "refresh": _refresh,
        "open": _open,
        "pay": _pay,
        "notify": _notify,
        "stop": _stop,
    },
    # Tried in this order on free text, after the other features' intents.
    intents=(
        _language,
        _order_number,
        _greeting,
        _pay_intent,
        _notify_intent,
        _track_without_number,
    ),
    states={State.AWAITING_LAST4: _awaiting_last4},
    renderers={**notices.RENDERERS, **gateway_notices.RENDERERS},
    same_for_all=notices.SAME_FOR_ALL,
)
