"""The real twilio REST client, built from the configuration and pointed at
`TWILIO_API_BASE_URL` (a local stand-in in tests)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from urllib.parse import urlencode

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.config import Config

TIMEOUT = 10.0  # seconds: a person is waiting for the answer


FORM = "application/x-www-form-urlencoded"


class RecordingHttpClient(TwilioHttpClient):
    """twilio's own client on a `requests` session, which keeps each thread's last
    response (a `TwilioRestException` drops the headers, and a 429's `Retry-After`
    lives only there) and spares each request two costs of `requests`' generic path
    (a third of a send's CPU, measured by bench.fanout's worker):

    - the environment's proxy and certificate settings are read once, for the API's
      host, when the client is made; `requests` otherwise reads every environment
      variable on every call (`trust_env`);
    - a form body is encoded here, as `requests` would (each list value a repeated
      field), instead of `requests` testing each field against a runtime protocol."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=TIMEOUT)  # pools connections: `self.session` is one
        self._local = threading.local()
        settings = self.session.merge_environment_settings(base_url, {}, None, None, None)
        self.session.proxies.update(settings["proxies"])
        self.session.verify = settings["verify"]
        self.session.trust_env = False

    def request(  # noqa: PLR0913 - as the base
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        self._local.response = None
        if isinstance(data, Mapping) and (headers or {}).get("Content-Type") == FORM:
            data = urlencode(data, doseq=True)  # type: ignore[assignment] - a body, as requests takes it
        response = super().request(
            method, url, params=params, data=data, headers=headers, auth=auth,
            timeout=timeout, allow_redirects=allow_redirects,
        )
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
        http_client=RecordingHttpClient(config.twilio_api_base_url),
    )
    # Every api.twilio.com request is built from the domain's base_url; edge and
    # region (TWILIO_EDGE / TWILIO_REGION) would rewrite the host name.
    client.api.base_url = config.twilio_api_base_url
    client.edge = client.region = None
    return client
