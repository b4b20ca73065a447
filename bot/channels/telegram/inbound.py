"""Telegram updates as the core's neutral `Inbound`: commands, text, pressed buttons,
shared contacts, and photos or documents fetched through getFile."""

from __future__ import annotations

import logging

from telegram import Bot, Contact, Document, Message, PhotoSize, Update, User
from telegram.error import BadRequest, TelegramError

from handlers.parse import parse_phone
from handlers.types import Inbound, Media

log = logging.getLogger("orderbot.telegram")

CHANNEL = "telegram"
MAX_MEDIA_BYTES = 10 * 1024 * 1024  # what we keep as a payment proof
BOT_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # what the Bot API lets a bot download at all
# Proofs (images, PDF) and, from staff, bank statements (CSV, XLSX).
DOCUMENT_TYPES = ("image/", "application/pdf", "text/csv", "text/comma-separated-values",
                  "application/vnd.ms-excel",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# Commands that stand for a button of the core; the rest become text.
COMMAND_BUTTONS = {"myorders": "myorders", "language": "lang"}
# A button on a view that may be replaced in place carries this mark and the view's key
# after its payload, so a press knows which message it may edit (see telegram_outbound).
VIEW_MARK = "\x1e"


def split_view_mark(data: str) -> tuple[str, str | None]:
    """Callback data -> (the core's payload, the key of the view the button sat on)."""
    payload, mark, key = data.partition(VIEW_MARK)
    return payload, (key or None) if mark else None


def command(text: str) -> tuple[str, str | None] | None:
    """ "/track AK-1001" -> ("AK-1001", None); "/myorders" -> ("", "myorders");
    None when `text` is not a command."""
    if not text.startswith("/"):
        return None
    head, _, rest = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()  # "/start@orderbot" in groups
    rest = rest.strip()
    if name == "start":
        return (rest or "help"), None  # t.me/<bot>?start=AK-1001 arrives as "/start AK-1001"
    if name == "help":
        return "help", None
    if name == "track":
        return (rest or "track"), None
    if name in COMMAND_BUTTONS:
        button = COMMAND_BUTTONS[name]
        return "", f"{button}:{rest}" if rest else button
    return text, None


def _sender(user: User | None) -> dict[str, str | None]:
    if user is None:
        return {}
    return {
        "platform_user_id": str(user.id),
        "locale_hint": user.language_code,
        "display_name": user.full_name or user.username,
        "username": user.username,
    }


async def to_inbound(update: Update, bot: Bot) -> Inbound | None:
    """The neutral message an update stands for, or None for updates we do not answer
    (edits, channel posts, membership changes…)."""
    if update.callback_query is not None:
        query = update.callback_query
        payload, _view = split_view_mark(query.data or "")
        chat_id = query.message.chat.id if query.message else query.from_user.id
        return Inbound(
            channel=CHANNEL,
            address=str(chat_id),
            button=payload,
            message_id=query.id,
            **_sender(query.from_user),
        )
    message = update.message
    if message is None:
        return None
    fields: dict = {"text": message.text or message.caption or ""}
    parsed = command(message.text or "")
    if parsed is not None:
        fields["text"], fields["button"] = parsed
    if message.contact is not None:
        fields.update(_contact(message.contact, message.from_user))
    media = await _media(message, bot)
    return Inbound(
        channel=CHANNEL,
        address=str(message.chat.id),
        media=media,
        message_id=str(message.message_id),
        **fields,
        **_sender(message.from_user),
    )


def _contact(contact: Contact, sender: User | None) -> dict:
    phone = contact.phone_number or ""
    e164 = parse_phone(phone if phone.startswith("+") else "+" + phone)
    own = sender is not None and contact.user_id is not None and contact.user_id == sender.id
    return {"shared_phone": e164, "shared_phone_is_own": own}


async def _media(message: Message, bot: Bot) -> tuple[Media, ...]:
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return (await _fetch(bot, largest, "image/jpeg", None),)
    document = message.document
    if document is not None:
        declared = document.mime_type or ""
        if not declared.startswith(DOCUMENT_TYPES):
            # Not a kind of file we take: the core refuses it by its type; no download.
            return (Media(content_type=declared or None, filename=document.file_name),)
        return (await _fetch(bot, document, declared, document.file_name),)
    return ()


async def _fetch(
    bot: Bot, item: PhotoSize | Document, content_type: str, filename: str | None
) -> Media:
    """The file's bytes through getFile, refusing what is too large before fetching it."""
    limit = min(MAX_MEDIA_BYTES, BOT_DOWNLOAD_LIMIT)
    too_large = Media(content_type=content_type, filename=filename, error="too_large")
    if (item.file_size or 0) > limit:
        return too_large
    try:
        file = await bot.get_file(item.file_id)
        if (file.file_size or 0) > limit:
            return too_large
        data = bytes(await file.download_as_bytearray())
    except BadRequest as exc:
        if "too big" in exc.message.lower():
            return too_large
        log.warning("telegram file %s could not be fetched: %s", item.file_id, exc.message)
        return Media(content_type=content_type, filename=filename, error="fetch_failed")
    except TelegramError as exc:
        log.warning("telegram file %s could not be fetched: %s", item.file_id, exc.message)
        return Media(content_type=content_type, filename=filename, error="fetch_failed")
    if len(data) > limit:
        return too_large
    name = filename or (file.file_path or "").rsplit("/", 1)[-1] or None
    return Media(data=data, content_type=content_type, filename=name)
