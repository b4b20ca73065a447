"""WhatsApp through Twilio: `POST /webhooks/whatsapp` turns Twilio's form into one
`Inbound`, answers it once per `MessageSid` through the core, and returns the
replies as TwiML. Never a 500: whatever fails, Twilio gets 200 and an apology."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any
from xml.sax.saxutils import escape

from flask import Blueprint, Response, request
from sqlalchemy.exc import InterfaceError, OperationalError
from twilio.request_validator import RequestValidator

from bot.channels.whatsapp import formatting
from bot.channels.whatsapp.media import TwilioMediaFetcher
from bot.config import Config
from bot.runtime import MediaFetcher, Runtime, Unavailable, respond, stored_replies
from handlers import i18n
from handlers.parse import parse_phone
from handlers.types import Inbound, Reply

log = logging.getLogger("orderbot.whatsapp")

CHANNEL = "whatsapp"
PREFIX = "whatsapp:"
MAX_MEDIA = 10  # WhatsApp sends at most this many files with one message


def blueprint(runtime: Runtime) -> Blueprint:
    config = runtime.config
    fetcher = runtime.services.media_fetcher or TwilioMediaFetcher.from_config(config)
    _log_signature_mode(config)
    bp = Blueprint("whatsapp", __name__)

    @bp.post("/webhooks/whatsapp")
    @twilio_signature_required(config)
    def webhook() -> Response:
        replies = answer(runtime, request.form, fetcher)
        return Response(twiml(replies, config.public_base_url), mimetype="text/xml")

    return bp


def twilio_signature_required(config: Config) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """403 unless `X-Twilio-Signature` signs the public URL (PUBLIC_BASE_URL + path +
    query: what Twilio called, whatever proxy or tunnel is in between) and every posted
    field. Without a token: accepted in development only."""
    validator = RequestValidator(config.twilio_auth_token) if config.twilio_auth_token else None

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if validator is None:
                if config.development:
                    return view(*args, **kwargs)
                log.warning("refused a WhatsApp webhook: TWILIO_AUTH_TOKEN is not set")
                return Response("TWILIO_AUTH_TOKEN is not set\n", 403, mimetype="text/plain")
            query = request.query_string.decode("latin-1")
            url = config.public_base_url + request.path + (f"?{query}" if query else "")
            signature = request.headers.get("X-Twilio-Signature", "")
            if not signature or not validator.validate(url, request.form, signature):
                log.warning("refused a WhatsApp webhook: bad or missing signature for %s", url)
                return Response("invalid signature\n", 403, mimetype="text/plain")
            return view(*args, **kwargs)

        return checked

    return decorate


def _log_signature_mode(config: Config) -> None:
    if not config.twilio_auth_token:
        log.warning(
            "TWILIO_AUTH_TOKEN is not set: WhatsApp webhooks are %s",
            "accepted unsigned (development)" if config.development else "refused (403)",
        )


def answer(runtime: Runtime, form: Mapping[str, str], fetcher: MediaFetcher) -> list[Reply]:
    """The replies to one webhook delivery; a repeat of a `MessageSid` gets the first
    answer again (the core's unique delivery record decides, even at the same moment)."""
    try:
        sid = form.get("MessageSid") or None
        if sid is not None and form.get("NumMedia", "0") not in ("", "0"):
            # A retry already answered needs no second download of its media.
            stored = stored_replies(runtime, CHANNEL, sid)
            if stored is not None:
                return stored
        inbound = parse(form, fetcher)
        if inbound is None:
            log.warning("ignored a WhatsApp webhook without a usable From: %r", form.get("From"))
            return []
        return respond(runtime, inbound, delivery_id=sid)
    except (Unavailable, OperationalError, InterfaceError) as exc:
        # 503, nothing written: with the connection overrides the README gives
        # (#rc=3&rp=5xx,ct,rt), Twilio delivers the message again and MessageSid
        # makes sure it is then processed once.
        log.error("database unavailable for a WhatsApp message: %s", exc.__class__.__name__)
        raise Unavailable from exc
    except Exception:  # Twilio must never see a 500; the customer gets an apology
        log.exception("failed to answer a WhatsApp message")
    return [Reply(i18n.t("error.sorry", runtime.settings.default_locale))]


def parse(form: Mapping[str, str], fetcher: MediaFetcher) -> Inbound | None:
    """Twilio's form as an `Inbound`, its media fetched; None when `From` is not a
    WhatsApp number."""
    sender = form.get("From", "")
    phone = parse_phone(sender.removeprefix(PREFIX), "ZZ") if sender.startswith(PREFIX) else None
    if phone is None:
        return None
    sid = form.get("MessageSid", "")
    return Inbound(
        channel=CHANNEL,
        address=PREFIX + phone,
        text=form.get("Body", ""),
        button=form.get("ButtonPayload") or None,
        media=fetcher.fetch_all(_media_items(form), sid),
        proven_phone=phone,
        display_name=form.get("ProfileName") or None,
        platform_user_id=form.get("WaId") or None,
        message_id=sid or None,
    )


def _media_items(form: Mapping[str, str]) -> list[tuple[str, str | None]]:
    declared = form.get("NumMedia", "0")
    count = min(int(declared), MAX_MEDIA) if declared.isdigit() else 0
    return [
        (form[f"MediaUrl{n}"], form.get(f"MediaContentType{n}"))
        for n in range(count)
        if form.get(f"MediaUrl{n}")
    ]


def twiml(replies: list[Reply], public_base_url: str) -> str:
    """The replies as a TwiML `<Response>` of `<Message>`s: the very text twilio's
    MessagingResponse writes, joined as strings (its element tree cost more than the
    rest of the answer's formatting)."""
    messages = []
    for part in formatting.parts(replies, public_base_url):
        body = f"<Body>{escape(part.body)}</Body>" if part.body else ""
        media = f"<Media>{escape(part.media_url)}</Media>" if part.media_url else ""
        messages.append(f"<Message>{body}{media}</Message>" if body or media else "<Message />")
    inner = "".join(messages)
    return _XML + (f"<Response>{inner}</Response>" if inner else "<Response />")


_XML = '<?xml version="1.0" encoding="UTF-8"?>'
