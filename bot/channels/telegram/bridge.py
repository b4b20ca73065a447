"""The Telegram channel (python-telegram-bot 22).

PTB is async and Flask is not, so each process keeps one asyncio loop in a thread of
its own, owning the `telegram.Bot`: the webhook route, the outbox sender and long
polling all hand their coroutines to it (`TelegramBridge.run`). Database work leaves
the loop through `asyncio.to_thread`, so a slow query never stalls the bot.

    update ─> to_inbound (commands, buttons, contact, getFile) ─> respond(…, update_id)
           ─> answerCallbackQuery ─> parts_of(replies) ─> sendMessage / sendPhoto / edit
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from telegram import BotCommand, CallbackQuery, Message, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, ExtBot, TypeHandler

from bot.channels.telegram.inbound import CHANNEL, split_view_mark, to_inbound
from bot.channels.telegram.outbound import (
    EditTarget,
    Outbound,
    Pacer,
    Part,
    parts_of,
    retry_seconds,
)
from bot.config import Config
from bot.runtime import Runtime, SendResult, Unavailable, respond
from handlers import i18n
from handlers.types import Inbound, Reply
from store import pacing
from store.db import unit_of_work
from store.models import OutboxMessage

log = logging.getLogger("orderbot.telegram")

T = TypeVar("T")
ALLOWED_UPDATES = ["message", "callback_query"]
SEND_RATE = 28.8  # a second, of Telegram's 30 for a bot (bot/worker.py says why)
COMMANDS = ("start", "track", "myorders", "language", "help")
WAIT = 120.0  # seconds sync code waits for one coroutine on the bot's loop


def make_bot(config: Config) -> ExtBot:
    if not config.telegram_bot_token:
        raise RuntimeError("TELEGRAM_BOT_TOKEN is not set")
    return ExtBot(
        config.telegram_bot_token,
        base_url=config.telegram_api_base_url,
        base_file_url=config.telegram_files_url,
    )


async def register_commands(bot: ExtBot) -> None:
    """The command menu, in English for everyone and in Hindi for Hindi clients."""
    for lang in i18n.LANGUAGES:
        commands = [BotCommand(name, i18n.t(f"telegram.command.{name}", lang)) for name in COMMANDS]
        await bot.set_my_commands(commands, language_code=None if lang == "en" else lang)


def shared_pacer(runtime: Runtime) -> Pacer:
    """This process's pacer, with the pace of every other process: one message a
    second to a chat, and the bot's overall pace, the outbox worker's included."""
    def reserve(key: str, per_second: float) -> float:
        with unit_of_work(runtime.sessions) as session:
            return pacing.reserve(session, key, per_second)

    def reserve_some(keys: list[tuple[str, float]]) -> list[float]:
        """The keys' slots in order in one transaction, up to the first that lies ahead:
        the bot's slot is taken only once the chat's is reached, as one by one."""
        slots: list[float] = []
        with unit_of_work(runtime.sessions) as session:
            for key, per_second in keys:
                slots.append(pacing.reserve(session, key, per_second))
                if slots[-1] > time.time():
                    break
        return slots

    return Pacer(overall=1 / runtime.config.send_rate(CHANNEL, SEND_RATE), reserve=reserve,
                 reserve_some=reserve_some)


class TelegramBridge:
    """The process's bot and its event loop (see the module's docstring)."""

    def __init__(self, runtime: Runtime, pacer: Pacer | None = None) -> None:
        self.runtime = runtime
        self.bot = make_bot(runtime.config)
        self.outbound = Outbound(self.bot, pacer or shared_pacer(runtime))
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="telegram-loop", daemon=True
        )
        self._thread.start()
        self._application: Application | None = None

    def run(
        self, coroutine: Coroutine[Any, Any, T], timeout: float = WAIT, *, init: bool = True
    ) -> T:
        """Run `coroutine` on the bot's loop and wait for its result (from any thread
        but the loop's own); the bot is initialised first unless `init` is False."""
        if init:
            coroutine = self._ready(coroutine)
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    async def _ready(self, coroutine: Coroutine[Any, Any, T]) -> T:
        try:
            await self.bot.initialize()  # getMe once; does nothing when already done
        except BaseException:
            coroutine.close()
            raise
        return await coroutine

    def close(self) -> None:
        if self.loop.is_closed():
            return
        try:
            if self._application is not None:
                self.run(self._stop_polling(), timeout=10, init=False)
            self.run(self.bot.shutdown(), timeout=10, init=False)
        except Exception:  # closing must finish even when the API is gone
            log.warning("telegram bot did not shut down cleanly", exc_info=True)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()

    # ── incoming ────────────────────────────────────────────────────────────

    def parse(self, data: dict[str, Any]) -> Update:
        """An update from a webhook body; ValueError when it is not one."""
        if not isinstance(data.get("update_id"), int):
            raise ValueError("no update_id")
        try:
            update = Update.de_json(data, self.bot)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(str(exc)) from exc
        return update

    async def process(self, update: Update) -> None:
        """Answer one update, once: a repeat of an update_id sends nothing."""
        try:
            inbound = await to_inbound(update, self.bot)
            if inbound is None:
                return
            parts = await asyncio.to_thread(self._parts, inbound, update.update_id)
            if parts is None:
                log.info("telegram update %s seen before: not answered again", update.update_id)
                return
            if update.callback_query is not None:
                await self._answer(update.callback_query)
            if isinstance(parts, Exception):
                raise parts
            edit = _edit_target(update.callback_query)
            await self.outbound.reply(int(inbound.address), parts, edit)
        except Unavailable:
            raise  # nothing was written: the webhook answers 503 and Telegram delivers again
        except Exception:
            log.exception("telegram update %s failed", update.update_id)
            await self._apologise(update)

    def _parts(self, inbound: Inbound, update_id: int) -> list[Part] | Exception | None:
        """The core's answer as Bot API messages, in one trip off the loop (each trip is
        a thread hand-over and a wake-up of the loop); None when the update was seen
        before. A failure to render them is returned, raised once the press is answered."""
        replies = respond(self.runtime, inbound, delivery_id=str(update_id), replay=False)
        if not replies:
            return None
        try:
            return parts_of(replies)
        except Exception as exc:
            return exc

    async def _answer(self, query: CallbackQuery) -> None:
        """Every press is answered (the client's spinner stops), exactly once."""
        try:
            await query.answer()
        except TelegramError as exc:  # too old to answer: the reply still goes
            log.info("callback query %s not answered: %s", query.id, exc.message)

    async def _apologise(self, update: Update) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        user = update.effective_user
        lang = i18n.normalize_language(user.language_code if user else None)
        text = i18n.t("error.sorry", lang or self.runtime.settings.default_locale)
        try:
            await self.bot.send_message(chat.id, text)
        except TelegramError:
            log.warning("could not apologise to telegram chat %s", chat.id)

    # ── long polling ────────────────────────────────────────────────────────

    def start_polling(self) -> None:
        self.run(self._start_polling())

    async def _start_polling(self) -> None:
        application = Application.builder().bot(self.bot).build()
        application.add_handler(TypeHandler(Update, self._on_update))
        application.add_error_handler(_log_error)
        await application.initialize()
        await application.start()
        # start_polling deletes a webhook left from webhook mode first.
        await application.updater.start_polling(
            allowed_updates=ALLOWED_UPDATES, error_callback=_polling_failed
        )
        self._application = application
        try:
            await register_commands(self.bot)
        except TelegramError as exc:
            log.warning("telegram commands not registered: %s", exc.message)

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self.process(update)
        except Unavailable:  # polling has taken the update already; one line, no apology
            log.warning("telegram update %s not answered: database unavailable", update.update_id)

    async def _stop_polling(self) -> None:
        application, self._application = self._application, None
        if application is None:
            return
        if application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()


def _polling_failed(exc: TelegramError) -> None:
    # PTB keeps polling with back-off; one line each time, not a traceback.
    log.warning("telegram polling: %s", exc)


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("telegram: %s", context.error, exc_info=context.error)


def _edit_target(query: CallbackQuery | None) -> EditTarget | None:
    """The view a button was pressed on, if the press may replace it in place."""
    if query is None or not isinstance(query.message, Message) or not query.message.text:
        return None
    _payload, view = split_view_mark(query.data or "")
    if view is None:
        return None
    return EditTarget(query.message.chat.id, query.message.message_id, view)


_bridges_lock = threading.Lock()


def bridge_for(runtime: Runtime) -> TelegramBridge:
    """The process's one bridge for `runtime`, made on first use (after any fork)."""
    with _bridges_lock:
        bridge = runtime.services.telegram
        if bridge is None:
            bridge = runtime.services.telegram = TelegramBridge(runtime)
        return bridge


def close_bridge(runtime: Runtime) -> None:
    with _bridges_lock:
        bridge, runtime.services.telegram = runtime.services.telegram, None
    if bridge is not None:
        bridge.close()


class TelegramSender:
    """Delivers outbox messages (notices, vendor prompts) on Telegram. A message whose
    first parts went out before a failure resumes after them, so nothing is sent twice."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def send(self, session: Session, message: OutboxMessage, replies: list[Reply]) -> SendResult:
        try:
            chat_id = int(message.address)
        except ValueError:
            return SendResult(ok=False, permanent=True, error=f"not a chat id: {message.address}")
        done = _parts_done(message.provider_message_id)
        parts = parts_of(replies)[done:]
        sent: list[int] = []
        bridge = bridge_for(self.runtime)
        try:
            bridge.run(bridge.outbound.send_all(chat_id, parts, sent))
        except Exception as exc:
            if sent:
                message.provider_message_id = f"partial:{done + len(sent)}:{sent[-1]}"
            return _failure(exc)
        return SendResult(ok=True, provider_id=str(sent[-1]) if sent else None)


def _parts_done(provider_id: str | None) -> int:
    """How many parts an earlier attempt already sent ("partial:N:last_message_id")."""
    if provider_id and provider_id.startswith("partial:"):
        return int(provider_id.split(":")[1])
    return 0


def _failure(exc: Exception) -> SendResult:
    error = f"{exc.__class__.__name__}: {exc}"
    if isinstance(exc, RetryAfter):
        return SendResult(ok=False, retry_after=retry_seconds(exc), error=error)
    if isinstance(exc, Forbidden | ChatMigrated):  # blocked, kicked, or moved elsewhere
        return SendResult(ok=False, permanent=True, error=error)
    if isinstance(exc, BadRequest):  # chat not found, bad markup: sending again cannot help
        return SendResult(ok=False, permanent=True, error=error)
    if not isinstance(exc, TelegramError | TimeoutError):
        log.error("telegram sender failed", exc_info=exc)
    return SendResult(ok=False, error=error)  # network, 5xx, timeout: retried with back-off


def make_sender(runtime: Runtime) -> TelegramSender | None:
    """Outbox messages on Telegram, when a token is configured."""
    return TelegramSender(runtime) if runtime.config.telegram_bot_token else None
