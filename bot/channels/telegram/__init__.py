"""Telegram through python-telegram-bot: the bot on its own event loop (bridge.py),
updates into the core's messages (inbound.py), replies into Telegram's parts and the
pacing (outbound.py), and the webhook, polling and `orderbot telegram` (web.py)."""

from __future__ import annotations

from bot.channels.base import Channel
from bot.channels.telegram import web
from bot.channels.telegram.bridge import SEND_RATE, make_sender
from bot.channels.telegram.inbound import CHANNEL as NAME

CHANNEL = Channel(
    name=NAME,
    blueprints=lambda runtime: [web.blueprint(runtime)],  # /webhooks/telegram (webhook mode)
    sender=make_sender,
    commands=(web.telegram,),  # telegram set-webhook
    background=web.start_polling,
    send_rate=SEND_RATE,
    lanes=4,
)
