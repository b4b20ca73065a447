"""Delivers the outbox through each channel's sender.

- Claimed with a lease (and `FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises
  claims at BEGIN IMMEDIATE), so several workers never take the same message; the
  lease is checked again at delivery, and on PostgreSQL the row stays locked while it
  is sent, so a message is sent twice only if a worker dies between the platform's
  "sent" and the commit (at least once, never twice otherwise).
- One recipient's messages go in order: a later one waits while an earlier one is
  being retried.
- Retried with exponential back-off and jitter, `retry_after` honoured; a message
  still failing after a day is failed with its last error.
- Each channel has lanes of threads, paced within the platform's rate across every
  worker (store/pacing.py).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import aliased

from bot import housekeeping
from bot.runtime import Runtime, SendResult
from handlers import notices
from store import pacing
from store.db import unit_of_work
from store.models import OutboxMessage, OutboxStatus

log = logging.getLogger("orderbot.worker")

LEASE = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(days=1)
BASE_DELAY = 5.0  # seconds before the first retry; doubles each attempt
MAX_DELAY = 3600.0
# Sends per second, a little under each platform's own limit (Telegram: 30 a second
# for a bot; WhatsApp through Twilio: 80 a second for a sender).
PLATFORM_RATES = {"telegram": 29.0, "whatsapp": 78.0}
LANES_PER_CHANNEL = 3
LANE_BATCH = 10  # small batches: a lane holds few leases while it paces


def backoff(attempts: int, rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait after `attempts` failed tries: exponential, capped, with full jitter
    over its upper half so a burst of failures does not retry in lockstep."""
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + rng() * ceiling / 2


@dataclass(frozen=True)
class Claim:
    """Messages taken by one worker until `lease_until`; the lease is also the token
    that proves, at delivery, that no other worker has taken them since."""

    ids: list[int]
    lease_until: datetime
    channels: dict[int, str] = field(default_factory=dict)  # message id -> its channel


def _due(now: datetime, channels: list[str]) -> Select[tuple[int, str]]:
    """Messages due now, each the oldest still waiting for its recipient: a later
    notice never overtakes an earlier one that is being retried."""
    earlier = aliased(OutboxMessage)
    waiting_before = (
        select(earlier.id)
        .where(
            earlier.channel == OutboxMessage.channel,
            earlier.address == OutboxMessage.address,
            earlier.id < OutboxMessage.id,
            earlier.status == OutboxStatus.PENDING.value,
        )
        .exists()
    )
    return (
        select(OutboxMessage.id, OutboxMessage.channel)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.channel.in_(channels),
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
            ~waiting_before,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    )


def claim(runtime: Runtime, limit: int = 50, channels: list[str] | None = None) -> Claim:
    """Take up to `limit` due messages of `channels` (default: every channel we can
    send on), for this worker alone."""
    now = runtime.clock()
    lease_until = now + LEASE
    channels = [c for c in (channels or runtime.senders) if c in runtime.senders]
    if not channels:
        return Claim([], lease_until)
    with unit_of_work(runtime.sessions) as session:
        query = _due(now, channels).limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=OutboxMessage)
        channels_of = {row.id: row.channel for row in session.execute(query)}
        ids = list(channels_of)
        if ids:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(locked_until=lease_until)
            )
    return Claim(ids, lease_until, channels_of)


def deliver(runtime: Runtime, message_id: int, lease_until: datetime) -> SendResult | None:
    """One attempt at one claimed message; records the outcome. The row stays locked
    while it is sent (PostgreSQL), and a message whose lease another worker has taken
    over is left to that worker: one notice is never sent twice."""
    with unit_of_work(runtime.sessions) as session:
        query = select(OutboxMessage).where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.locked_until == lease_until,
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        message = session.scalars(query).one_or_none()
        if message is None:
            return None
        sender = runtime.senders[message.channel]
        try:
            replies = notices.render(session, message, runtime.settings.default_locale)
            result = sender.send(session, message, replies)
        except LookupError as exc:  # what it spoke of is gone: nothing to send
            result = SendResult(ok=False, permanent=True, error=f"render: {exc}")
        except Exception as exc:  # a sender bug must not stop the queue
            log.exception("sender for %s failed", message.channel)
            result = SendResult(ok=False, error=f"{exc.__class__.__name__}: {exc}")
        _record(runtime, message, result)
        return result


def _record(runtime: Runtime, message: OutboxMessage, result: SendResult) -> None:
    now = runtime.clock()
    message.locked_until = None
    if result.ok:
        message.status = OutboxStatus.SENT.value
        message.sent_at = now
        message.attempts += 1
        message.provider_message_id = result.provider_id
        return
    if result.hold:
        message.status = OutboxStatus.HELD.value
        message.last_error = result.error
        return
    message.attempts += 1
    message.last_error = (result.error or "failed")[:2000]
    if result.permanent or now - message.created_at > GIVE_UP_AFTER:
        message.status = OutboxStatus.FAILED.value
        return
    delay = backoff(message.attempts)
    if result.retry_after is not None:
        delay = max(delay, float(result.retry_after))
    message.next_attempt_at = now + timedelta(seconds=delay)


def send_rate(runtime: Runtime, channel: str) -> float | None:
    """The most messages a second this deployment sends on `channel`, across every
    worker: a little under the platform's limit (`ORDERBOT_RATE_<CHANNEL>` overrides)."""
    configured = runtime.config.raw.get(f"ORDERBOT_RATE_{channel.upper()}")
    if configured:
        return float(configured)
    return PLATFORM_RATES.get(channel)


def wait_for_slot(runtime: Runtime, channel: str) -> None:
    """Block until this send fits the channel's rate, shared through the database with
    every other worker. Real time on purpose: platform limits are in wall-clock seconds."""
    rate = send_rate(runtime, channel)
    if not rate:
        return
    for _ in range(600):  # bounded: at most a minute or so of waiting
        with unit_of_work(runtime.sessions) as session:
            wait = pacing.take_slot(session, f"send:{channel}", rate, datetime.now(UTC))
        if not wait:
            return
        time.sleep(min(wait, 0.2))
    raise TimeoutError(f"no send slot for {channel}")


def run_once(runtime: Runtime, limit: int = 50, channels: list[str] | None = None) -> int:
    """Claim and deliver one batch; returns how many were attempted."""
    taken = claim(runtime, limit, channels)
    for message_id in taken.ids:
        wait_for_slot(runtime, taken.channels[message_id])  # before the delivery's transaction opens
        deliver(runtime, message_id, taken.lease_until)
    return len(taken.ids)


def run_lane(
    runtime: Runtime, channels: list[str], stop: threading.Event, idle_wait: float = 1.0
) -> None:
    """Deliver `channels` until `stop` is set, waiting a little whenever nothing is due."""
    while not stop.is_set():
        try:
            busy = run_once(runtime, LANE_BATCH, channels)
        except Exception:
            log.exception("worker batch failed; retrying")
            busy = 0
        if not busy:
            stop.wait(idle_wait)


def run_forever(runtime: Runtime, stop: threading.Event, idle_wait: float = 1.0) -> None:
    """Deliver until `stop` is set: lanes of threads per channel, so one platform's
    pace or trouble never holds up another's, and a slow round trip does not cap the
    rate (the shared pacing keeps the lanes of every worker within the limit). The
    calling thread does the hourly housekeeping meanwhile."""
    log.info("worker delivering on %s", ", ".join(runtime.senders) or "no channel")
    lanes = [
        threading.Thread(target=run_lane, args=(runtime, [channel], stop, idle_wait),
                         name=f"outbox-{channel}-{n}", daemon=True)
        for channel in runtime.senders
        for n in range(LANES_PER_CHANNEL)
    ]
    for lane in lanes:
        lane.start()
    housekeeping.run_forever(runtime, stop)  # this thread, meanwhile: hourly chores
    for lane in lanes:
        lane.join()
