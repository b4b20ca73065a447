"""Webhook mode: `POST /webhooks/telegram` on the Flask app, the secret header, once-only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from standins.telegram import FakeBotAPI
from support.telegram import RAVI, SECRET, update

from bot.app import create_app
from bot.channels.telegram.bridge import TelegramBridge
from bot.channels.telegram.web import SECRET_HEADER
from bot.runtime import Runtime
from handlers import i18n
from store.db import unit_of_work
from store.models import InboundDelivery

URL = "/webhooks/telegram"


def deliveries(runtime: Runtime) -> int:
    with unit_of_work(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(InboundDelivery))


@pytest.fixture
def web(bridge: TelegramBridge):
    return create_app(runtime=bridge.runtime).test_client()


def test_the_right_secret_is_answered_with_the_order_view(web, api: FakeBotAPI) -> None:
    response = web.post(URL, json=update("text"), headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    assert "AK-1001" in api.sent_messages(RAVI)[0].params["text"]


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: ""}])
def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(
    web, api: FakeBotAPI, demo: Runtime, headers: dict[str, str]
) -> None:
    response = web.post(URL, json=update("text"), headers=headers)
    assert response.status_code == 403
    assert api.sent_messages() == [] and deliveries(demo) == 0


@pytest.mark.parametrize(
    "body", ["not json", "[1, 2]", '{"no": "update_id"}', '{"update_id": 1, "message": 7}']
)
def test_a_body_that_is_not_an_update_is_a_400(web, api: FakeBotAPI, body: str) -> None:
    response = web.post(
        URL, data=body, content_type="application/json", headers={SECRET_HEADER: SECRET}
    )
    assert response.status_code == 400
    assert api.sent_messages() == []


def test_the_same_update_id_twice_is_processed_once(web, api: FakeBotAPI, demo: Runtime) -> None:
    for _ in range(2):
        response = web.post(URL, json=update("text"), headers={SECRET_HEADER: SECRET})
        assert response.status_code == 200
    assert len(api.sent_messages(RAVI)) == 2  # the view and its QR, once
    assert deliveries(demo) == 1


def test_a_failing_handler_still_answers_200_with_an_apology(
    web, api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("bot.runtime.handle", broken)
    response = web.post(URL, json=update("text"), headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    sorry = i18n.t("error.sorry", "hi")  # the fixture's user writes in Hindi
    assert [c.params["text"] for c in api.sent_messages(RAVI)] == [sorry]


def test_a_failure_outside_the_core_still_answers_200(
    web, api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args, **_kwargs):
        raise RuntimeError("a bug in the adapter")

    monkeypatch.setattr("bot.channels.telegram.bridge.to_inbound", broken)
    response = web.post(URL, json=update("text"), headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    assert [c.params["text"] for c in api.sent_messages(RAVI)] == [i18n.t("error.sorry", "hi")]


def test_webhook_mode_without_a_secret_refuses_to_start(demo: Runtime) -> None:
    demo.config = demo.config.with_(telegram_webhook_secret=None)
    with pytest.raises(RuntimeError, match="TELEGRAM_WEBHOOK_SECRET"):
        create_app(runtime=demo)


def test_polling_mode_takes_no_webhooks(demo: Runtime, api: FakeBotAPI) -> None:
    demo.config = demo.config.with_(telegram_mode="polling")
    web = create_app(runtime=demo).test_client()
    response = web.post(URL, json=update("text"), headers={SECRET_HEADER: SECRET})
    assert response.status_code == 404 and api.calls == []
