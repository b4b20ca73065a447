"""Telegram text and profile names that try to hide or rewrite lines (issue 15,
points 7 and 8): a NUL, a lone surrogate, terminal escapes and a bidi override in
the message and the sender's name are cleaned away; the message is answered as
usual (on PostgreSQL too, where a NUL cannot be stored) and the name is kept clean."""

from __future__ import annotations

from sqlalchemy import select
from standins.telegram import FakeBotAPI
from support.telegram import RAVI, SECRET, update

from bot.app import create_app
from bot.channels.telegram.bridge import TelegramBridge
from bot.channels.telegram.web import SECRET_HEADER
from bot.runtime import Runtime
from store.db import unit_of_work
from store.models import Chat


def test_a_poisoned_message_and_name_are_cleaned_and_answered(
    bridge: TelegramBridge, api: FakeBotAPI, demo: Runtime
) -> None:
    data = update("text", message__text="AK-1001\x00\ud800",
                  from__first_name="Ravi\x1b[2J\x07\u202eKumar\u202c",
                  from__last_name="🙂\u200d")
    client = create_app(runtime=bridge.runtime).test_client()
    response = client.post("/webhooks/telegram", json=data, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    assert "AK-1001" in api.sent_messages(RAVI)[0].params["text"]
    with unit_of_work(demo.sessions) as session:
        names = session.scalars(select(Chat.display_name).where(Chat.channel == "telegram")).all()
    assert names == ["RaviKumar 🙂\u200d"]
