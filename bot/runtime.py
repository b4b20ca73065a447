"""The running pieces every adapter shares: configuration, database, clock, senders,
the typed services, and `respond`, which answers one inbound message in one
transaction. It imports no channel (the Telegram bridge's type only for its
annotation): bot/bootstrap.py builds the runtime from the channels' list."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Config
from handlers import handle, i18n
from handlers.proofs.chat import check_file
from handlers.types import (
    CodeSender,
    Context,
    Inbound,
    Media,
    PaymentLinks,
    Reply,
    Settings,
    replies_from_json,
    replies_to_json,
)
from store.db import unit_of_work
from store.models import Chat, InboundDelivery, OutboxMessage, utcnow
from store.outbox import PHONE_CHANNELS

if TYPE_CHECKING:
    from flask import Flask

    from bot.channels.telegram.bridge import TelegramBridge
    from store.pacing import Slots

log = logging.getLogger("orderbot")


class Unavailable(Exception):
    """The database cannot be reached: the caller should answer 503 and let the
    platform deliver again later (nothing was written)."""


@dataclass(frozen=True)
class SendResult:
    """What a channel's sender says of one attempt to deliver an outbox message."""

    ok: bool
    provider_id: str | None = None
    retry_after: float | None = None  # the platform asked us to wait this long (seconds)
    permanent: bool = False  # retrying cannot help (a 4xx other than 429)
    hold: bool = False  # keep it until the recipient writes (WhatsApp's 24-hour window)
    error: str | None = None


class Sender(Protocol):
    """Delivers an outbox message's replies on one channel."""

    def send(self, session: Session, message: OutboxMessage, replies: list[Reply]) -> SendResult: ...


class MediaFetcher(Protocol):
    """Fetches the files a message links to on its platform ((url, declared content
    type) each), as `Media`; a file it could not get is `Media(error=…)`."""

    def fetch_all(
        self, items: Sequence[tuple[str, str | None]], message_id: str
    ) -> tuple[Media, ...]: ...


@dataclass
class Services:
    """What a runtime keeps besides its configuration and senders, each in its own typed
    field: live objects (made by bot/bootstrap.py, or on first use by their owner; a
    test puts its own in) and the demo's lines. A fresh `Services()` shares none of
    another runtime's."""

    # The order views' one-tap "Pay now" links (bot/payments/razorpay.py).
    payment_links: PaymentLinks | None = None
    # Fetches WhatsApp's media from Twilio; None: made from the configuration.
    media_fetcher: MediaFetcher | None = None
    # The Telegram bot on its own event loop, made on first use
    # (bot/channels/telegram/bridge.py: bridge_for, close_bridge).
    telegram: TelegramBridge | None = None
    # While the worker runs on PostgreSQL: its own connections for the pacing slots,
    # one a lane.
    pace_slots: Slots | None = None
    # What `orderbot serve --demo` prints besides its own lines: the addresses the
    # channels and pages add as their blueprints are built ("{base}" is the server's).
    demo_lines: list[str] = field(default_factory=list)


@dataclass
class Runtime:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    code_sender: CodeSender | None = None
    senders: dict[str, Sender] = field(default_factory=dict)
    # The bytes of an image this app serves at a path (bot/web/images.py), or None.
    render_image: Callable[[Runtime, str], bytes | None] = lambda runtime, path: None
    services: Services = field(default_factory=Services)

    def context(self, session: Session) -> Context:
        return Context(
            session=session,
            settings=self.settings,
            clock=self.clock,
            code_sender=self.code_sender,
            payment_links=self.services.payment_links,
        )

    def close(self) -> None:
        self.engine.dispose()


def runtime_of(app: Flask) -> Runtime:
    """The runtime a Flask app built by bot.app.create_app serves."""
    return app.extensions["orderbot"]


def reach_phones_on(runtime: Runtime, *channels: str) -> None:
    """Have order notices go to the order's phone itself on `channels` as well (the
    store reads this from each session's info: it knows no configuration)."""
    info = runtime.sessions.kw.get("info") or {}
    known = tuple(info.get(PHONE_CHANNELS, ()))
    merged = tuple(dict.fromkeys((*known, *channels)))
    runtime.sessions.configure(info={**info, PHONE_CHANNELS: merged})


# The delivery record, as plain table statements (no ORM work on the hot path).
_DELIVERIES = InboundDelivery.__table__
_RECORD = insert(_DELIVERIES).returning(_DELIVERIES.c.id)
_ANSWERED = (
    update(_DELIVERIES)
    .where(_DELIVERIES.c.id == bindparam("record"))
    .values(response=bindparam("answer"), completed_at=bindparam("at"))
)


def respond(
    runtime: Runtime,
    inbound: Inbound,
    *,
    delivery_id: str | None = None,
    after: Callable[[Session], object] | None = None,
    replay: bool = True,
) -> list[Reply]:
    """Answer `inbound` in one transaction. With a `delivery_id` (a webhook's message
    id) the message is processed once: a repeat gets the stored answer of the first,
    or nothing with `replay=False` (for channels that sent the first answer themselves).
    `after(session)` is the adapter's own write, committed with the answer or not at all."""
    inbound = check_file(inbound)  # decoded before the transaction: no lock waits on it
    try:
        with unit_of_work(runtime.sessions) as session:
            if delivery_id is not None:
                # The unique constraint decides who processes it: a second delivery
                # waits here for the first to commit, then fails and replays its answer.
                record_id = session.connection().execute(
                    _RECORD, {"channel": inbound.channel, "delivery_id": delivery_id,
                              "created_at": runtime.clock()}
                ).scalar_one()
            replies = handle(inbound, runtime.context(session))
            if after is not None:
                after(session)
            if delivery_id is not None and replay:  # a channel that answers itself reads none
                session.connection().execute(
                    _ANSWERED, {"record": record_id, "at": runtime.clock(),
                                "answer": {"replies": replies_to_json(replies)}}
                )
            return replies
    except (OperationalError, InterfaceError) as exc:
        log.error("database unavailable while answering a %s message: %s",
                  inbound.channel, exc.__class__.__name__)
        raise Unavailable from exc
    except IntegrityError:
        stored = stored_replies(runtime, inbound.channel, delivery_id) if delivery_id else None
        if stored is not None:
            return stored if replay else []
        log.exception("failed to answer a %s message", inbound.channel)
        return [Reply(i18n.t("error.sorry", _language_of(runtime, inbound)))]
    except Exception:
        log.exception("failed to answer a %s message", inbound.channel)
        return [Reply(i18n.t("error.sorry", _language_of(runtime, inbound)))]


def stored_replies(runtime: Runtime, channel: str, delivery_id: str) -> list[Reply] | None:
    """The answer given to a delivery already processed, or None if there is none."""
    with unit_of_work(runtime.sessions) as session:
        record = session.scalars(
            select(InboundDelivery).where(
                InboundDelivery.channel == channel, InboundDelivery.delivery_id == delivery_id
            )
        ).one_or_none()
    if record is None:
        return None
    replies = (record.response or {}).get("replies") or []
    return replies_from_json(replies, render=lambda path: render_image_path(runtime, path))


def render_image_path(runtime: Runtime, path: str) -> bytes:
    """The bytes of an image this app serves at `path` (for a stored reply)."""
    data = runtime.render_image(runtime, path)
    if data is None:
        raise LookupError(path)
    return data


def _language_of(runtime: Runtime, inbound: Inbound) -> str:
    try:
        with unit_of_work(runtime.sessions) as session:
            locale = session.scalar(
                select(Chat.locale).where(
                    Chat.channel == inbound.channel, Chat.address == inbound.address
                )
            )
    except Exception:  # the database itself may be what failed
        locale = None
    return locale or i18n.normalize_language(inbound.locale_hint) or runtime.settings.default_locale
