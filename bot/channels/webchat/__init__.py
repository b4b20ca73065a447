"""The web chat playground at /chat (chat.py), when switched on."""

from __future__ import annotations

from bot.channels.base import Channel
from bot.channels.webchat import chat

CHANNEL = Channel(name=chat.CHANNEL, blueprints=chat.blueprints)
