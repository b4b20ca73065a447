"""Files attached to an inbound WhatsApp message, fetched from Twilio for the core.

Twilio's media URLs sit on its API host and need the account's Basic auth; they
redirect to a CDN with a signed URL that must NOT get the credentials (it refuses
a second auth mechanism, and they are not its business). A file can 404 for a
moment right after the message arrives. Nothing past `MAX_BYTES` is read, and the
declared content type must agree with the bytes."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from bot.config import Config
from handlers.types import Media

log = logging.getLogger("orderbot.whatsapp")

MAX_BYTES = 10 * 1024 * 1024
NOT_READY_WAITS = (0.5, 1.0, 2.0)  # seconds between tries while the media host says 404
MAX_REDIRECTS = 3
TIMEOUT = httpx.Timeout(8.0, connect=3.0)
# All of one message's files within this many seconds: Twilio gives up on a webhook
# after 15, and its retry would only start the same downloads again.
BUDGET = 10.0

# The file types a payment proof can be, known by their first bytes.
SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": lambda b: b.startswith(b"\xff\xd8\xff"),
    "image/png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
    "application/pdf": lambda b: b.startswith(b"%PDF-"),
}
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}
_EXTENSIONS = {
    "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"
}


class _TooLarge(Exception):
    pass


class _NotReady(Exception):
    pass


class _OutOfTime(Exception):
    pass


# Whitespace or control characters: no URL Twilio sends has them (httpx refuses them
# with InvalidURL, and urlsplit would quietly drop tabs and line breaks).
_UNSAFE_URL = re.compile(r"[\x00-\x20\x7f]")


def sniff(data: bytes) -> str | None:
    """The content type the bytes themselves show, among the known ones."""
    return next((kind for kind, looks in SIGNATURES.items() if looks(data)), None)


def normalize_type(declared: str | None) -> str | None:
    kind = (declared or "").split(";")[0].strip().lower() or None
    return _ALIASES.get(kind, kind) if kind else None


def type_agrees(declared: str | None, data: bytes) -> bool:
    """False when either the declaration or the bytes name a known type and they differ."""
    kind = normalize_type(declared)
    found = sniff(data)
    if found is None and kind not in SIGNATURES:
        return True  # neither is a file type we know: the core judges it by its declaration
    return found == kind


@dataclass
class TwilioMediaFetcher:
    """Fetches `MediaUrl{N}`; `wait` is injected so tests do not sleep."""

    api_origin: str
    credentials: tuple[str, str] | None
    wait: Callable[[float], None] = time.sleep
    transport: httpx.BaseTransport | None = None
    clock: Callable[[], float] = time.monotonic
    budget: float = BUDGET

    @classmethod
    def from_config(cls, config: Config, **kwargs) -> TwilioMediaFetcher:  # noqa: ANN003
        credentials = None
        if config.twilio_account_sid and config.twilio_auth_token:
            credentials = (config.twilio_account_sid, config.twilio_auth_token)
        return cls(_origin(config.twilio_api_base_url), credentials, **kwargs)

    def fetch_all(
        self, items: Sequence[tuple[str, str | None]], message_sid: str
    ) -> tuple[Media, ...]:
        """Each (url, declared content type) as a `Media`; failures are `Media(error=…)`."""
        if not items:
            return ()
        deadline = self.clock() + self.budget
        with httpx.Client(timeout=TIMEOUT, transport=self.transport) as client:
            return tuple(
                self.fetch(client, url, declared, f"{message_sid or 'whatsapp'}-{n}", deadline)
                for n, (url, declared) in enumerate(items)
            )

    def fetch(
        self,
        client: httpx.Client,
        url: str,
        declared: str | None,
        name: str,
        deadline: float | None = None,
    ) -> Media:
        kind = normalize_type(declared)
        deadline = deadline if deadline is not None else self.clock() + self.budget
        if _UNSAFE_URL.search(url) or _origin(url) != self.api_origin:
            # Twilio's media always starts at its API host; anything else in a webhook
            # (unsigned, in development) must not make us fetch an address of its choosing.
            log.warning("refused WhatsApp media not on %s: %s", self.api_origin, _redacted(url))
            return Media(content_type=kind, error="fetch_failed")
        try:
            data = self._download_when_ready(client, url, deadline)
        except _TooLarge:
            return Media(content_type=kind, error="too_large")
        except (httpx.HTTPError, httpx.InvalidURL, _NotReady, _OutOfTime, ValueError) as exc:
            log.warning("could not fetch WhatsApp media %s: %s", _redacted(url), exc)
            return Media(content_type=kind, error="fetch_failed")
        kind = kind or sniff(data)  # nothing declared: the bytes say what it is
        if not type_agrees(kind, data):
            log.warning("WhatsApp media declared %s is %s", kind, sniff(data) or "unknown")
            return Media(content_type=kind, error="type_mismatch")
        extension = _EXTENSIONS.get(kind or "", "bin")
        return Media(data=data, content_type=kind, filename=f"{name}.{extension}")

    def _download_when_ready(self, client: httpx.Client, url: str, deadline: float) -> bytes:
        for delay in (*NOT_READY_WAITS, None):
            left = deadline - self.clock()
            if left <= 0:
                raise _NotReady(f"out of time for {_redacted(url)}")
            try:
                return self._download(client, url, deadline)
            except _NotReady:
                if delay is None or self.clock() + delay >= deadline:
                    raise
                self.wait(delay)
        raise AssertionError("unreachable")

    def _read_capped(self, response: httpx.Response, deadline: float) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > MAX_BYTES:
            raise _TooLarge()
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BYTES:
                raise _TooLarge()
            if self.clock() > deadline:
                raise _OutOfTime(_redacted(str(response.url)))
            chunks.append(chunk)
        return b"".join(chunks)

    def _download(self, client: httpx.Client, url: str, deadline: float) -> bytes:
        """GET `url`, credentials only to the Twilio API host, redirects followed by hand
        so that no later hop sees them; all of it by `deadline` (a server that drips a
        byte at a time never times a read out, so the body is timed as a whole)."""
        auth = self.credentials if _origin(url) == self.api_origin else None
        for _ in range(MAX_REDIRECTS + 1):
            if urlsplit(url).scheme not in ("http", "https"):
                raise ValueError("not an http(s) URL")
            left = deadline - self.clock()
            if left <= 0:
                raise _OutOfTime(_redacted(url))
            timeout = httpx.Timeout(min(8.0, left), connect=min(3.0, left))
            with client.stream("GET", url, auth=auth, follow_redirects=False,
                               timeout=timeout) as response:
                if response.is_redirect:
                    url = urljoin(url, response.headers["Location"])
                    auth = None
                    continue
                if response.status_code == 404:
                    raise _NotReady(url)
                response.raise_for_status()
                return self._read_capped(response, deadline)
        raise ValueError("too many redirects")


def _origin(url: str) -> str:
    """scheme://host:port: credentials go to exactly the configured API origin."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _redacted(url: str) -> str:
    """A URL for the log without its query (a CDN's signature), on one line."""
    return _UNSAFE_URL.sub("?", url.split("?", 1)[0])
