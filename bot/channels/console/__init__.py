"""The terminal chat, `orderbot chat` (chat.py): its address is the phone itself."""

from __future__ import annotations

from bot.channels.base import Channel
from bot.channels.console import chat

CHANNEL = Channel(
    name=chat.CHANNEL,
    phone_address="{phone}",
    staff_channel=lambda config: True,  # where staff hear of things when nothing else can
)
