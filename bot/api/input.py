"""Reading the vendor API's JSON bodies into what the store's services take; every
refusal names the field at fault and writes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.api.errors import ApiError
from handlers.parse import parse_phone
from store.models import Business, OrderStatus
from store.orders import PAYMENT_METHODS, NewItem
from store.text import clean_text

MAX_MINOR = 10**12  # ten thousand crore rupees: anything above is a mistake
MAX_QUANTITY = 100_000
MAX_ITEMS = 200
FULFILMENTS = ("pickup", "delivery")
LIST_DEFAULT, LIST_MAX = 50, 200  # orders per page of GET /orders


class Fields:
    """A JSON object being read: typed getters that refuse with the field's path."""

    def __init__(self, body: dict[str, Any], allowed: set[str], path: str = "") -> None:
        self.body, self.path = body, path
        for name in body:
            if name not in allowed:
                raise ApiError(422, "unknown_field", self.name(name))

    def name(self, key: str) -> str:
        return f"{self.path}{key}"

    def has(self, key: str) -> bool:
        return key in self.body

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.body or (self.body[key] is None and required):
            if required:
                raise ApiError(422, "missing_field", self.name(key))
        return self.body.get(key)

    def text(
        self, key: str, *, required: bool = False, limit: int = 200, multiline: bool = False
    ) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ApiError(422, "wrong_type", self.name(key), msg="type_string")
        value = clean_text(value, multiline=multiline).strip()
        if not value and required:
            raise ApiError(422, "invalid_value", self.name(key), msg="empty")
        if len(value) > limit:
            raise ApiError(422, "invalid_value", self.name(key), msg="too_long", limit=limit)
        return value or None

    def integer(
        self, key: str, *, minimum: int, maximum: int = MAX_MINOR, code: str = "invalid_amount"
    ) -> int:
        """A JSON integer: 250 — not 250.0, "250" or true (booleans are not numbers here)."""
        value = self._get(key, True)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApiError(422, "wrong_type", self.name(key), msg="type_integer")
        if value < minimum or value > maximum:
            raise ApiError(422, code, self.name(key), msg="out_of_range", minimum=minimum,
                           maximum=maximum)
        return value

    def choice(self, key: str, choices: tuple[str, ...], *, code: str = "invalid_value") -> str:
        value = self.text(key, required=True)
        if value not in choices:
            raise ApiError(422, code, self.name(key), msg="invalid_choice",
                           choices=", ".join(choices))
        return value

    def obj(self, key: str, allowed: set[str]) -> Fields | None:
        value = self._get(key, False)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ApiError(422, "wrong_type", self.name(key), msg="type_object")
        return Fields(value, allowed, self.name(key) + ".")

    def array(self, key: str) -> list[Any] | None:
        value = self._get(key, False)
        if value is None:
            return None
        if not isinstance(value, list):
            raise ApiError(422, "wrong_type", self.name(key), msg="type_array")
        return value


@dataclass(frozen=True)
class OrderInput:
    number: str
    items: list[NewItem] | None  # None: keep the items (an update may leave them out)
    fields: dict[str, Any] = field(default_factory=dict)


def order_number(business: Business, text: str, field_name: str = "number") -> str:
    """The business's code, a dash and 3–10 digits (AK-1005, ak1005 → AK-1005): what
    customers can type in the chat to find it."""
    match = re.fullmatch(rf"{re.escape(business.code)}\s*[-#/.]?\s*(\d{{3,10}})", text, re.I)
    if not match:
        raise ApiError(422, "invalid_number", field_name, prefix=business.code)
    return f"{business.code}-{match.group(1)}"


def _items(values: list[Any]) -> list[NewItem]:
    if not values:
        raise ApiError(422, "invalid_value", "items", msg="empty")
    if len(values) > MAX_ITEMS:
        raise ApiError(422, "invalid_value", "items", msg="too_many", limit=MAX_ITEMS)
    items = []
    for n, value in enumerate(values):
        if not isinstance(value, dict):
            raise ApiError(422, "wrong_type", f"items[{n}]", msg="type_object")
        item = Fields(value, {"name", "quantity", "unit_price_minor"}, f"items[{n}].")
        items.append(
            NewItem(
                name=item.text("name", required=True) or "",
                quantity=item.integer("quantity", minimum=1, maximum=MAX_QUANTITY,
                                      code="invalid_quantity"),
                unit_price_minor=item.integer("unit_price_minor", minimum=0),
            )
        )
    return items


def order_input(business: Business, body: dict[str, Any]) -> OrderInput:
    top = Fields(body, {"number", "items", "customer", "fulfilment", "customer_note",
                        "internal_note"})
    number = order_number(business, top.text("number", required=True) or "")
    values = top.array("items")
    fields: dict[str, Any] = {}
    customer = top.obj("customer", {"name", "phone", "address"})
    if customer is not None:
        for key, limit in (("name", 120), ("address", 1000)):
            if customer.has(key):
                fields[f"customer_{key}"] = customer.text(key, limit=limit,
                                                          multiline=key == "address")
        if customer.has("phone"):
            fields["customer_phone"] = phone_input(business, customer.text("phone", limit=40),
                                              customer.name("phone"))
    for key in ("customer_note", "internal_note"):
        if top.has(key):
            fields[key] = top.text(key, limit=2000, multiline=True)
    if top.has("fulfilment"):
        fields["fulfilment"] = top.choice("fulfilment", FULFILMENTS)
    return OrderInput(number, _items(values) if values is not None else None, fields)


def phone_input(business: Business, text: str | None, field_name: str) -> str | None:
    if text is None:
        return None
    phone = parse_phone(text, business.country or "IN")
    if phone is None:
        raise ApiError(422, "invalid_phone", field_name)
    return phone


def status_input(body: dict[str, Any]) -> tuple[str, str | None]:
    fields = Fields(body, {"status", "reason"})
    statuses = tuple(s.value for s in OrderStatus)
    return fields.choice("status", statuses, code="unknown_status"), fields.text(
        "reason", limit=500
    )


def payment_input(body: dict[str, Any]) -> tuple[int, str, str | None]:
    fields = Fields(body, {"amount_minor", "method", "reference"})
    return (
        fields.integer("amount_minor", minimum=1),
        fields.choice("method", PAYMENT_METHODS),
        fields.text("reference", limit=120),
    )


def idempotency_key(header: str | None) -> str | None:
    if header is None:
        return None
    if not (1 <= len(header) <= 128) or not header.isprintable() or not header.strip():
        raise ApiError(422, "invalid_header", "Idempotency-Key")
    return header


def refund_input(body: dict[str, Any]) -> tuple[int, str, str | None]:
    """A refund reads as a payment does: amount_minor, method, reference."""
    return payment_input(body)


def adjustment_input(body: dict[str, Any]) -> tuple[int, str | None]:
    """`{"amount_minor": -5000, "reason": "late delivery"}`: negative a discount, positive
    a charge; never zero."""
    fields = Fields(body, {"amount_minor", "reason"})
    amount = fields.integer("amount_minor", minimum=-MAX_MINOR, maximum=MAX_MINOR)
    if amount == 0:
        raise ApiError(422, "invalid_amount", "amount_minor", msg="zero_amount")
    return amount, fields.text("reason", limit=500)


def approve_input(body: dict[str, Any]) -> tuple[int | None, str | None]:
    """Approve with the claimed amount, or `amount_minor`; by `method` if given."""
    fields = Fields(body, {"amount_minor", "method"})
    amount = fields.integer("amount_minor", minimum=1) if fields.has("amount_minor") else None
    method = fields.choice("method", PAYMENT_METHODS) if fields.has("method") else None
    return amount, method


def reject_input(body: dict[str, Any]) -> str | None:
    return Fields(body, {"reason"}).text("reason", limit=500)


def list_input(args: Any) -> tuple[list[str], datetime | None, int | None, int]:
    """`GET /orders?status=ready,pending&updated_since=…&cursor=…&limit=50`."""
    statuses = [s.strip() for s in (args.get("status") or "").split(",") if s.strip()]
    known = tuple(s.value for s in OrderStatus)
    for status in statuses:
        if status not in known:
            raise ApiError(422, "unknown_status", "status", msg="invalid_choice",
                           choices=", ".join(known))
    since = None
    if args.get("updated_since"):
        try:
            # An unencoded "+05:30" arrives as " 05:30" (a query string's "+" is a space).
            typed = args["updated_since"].strip().replace(" ", "+").replace("Z", "+00:00")
            since = datetime.fromisoformat(typed)
        except ValueError:
            since = None
        if since is None or since.tzinfo is None:
            raise ApiError(422, "invalid_value", "updated_since", msg="invalid_time")
    cursor = args.get("cursor")
    if cursor is not None and not (cursor.isdigit() and len(cursor) <= 18):
        raise ApiError(422, "invalid_value", "cursor", msg="invalid_cursor")
    raw_limit = args.get("limit", str(LIST_DEFAULT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= LIST_MAX:
        raise ApiError(422, "invalid_value", "limit", msg="out_of_range", minimum=1,
                       maximum=LIST_MAX)
    return statuses, since, int(cursor) if cursor else None, int(raw_limit)
