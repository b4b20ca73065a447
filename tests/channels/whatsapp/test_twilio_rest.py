"""The twilio REST client the bot sends with (bot/channels/whatsapp/twilio_rest.py):
the environment's proxy is honoured, read once when the client is made rather than on
every send (issue 21: `requests` reading every environment variable and testing each
form field against a runtime protocol were a fifth of a WhatsApp notice's CPU), and a
form body goes out as twilio's own client sends it."""

from __future__ import annotations

import pytest
import requests.sessions
from standins import FakeTwilioAPI

from bot.channels.whatsapp.twilio_rest import make_client
from bot.config import Config

# A host no resolver knows: a request reaches the API only through the proxy.
UNREACHABLE = "http://api.twilio.invalid"


@pytest.fixture
def no_proxy_set(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                 "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_environments_proxy_is_read_once_and_every_send_goes_through_it(
    config: Config, twilio_api: FakeTwilioAPI, no_proxy_set: pytest.MonkeyPatch
) -> None:
    # The stand-in answers an absolute-form request line as the proxy would pass it on.
    no_proxy_set.setenv("HTTP_PROXY", twilio_api.base_url)
    client = make_client(config.with_(
        twilio_account_sid=twilio_api.account_sid, twilio_auth_token=twilio_api.auth_token,
        twilio_api_base_url=UNREACHABLE))
    no_proxy_set.delenv("HTTP_PROXY")  # read when the client was made: still used
    reads: list[str] = []
    real = requests.sessions.get_environ_proxies
    no_proxy_set.setattr(requests.sessions, "get_environ_proxies",
                         lambda url, **kw: reads.append(url) or real(url, **kw))

    for n in range(3):
        client.messages.create(to=f"whatsapp:+9198222222{n:02d}", from_="whatsapp:+14155238886",
                               body=f"Order AK-100{n} is ready")

    assert [m.params["Body"] for m in twilio_api.messages()] == [
        "Order AK-1000 is ready", "Order AK-1001 is ready", "Order AK-1002 is ready"]
    assert reads == []  # no send read the environment


def test_a_host_the_environment_says_to_reach_directly_is_reached_directly(
    config: Config, twilio_api: FakeTwilioAPI, no_proxy_set: pytest.MonkeyPatch
) -> None:
    no_proxy_set.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    no_proxy_set.setenv("NO_PROXY", "127.0.0.1")
    client = make_client(config.with_(
        twilio_account_sid=twilio_api.account_sid, twilio_auth_token=twilio_api.auth_token,
        twilio_api_base_url=twilio_api.base_url))

    client.messages.create(to="whatsapp:+919822222222", from_="whatsapp:+14155238886", body="hi")

    assert [m.params["Body"] for m in twilio_api.messages()] == ["hi"]


def test_a_form_body_goes_as_twilio_sends_it(
    config: Config, twilio_api: FakeTwilioAPI, no_proxy_set: pytest.MonkeyPatch
) -> None:
    """Each of a list's values a field of its own; text in UTF-8; None left out."""
    client = make_client(config.with_(
        twilio_account_sid=twilio_api.account_sid, twilio_auth_token=twilio_api.auth_token,
        twilio_api_base_url=twilio_api.base_url))

    client.messages.create(
        to="whatsapp:+919822222222", from_="whatsapp:+14155238886",
        body="आपका ऑर्डर तैयार है ✅ & 100% paid = ₹1,250",
        media_url=["https://example.com/a.png?x=1&y=2", "https://example.com/b.png"],
        status_callback=None,
    )

    (message,) = twilio_api.messages()
    assert message.params["Body"] == "आपका ऑर्डर तैयार है ✅ & 100% paid = ₹1,250"
    assert message.params["MediaUrl"] == ["https://example.com/a.png?x=1&y=2",
                                          "https://example.com/b.png"]
    assert "StatusCallback" not in message.params
