"""WhatsApp fixtures: the Twilio stand-in, a runtime configured for it (credentials,
sender, templates), and a WhatsApp user who posts webhooks signed by twilio's own
`RequestValidator`."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import empty_database
from flask.testing import FlaskClient
from sqlalchemy import func, select
from standins import FakeTwilioAPI
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.bootstrap import build_runtime
from bot.channels.whatsapp.media import MediaFetcher
from bot.channels.whatsapp.webhook import FETCHER
from bot.config import Config
from bot.runtime import Runtime
from store.db import unit_of_work
from store.demo import seed

BUSINESS_NUMBER = "whatsapp:+14155238886"
CUSTOMER = "whatsapp:+919811111111"
VENDOR = "whatsapp:+919800000001"
WEBHOOK = "/webhooks/whatsapp"
_sids = itertools.count(1)


@pytest.fixture
def twilio_api() -> Iterator[FakeTwilioAPI]:
    with FakeTwilioAPI() as api:
        yield api


@pytest.fixture
def wa_config(config: Config, twilio_api: FakeTwilioAPI) -> Config:
    return config.with_(
        twilio_account_sid=twilio_api.account_sid,
        twilio_auth_token=twilio_api.auth_token,
        twilio_whatsapp_from=BUSINESS_NUMBER,
        twilio_api_base_url=twilio_api.base_url,
    )


@pytest.fixture
def waits() -> list[float]:
    """The pauses the media fetcher asked for (none really happen)."""
    return []


def make_runtime(config: Config, clock: Any, waits: list[float]) -> Runtime:
    runtime = build_runtime(config, clock=clock)
    empty_database(runtime)
    with unit_of_work(runtime.sessions) as session:
        seed(session, runtime.clock())
    runtime.extras[FETCHER] = MediaFetcher.from_config(config, wait=waits.append)
    return runtime


@pytest.fixture
def wa(wa_config: Config, clock: Any, waits: list[float]) -> Iterator[Runtime]:
    """The demo data and a runtime that talks to the Twilio stand-in."""
    runtime = make_runtime(wa_config, clock, waits)
    yield runtime
    runtime.close()


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


@pytest.fixture
def ravi(wa: Runtime) -> WhatsAppUser:
    return user_for(wa)


@pytest.fixture
def asha(wa: Runtime) -> WhatsAppUser:
    return user_for(wa, VENDOR, profile="Asha")


def count(runtime: Runtime, model: Any) -> int:
    with unit_of_work(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0
