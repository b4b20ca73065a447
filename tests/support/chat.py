"""The console-level chat double: a person whose messages go straight through the
runtime's `respond`, as the terminal chat sends them."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.runtime import Runtime, respond
from handlers.types import Inbound, Media, Reply


@dataclass
class ChatDriver:
    """A person in a chat: `say` sends a message through the real core and returns
    the replies; `text` is all of them joined, for assertions."""

    runtime: Runtime
    channel: str = "console"
    address: str = "+919811111111"
    phone: str | None = "+919811111111"
    lang: str | None = None
    history: list[list[Reply]] = field(default_factory=list)

    def say(
        self, text: str = "", *, button: str | None = None, media: tuple[Media, ...] = ()
    ) -> list[Reply]:
        replies = respond(
            self.runtime,
            Inbound(
                channel=self.channel,
                address=self.address,
                text=text,
                button=button,
                media=media,
                locale_hint=self.lang,
                proven_phone=self.phone,
            ),
        )
        self.history.append(replies)
        return replies

    def text(self, text: str = "", **kwargs) -> str:
        return joined(self.say(text, **kwargs))


def joined(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def verify_dialog(driver: ChatDriver, script: list[tuple[str, list[str]]]) -> None:
    """Each message in turn; every expected fragment must be in its answer."""
    for message, expected in script:
        answer = driver.text(message)
        for fragment in expected:
            assert fragment in answer, f"{message!r} -> {answer!r} lacks {fragment!r}"
