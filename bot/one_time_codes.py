"""Delivery of one-time codes: the code's message, and the channels' `CodeSender`s
(bot/channels/*/…) tried in turn. Codes are sent at once rather than through the
outbox, so that the customer is told in the same reply when a code could not be
delivered, and no code ever waits at rest, even encrypted."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.orm import Session

from handlers import i18n
from handlers.types import CodeSender
from store.otp import CODE_TTL

log = logging.getLogger("orderbot.codes")


def code_text(code: str, locale: str) -> str:
    return i18n.t("phone.code_message", locale, code=code, minutes=int(CODE_TTL.total_seconds() // 60))


class FirstThatDelivers:
    """Each sender in turn until one delivers."""

    def __init__(self, senders: Sequence[CodeSender]) -> None:
        self.senders = list(senders)

    def send_code(self, session: Session, phone: str, code: str, locale: str) -> bool:
        return any(s.send_code(session, phone, code, locale) for s in self.senders)


def first_that_delivers(senders: Sequence[CodeSender]) -> CodeSender | None:
    """One code sender over `senders` (tried in order); None when there is none."""
    if len(senders) <= 1:
        return senders[0] if senders else None
    return FirstThatDelivers(senders)
