"""One-time codes by SMS or WhatsApp through the real twilio REST client (the
`CodeSender`s the WhatsApp channel offers; bot/one_time_codes.py tries them in turn)."""

from __future__ import annotations

import json
import logging

from sqlalchemy.orm import Session
from twilio.rest import Client

from bot.channels.whatsapp.twilio_rest import make_client
from bot.config import Config
from bot.one_time_codes import code_text
from handlers.types import CodeSender

log = logging.getLogger("orderbot.codes")


def _masked(phone: str) -> str:
    return phone[:-4].rstrip("0123456789") + "…" + phone[-4:]


class TwilioSmsCodeSender:
    """A code by SMS from `TWILIO_SMS_FROM`."""

    def __init__(self, client: Client, sms_from: str) -> None:
        self.client = client
        self.sms_from = sms_from

    def send_code(self, session: Session, phone: str, code: str, locale: str) -> bool:
        return _create(self.client, "SMS", phone, to=phone, from_=self.sms_from,
                       body=code_text(code, locale))


class TwilioWhatsAppCodeSender:
    """A code by WhatsApp from `TWILIO_WHATSAPP_FROM`. Outside the 24-hour window
    WhatsApp takes only an approved template: `TWILIO_TEMPLATE_OTP` (a Content SID
    whose variable {{1}} is the code) is used when it is configured."""

    def __init__(self, client: Client, whatsapp_from: str, content_sid: str | None) -> None:
        self.client = client
        self.whatsapp_from = whatsapp_from
        self.content_sid = content_sid

    def send_code(self, session: Session, phone: str, code: str, locale: str) -> bool:
        params: dict[str, str] = {"to": f"whatsapp:{phone}", "from_": self.whatsapp_from}
        if self.content_sid:
            params |= {"content_sid": self.content_sid,
                       "content_variables": json.dumps({"1": code})}
        else:
            params["body"] = code_text(code, locale)
        return _create(self.client, "WhatsApp", phone, **params)


def _create(client: Client, how: str, phone: str, **params: str) -> bool:
    try:
        client.messages.create(**params)
    except Exception as exc:  # TwilioRestException, a network error: the customer is told
        # Neither the code nor the message body is logged.
        detail = getattr(exc, "code", None) or exc.__class__.__name__
        log.warning("one-time code by %s to %s failed: %s", how, _masked(phone), detail)
        return False
    return True


def twilio_code_senders(config: Config) -> list[CodeSender]:
    """Twilio's ways to deliver a code: SMS first (any phone can get one), then
    WhatsApp; none without Twilio credentials."""
    senders: list[CodeSender] = []
    if config.twilio_account_sid and config.twilio_auth_token:
        client = make_client(config)
        if config.twilio_sms_from:
            senders.append(TwilioSmsCodeSender(client, config.twilio_sms_from))
        if config.twilio_whatsapp_from:
            content_sid = config.twilio_templates.get("otp")
            senders.append(TwilioWhatsAppCodeSender(client, config.twilio_whatsapp_from,
                                                    content_sid))
    return senders
