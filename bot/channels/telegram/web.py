"""How Telegram runs beside the web app: the webhook route (webhook mode), the polling
thread `orderbot serve` starts (polling mode), and `orderbot telegram set-webhook`."""

from __future__ import annotations

import asyncio
import hmac
import logging
import threading

import click
from flask import Blueprint, Response, request
from telegram.error import TelegramError

from bot.api import json_input
from bot.channels.telegram.bridge import (
    ALLOWED_UPDATES,
    bridge_for,
    close_bridge,
    make_bot,
    register_commands,
)
from bot.config import Config
from bot.runtime import Runtime, Unavailable

log = logging.getLogger("orderbot.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/webhooks/telegram"
MODES = ("polling", "webhook")
RETRY_START = 10.0  # seconds between attempts to start polling while the API is unreachable


def check_config(config: Config) -> None:
    """Refuse to start with a Telegram set-up that cannot work safely."""
    if not config.telegram_bot_token:
        return
    if config.telegram_mode not in MODES:
        raise RuntimeError(f"TELEGRAM_MODE must be one of {', '.join(MODES)}")
    if config.telegram_mode == "webhook" and not config.telegram_webhook_secret:
        raise RuntimeError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook")


def _secret_matches(expected: str | None, given: str | None) -> bool:
    if not expected or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def blueprint(runtime: Runtime) -> Blueprint:
    config = runtime.config
    check_config(config)
    routes = Blueprint("telegram", __name__)

    @routes.post(WEBHOOK_PATH)
    def telegram_webhook() -> tuple[Response | str, int]:
        if not config.telegram_bot_token or config.telegram_mode != "webhook":
            return "not in webhook mode\n", 404
        if not _secret_matches(config.telegram_webhook_secret, request.headers.get(SECRET_HEADER)):
            return "forbidden\n", 403
        try:
            data = json_input.loads(request.get_data())
        except json_input.BadJson:  # not JSON, or nested past any real update
            data = None
        if not isinstance(data, dict):
            return "a JSON update is expected\n", 400
        bridge = bridge_for(runtime)
        try:
            update = bridge.parse(data)
        except ValueError:
            return "not a Telegram update\n", 400
        try:
            bridge.run(bridge.process(update))
        except Unavailable:
            raise  # 503: Telegram delivers the update again once the database is back
        except Exception:  # answered 200 all the same: Telegram must not redeliver it forever
            log.exception("telegram webhook update %s failed", data.get("update_id"))
        return "", 200

    return routes


def start_polling(runtime: Runtime, stop: threading.Event) -> list[threading.Thread]:
    """The long-polling thread `orderbot serve` runs, when a token is set and the mode
    is polling."""
    config = runtime.config
    if not config.telegram_bot_token:
        return []
    check_config(config)
    lines = runtime.services.demo_lines
    if config.telegram_mode == "webhook":
        lines.append(f"Telegram hook: {{base}}{WEBHOOK_PATH} (webhook mode)")
        return []
    lines.append("Telegram:      polling for updates")
    thread = threading.Thread(
        target=_poll_until, args=(runtime, stop), name="telegram-polling", daemon=True
    )
    thread.start()
    return [thread]


def _poll_until(runtime: Runtime, stop: threading.Event) -> None:
    bridge = bridge_for(runtime)
    while not stop.is_set():
        try:
            bridge.start_polling()
            log.info("telegram: polling for updates")
            break
        except Exception as exc:
            log.warning("telegram polling could not start (%s); retrying", exc)
            stop.wait(RETRY_START)
    stop.wait()
    close_bridge(runtime)


@click.group()
def telegram() -> None:
    """The Telegram bot's set-up with Telegram."""


@telegram.command("set-webhook")
def set_webhook() -> None:
    """Register PUBLIC_BASE_URL/webhooks/telegram (with the secret) and the commands."""
    config = Config.from_env()
    if not config.telegram_bot_token:
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set")
    if not config.telegram_webhook_secret:
        raise click.ClickException("TELEGRAM_WEBHOOK_SECRET is not set")
    url = f"{config.public_base_url}{WEBHOOK_PATH}"

    async def register() -> None:
        async with make_bot(config) as bot:
            await bot.set_webhook(
                url, secret_token=config.telegram_webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
            await register_commands(bot)

    try:
        asyncio.run(register())
    except TelegramError as exc:
        raise click.ClickException(f"Telegram refused: {exc.message}") from exc
    click.echo(f"webhook set: {url}")
    click.echo("commands set: English (default) and Hindi (hi)")
    if config.telegram_mode != "webhook":
        click.echo("note: set TELEGRAM_MODE=webhook for `orderbot serve` to take the updates")
