"""The terminal channel: `orderbot chat`. One line in, the replies out; numbered
choices for buttons; `/photo PATH [caption]` sends a file. Messages queued for this
chat are printed when it opens and between turns (the numbers of the last one with
buttons then choose them); messages the turn queued for anyone else (the vendor's
prompt) are printed as `[to NAME]` lines."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select

from bot import proof_reader
from bot.runtime import Runtime, Unavailable, reach_phones_on, respond
from handlers import i18n, notices
from handlers.core import numbered, remember_choices
from handlers.types import Inbound, Media, Reply
from store.db import unit_of_work
from store.models import Chat, OutboxMessage, OutboxStatus
from store.outbox import mark_sent, pending_for
from store.queries import chat_for

CHANNEL = "console"


def render(reply: Reply) -> str:
    """A reply as terminal text: buttons become numbered choices, images their caption."""
    parts = []
    if reply.image is not None:
        parts.append(f"[image: {reply.image.alt}]" if not reply.text else f"[image] {reply.text}")
    elif reply.text:
        parts.append(reply.text)
    if reply.buttons:
        parts.append("\n".join(numbered(reply.buttons)))
    if reply.request_contact:
        parts.append(f"({reply.request_contact}: type your phone number)")
    return "\n".join(parts)


class ConsoleChat:
    def __init__(
        self,
        runtime: Runtime,
        out: TextIO,
        *,
        phone: str | None = None,
        lang: str | None = None,
        name: str | None = None,
    ) -> None:
        self.runtime = runtime
        self.out = out
        self.phone = phone
        self.address = phone or "guest"
        self.lang = i18n.normalize_language(lang)
        self.name = name
        self._seen_outbox = 0

    def open(self) -> None:
        """Set the chat up and print what was queued for it while it was closed."""
        # Here a phone is an address: changes made from this terminal reach the
        # order's phone on it even before that customer ever opened a chat.
        reach_phones_on(self.runtime, CHANNEL)
        with unit_of_work(self.runtime.sessions) as session:
            chat = chat_for(session, CHANNEL, self.address, self.runtime.clock())
            if self.lang:
                chat.locale = self.lang
            self._seen_outbox = session.scalar(select(func.max(OutboxMessage.id))) or 0
        self._print_own_notices()

    def say(self, line: str) -> None:
        """Send one line as the user and print everything it caused."""
        self._print_own_notices()
        inbound = self._inbound(line)
        if inbound is None:
            return
        try:
            replies = respond(self.runtime, inbound)
        except Unavailable:
            self._print("(the database is unavailable right now; please try again)")
            return
        for reply in replies:
            self._print(render(reply))
        if self.runtime.settings.read_proofs:
            proof_reader.read_all(self.runtime)  # after the reply: as the worker would
        self._print_others()
        self._print_own_notices()

    def _inbound(self, line: str) -> Inbound | None:
        media: tuple[Media, ...] = ()
        text = line
        if line.startswith("/photo"):
            _, _, rest = line.partition(" ")
            path_text, _, caption = rest.strip().partition(" ")
            path = Path(path_text).expanduser()
            if not path_text or not path.is_file():
                self._print(f"(no such file: {path_text or '?'}; usage: /photo PATH [caption])")
                return None
            kind = mimetypes.guess_type(path.name)[0]
            media = (Media(data=path.read_bytes(), content_type=kind, filename=path.name),)
            text = caption
        return Inbound(
            channel=CHANNEL,
            address=self.address,
            text=text,
            media=media,
            locale_hint=self.lang,
            proven_phone=self.phone,
            display_name=self.name,
        )

    def _print_own_notices(self) -> None:
        with unit_of_work(self.runtime.sessions) as session:
            for message in pending_for(session, CHANNEL, self.address):
                try:
                    replies = notices.render(
                        session, message, self.runtime.settings.default_locale
                    )
                except LookupError:  # what it spoke of is gone (a reminder of a moved booking)
                    replies = []
                for reply in replies:
                    self._print(render(reply))
                mark_sent(message, self.runtime.clock())
                if any(r.buttons for r in replies):  # its numbers now choose its buttons,
                    chat = chat_for(session, CHANNEL, self.address, self.runtime.clock())
                    remember_choices(chat, replies)  # as a WhatsApp notice's do

    def _print_others(self) -> None:
        """Messages this turn queued for other people (on any channel)."""
        with unit_of_work(self.runtime.sessions) as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.id > self._seen_outbox,
                    OutboxMessage.status.in_(
                        [OutboxStatus.PENDING.value, OutboxStatus.HELD.value]
                    ),
                )
                .order_by(OutboxMessage.id)
            ).all()
            for message in rows:
                self._seen_outbox = max(self._seen_outbox, message.id)
                if (message.channel, message.address) == (CHANNEL, self.address):
                    continue
                name = _recipient_name(session, message)
                try:
                    replies = notices.render(session, message, self.runtime.settings.default_locale)
                except LookupError:
                    continue
                for reply in replies:
                    self._print("\n".join(f"[to {name}] {line}" for line in render(reply).split("\n")))

    def _print(self, text: str) -> None:
        if text:
            self.out.write(text + "\n\n")
            self.out.flush()


def _recipient_name(session, message: OutboxMessage) -> str:  # noqa: ANN001 - a Session
    chat = session.get(Chat, message.chat_id) if message.chat_id else None
    if chat is not None and chat.staff is not None:
        return chat.staff.name
    if chat is not None and chat.display_name:
        return chat.display_name
    return message.address
