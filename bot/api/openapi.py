"""The vendor API's OpenAPI 3.1 document, served at /api/v1/openapi.json. A test
keeps it true: its paths and methods against the app's routes, its examples and the
app's real answers against its schemas."""

from __future__ import annotations

from functools import cache
from typing import Any

from store.bookings import MAX_DURATION_MINUTES
from store.models import BookingStatus, OrderStatus
from store.orders import PAYMENT_METHODS
from store.proof_checks import CODES as FLAG_CODES
from store.shipments import STEPS

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
MINOR = {"type": "integer", "minimum": 0, "description": "money in minor units (paise)"}
TIME = {"type": "string", "format": "date-time"}
STATUSES = [s.value for s in OrderStatus]
BOOKING_STATUSES = [s.value for s in BookingStatus]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict:
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "additionalProperties": False}
    if required:
        schema["required"] = required
    return {**schema, **extra}


TIMELINE = {"type": "array", "items": obj(
    {"kind": {"description": "status, payment, refund, proof, shipment, update, "
              "reschedule, request…", "type": "string"},
     "from_status": NULLABLE_STRING, "to_status": NULLABLE_STRING,
     "actor": STRING, "detail": {"type": "object"}, "at": TIME},
    ["kind", "actor", "at"])}
PAYMENTS = {"type": "array", "items": obj(
    {"kind": {"enum": ["payment", "refund"]}, "amount_minor": MINOR,
     "method": STRING, "reference": NULLABLE_STRING, "recorded_via": STRING,
     "at": TIME},
    ["kind", "amount_minor", "method", "at"])}
LOCAL_TIME = {"type": "string", "format": "date-time",
              "description": "the same moment in the business's time zone, with its offset"}
START_INPUT = {"type": "string", "description": "ISO 8601 date and time: with an offset "
               "(2026-12-02T11:00:00+05:30, or Z) as it says; without one, the business's "
               "local time (2026-12-02T11:00)"}
DURATION = {"type": "integer", "minimum": 1, "maximum": MAX_DURATION_MINUTES}

SCHEMAS: dict[str, Any] = {
    "Error": obj(
        {"error": obj({"code": STRING, "message": STRING, "field": STRING}, ["code", "message"])},
        ["error"],
    ),
    "ItemInput": obj(
        {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 100000},
            "unit_price_minor": MINOR,
        },
        ["name", "quantity", "unit_price_minor"],
    ),
    "CustomerInput": obj(
        {
            "name": NULLABLE_STRING,
            "phone": {"type": ["string", "null"],
                      "description": "any common form; stored as E.164"},
            "address": NULLABLE_STRING,
        }
    ),
    "OrderInput": obj(
        {
            "number": {"type": "string", "description": "the business's code, a dash, "
                       "3 to 10 digits: AK-1005"},
            "items": {"type": "array", "items": ref("ItemInput"), "minItems": 1,
                      "maxItems": 200, "description": "required for a new order; "
                      "replaces the items of an existing one"},
            "customer": ref("CustomerInput"),
            "fulfilment": {"enum": ["pickup", "delivery"]},
            "customer_note": NULLABLE_STRING,
            "internal_note": NULLABLE_STRING,
        },
        ["number"],
    ),
    "StatusInput": obj(
        {"status": {"enum": STATUSES}, "reason": NULLABLE_STRING}, ["status"]
    ),
    "PaymentInput": obj(
        {
            "amount_minor": {"type": "integer", "minimum": 1},
            "method": {"enum": list(PAYMENT_METHODS)},
            "reference": NULLABLE_STRING,
        },
        ["amount_minor", "method"],
    ),
    "ProofRead": obj(
        {
            "amount_minor": {"type": ["integer", "null"]},
            "utr": {"type": ["string", "null"],
                    "description": "12 digits for UPI and IMPS; NEFT/RTGS references as printed"},
            "payee_vpa": NULLABLE_STRING,
            "payee_name": NULLABLE_STRING,
            "paid_at": {"type": ["string", "null"], "format": "date-time"},
            "app": {"enum": ["google_pay", "phonepe", "paytm", "bhim", "bank", None]},
            "outcome": {"enum": ["success", "pending", "failed", None]},
        },
        ["amount_minor", "utr", "payee_vpa", "payee_name", "paid_at", "app", "outcome"],
        description="what was read off the screenshot or receipt (OCR, or a PDF's text)",
    ),
    "ProofStatement": obj(
        {
            "match": {"enum": ["confirmed", "possible"],
                      "description": "confirmed: UTR and amount equal; possible: the same "
                      "amount within a day, no UTR to compare"},
            "utr": NULLABLE_STRING,
            "amount_minor": MINOR,
            "credited_at": TIME,
        },
        ["match", "utr", "amount_minor", "credited_at"],
    ),
    "Proof": obj(
        {
            "id": {"type": "integer", "description": "the proof's number in this business "
                   "(GET /proofs/{id}); the same as number"},
            "number": {"type": "integer"},
            "order_number": STRING,
            "status": {"enum": ["pending", "approved", "rejected", "closed"],
                       "description": "closed: nothing was left to decide (the order was "
                       "paid in full or cancelled meanwhile)"},
            "claimed_minor": {"type": ["integer", "null"]},
            "method": {"enum": ["upi", "bank", None],
                       "description": "how the customer says they paid, if they said"},
            "currency": STRING,
            "flags": {"type": "array", "items": {"enum": list(FLAG_CODES)},
                      "description": "what staff should look at twice, as stable codes"},
            "utr": {"type": ["string", "null"], "description": "read off the proof, or typed"},
            "read": {"oneOf": [ref("ProofRead"), {"type": "null"}]},
            "statement": {"oneOf": [ref("ProofStatement"), {"type": "null"}]},
            "decided_by": {"type": ["string", "null"],
                           "description": "the staff member, or \"statement\" when the bank "
                           "statement approved it by itself"},
            "created_at": TIME,
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
            "decided_amount_minor": {"type": ["integer", "null"]},
            "reason": NULLABLE_STRING,
        },
        ["number", "order_number", "status", "created_at"],
    ),
    "Order": obj(
        {
            "number": STRING,
            "status": {"enum": STATUSES},
            "payment_status": {"enum": ["unpaid", "partial", "paid", "partially_refunded",
                                        "refunded"]},
            "currency": STRING,
            "total_minor": MINOR,
            "paid_minor": MINOR,
            "refunded_minor": MINOR,
            "due_minor": MINOR,
            "to_refund_minor": {**MINOR, "description": "what the shop still owes back "
                                "(a cancelled order that was paid; a total lowered below "
                                "what was paid)"},
            "page_url": {**NULLABLE_STRING, "description": "the order's own page, as the "
                         "customer's chat links it"},
            "adjustments": {"type": "array", "items": obj(
                {"amount_minor": {"type": "integer", "description": "negative: a discount; "
                                  "positive: a charge"},
                 "reason": NULLABLE_STRING, "recorded_via": STRING, "at": TIME},
                ["amount_minor", "at"])},
            "fulfilment": STRING,
            "customer": obj({"name": NULLABLE_STRING, "phone": NULLABLE_STRING,
                             "address": NULLABLE_STRING}),
            "customer_note": NULLABLE_STRING,
            "internal_note": NULLABLE_STRING,
            "items": {"type": "array", "items": obj(
                {"name": STRING, "quantity": {"type": "integer"}, "unit_price_minor": MINOR,
                 "line_total_minor": MINOR},
                ["name", "quantity", "unit_price_minor", "line_total_minor"])},
            "created_at": TIME,
            "status_changed_at": TIME,
            "timeline": TIMELINE,
            "payments": PAYMENTS,
            "proofs": {"type": "array", "items": ref("Proof")},
            "shipments": {"type": "array", "items": obj(
                {"provider": STRING, "awb": NULLABLE_STRING, "courier": NULLABLE_STRING,
                 "status": {"enum": ["booked", *STEPS]}, "tracking_url": NULLABLE_STRING,
                 "updated_at": TIME},
                ["provider", "status"])},
        },
        ["number", "status", "payment_status", "currency", "total_minor", "paid_minor",
         "due_minor", "items", "timeline", "payments", "proofs", "shipments"],
    ),
    "ProofList": obj({"proofs": {"type": "array", "items": ref("Proof")}}, ["proofs"]),
    "AdjustmentInput": obj(
        {
            "amount_minor": {"type": "integer", "not": {"const": 0},
                             "minimum": -10**12, "maximum": 10**12,
                             "description": "negative: a discount (-5000 is ₹50 off); "
                             "positive: a charge (delivery)"},
            "reason": NULLABLE_STRING,
        },
        ["amount_minor"],
    ),
    "ApproveInput": obj(
        {
            "amount_minor": {"type": "integer", "minimum": 1,
                             "description": "what was received, if not what was claimed"},
            "method": {"enum": list(PAYMENT_METHODS)},
        }
    ),
    "RejectInput": obj({"reason": NULLABLE_STRING}),
    "OrderSummary": obj(
        {
            "number": STRING,
            "status": {"enum": STATUSES},
            "payment_status": STRING,
            "currency": STRING,
            "total_minor": MINOR,
            "paid_minor": MINOR,
            "refunded_minor": MINOR,
            "due_minor": MINOR,
            "to_refund_minor": MINOR,
            "customer_name": NULLABLE_STRING,
            "created_at": TIME,
            "updated_at": TIME,
            "page_url": NULLABLE_STRING,
        },
        ["number", "status", "payment_status", "currency", "total_minor", "due_minor",
         "updated_at"],
    ),
    "OrderList": obj(
        {"orders": {"type": "array", "items": ref("OrderSummary")},
         "next_cursor": {"type": ["string", "null"],
                         "description": "pass as `cursor` for the next page; null at the end"}},
        ["orders", "next_cursor"],
    ),
}

BOOKING_STATE = {
    "number": STRING,
    "status": {"enum": BOOKING_STATUSES},
    "payment_status": {"enum": ["unpaid", "partial", "paid", "partially_refunded",
                                "refunded"]},
    "currency": STRING,
    "total_minor": {**MINOR, "description": "the price, with any discount or charge"},
    "paid_minor": MINOR,
    "refunded_minor": MINOR,
    "due_minor": MINOR,
    "to_refund_minor": MINOR,
    "page_url": {**NULLABLE_STRING, "description": "the booking's own page, as the "
                 "customer's chat links it"},
    "service": STRING,
    "starts_at": {**TIME, "description": "UTC"},
    "starts_at_local": LOCAL_TIME,
    "ends_at": {**TIME, "description": "UTC"},
    "ends_at_local": LOCAL_TIME,
    "timezone": {"type": "string", "description": "the business's IANA time zone"},
    "duration_minutes": {"type": "integer"},
    "staff": {**NULLABLE_STRING, "description": "who serves, as shown"},
    "place": {**NULLABLE_STRING, "description": "null: the business's address"},
    "customer": obj({"name": NULLABLE_STRING, "phone": NULLABLE_STRING}),
}
BOOKING_REQUIRED = ["number", "status", "payment_status", "currency", "total_minor",
                    "paid_minor", "due_minor", "service", "starts_at", "starts_at_local",
                    "ends_at", "ends_at_local", "timezone", "duration_minutes", "customer"]
SCHEMAS.update({
    "BookingInput": obj(
        {
            "number": {"type": "string", "description": "the business's code, -B, 3 to 10 "
                       "digits: GS-B501"},
            "service": {"type": "string", "minLength": 1, "maxLength": 200},
            "starts_at": START_INPUT,
            "duration_minutes": {**DURATION, "default": 60},
            "price_minor": {**MINOR, "maximum": 10**12},
            "customer_name": NULLABLE_STRING,
            "customer_phone": {"type": ["string", "null"],
                               "description": "any common form; stored as E.164"},
            "staff": NULLABLE_STRING,
            "place": {**NULLABLE_STRING, "description": "null: the business's address"},
            "status": {"enum": BOOKING_STATUSES, "description": "a new booking's: requested "
                       "by default; an existing one's is moved to it by the rules"},
            "customer_note": NULLABLE_STRING,
            "internal_note": NULLABLE_STRING,
        },
        ["number"],
        description="service, starts_at and price_minor are required for a new booking; "
        "an update changes what it gives and leaves the rest",
    ),
    "BookingStatusInput": obj(
        {"status": {"enum": BOOKING_STATUSES}, "reason": NULLABLE_STRING}, ["status"]),
    "RescheduleInput": obj({"starts_at": START_INPUT, "duration_minutes": DURATION},
                           ["starts_at"]),
    "BookingRequest": obj(
        {
            "kind": {"enum": ["reschedule", "cancel"]},
            "status": {"enum": ["pending", "proposed"]},
            "wanted_starts_at": {"type": ["string", "null"], "format": "date-time"},
            "wanted_text": NULLABLE_STRING,
            "proposed_starts_at": {"type": ["string", "null"], "format": "date-time"},
            "reason": NULLABLE_STRING,
            "created_at": TIME,
        },
        ["kind", "status", "created_at"],
        description="the customer's wish waiting for the staff (pending), or the staff's "
        "counter-offer waiting for the customer (proposed)",
    ),
    "BookingSummary": obj(BOOKING_STATE, BOOKING_REQUIRED),
    "Booking": obj(
        {
            **BOOKING_STATE,
            "price_minor": MINOR,
            "customer_note": NULLABLE_STRING,
            "internal_note": NULLABLE_STRING,
            "request": {"oneOf": [ref("BookingRequest"), {"type": "null"}]},
            "sequence": {"type": "integer", "description": "the calendar event's SEQUENCE: "
                         "grows with every move or cancellation"},
            "created_at": TIME,
            "status_changed_at": TIME,
            "timeline": TIMELINE,
            "payments": PAYMENTS,
            "proofs": {"type": "array", "items": ref("Proof")},
        },
        [*BOOKING_REQUIRED, "price_minor", "request", "timeline", "payments", "proofs"],
    ),
    "BookingList": obj(
        {"bookings": {"type": "array", "items": ref("BookingSummary")},
         "from": TIME, "to": TIME},
        ["bookings", "from", "to"],
    ),
})

EXAMPLE_ORDER_INPUT = {
    "number": "AK-1005",
    "customer": {"name": "Neha Gupta", "phone": "098333 33333", "address": "7 Park Street"},
    "fulfilment": "delivery",
    "items": [{"name": "Veg Biryani", "quantity": 2, "unit_price_minor": 22000}],
}
EXAMPLE_ORDER = {
    "number": "AK-1005", "status": "pending", "payment_status": "unpaid", "currency": "INR",
    "total_minor": 44000, "paid_minor": 0, "refunded_minor": 0, "due_minor": 44000,
    "to_refund_minor": 0, "page_url": "https://orders.example.in/o/MQ.x2ShQ0yQ", "adjustments": [],
    "fulfilment": "delivery",
    "customer": {"name": "Neha Gupta", "phone": "+919833333333", "address": "7 Park Street"},
    "customer_note": None, "internal_note": None,
    "items": [{"name": "Veg Biryani", "quantity": 2, "unit_price_minor": 22000,
               "line_total_minor": 44000}],
    "created_at": "2026-11-24T14:00:00Z", "status_changed_at": "2026-11-24T14:00:00Z",
    "timeline": [{"kind": "status", "from_status": None, "to_status": "pending",
                  "actor": "api", "detail": {}, "at": "2026-11-24T14:00:00Z"}],
    "payments": [], "proofs": [], "shipments": [],
}
EXAMPLE_BOOKING_INPUT = {
    "number": "GS-B503", "service": "Haircut and styling", "starts_at": "2026-12-02T11:00",
    "duration_minutes": 60, "price_minor": 80000, "customer_name": "Ravi Kumar",
    "customer_phone": "098111 11111", "staff": "Neha", "status": "confirmed",
}
EXAMPLE_BOOKING = {
    "number": "GS-B503", "status": "confirmed", "payment_status": "unpaid", "currency": "INR",
    "total_minor": 80000, "paid_minor": 0, "refunded_minor": 0, "due_minor": 80000,
    "to_refund_minor": 0, "page_url": "https://orders.example.in/b/Mw.x2ShQ0yQ",
    "service": "Haircut and styling", "starts_at": "2026-12-02T05:30:00Z",
    "starts_at_local": "2026-12-02T11:00:00+05:30", "ends_at": "2026-12-02T06:30:00Z",
    "ends_at_local": "2026-12-02T12:00:00+05:30", "timezone": "Asia/Kolkata",
    "duration_minutes": 60, "staff": "Neha", "place": None,
    "customer": {"name": "Ravi Kumar", "phone": "+919811111111"},
    "price_minor": 80000, "customer_note": None, "internal_note": None, "request": None,
    "sequence": 0, "created_at": "2026-11-24T14:00:00Z",
    "status_changed_at": "2026-11-24T14:00:00Z",
    "timeline": [{"kind": "status", "from_status": None, "to_status": "confirmed",
                  "actor": "api", "detail": {}, "at": "2026-11-24T14:00:00Z"}],
    "payments": [], "proofs": [],
}
EXAMPLE_ERROR = {"error": {"code": "wrong_type", "field": "items[0].quantity",
                           "message": "items[0].quantity must be a whole number (an integer, "
                           "not a decimal, a string or true/false)."}}


def _json(schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"content": {"application/json": media}}


def _answer(description: str, schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    return {"description": description, **_json(schema, example)}


ERRORS = {
    "401": _answer("no valid API key", ref("Error")),
    "404": _answer("no such order for this business", ref("Error")),
}
CHANGE_ERRORS = {
    **ERRORS,
    "400": _answer("the body is not a JSON object", ref("Error")),
    "409": _answer("a rule refused the change (transition, overpayment, closed order, "
                   "total below paid); nothing was written", ref("Error")),
    "422": _answer("a field is missing, of the wrong type or out of range, or the "
                   "Idempotency-Key was used for another request; nothing was written",
                   ref("Error"), EXAMPLE_ERROR),
}
NUMBER = {"name": "number", "in": "path", "required": True, "schema": STRING,
          "description": "the order number, any spelling: AK-1005, ak1005"}
BOOKING_NUMBER = {"name": "number", "in": "path", "required": True, "schema": STRING,
                  "description": "the booking number, any spelling: GS-B501, gsb501"}
BOOKING_ERRORS = {"404": _answer("no such booking for this business (an order's number "
                                 "is not a booking's)", ref("Error"))}
RANGE_PARAMS = [
    {"name": name, "in": "query", "required": False, "schema": STRING,
     "description": description}
    for name, description in (
        ("from", "a date (2026-12-02: from the start of that day in the business's zone) "
                 "or a date and time; today by default"),
        ("to", "a date (to the end of that day) or a date and time; 7 days after from by "
               "default; at most 92 days after from"),
    )
]
PROOF_ID = {"name": "id", "in": "path", "required": True, "schema": STRING,
            "description": "the proof's number in this business (`number` of a Proof, as "
            "its prompt to staff shows it)"}
PROOF_ERRORS = {"404": _answer("no such proof for this business", ref("Error")),
                "409": _answer("already decided (by whom, in the message), or the order is "
                               "cancelled, or more than is due; nothing was written",
                               ref("Error"))}
LIST_PARAMS = [
    {"name": "status", "in": "query", "required": False, "schema": STRING,
     "description": "one status or several, comma-separated: ready,pending"},
    {"name": "updated_since", "in": "query", "required": False,
     "schema": {"type": "string", "format": "date-time"},
     "description": "only orders changed at or after this time (ISO 8601 with its zone)"},
    {"name": "cursor", "in": "query", "required": False, "schema": STRING,
     "description": "the `next_cursor` of the page before"},
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
]
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "schema": {"type": "string", "maxLength": 128},
               "description": "the same key and body again returns the first answer "
               "(header Idempotent-Replayed: true) without acting twice"}


def _post(summary: str, body: str, example: Any, ok: dict[str, Any], params: list) -> dict:
    return {"summary": summary, "parameters": [*params, IDEMPOTENCY],
            "requestBody": {"required": True, **_json(ref(body), example)},
            "responses": {**ok, **CHANGE_ERRORS}}


def _booking_post(summary: str, body: str, example: Any, ok: dict[str, Any]) -> dict:
    """A POST under /bookings/{number}: its 404 speaks of bookings."""
    operation = _post(summary, body, example, ok, [BOOKING_NUMBER])
    return {**operation, "responses": {**operation["responses"], **BOOKING_ERRORS}}


def _booking_paths() -> dict[str, Any]:
    booking = ref("Booking")
    return {
        "/bookings": {
            "get": {
                "summary": "The business's bookings starting between from and to, by start "
                           "time (today and the next 7 days by default)",
                "parameters": RANGE_PARAMS,
                "responses": {"200": _answer("the bookings", ref("BookingList"),
                                             {"bookings": [], "from": "2026-11-23T18:30:00Z",
                                              "to": "2026-11-30T18:30:00Z"}),
                              "401": ERRORS["401"],
                              "422": _answer("from or to is not valid", ref("Error"))}},
            "post": _post(
                "Create a booking, or update it if the number exists (a new start moves it, "
                "a new status changes it by the rules; what is left out stays)",
                "BookingInput", EXAMPLE_BOOKING_INPUT,
                {"201": _answer("created", booking, EXAMPLE_BOOKING),
                 "200": _answer("updated, or already so", booking)}, [])},
        "/bookings/{number}": {"get": {
            "summary": "A booking with its time, place, money, request waiting and timeline",
            "parameters": [BOOKING_NUMBER],
            "responses": {"200": _answer("the booking", booking, EXAMPLE_BOOKING),
                          "401": ERRORS["401"], **BOOKING_ERRORS}}},
        "/bookings/{number}/status": {"post": _booking_post(
            "Change the status (requested → confirmed → checked_in → completed; cancelled "
            "while requested or confirmed; no_show once confirmed); the customer is told",
            "BookingStatusInput", {"status": "confirmed"},
            {"200": _answer("changed (or already in that status)", booking)})},
        "/bookings/{number}/reschedule": {"post": _booking_post(
            "Move a requested or confirmed booking to a new start (and length); the "
            "customer is told and the calendar event's SEQUENCE grows",
            "RescheduleInput", {"starts_at": "2026-12-03T17:00:00+05:30"},
            {"200": _answer("moved (or already at that time)", booking)})},
        "/bookings/{number}/payments": {"post": _booking_post(
            "Record a payment (a deposit, or the rest) taken outside the chat; never more "
            "than is due, none once cancelled", "PaymentInput",
            {"amount_minor": 20000, "method": "upi", "reference": "deposit"},
            {"201": _answer("recorded", booking)})},
    }


@cache
def document() -> dict[str, Any]:
    order = ref("Order")
    return {
        "openapi": "3.1.0",
        "info": {"title": "orderbot vendor API", "version": "1.0.0",
                 "description": "Orders and bookings, statuses, payments and proofs of one "
                 "business. "
                 "Money is integer minor units (paise) beside the order's currency."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"apiKey": []}],
        "paths": {
            "/orders": {"get": {
                "summary": "The business's orders, oldest first, a page at a time",
                "parameters": LIST_PARAMS,
                "responses": {"200": _answer("a page of orders", ref("OrderList"),
                                             {"orders": [], "next_cursor": None}),
                              "401": ERRORS["401"],
                              "422": _answer("a filter is not valid", ref("Error"))}},
                "post": _post(
                "Create an order, or update it if the number exists (items, customer, notes)",
                "OrderInput", EXAMPLE_ORDER_INPUT,
                {"201": _answer("created", order, EXAMPLE_ORDER),
                 "200": _answer("updated, or already so", order)}, [])},
            "/orders/{number}/refunds": {"post": _post(
                "Record money given back; at most what was kept. A refund never makes "
                "money due again", "PaymentInput",
                {"amount_minor": 5000, "method": "cash", "reference": "returned at counter"},
                {"201": _answer("recorded", order)}, [NUMBER])},
            "/orders/{number}/adjustments": {"post": _post(
                "A discount (negative) or a charge (positive) on the total: a line of the "
                "order, a timeline entry and a notice to the customer; a total below what "
                "was paid shows the difference as to be refunded", "AdjustmentInput",
                {"amount_minor": -5000, "reason": "late delivery"},
                {"201": _answer("recorded", order)}, [NUMBER])},
            "/proofs/{id}/approve": {"post": {**_post(
                "Approve a waiting payment proof: one payment of the claimed (or given) "
                "amount; the customer is told", "ApproveInput", {"amount_minor": 25000},
                {"200": _answer("approved", ref("Proof"))}, [PROOF_ID]),
                "responses": {"200": _answer("approved", ref("Proof")), **CHANGE_ERRORS,
                              **PROOF_ERRORS},
                "requestBody": {"required": False, **_json(ref("ApproveInput"), {})}}},
            "/proofs/{id}/reject": {"post": {**_post(
                "Reject a waiting payment proof, with a reason the customer is told",
                "RejectInput", {"reason": "amount not received"},
                {"200": _answer("rejected", ref("Proof"))}, [PROOF_ID]),
                "responses": {"200": _answer("rejected", ref("Proof")), **CHANGE_ERRORS,
                              **PROOF_ERRORS}}},
            "/orders/{number}": {"get": {
                "summary": "An order with its timeline, payments, proofs and shipments",
                "parameters": [NUMBER],
                "responses": {"200": _answer("the order", order, EXAMPLE_ORDER), **ERRORS}}},
            "/orders/{number}/status": {"post": _post(
                "Change the status (forward along pending, confirmed, preparing, ready, "
                "completed; or cancelled while open); the customer is told",
                "StatusInput", {"status": "confirmed"},
                {"200": _answer("changed (or already in that status)", order)}, [NUMBER])},
            "/orders/{number}/payments": {"post": _post(
                "Record a payment taken outside the chat; never more than is due",
                "PaymentInput", {"amount_minor": 20000, "method": "cash", "reference": "till 4"},
                {"201": _answer("recorded", order)}, [NUMBER])},
            "/proofs": {"get": {
                "summary": "Payment proofs, oldest first: waiting for a decision (the "
                           "default), approved, rejected or all",
                "parameters": [{"name": "status", "in": "query", "required": False,
                                "schema": {"enum": ["pending", "approved", "rejected", "all"],
                                           "default": "pending"}}],
                "responses": {"200": _answer("the proofs", ref("ProofList"), {"proofs": []}),
                              "401": ERRORS["401"],
                              "422": _answer("status is not one of the four", ref("Error"))}}},
            "/proofs/{id}": {"get": {
                "summary": "One proof: what was read off it, its flags, the bank statement's "
                           "match",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer"},
                                "description": "the proof's number in this business"}],
                "responses": {"200": _answer("the proof", ref("Proof")),
                              "401": ERRORS["401"],
                              "404": _answer("no such proof for this business",
                                             ref("Error"))}}},
            **_booking_paths(),
            "/openapi.json": {"get": {
                "summary": "This document", "security": [],
                "responses": {"200": _answer("the OpenAPI document", {"type": "object"})}}},
        },
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                           "description": "orderbot apikey create CODE"}},
            "schemas": SCHEMAS,
        },
    }
