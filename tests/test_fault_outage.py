"""The database is cut (a TCP proxy, as in test_fault_database) under a running app:
Telegram's webhook answers 503 and sends nothing, so Telegram delivers again; pages,
the lookup, the API and the shipping webhook answer 503 with Retry-After (JSON where
the route speaks JSON), never a 500 page; all of it serves again when it is back."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.engine import make_url
from standins.telegram import FakeBotAPI
from support import ON_POSTGRES, TEST_DATABASE_URL
from support.api import bearer, new_key
from support.tcp_proxy import TcpProxy

from bot.app import create_app
from bot.bootstrap import build_runtime
from bot.channels.telegram.bridge import TelegramBridge, close_bridge
from bot.channels.telegram.outbound import Pacer
from bot.channels.telegram.web import SECRET_HEADER
from handlers.orders.links import order_page_path
from store.db import unit_of_work
from store.queries import order_by_number

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="a database server to cut needs PostgreSQL")

SECRET = "webhook-secret_1"
UPDATE = {
    "update_id": 91001,
    "message": {
        "message_id": 5,
        "date": 1795545700,
        "chat": {"id": 777000111, "type": "private"},
        "from": {"id": 777000111, "is_bot": False, "first_name": "Ravi", "language_code": "en"},
        "text": "AK-1001",
    },
}


@pytest.fixture
def outage(demo, config, clock):
    key = new_key(demo)
    with unit_of_work(demo.sessions) as session:
        order_id = order_by_number(session, "AK-1001").id
    url = make_url(TEST_DATABASE_URL)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432)).start()
    proxied_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    with FakeBotAPI() as api:
        runtime = build_runtime(config.with_(
            database_url=proxied_url,
            telegram_bot_token=api.token,
            telegram_api_base_url=api.base_url,
            telegram_file_base_url=api.file_base_url,
            telegram_mode="webhook",
            telegram_webhook_secret=SECRET,
            shipping_secrets={"generic": "gen-secret"},
        ), clock=clock)
        runtime.services.telegram = TelegramBridge(runtime, Pacer(overall=0, per_chat=0))
        client = create_app(runtime=runtime).test_client()
        yield client, proxy, api, key, order_page_path(runtime.settings.secret_key, order_id)
        proxy.cut()
        close_bridge(runtime)
        runtime.close()


def _requests(key: str, page: str) -> dict[str, tuple[str, str, dict]]:
    shipping = {"order_number": "AK-1001", "status": "in_transit"}
    return {
        "order page": ("GET", page, {}),
        "lookup": ("GET", "/orders/track?orderNumber=AK-1001", {}),
        "api read": ("GET", "/api/v1/orders/AK-1001", {"headers": bearer(key)}),
        "api write": ("POST", "/api/v1/orders/AK-1001/status",
                      {"headers": bearer(key), "json": {"status": "ready"}}),
        "shipping": ("POST", "/webhooks/shipping/generic",
                     {"headers": {"X-Orderbot-Token": "gen-secret"}, "json": shipping}),
    }


def test_everything_answers_503_with_retry_after_while_the_database_is_down(
    outage, caplog
) -> None:
    client, proxy, api, key, page = outage
    requests = _requests(key, page)
    for method, path, kwargs in requests.values():
        assert client.open(path, method=method, **kwargs).status_code < 500

    proxy.cut()
    caplog.set_level(logging.ERROR)
    for name, (method, path, kwargs) in requests.items():
        response = client.open(path, method=method, **kwargs)
        assert response.status_code == 503, name
        assert response.headers["Retry-After"].isdigit(), name
        if path.startswith(("/api/", "/webhooks/")):
            assert response.json["error"]["code"] == "unavailable", name
        else:
            assert response.mimetype == "text/html", name
            assert "Traceback" not in response.text and "Internal Server Error" not in response.text
    assert not any(r.exc_info for r in caplog.records), "a traceback was logged"

    proxy.restore()
    assert client.get(page).status_code == 200


def test_telegram_webhook_answers_503_and_sends_nothing_then_takes_the_redelivery(
    outage,
) -> None:
    client, proxy, api, _key, _page = outage
    proxy.cut()
    response = client.post("/webhooks/telegram", json=UPDATE, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert api.sent_messages() == []  # no "Sorry, something went wrong"

    proxy.restore()
    response = client.post("/webhooks/telegram", json=UPDATE, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    assert "AK-1001" in api.sent_messages(777000111)[0].params["text"]
