"""The core's replies as Bot API calls: text with inline keyboards, images as photos,
a "share my phone" reply keyboard, views edited in place on refresh, and pacing
within Telegram's flood limits."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from telegram.constants import MessageLimit
from telegram.error import BadRequest, RetryAfter

from bot.channels.telegram.inbound import VIEW_MARK
from handlers.types import Button, Reply

log = logging.getLogger("orderbot.telegram")

CALLBACK_LIMIT = 64  # bytes of callback_data Telegram accepts
BUTTONS_PER_ROW = 2
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


@dataclass(frozen=True)
class Part:
    """One Bot API message a reply becomes."""

    text: str
    markup: Markup | None = None
    photo: bytes | None = None
    document: bytes | None = None  # a file Telegram must not re-encode (a PDF receipt)
    filename: str | None = None  # the document's name as the recipient sees it
    view: str | None = None  # the key of a view that may replace an earlier one in place

    @property
    def has_file(self) -> bool:
        return self.photo is not None or self.document is not None


EXTENSIONS = {"application/pdf": "pdf", "image/webp": "webp"}


def document_name(alt: str, content_type: str) -> str:
    """"Payment proof 12 for AK-1001" -> "Payment-proof-12-for-AK-1001.pdf"."""
    stem = re.sub(r"[^\w-]+", "-", alt, flags=re.ASCII).strip("-")[:60] or "file"
    return f"{stem}.{EXTENSIONS.get(content_type, 'bin')}"


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked us to wait (an int, or a timedelta with PTB_TIMEDELTA)."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def callback_data(button: Button, view: str | None) -> str | None:
    """The button's payload, marked with the view it sits on when that still fits in
    Telegram's 64 bytes; None when even the payload does not fit."""
    if view is not None:
        marked = f"{button.payload}{VIEW_MARK}{view}"
        if len(marked.encode()) <= CALLBACK_LIMIT:
            return marked
    if len(button.payload.encode()) <= CALLBACK_LIMIT:
        return button.payload
    log.error("button payload over %d bytes left out: %r", CALLBACK_LIMIT, button.payload)
    return None


def inline_keyboard(buttons: tuple[Button, ...], view: str | None) -> InlineKeyboardMarkup | None:
    keys = [
        InlineKeyboardButton(b.label, callback_data=data)
        for b in buttons
        if (data := callback_data(b, view)) is not None
    ]
    if not keys:
        return None
    rows = [keys[i : i + BUTTONS_PER_ROW] for i in range(0, len(keys), BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup(rows)


def contact_keyboard(label: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label, request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def chunks(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Text cut into messages Telegram accepts, at line ends where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return pieces + [text] if text.strip() else pieces


def parts_of(replies: list[Reply]) -> list[Part]:
    """The messages for `replies`; images are rendered here (call it off the event loop)."""
    parts: list[Part] = []
    for reply in replies:
        keyboard = inline_keyboard(reply.buttons, reply.refresh_of)
        contact = contact_keyboard(reply.request_contact) if reply.request_contact else None
        texts = chunks(reply.text)
        if reply.image is not None:
            caption_fits = len(reply.text) <= MessageLimit.CAPTION_LENGTH
            image = reply.image
            # JPEG and PNG go as photos; anything else (a PDF receipt, a WebP) as a document.
            as_photo = image.content_type in ("image/jpeg", "image/png")
            data = image.render()
            parts.append(
                Part(
                    reply.text if caption_fits else "",
                    markup=keyboard if caption_fits else None,
                    photo=data if as_photo else None,
                    document=None if as_photo else data,
                    filename=None if as_photo else document_name(image.alt, image.content_type),
                )
            )
            texts = [] if caption_fits else texts
        for n, text in enumerate(texts, start=1):
            last = n == len(texts)
            view = reply.refresh_of if len(texts) == 1 else None
            parts.append(Part(text, markup=(keyboard or contact) if last else None, view=view))
        if contact is not None and (keyboard is not None or not texts):
            # One message carries one keyboard: the "share my phone" one goes on its own.
            parts.append(Part(str(reply.request_contact), markup=contact))
    return parts


# (key, sends a second) -> the moment of the slot taken, in seconds since the epoch
Reserve = Callable[[str, float], float]
# [(key, sends a second), …] -> the slots taken, in order, in one trip to the database,
# stopping after the first that lies ahead (the next may only be taken once it is reached)
ReserveSome = Callable[[list[tuple[str, float]]], list[float]]
OVERALL_KEY = "send:telegram"  # the bot's pace, shared with the outbox worker's sends


class Pacer:
    """Keeps sends within Telegram's flood limits: about 30 messages a second in all and
    one a second in any one chat.

    With `reserve` (the database's even pace, store/pacing.py) every process shares
    both: the bot's pace with the outbox worker's Telegram sends, and each chat's, so
    that any number of web workers answer as one. Without it (tests), or while the
    database cannot be reached, this process's own gaps hold, counted from when the
    previous send finished."""

    def __init__(
        self,
        overall: float = 1 / 28,
        per_chat: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        reserve: Reserve | None = None,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        reserve_some: ReserveSome | None = None,
    ) -> None:
        self.overall = overall
        self.per_chat = per_chat
        self.reserve = reserve
        self.reserve_some = reserve_some
        self._clock = clock
        self._wall = wall
        self._sleep = sleep
        self._next_any = 0.0
        self._next_in: dict[int, float] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._any_lock: asyncio.Lock | None = None

    @asynccontextmanager
    async def turn(self, chat_id: int, from_worker: bool = False) -> AsyncIterator[None]:
        """Wait until a message may go to `chat_id`, then hold the chat while it goes.
        `from_worker`: the outbox worker took the bot's pace already, inside the
        transaction of its delivery (which, on SQLite, a slot of our own would wait for):
        only this process's gap per chat holds."""
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            if from_worker or not await self._shared(chat_id):
                await self._until(self._next_in.get(chat_id, 0.0))
                if not from_worker:
                    self._any_lock = self._any_lock or asyncio.Lock()
                    async with self._any_lock:
                        await self._until(self._next_any)
                        self._next_any = self._clock() + self.overall
            try:
                yield
            finally:
                self._next_in[chat_id] = self._clock() + self.per_chat
        self._forget_idle()

    async def _shared(self, chat_id: int) -> bool:
        """Take the chat's slot, then the bot's, from the database and wait for each;
        False (nothing taken) when there is no database pace or it failed."""
        if self.reserve is None and self.reserve_some is None:
            return False
        keys = [(key, 1 / gap) for key, gap in ((f"telegram:chat:{chat_id}", self.per_chat),
                                                (OVERALL_KEY, self.overall)) if gap > 0]
        try:
            while keys:
                slots = await asyncio.to_thread(self._reserve_some, keys)
                for slot in slots:
                    wait = slot - self._wall()
                    if wait > 0:
                        await self._sleep(wait)
                keys = keys[len(slots):]
        except Exception as exc:  # the database is away: pace on our own meanwhile
            log.warning("shared Telegram pacing unavailable (%s); pacing this process alone",
                        exc.__class__.__name__)
            return False
        return True

    def _reserve_some(self, keys: list[tuple[str, float]]) -> list[float]:
        """With `reserve_some`, a chat idle for a second takes its slot and the bot's in
        one transaction (one thread trip, one commit, where two were); else one key."""
        if self.reserve_some is not None:
            return self.reserve_some(keys)
        assert self.reserve is not None
        return [self.reserve(*keys[0])]

    async def _until(self, moment: float) -> None:
        wait = moment - self._clock()
        if wait > 0:
            await self._sleep(wait)

    def _forget_idle(self) -> None:
        if len(self._next_in) < 1000:
            return
        now = self._clock()
        for chat_id, moment in list(self._next_in.items()):
            lock = self._chat_locks.get(chat_id)
            if moment < now and (lock is None or not lock.locked()):
                self._next_in.pop(chat_id, None)
                self._chat_locks.pop(chat_id, None)


@dataclass(frozen=True)
class EditTarget:
    """The message a pressed button sat on, which a view of the same key may replace."""

    chat_id: int
    message_id: int
    view: str


class PhotoIds:
    """Telegram's file_id of photos this bot has uploaded, by the SHA-256 of their bytes:
    the same QR (an order at an amount) goes to every chat that views it, and a photo
    sent by file_id is a small form post where an upload is a multipart body of the PNG
    (twice the CPU of a text message, and the upload's time on a real connection).

    A pure cache of this process: empty, every photo is uploaded as before; an entry
    Telegram no longer accepts is dropped and the photo uploaded again. Bounded, least
    recently used out first. Used on the bot's loop only (no lock)."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._ids: OrderedDict[bytes, str] = OrderedDict()

    @staticmethod
    def key(data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    def get(self, key: bytes) -> str | None:
        file_id = self._ids.get(key)
        if file_id is not None:
            self._ids.move_to_end(key)
        return file_id

    def put(self, key: bytes, file_id: str) -> None:
        self._ids[key] = file_id
        self._ids.move_to_end(key)
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)

    def forget(self, key: bytes) -> None:
        self._ids.pop(key, None)


class Outbound:
    """Sends parts through one bot, paced."""

    def __init__(self, bot: Bot, pacer: Pacer) -> None:
        self.bot = bot
        self.pacer = pacer
        self.photo_ids = PhotoIds()

    async def send(self, chat_id: int, part: Part, from_worker: bool = False) -> Message:
        async with self.pacer.turn(chat_id, from_worker):
            if part.photo is not None:
                return await self._send_photo(chat_id, part.photo, part)
            if part.document is not None:
                return await self.bot.send_document(
                    chat_id, document=part.document, filename=part.filename,
                    caption=part.text or None, reply_markup=part.markup,
                )
            return await self.bot.send_message(chat_id, part.text, reply_markup=part.markup)

    async def _send_photo(self, chat_id: int, photo: bytes, part: Part) -> Message:
        """The photo by the file_id of its earlier upload when there is one, else (or when
        Telegram refuses that id) uploaded, its file_id kept for the next time. A refused
        id delivered nothing, so the upload goes within the same turn of the pace."""
        key = self.photo_ids.key(photo)
        caption = part.text or None
        file_id = self.photo_ids.get(key)
        if file_id is not None:
            try:
                return await self.bot.send_photo(
                    chat_id, photo=file_id, caption=caption, reply_markup=part.markup
                )
            except BadRequest as exc:
                log.info("photo file_id refused (%s): uploading it again", exc.message)
                self.photo_ids.forget(key)
        message = await self.bot.send_photo(
            chat_id, photo=photo, caption=caption, reply_markup=part.markup
        )
        if message.photo:
            self.photo_ids.put(key, message.photo[-1].file_id)  # the largest size
        return message

    async def send_all(self, chat_id: int, parts: list[Part], sent: list[int]) -> None:
        """Send in order, noting each message id in `sent` as it goes (so a failure
        part-way leaves what already went out on record). For the outbox worker, which
        paces its sends through the database itself."""
        for part in parts:
            message = await self.send(chat_id, part, from_worker=True)
            sent.append(message.message_id)

    async def edit(self, target: EditTarget, part: Part) -> bool:
        """Replace the view in place; False when Telegram will not (too old, a photo…)."""
        markup = part.markup if isinstance(part.markup, InlineKeyboardMarkup) else None
        try:
            async with self.pacer.turn(target.chat_id):
                await self.bot.edit_message_text(
                    part.text,
                    chat_id=target.chat_id,
                    message_id=target.message_id,
                    reply_markup=markup,
                )
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return True  # it already shows exactly this
            log.info("could not edit message %s in place: %s", target.message_id, exc.message)
            return False
        return True

    async def reply(self, chat_id: int, parts: list[Part], edit: EditTarget | None) -> None:
        """Answer a person: the first part edits the pressed view in place when it is a
        newer view of the same thing; the QR image that came with that view is not sent
        again (the edited message keeps its place above it)."""
        if edit is not None and parts and parts[0].view == edit.view and not parts[0].has_file:
            if await self.edit(edit, parts[0]):
                parts = [p for p in parts[1:] if not p.has_file]
        for part in parts:
            await self._patiently(chat_id, part)

    async def _patiently(self, chat_id: int, part: Part, max_wait: float = 30.0) -> None:
        """One send; a flood wait Telegram asks for (if short) is waited out once."""
        try:
            await self.send(chat_id, part)
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if wait > max_wait:
                raise
            log.info("telegram asked to wait %.0fs before writing to %s", wait, chat_id)
            await asyncio.sleep(wait)
            await self.send(chat_id, part)
