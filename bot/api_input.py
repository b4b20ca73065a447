"""Reading the vendor API's JSON bodies into what the store's services take; every
refusal names the field at fault and writes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.api_errors import ApiError
from handlers.parse import parse_phone
from store.models import Business, OrderStatus
from store.services import PAYMENT_METHODS, NewItem
from store.text import clean_text

MAX_MINOR = 10**12  # ten thousand crore rupees: anything above is a mistake
MAX_QUANTITY = 100_000
MAX_ITEMS = 200
FULFILMENTS = ("pickup", "delivery")


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
            fields["customer_phone"] = _phone(business, customer.text("phone", limit=40),
                                              customer.name("phone"))
    for key in ("customer_note", "internal_note"):
        if top.has(key):
            fields[key] = top.text(key, limit=2000, multiline=True)
    if top.has("fulfilment"):
        fields["fulfilment"] = top.choice("fulfilment", FULFILMENTS)
    return OrderInput(number, _items(values) if values is not None else None, fields)


def _phone(business: Business, text: str | None, field_name: str) -> str | None:
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
