"""Every product name the channel doubles (`support.person`, `support.whatsapp`,
`support.telegram`) and the every-channel fixtures use, in one place: when modules
move, this is the file to re-point."""

from __future__ import annotations

from bot.app import create_app
from bot.config import Config
from bot.bootstrap import build_runtime
from bot.channels.telegram.bridge import TelegramBridge, close_bridge
from bot.channels.telegram.outbound import Pacer
from bot.channels.whatsapp.media import TwilioMediaFetcher
from bot.runtime import Runtime, respond
from bot.worker import run_once
from handlers import notices
from handlers.types import Inbound, Media, Reply
from store.db import unit_of_work
from store.demo import seed
from store.outbox import pending_for

__all__ = [
    "Config",
    "Inbound",
    "Media",
    "Pacer",
    "Reply",
    "Runtime",
    "TelegramBridge",
    "TwilioMediaFetcher",
    "build_runtime",
    "close_bridge",
    "create_app",
    "deliver_outbox",
    "queued_notices",
    "respond",
    "seed",
    "unit_of_work",
]


def deliver_outbox(runtime: Runtime, channel: str) -> None:
    """What the worker would send on `channel` now, sent."""
    while run_once(runtime, channels=[channel]):
        pass


def queued_notices(runtime: Runtime, channel: str, address: str, seen: set[int]) -> list[Reply]:
    """Messages queued for one chat that `seen` does not hold yet, rendered as the
    terminal prints them when it opens (the console has no worker: it reads its own)."""
    with unit_of_work(runtime.sessions) as session:
        rows = [row for row in pending_for(session, channel, address) if row.id not in seen]
        seen.update(row.id for row in rows)
        return [reply for row in rows for reply in notices.render(session, row)]
