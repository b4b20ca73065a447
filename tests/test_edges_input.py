"""Bad input gets a 4xx in the route's own shape, never a 500, and writes nothing
(issue 15, point 7): NUL bytes and lone surrogates in text, JSON nested 50,000 deep,
totals past 64 bits, on every JSON route; and `orders import` with NUL bytes and
overflowing amounts, reported by line. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from support.api import bearer, new_key, row_counts
from test_operator import MEERA, orderbot  # noqa: F401 (a fixture)
from test_operator_import import csv_file, snapshot

from bot.app import create_app
from bot.channels.telegram.web import SECRET_HEADER
from bot.runtime import Services

DEEP = '{"a": ' + "[" * 50_000 + "]" * 50_000 + "}"
TELEGRAM_SECRET = "webhook-secret_1"


@pytest.fixture
def app_client(demo):
    config = demo.config.with_(
        webchat=True, env="development",
        telegram_bot_token="123456:TEST", telegram_mode="webhook",
        telegram_webhook_secret=TELEGRAM_SECRET,
        shipping_secrets={"generic": "gen-secret", "shiprocket": "sr-secret"},
    )
    runtime = replace(demo, config=config, services=Services())
    return create_app(runtime=runtime).test_client(), new_key(demo)


def _routes(key: str) -> dict[str, tuple[str, dict[str, str], dict]]:
    """Every JSON route: (path, headers, a good body whose first text field is `{x}`)."""
    return {
        "api orders": ("/api/v1/orders", bearer(key), {
            "number": "AK-2001", "customer": {"name": "Ravi{x}"},
            "items": [{"name": "Tea", "quantity": 1, "unit_price_minor": 100}]}),
        "api status": ("/api/v1/orders/AK-1003/status", bearer(key),
                       {"status": "cancelled", "reason": "sold out{x}"}),
        "api payments": ("/api/v1/orders/AK-1003/payments", bearer(key),
                         {"amount_minor": 100, "method": "cash", "reference": "till{x}"}),
        "shipping generic": ("/webhooks/shipping/generic", {"X-Orderbot-Token": "gen-secret"},
                             {"order_number": "AK-1001", "status": "in_transit",
                              "courier": "Delhivery{x}"}),
        "shiprocket": ("/webhooks/shipping/shiprocket", {"x-api-key": "sr-secret"},
                       {"awb": "1904", "order_id": "AK-1001", "current_status": "SHIPPED{x}"}),
        "telegram": ("/webhooks/telegram", {SECRET_HEADER: TELEGRAM_SECRET}, {
            "update_id": 5, "message": {"message_id": 1, "date": 1795545700,
                                        "chat": {"id": 7, "type": "private"}, "text": "hi{x}"}}),
        "web chat": ("/chat/api/send", {"X-Requested-With": "orderbot"},
                     {"phone": "+919811111111", "text": "AK-1001{x}"}),
    }


def _poisoned(body: dict, bad: str) -> str:
    return json.dumps(body).replace("{x}", bad)


ROUTES = list(_routes("k"))
API_ROUTES = [name for name in ROUTES if name not in ("telegram", "web chat")]


@pytest.mark.parametrize("route", ROUTES)
def test_json_nested_50000_deep_is_a_400_on_every_json_route(app_client, demo, route) -> None:
    client, key = app_client
    path, headers, _body = _routes(key)[route]
    before = row_counts(demo)
    response = client.post(path, data=DEEP, content_type="application/json", headers=headers)
    assert response.status_code == 400, response.data[:300]
    if route != "telegram":  # Telegram reads no answer body
        assert response.is_json
    if path.startswith(("/api/", "/webhooks/shipping/")):
        assert response.json["error"]["code"] == "invalid_json"
    assert row_counts(demo) == before


@pytest.mark.parametrize("route", API_ROUTES)
@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800"], ids=["nul", "surrogate"])
def test_nul_and_lone_surrogates_are_a_422_naming_the_field(app_client, demo, route, bad) -> None:
    client, key = app_client
    path, headers, body = _routes(key)[route]
    before = row_counts(demo)
    response = client.post(path, data=_poisoned(body, bad), content_type="application/json",
                           headers=headers)
    assert response.status_code == 422, response.data[:300]
    error = response.json["error"]
    assert error["code"] == "invalid_value" and error["field"]
    assert error["field"] in error["message"]
    assert row_counts(demo) == before


@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800"], ids=["nul", "surrogate"])
@pytest.mark.parametrize("field", ["text", "id", "lang"])
def test_web_chat_nul_or_surrogates_are_a_400_and_write_nothing(app_client, demo, bad, field):
    client, key = app_client
    path, headers, body = _routes(key)["web chat"]
    body = {**body, "text": "AK-1001", field: "x{x}"}
    before = row_counts(demo)
    response = client.post(path, data=_poisoned(body, bad), content_type="application/json",
                           headers=headers)
    assert response.status_code == 400 and response.json["error"]
    assert row_counts(demo) == before


def test_a_total_past_64_bits_is_a_422_and_writes_nothing(app_client, demo) -> None:
    client, key = app_client
    items = [{"name": f"Gold {n}", "quantity": 100_000, "unit_price_minor": 10**12}
             for n in range(200)]
    before = row_counts(demo)
    response = client.post("/api/v1/orders", json={"number": "AK-2002", "items": items},
                           headers=bearer(key, **{"Idempotency-Key": "big-1"}))
    assert response.status_code == 422, response.data[:300]
    assert response.json["error"]["code"] == "invalid_amount"
    assert row_counts(demo) == before


# ── the spreadsheet import ─────────────────────────────────────────────────────


@pytest.fixture
def meera(orderbot):  # noqa: F811
    assert orderbot("business", "add", *MEERA).exit_code == 0
    return orderbot


def test_import_with_a_nul_byte_names_its_line_without_a_traceback(meera, runtime, tmp_path):
    path = csv_file(tmp_path,
                    "MB-0001,2026-10-02 10:30,Ravi,+919811111111,Cake,1,650.00,ready,0",
                    "MB-0002,2026-10-02 10:30,Ra\0vi,+919811111111,Cake,1,650.00,ready,0")
    before = snapshot(runtime)
    result = meera("orders", "import", "MB", path)
    assert isinstance(result.exception, SystemExit) and result.exit_code != 0
    assert "Traceback" not in result.output
    assert "line 3: the line holds a NUL character" in result.output
    assert snapshot(runtime) == before


def test_import_with_an_overflowing_total_names_its_line(meera, runtime, tmp_path):
    path = csv_file(tmp_path,
                    "MB-0001,2026-10-02 10:30,Ravi,+919811111111,Cake,999999,999999999999.00,"
                    "ready,0",
                    "MB-0001,2026-10-02 10:30,Ravi,+919811111111,Gold,999999,999999999999.00,"
                    "ready,0")
    before = snapshot(runtime)
    result = meera("orders", "import", "MB", path)
    assert isinstance(result.exception, SystemExit) and result.exit_code != 0
    assert "line 2: order MB-0001: its total" in result.output
    assert snapshot(runtime) == before
