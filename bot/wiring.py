"""The one place that builds the channels' senders and the code sender from the
configuration (each channel's module adds its own here)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.codes import code_sender_for

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("orderbot.codes")


class LogCodeSender:
    """Development only: one-time codes go to the log, so the terminal chat and the
    demo work without any credentials."""

    def send_code(self, session: Session, phone: str, code: str, locale: str) -> bool:
        log.warning("one-time code for %s: %s (development: printed, not sent)", phone, code)
        return True


def wire(runtime: Runtime) -> None:
    from bot import whatsapp_outbound

    config = runtime.config
    runtime.code_sender = code_sender_for(
        config, fallback=LogCodeSender() if config.development else None
    )
    whatsapp_outbound.wire(runtime)
    from bot import telegram

    telegram.wire(runtime)
    from bot import razorpay_gateway

    razorpay_gateway.wire(runtime)
