"""Files sent on WhatsApp, fetched from the Twilio stand-in's media host: Basic auth
to the API host only, the CDN redirect followed without credentials, 404s right
after arrival waited out (briefly), oversize and mismatched files refused."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image as PILImage
from standins import FakeTwilioAPI
from support.whatsapp import WhatsAppUser, twiml_messages

import bot.channels.whatsapp.webhook
from bot.channels.whatsapp.media import MAX_BYTES, NOT_READY_WAITS, TwilioMediaFetcher, type_agrees
from bot.runtime import Runtime
from handlers.types import Inbound, Media


def png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (8, 8), "green").save(out, "PNG")
    return out.getvalue()


JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64
PDF = b"%PDF-1.7\n" + b"\0" * 64
WEBP = b"RIFF\x24\0\0\0WEBPVP8 " + b"\0" * 32


@pytest.fixture
def inbound(monkeypatch: pytest.MonkeyPatch) -> list[Inbound]:
    """What the webhook handed the core (a spy around the real `respond`)."""
    seen: list[Inbound] = []
    real = bot.channels.whatsapp.webhook.respond

    def spy(runtime, message, **kwargs):  # noqa: ANN001, ANN202
        seen.append(message)
        return real(runtime, message, **kwargs)

    monkeypatch.setattr(bot.channels.whatsapp.webhook, "respond", spy)
    return seen


def with_media(user: WhatsAppUser, *items: tuple[str, str], body: str = "") -> str:
    fields = {"NumMedia": str(len(items)), "MessageType": "image"}
    for n, (url, kind) in enumerate(items):
        fields |= {f"MediaUrl{n}": url, f"MediaContentType{n}": kind}
    return user.text(body, **fields)


def test_a_photo_reaches_the_core_fetched_with_auth_and_no_credentials_on_the_cdn(
    ravi: WhatsAppUser, twilio_api: FakeTwilioAPI, inbound: list[Inbound], waits: list[float]
) -> None:
    image = png()
    answer = with_media(ravi, (twilio_api.add_media(image, "image/png"), "image/png"),
                        body="paid 250")
    assert answer  # the core answered (never silence)
    (media,) = inbound[0].media
    assert (media.data, media.content_type, media.error) == (image, "image/png", None)
    assert media.filename.endswith(".png") and inbound[0].text == "paid 250"
    (hop,) = twilio_api.calls_of("media")
    assert hop.headers["Authorization"].startswith("Basic ") and hop.status == 307
    (download,) = twilio_api.cdn.calls_of("download")
    assert download.status == 200 and "Authorization" not in download.headers
    assert waits == []


def test_several_files_in_one_message(
    ravi: WhatsAppUser, twilio_api: FakeTwilioAPI, inbound: list[Inbound]
) -> None:
    with_media(
        ravi,
        (twilio_api.add_media(JPEG, "image/jpeg"), "image/jpeg"),
        (twilio_api.add_media(PDF, "application/pdf"), "application/pdf"),
    )
    assert [(m.data, m.content_type) for m in inbound[0].media] == [
        (JPEG, "image/jpeg"), (PDF, "application/pdf")]


def test_a_file_without_a_declared_type_is_known_by_its_bytes(
    ravi: WhatsAppUser, twilio_api: FakeTwilioAPI, inbound: list[Inbound]
) -> None:
    ravi.text("", NumMedia="1", MediaUrl0=twilio_api.add_media(PDF, "application/pdf"))
    assert inbound[0].media[0].content_type == "application/pdf"
    assert inbound[0].media[0].data == PDF


def test_media_not_ready_yet_is_waited_for_briefly(
    ravi: WhatsAppUser, twilio_api: FakeTwilioAPI, inbound: list[Inbound], waits: list[float]
) -> None:
    url = twilio_api.add_media(JPEG, "image/jpeg", not_found_first=2)
    with_media(ravi, (url, "image/jpeg"))
    assert inbound[0].media[0].data == JPEG
    assert waits == list(NOT_READY_WAITS[:2])
    assert [c.status for c in twilio_api.calls_of("media")] == [404, 404, 307]


def test_media_that_never_appears_gives_up_after_a_few_tries(
    ravi: WhatsAppUser, twilio_api: FakeTwilioAPI, inbound: list[Inbound], waits: list[float]
) -> None:
    url = twilio_api.add_media(JPEG, "image/jpeg", not_found_first=100)
    answer = with_media(ravi, (url, "image/jpeg"))
    assert answer and inbound[0].media == (Media(content_type="image/jpeg", error="fetch_failed"),)
    assert waits == list(NOT_READY_WAITS)
    assert len(twilio_api.calls_of("media")) == len(NOT_READY_WAITS) + 1


def test_oversize_and_mismatched_files_are_refused(
    ravi: WhatsAppUser, twilio_api: FakeTwilioAPI, inbound: list[Inbound]
) -> None:
    big = b"\xff\xd8\xff" + b"\0" * MAX_BYTES
    answer = with_media(
        ravi,
        (twilio_api.add_media(big, "image/jpeg"), "image/jpeg"),
        (twilio_api.add_media(JPEG, "image/png"), "image/png"),  # a JPEG declared PNG
        (twilio_api.add_media(b"MZ\x90\0 an exe", "image/jpeg"), "image/jpeg"),
    )
    assert answer
    assert [m.error for m in inbound[0].media] == ["too_large", "type_mismatch", "type_mismatch"]
    assert all(m.data == b"" for m in inbound[0].media)


def test_media_is_fetched_from_the_twilio_api_host_only(
    wa: Runtime, ravi: WhatsAppUser, twilio_api: FakeTwilioAPI, inbound: list[Inbound]
) -> None:
    """A media URL elsewhere (here: the CDN itself) is not fetched at all: Twilio's
    media starts at its API host, so anything else is someone's choice of address."""
    elsewhere = twilio_api.cdn.put(JPEG, "image/jpeg")
    answer = with_media(ravi, (elsewhere, "image/jpeg"))
    assert answer and inbound[0].media[0].error == "fetch_failed"
    assert twilio_api.cdn.calls == [] and twilio_api.calls == []


def test_an_unreachable_host_is_a_fetch_failure_not_a_crash(
    ravi: WhatsAppUser, inbound: list[Inbound]
) -> None:
    with FakeTwilioAPI() as gone:
        url = gone.add_media(JPEG)
    answer = with_media(ravi, (url, "image/jpeg"))
    assert answer and inbound[0].media[0].error == "fetch_failed"


def test_the_download_stops_at_the_limit_without_a_content_length(wa: Runtime) -> None:
    """A streamed body with no Content-Length is read only up to the limit."""
    sent = []

    def endless():  # noqa: ANN202
        for _ in range(100):
            chunk = b"\xff\xd8\xff" + b"\0" * (1024 * 1024)
            sent.append(len(chunk))
            yield chunk

    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, content=endless(), headers={"Content-Type": "image/jpeg"}
        )
    )
    fetcher = TwilioMediaFetcher.from_config(wa.config, wait=lambda _: None, transport=transport)
    (media,) = fetcher.fetch_all([(f"{fetcher.api_origin}/x", "image/jpeg")], "MM1")
    assert media.error == "too_large"
    assert sum(sent) <= MAX_BYTES + 2 * 1024 * 1024


def test_all_of_a_messages_files_share_one_time_budget(wa: Runtime) -> None:
    """Files that stay "not ready" are given up within the budget, the later ones
    untried, so the webhook answers before Twilio gives up on it."""
    now = [0.0]
    tried: list[str] = []

    def not_yet(request: httpx.Request) -> httpx.Response:
        tried.append(request.url.path)
        now[0] += 0.3  # each try takes a while
        return httpx.Response(404)

    def wait(seconds: float) -> None:
        now[0] += seconds

    fetcher = TwilioMediaFetcher.from_config(wa.config, wait=wait, clock=lambda: now[0],
                                       transport=httpx.MockTransport(not_yet), budget=2.0)
    urls = [(f"{fetcher.api_origin}/m{n}", "image/jpeg") for n in range(3)]
    media = fetcher.fetch_all(urls, "MM2")
    assert [m.error for m in media] == ["fetch_failed"] * 3
    assert "/m0" in tried and "/m2" not in tried  # the time ran out before the third file
    assert now[0] <= 2.0 + 0.3  # never waited past the budget; at most one try ran over it


@pytest.mark.parametrize("declared, data, agrees", [
    ("image/jpeg", JPEG, True),
    ("image/jpg", JPEG, True),
    ("image/png", png(), True),
    ("image/webp", WEBP, True),
    ("application/pdf", PDF, True),
    ("application/pdf; charset=binary", PDF, True),
    ("image/png", JPEG, False),
    ("image/jpeg", PDF, False),
    ("text/plain", PDF, False),  # a known type under another name
    ("audio/ogg", b"OggS\0\2", True),  # unknown to us both ways: the core judges it
    ("image/jpeg", b"", False),
])
def test_declared_type_is_checked_against_the_bytes(
    declared: str, data: bytes, agrees: bool
) -> None:
    assert type_agrees(declared, data) is agrees


def test_twilio_s_sample_image_payload(
    ravi: WhatsAppUser, twilio_api: FakeTwilioAPI, inbound: list[Inbound]
) -> None:
    import json

    from support import FIXTURES

    form = json.loads((FIXTURES / "twilio" / "whatsapp-image.json").read_text())
    form["MediaUrl0"] = twilio_api.add_media(png(), "image/png")
    response = ravi.post(form, signature=ravi.signature(form))
    assert response.status_code == 200 and twiml_messages(response.get_data(as_text=True))
    assert inbound[0].media[0].content_type == "image/png" and inbound[0].media[0].error is None


def test_a_retried_delivery_is_not_downloaded_again(
    ravi: WhatsAppUser, twilio_api: FakeTwilioAPI
) -> None:
    form = ravi.form("", NumMedia="1", MediaUrl0=twilio_api.add_media(JPEG, "image/jpeg"),
                     MediaContentType0="image/jpeg")
    first = ravi.post(form, signature=ravi.signature(form))
    again = ravi.post(form, signature=ravi.signature(form))
    assert first.get_data() == again.get_data()
    assert len(twilio_api.calls_of("media")) == 1
