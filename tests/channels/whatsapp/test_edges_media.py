"""Media fetching keeps its promises (issue 15, point 9): a MediaUrl with a tab or a
line break is "could not fetch this file", not "Sorry…"; and the time budget holds
for the whole download against a server that drips one byte a second."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from standins import FakeTwilioAPI
from support.whatsapp import WhatsAppUser

from bot.channels.whatsapp.media import TwilioMediaFetcher
from handlers import i18n
from handlers.types import Inbound, Media

from .test_whatsapp_media import inbound, png, with_media  # noqa: F401 (a fixture)


@pytest.mark.parametrize("dirt", ["\t", "\r\n", "\n", "\r", " "], ids=repr)
def test_a_media_url_with_a_tab_or_line_break_is_a_fetch_failure(
    ravi: WhatsAppUser, twilio_api: FakeTwilioAPI, inbound: list[Inbound], dirt: str  # noqa: F811
) -> None:
    url = twilio_api.add_media(png(), "image/png")
    answer = with_media(ravi, (url[:-4] + dirt + url[-4:], "image/png"))
    assert inbound[0].media == (Media(content_type="image/png", error="fetch_failed"),)
    assert i18n.t("proofs.fetch_failed", "en") in answer
    assert i18n.t("error.sorry", "en") not in answer
    assert twilio_api.calls_of("media") == []  # nothing was asked of anyone


class _Drip(BaseHTTPRequestHandler):
    """A media host that promises 64 bytes and sends one a second."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "64")
        self.end_headers()
        try:
            for _ in range(64):
                self.wfile.write(b"\x89")
                self.wfile.flush()
                if self.server.stop.wait(1.0):  # type: ignore[attr-defined]
                    return
        except OSError:  # the fetcher hung up: what we wanted
            return

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def dripping() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    server.daemon_threads = True
    server.stop = threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.stop.set()  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_a_dripping_server_cannot_stretch_the_budget(dripping: str) -> None:
    fetcher = TwilioMediaFetcher(dripping, None, wait=lambda _s: None, budget=1.5)
    started = time.monotonic()
    media = fetcher.fetch_all([(f"{dripping}/media/ME1", "image/png")], "MM1")
    elapsed = time.monotonic() - started
    assert media == (Media(content_type="image/png", error="fetch_failed"),)
    assert elapsed < 1.5 + 1.5, elapsed  # the budget, and at most one byte's wait past it


def test_a_fast_server_within_the_budget_is_read_whole() -> None:
    image = png()
    transport = httpx.MockTransport(lambda _r: httpx.Response(200, content=image,
                                                             headers={"Content-Type": "image/png"}))
    fetcher = TwilioMediaFetcher("https://api.example.test", None, transport=transport, budget=1.5)
    (media,) = fetcher.fetch_all([("https://api.example.test/m/1", "image/png")], "MM2")
    assert media.data == image and media.error is None
