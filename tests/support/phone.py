"""Helpers of the orders-by-phone tests: a code sender that keeps what it was given,
and chats that know how to get and type codes."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from bot.runtime import Runtime
from support.chat import ChatDriver


@dataclass
class CapturedCodes:
    """A CodeSender that delivers (or, with `deliver=False`, fails) into a list."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)  # phone, code, locale
    deliver: bool = True

    def send_code(self, session: Session, phone: str, code: str, locale: str) -> bool:
        self.sent.append((phone, code, locale))
        return self.deliver

    def last(self, phone: str | None = None) -> str:
        return [code for to, code, _ in self.sent if phone in (None, to)][-1]


def wrong(code: str) -> str:
    """Another six-digit code."""
    return f"{(int(code) + 1) % 10**6:06d}"


def guest(runtime: Runtime, name: str, lang: str | None = None) -> ChatDriver:
    """A terminal chat with no phone of its own: every phone must be proven by a code."""
    return ChatDriver(runtime, address=name, phone=None, lang=lang)
