"""The database goes away under a running app, and comes back: /healthz says 503,
messages get 503 without a traceback and nothing half-written, and the app serves
again when the database returns, without a restart."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from support import ON_POSTGRES, TEST_DATABASE_URL, ChatDriver
from support.tcp_proxy import TcpProxy

from bot.app import create_app
from bot.bootstrap import build_runtime
from bot.runtime import Unavailable
from store.db import unit_of_work
from store.models import Chat, InboundDelivery

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="a database server to cut needs PostgreSQL")


@pytest.fixture
def proxied(demo, config, clock):
    url = make_url(TEST_DATABASE_URL)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432)).start()
    proxied_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    runtime = build_runtime(config.with_(database_url=proxied_url), clock=clock)
    yield runtime, proxy
    proxy.cut()
    runtime.close()


def test_database_down_and_back(proxied, caplog) -> None:
    runtime, proxy = proxied
    client = create_app(runtime=runtime).test_client()
    driver = ChatDriver(runtime, address="down-test", phone=None)
    assert client.get("/healthz").status_code == 200
    assert "Order AK-1001" in driver.text("AK-1001")

    proxy.cut()
    caplog.set_level(logging.ERROR)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json == {"status": "unavailable"}
    with pytest.raises(Unavailable):
        driver.say("AK-1003")
    assert not any(r.exc_info for r in caplog.records), "a traceback was logged"

    proxy.restore()
    assert client.get("/healthz").status_code == 200
    assert "Order AK-1003" in driver.text("AK-1003")
    with unit_of_work(runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Chat).where(
            Chat.address == "down-test")) == 1
        assert session.scalar(select(func.count()).select_from(InboundDelivery)) == 0
