"""Twilio's status callbacks for the WhatsApp messages the outbox sent.

Twilio accepts a message and only later may find it cannot be delivered: above all
63016, the customer's 24-hour window had closed by WhatsApp's clock. Each message the
sender creates names `/webhooks/whatsapp/status?outbox=<id>` as its callback (signed
like every Twilio webhook); a failure there puts the outbox row back:

- 63016: sent again through the approved template when one is configured for its
  kind, else held until the customer writes (as if `messages.create` had said so);
- any other failure: failed, with Twilio's code, for the operator to see.

Delivered, read and the in-between statuses change nothing, and so does a report on
an earlier part of a message sent in several (the last part is the one that counts:
a closed window refuses it too). A callback is acted on once: only a row still
marked sent moves.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Blueprint, Response, request
from sqlalchemy import update

from bot.channels.whatsapp.webhook import twilio_signature_required
from bot.runtime import Runtime
from store import wakeups
from store.db import unit_of_work
from store.models import OutboxMessage, OutboxStatus

log = logging.getLogger("orderbot.whatsapp")

PATH = "/webhooks/whatsapp/status"
FAILED = frozenset({"failed", "undelivered"})
OUTSIDE_WINDOW = "63016"
USE_TEMPLATE = "whatsapp_use_template"  # payload key: WhatsApp said the window is closed
SENT_PARTS = "whatsapp_sent_parts"  # payload key: parts already delivered, never sent twice


def callback_url(public_base_url: str, message_id: int) -> str | None:
    """Where Twilio reports on a message of outbox row `message_id`; None where Twilio
    could not reach us (no public https address), so it does not log failures."""
    if not public_base_url.startswith("https://"):
        return None
    return f"{public_base_url.rstrip('/')}{PATH}?outbox={message_id}"


def blueprint(runtime: Runtime) -> Blueprint:
    bp = Blueprint("whatsapp_status", __name__)

    @bp.post(PATH)
    @twilio_signature_required(runtime.config)
    def status() -> Response:
        try:
            record(runtime, request.args.get("outbox", ""), request.form)
        except Exception:  # Twilio must never see a 500; it would only retry
            log.exception("failed to record a WhatsApp status callback")
        return Response(status=204)

    return bp


def record(runtime: Runtime, outbox_id: str, form: Mapping[str, str]) -> str | None:
    """Act on one callback; returns what became of the outbox row (None: nothing)."""
    if not outbox_id.isdigit() or form.get("MessageStatus") not in FAILED:
        return None
    code = (form.get("ErrorCode") or "").strip()
    error = f"twilio status {form.get('MessageStatus')} ({code or 'no code'})"
    with unit_of_work(runtime.sessions) as session:
        message = session.get(OutboxMessage, int(outbox_id), with_for_update=True)
        if message is None or message.channel != "whatsapp":
            return None
        if message.status != OutboxStatus.SENT.value:
            return None  # already acted on, or not ours to move
        if message.provider_message_id and form.get("MessageSid") != message.provider_message_id:
            # An earlier part of it (the screenshot before a proof prompt's buttons):
            # what counts went through after it; a closed window would refuse that too.
            return None
        now = runtime.clock()
        if code == OUTSIDE_WINDOW:
            templates = getattr(runtime.senders.get("whatsapp"), "templates", {})
            if message.kind in templates and not message.payload.get(USE_TEMPLATE):
                payload = {k: v for k, v in message.payload.items() if k != SENT_PARTS}
                values = {"status": OutboxStatus.PENDING.value, "next_attempt_at": now,
                          "payload": {**payload, USE_TEMPLATE: True}}
            else:
                values = {"status": OutboxStatus.HELD.value}
        else:
            values = {"status": OutboxStatus.FAILED.value}
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id,
                   OutboxMessage.status == OutboxStatus.SENT.value)
            .values(last_error=error, locked_until=None, **values),
            execution_options={"synchronize_session": False},
        )
        if values["status"] == OutboxStatus.PENDING.value:
            wakeups.signal(session, wakeups.outbox_topic("whatsapp"))  # the template, now
        log.warning("WhatsApp reported outbox %s %s: now %s", message.id, error, values["status"])
        return values["status"]
