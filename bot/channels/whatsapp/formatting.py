"""The core's replies as WhatsApp messages (for TwiML and for the REST API alike):
texts split under Twilio's 1600-character limit at line breaks, buttons as numbered
choices, an image as a media URL this app serves."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from handlers.core import numbered
from handlers.types import Reply

BODY_LIMIT = 1600  # Twilio refuses longer bodies (error 21617)
CAPTION_LIMIT = 1024  # WhatsApp's limit for the text that goes with a media file


@dataclass(frozen=True)
class Part:
    """One WhatsApp message: a body, a media URL, or both."""

    body: str = ""
    media_url: str | None = None


def units(text: str) -> int:
    """Length as Twilio counts it (UTF-16 code units, so an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = BODY_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` units, cut at line breaks where possible."""
    chunks: list[str] = []
    current, size = "", 0  # the chunk being filled and its length in units
    for line in text.split("\n"):
        for piece in _fitted(line, limit):
            length = units(piece)
            joined = size + 1 + length if current else length  # counted, not re-encoded
            if joined <= limit:
                current = f"{current}\n{piece}" if current else piece
                size = joined
            else:
                chunks.append(current)
                current, size = piece, length
    if current.strip():
        chunks.append(current)
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]


def _fitted(line: str, limit: int) -> list[str]:
    """A line longer than the limit, cut at spaces (or anywhere, for a long word);
    the width is halved so that even a line of emoji fits."""
    if units(line) <= limit:
        return [line]
    return textwrap.wrap(line, width=limit // 2, break_long_words=True, break_on_hyphens=False)


def reply_text(reply: Reply, with_choices: bool) -> str:
    """The reply's text, its buttons appended as numbered choices when they are the
    menu the next message's number selects."""
    lines = [reply.text] if reply.text else []
    if with_choices and reply.buttons:
        lines += numbered(reply.buttons)
    text = "\n".join(lines)
    if not text and reply.image is not None and not reply.image.path:
        text = reply.image.alt  # an image we cannot link to: its description instead
    return text


def media_url(reply: Reply, public_base_url: str) -> str | None:
    """Where WhatsApp fetches the reply's image (or PDF) from: this app's signed link."""
    if reply.image is None or not reply.image.path:
        return None
    return public_base_url.rstrip("/") + reply.image.path


def parts(replies: list[Reply], public_base_url: str) -> list[Part]:
    """Every reply as messages, in order. Only the last reply with buttons gets numbers:
    that is the menu the core maps "1", "2"… to."""
    menu = max((n for n, r in enumerate(replies) if r.buttons), default=None)
    found: list[Part] = []
    for n, reply in enumerate(replies):
        chunks = split_text(reply_text(reply, with_choices=n == menu))
        media = media_url(reply, public_base_url)
        if media and chunks and len(chunks) == 1 and units(chunks[0]) <= CAPTION_LIMIT:
            found.append(Part(chunks[0], media))
            continue
        found += [Part(chunk) for chunk in chunks]
        if media:
            found.append(Part(media_url=media))
    return found
