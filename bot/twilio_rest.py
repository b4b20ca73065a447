"""The real twilio REST client, built from the configuration and pointed at
`TWILIO_API_BASE_URL` (a local stand-in in tests)."""

from __future__ import annotations

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.config import Config

TIMEOUT = 10.0  # seconds: a person is waiting for the answer


def make_client(config: Config) -> Client:
    client = Client(
        config.twilio_account_sid,
        config.twilio_auth_token,
        http_client=TwilioHttpClient(timeout=TIMEOUT),
    )
    # Every api.twilio.com request is built from the domain's base_url; edge and
    # region (TWILIO_EDGE / TWILIO_REGION) would rewrite the host name.
    client.api.base_url = config.twilio_api_base_url
    client.edge = client.region = None
    return client
