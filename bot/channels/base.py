"""What a channel is, as the rest of the bot sees it: one typed description each
channel package exports (`bot/channels/<name>/__init__.py: CHANNEL`). This module
imports none of the channels nor anything that reads them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click
    from flask import Blueprint

    from bot.config import Config
    from bot.runtime import Runtime, Sender
    from handlers.types import CodeSender


def _no_blueprints(runtime: Runtime) -> list[Blueprint]:
    return []


def _no_sender(runtime: Runtime) -> Sender | None:
    return None


def _no_code_sender(config: Config) -> list[CodeSender]:
    return []


def _no_jobs(runtime: Runtime, stop: threading.Event) -> list[threading.Thread]:
    return []


@dataclass(frozen=True)
class Channel:
    """One channel: everything wiring, routes, commands, the worker and the outbox
    need to know of it."""

    name: str  # the `Chat.channel` of its chats ("whatsapp", "telegram", "web", "console")
    # Its webhooks and pages (built per app; an empty list when it has none or is off).
    blueprints: Callable[[Runtime], list[Blueprint]] = _no_blueprints
    # Delivers its outbox messages, when configured (None: the outbox is read otherwise).
    sender: Callable[[Runtime], Sender | None] = _no_sender
    # Ways it can deliver a one-time code, in the order they are tried.
    code_senders: Callable[[Config], list[CodeSender]] = _no_code_sender
    # Command groups it adds to `orderbot`.
    commands: tuple[click.Command, ...] = ()
    # Threads `orderbot serve` runs for it beside the web app.
    background: Callable[[Runtime, threading.Event], list[threading.Thread]] = _no_jobs
    # Sends per second, a little under the platform's own limit (None: not paced).
    send_rate: float | None = None
    # Threads delivering it in one worker (None: the worker's default).
    lanes: int | None = None
    # How a phone becomes its address ("whatsapp:{phone}"); None when its addresses are
    # not phones (a Telegram chat id, a browser's id).
    phone_address: str | None = None
    # Whether it is where staff hear of proofs and orders when this set-up can use it.
    staff_channel: Callable[[Config], bool] | None = None
