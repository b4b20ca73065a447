"""Fault suite: 50 deliveries of the same update_id to the webhook at once — one
processing, one answer sent to the user, every delivery answered 200."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from standins.telegram import FakeBotAPI
from support.telegram import RAVI, SECRET, update

from bot.app import create_app
from bot.channels.telegram.bridge import TelegramBridge
from bot.channels.telegram.web import SECRET_HEADER
from store.db import unit_of_work
from store.models import InboundDelivery

THREADS = 50


def test_fifty_copies_of_one_update_at_once(bridge: TelegramBridge, api: FakeBotAPI) -> None:
    app = create_app(runtime=bridge.runtime)
    data = update("text")
    start = threading.Barrier(THREADS)
    statuses: list[int] = []
    lock = threading.Lock()

    def deliver() -> None:
        client = app.test_client()
        start.wait(timeout=30)
        response = client.post("/webhooks/telegram", json=data, headers={SECRET_HEADER: SECRET})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=deliver) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [200] * THREADS
    sent = api.sent_messages(RAVI)
    assert len(sent) == 2 and "AK-1001" in sent[0].params["text"]  # the view and its QR, once
    with unit_of_work(bridge.runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(InboundDelivery)) == 1
