"""WhatsApp helpers: the business's and people's numbers, a runtime configured for the
Twilio stand-in, and a WhatsApp user who posts webhooks signed by twilio's own
`RequestValidator` and reads the TwiML answer."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from support.channels import (
    Config,
    Runtime,
    TwilioMediaFetcher,
    build_runtime,
    create_app,
    seed,
    unit_of_work,
)
from support.database import empty_database

BUSINESS_NUMBER = "whatsapp:+14155238886"
CUSTOMER = "whatsapp:+919811111111"
VENDOR = "whatsapp:+919800000001"
WEBHOOK = "/webhooks/whatsapp"
_sids = itertools.count(1)


def whatsapp_settings(api: Any) -> dict[str, str]:
    """Config fields that point WhatsApp at the Twilio stand-in `api`."""
    return {
        "twilio_account_sid": api.account_sid,
        "twilio_auth_token": api.auth_token,
        "twilio_whatsapp_from": BUSINESS_NUMBER,
        "twilio_api_base_url": api.base_url,
    }


def make_runtime(config: Config, clock: Any, waits: list[float]) -> Runtime:
    runtime = build_runtime(config, clock=clock)
    empty_database(runtime)
    with unit_of_work(runtime.sessions) as session:
        seed(session, runtime.clock())
    runtime.services.media_fetcher = TwilioMediaFetcher.from_config(config, wait=waits.append)
    return runtime


def twiml_messages(xml: str) -> list[tuple[str, list[str]]]:
    """(body, media URLs) of each <Message> of a TwiML answer."""
    found = []
    for message in ET.fromstring(xml).iter("Message"):
        body = message.find("Body")
        text = body.text if body is not None else (message.text or "")
        found.append((text or "", [m.text or "" for m in message.iter("Media")]))
    return found


@dataclass
class WhatsAppUser:
    """Someone on WhatsApp: each message is a webhook Twilio would post, signed."""

    http: FlaskClient
    token: str | None
    public_url: str
    sender: str = CUSTOMER
    profile: str = "Ravi"
    sent: list[dict[str, str]] = field(default_factory=list)

    def form(self, body: str = "", **fields: str) -> dict[str, str]:
        sid = f"SM{next(_sids):032x}"
        return {
            "SmsMessageSid": sid,
            "MessageSid": sid,
            "AccountSid": "AC" + "0123456789abcdef" * 2,
            "From": self.sender,
            "To": BUSINESS_NUMBER,
            "Body": body,
            "NumMedia": "0",
            "ProfileName": self.profile,
            "WaId": self.sender.removeprefix("whatsapp:+"),
            "MessageType": "text",
            "ApiVersion": "2010-04-01",
            **fields,
        }

    def signature(self, form: dict[str, str], url: str | None = None) -> str:
        return RequestValidator(self.token or "").compute_signature(
            url or self.public_url + WEBHOOK, form
        )

    def post(self, form: dict[str, str], *, signature: str | None = None, path: str = WEBHOOK):
        headers = {"X-Twilio-Signature": signature} if signature else {}
        self.sent.append(form)
        return self.http.post(path, data=form, headers=headers)

    def send(self, body: str = "", **fields: str):
        form = self.form(body, **fields)
        return self.post(form, signature=self.signature(form) if self.token else None)

    def text(self, body: str = "", **fields: str) -> str:
        response = self.send(body, **fields)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/xml"
        return "\n".join(text for text, _ in twiml_messages(response.get_data(as_text=True)))


def user_for(runtime: Runtime, sender: str = CUSTOMER, **kwargs: Any) -> WhatsAppUser:
    config = runtime.config
    return WhatsAppUser(
        create_app(runtime=runtime).test_client(),
        config.twilio_auth_token,
        config.public_base_url,
        sender,
        **kwargs,
    )


def count(runtime: Runtime, model: Any) -> int:
    with unit_of_work(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0
