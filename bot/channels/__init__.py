"""Every channel the bot speaks on, listed once. Wiring, routes, commands, the
background jobs, the worker's rates and lanes and the outbox's phone addresses all
read this list: adding a channel is one package under bot/channels/ and one line here."""

from __future__ import annotations

from bot.channels import console, telegram, webchat, whatsapp
from bot.channels.base import Channel

CHANNELS: list[Channel] = [
    whatsapp.CHANNEL,
    telegram.CHANNEL,
    webchat.CHANNEL,
    console.CHANNEL,  # last: staff hear of things here only when no channel before it can
]


def channel_named(name: str) -> Channel | None:
    return next((c for c in CHANNELS if c.name == name), None)
