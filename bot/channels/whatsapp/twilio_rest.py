"""The real twilio REST client, built from the configuration and pointed at
`TWILIO_API_BASE_URL` (a local stand-in in tests)."""

from __future__ import annotations

import threading

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.config import Config

TIMEOUT = 10.0  # seconds: a person is waiting for the answer


class RecordingHttpClient(TwilioHttpClient):
    """Keeps each thread's last response: a `TwilioRestException` drops the headers,
    and a 429's `Retry-After` lives only there."""

    def __init__(self) -> None:
        super().__init__(timeout=TIMEOUT)
        self._local = threading.local()

    def request(self, *args, **kwargs) -> Response:  # noqa: ANN002, ANN003 - as the base
        self._local.response = None
        response = super().request(*args, **kwargs)
        self._local.response = response
        return response

    def last_header(self, name: str) -> str | None:
        """A header of this thread's last response, if there was one."""
        response = getattr(self._local, "response", None)
        if response is None or not response.headers:
            return None
        return response.headers.get(name)


def make_client(config: Config) -> Client:
    client = Client(
        config.twilio_account_sid,
        config.twilio_auth_token,
        http_client=RecordingHttpClient(),
    )
    # Every api.twilio.com request is built from the domain's base_url; edge and
    # region (TWILIO_EDGE / TWILIO_REGION) would rewrite the host name.
    client.api.base_url = config.twilio_api_base_url
    client.edge = client.region = None
    return client
