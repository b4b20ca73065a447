"""WhatsApp messages that are not the answer to a webhook — notices, vendor prompts —
sent from the outbox through Twilio's REST API.

WhatsApp takes free-form messages only within 24 hours of the customer's last
message (`Chat.last_inbound_at`). Outside it an approved template is sent when one
is configured for the message's kind (`TWILIO_TEMPLATE_<KIND>`, a content SID),
otherwise the message is held until the customer writes again (then
`store.outbox.release_held` lets it go). A failure Twilio reports only later (63016
above all) comes back through bot.channels.whatsapp.status.

A kind with fields of its own (`handlers.notices.TEMPLATE_FIELDS`: the vendor's proof
prompt) is a quick-reply template whose buttons answer it: when its template is
configured it is always sent as that template, in the window or out of it, its
image going first as a media message of its own while the window is open."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client

from bot.channels.whatsapp import formatting
from bot.channels.whatsapp.status import SENT_PARTS, USE_TEMPLATE, callback_url
from bot.channels.whatsapp.twilio_rest import RecordingHttpClient, make_client
from bot.runtime import SendResult
from handlers import notices
from handlers.core import choices_of
from handlers.types import Reply
from store.chat_choices import set_choices
from store.models import Chat, Order, OutboxMessage

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("orderbot.whatsapp")

CHANNEL = "whatsapp"
WINDOW = timedelta(hours=24)
OUTSIDE_WINDOW = 63016  # Twilio: "outside the allowed window … use a Message Template"
VARIABLE_LIMIT = 1000  # characters in one template variable

_ApiError = (TwilioRestException, TwilioServiceException)


def in_window(chat: Chat | None, now: datetime) -> bool:
    last = chat.last_inbound_at if chat is not None else None
    return last is not None and now - last < WINDOW


@dataclass
class WhatsAppSender:
    """A `bot.runtime.Sender` for the "whatsapp" channel."""

    client: Client
    from_: str
    public_base_url: str
    clock: Callable[[], datetime]
    templates: Mapping[str, str] = field(default_factory=dict)

    def send(self, session: Session, message: OutboxMessage, replies: list[Reply]) -> SendResult:
        chat = _chat_of(session, message)
        # WhatsApp said, after the fact, that the window had closed: a template now.
        window = in_window(chat, self.clock()) and not message.payload.get(USE_TEMPLATE)
        if message.kind in notices.TEMPLATE_FIELDS and self.templates.get(message.kind):
            return self._send_quick_reply(session, message, replies, window)
        if not window:
            return self._send_template(session, message, replies)
        try:
            sid = self._send_freeform(message, replies)
        except _ApiError as exc:
            if exc.code == OUTSIDE_WINDOW:  # Twilio's clock disagrees with ours: its word wins
                return self._send_template(session, message, replies)
            return self._failure(exc)
        except requests.RequestException as exc:
            return SendResult(ok=False, error=f"network: {exc.__class__.__name__}: {exc}")
        choices = choices_of(replies)
        if chat is not None and choices is not None:
            # Its numbers now select this message's buttons; the rest of the chat's state,
            # whatever a newer turn wrote, stays as it is.
            set_choices(session, chat.id, choices, self.clock())
        return SendResult(ok=True, provider_id=sid)

    def _send_freeform(self, message: OutboxMessage, replies: list[Reply]) -> str | None:
        steps = []
        for part in formatting.parts(replies, self.public_base_url):
            values: dict[str, Any] = {"body": part.body} if part.body else {}
            if part.media_url:
                values["media_url"] = [part.media_url]
            steps.append(values)
        return self._send_steps(message, steps)

    def _send_steps(self, message: OutboxMessage, steps: list[dict[str, Any]]) -> str | None:
        """Each message in order, resuming after those an earlier attempt delivered."""
        done = _sent_parts(message)
        sid = None
        for index, values in enumerate(steps):
            if index < done:
                continue
            values = {**values, **self._callback(message)}
            try:
                created = self.client.messages.create(
                    to=message.address, from_=self.from_, **values
                )
            except Exception:
                if index > done:
                    message.payload = {**message.payload, SENT_PARTS: index}
                raise
            sid = created.sid
        return sid

    def _send_quick_reply(
        self, session: Session, message: OutboxMessage, replies: list[Reply], window: bool
    ) -> SendResult:
        """The kind's own template with its buttons; the image before it while the window
        is open (a template cannot carry a file that changes with each message)."""
        settings = session.info.get("settings")
        fields = notices.fields_of(session, message, getattr(settings, "default_locale", "en"))
        variables = {key: _one_line(value) for key, value in fields.items()}
        steps: list[dict[str, Any]] = []
        image = next((r for r in replies if formatting.media_url(r, self.public_base_url)), None)
        if image is not None:  # always a step, so that a retry counts the same steps
            steps.append({"media_url": [formatting.media_url(image, self.public_base_url)],
                          "body": image.image.alt})
        steps.append({"content_sid": self.templates[message.kind],
                      "content_variables": json.dumps(variables, ensure_ascii=False)})
        if not window:
            _skip_to(message, len(steps) - 1)  # outside the window the template goes alone

        def send() -> str | None:
            try:
                return self._send_steps(message, steps)
            except _ApiError as exc:
                if exc.code != OUTSIDE_WINDOW or _sent_parts(message) >= len(steps) - 1:
                    raise
                # Twilio says the window is closed after all: the template alone goes.
                _skip_to(message, len(steps) - 1)
                return self._send_steps(message, steps)

        return self._templated(send)

    def _send_template(
        self, session: Session, message: OutboxMessage, replies: list[Reply]
    ) -> SendResult:
        content_sid = self.templates.get(message.kind)
        if not content_sid:
            return SendResult(ok=False, hold=True, error="outside the 24-hour window; no template")
        variables = template_variables(session, message, replies)
        return self._templated(
            lambda: self.client.messages.create(
                to=message.address,
                from_=self.from_,
                content_sid=content_sid,
                content_variables=json.dumps(variables, ensure_ascii=False),
                **self._callback(message),
            ).sid
        )

    def _templated(self, send: Callable[[], str | None]) -> SendResult:
        """The outcome of sending a template: refused as outside the window, it waits
        for the recipient to write (the template is not approved yet, or not for them)."""
        try:
            sid = send()
        except _ApiError as exc:
            if exc.code == OUTSIDE_WINDOW:
                return SendResult(ok=False, hold=True, error=f"template refused: {exc}")
            return self._failure(exc)
        except requests.RequestException as exc:
            return SendResult(ok=False, error=f"network: {exc.__class__.__name__}: {exc}")
        return SendResult(ok=True, provider_id=sid)

    def _callback(self, message: OutboxMessage) -> dict[str, str]:
        """Twilio reports a later failure (a closed window above all) to status.py."""
        url = callback_url(self.public_base_url, message.id)
        return {"status_callback": url} if url else {}

    def _failure(self, exc: TwilioRestException | TwilioServiceException) -> SendResult:
        error = f"twilio {exc.status} ({exc.code}): {getattr(exc, 'msg', '') or exc}"
        if exc.status == 429:
            return SendResult(ok=False, retry_after=self._retry_after(), error=error)
        if exc.status >= 500:
            return SendResult(ok=False, error=error)
        return SendResult(ok=False, permanent=True, error=error)

    def _retry_after(self) -> float | None:
        """Twilio's Retry-After, in seconds or as an HTTP date."""
        http = self.client.http_client
        value = http.last_header("Retry-After") if isinstance(http, RecordingHttpClient) else None
        if not value:
            return None
        if value.strip().isdigit():
            return float(value)
        try:
            return max(0.0, (parsedate_to_datetime(value) - self.clock()).total_seconds())
        except (TypeError, ValueError):
            return None


def template_variables(
    session: Session, message: OutboxMessage, replies: list[Reply]
) -> dict[str, str]:
    """{"1": the notice on one line, "2": the order number, "3": the business}: what an
    approved template can show (no line breaks allowed in a variable)."""
    variables = {"1": _one_line("\n".join(r.text for r in replies))}
    order = session.get(Order, message.order_id) if message.order_id else None
    if order is not None:
        variables.update({"2": order.number, "3": order.business.name})
    return variables


def _sent_parts(message: OutboxMessage) -> int:
    return int(message.payload.get(SENT_PARTS, 0))


def _skip_to(message: OutboxMessage, step: int) -> None:
    """Count the steps before `step` as done: they are not to be sent."""
    if _sent_parts(message) < step:
        message.payload = {**message.payload, SENT_PARTS: step}


def _one_line(text: str) -> str:
    """A template variable: no line breaks (WhatsApp refuses them), at most the limit."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    value = " · ".join(lines)
    return value[: VARIABLE_LIMIT - 1] + "…" if len(value) > VARIABLE_LIMIT else value


def _chat_of(session: Session, message: OutboxMessage) -> Chat | None:
    if message.chat_id is not None:
        return session.get(Chat, message.chat_id)
    return session.scalars(
        select(Chat).where(Chat.channel == CHANNEL, Chat.address == message.address)
    ).one_or_none()


def make_sender(runtime: Runtime) -> WhatsAppSender | None:
    """WhatsApp from the outbox, when Twilio is configured."""
    config = runtime.config
    if not (config.twilio_account_sid and config.twilio_auth_token and config.twilio_whatsapp_from):
        return None
    return WhatsAppSender(
        client=make_client(config),
        from_=_whatsapp_address(config.twilio_whatsapp_from),
        public_base_url=config.public_base_url,
        clock=runtime.clock,
        templates=dict(config.twilio_templates),
    )


def _whatsapp_address(sender: str) -> str:
    """TWILIO_WHATSAPP_FROM with its "whatsapp:" prefix, even if it was left out."""
    sender = sender.strip()
    return sender if sender.startswith("whatsapp:") else f"whatsapp:{sender}"
