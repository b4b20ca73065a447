"""WhatsApp through Twilio: the signed webhook (webhook.py) and its status callbacks
(status.py), the outbox's sender with the 24-hour window and templates (outbound.py),
message parts (formatting.py), media downloads (media.py), one-time codes by SMS or
WhatsApp (code_senders.py) and the twilio REST client (twilio_rest.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.base import Channel
from bot.channels.whatsapp import status, webhook
from bot.channels.whatsapp.code_senders import twilio_code_senders
from bot.channels.whatsapp.outbound import make_sender
from bot.config import Config

if TYPE_CHECKING:
    from flask import Blueprint

    from bot.runtime import Runtime


def blueprints(runtime: Runtime) -> list[Blueprint]:
    return [
        webhook.blueprint(runtime),  # Twilio's WhatsApp webhook, /webhooks/whatsapp
        status.blueprint(runtime),  # its status callbacks, /webhooks/whatsapp/status
    ]


def configured(config: Config) -> bool:
    return bool(config.twilio_whatsapp_from and config.twilio_account_sid)


CHANNEL = Channel(
    name=webhook.CHANNEL,
    blueprints=blueprints,
    sender=make_sender,
    code_senders=twilio_code_senders,
    send_rate=77.0,  # of Twilio's 80 a second for a sender (bot/worker.py says why)
    lanes=8,
    phone_address=webhook.PREFIX + "{phone}",
    staff_channel=configured,
)
