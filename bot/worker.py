"""Delivers the outbox through each channel's sender: claimed with a lease (and
`FOR UPDATE SKIP LOCKED` on PostgreSQL) so several workers never take the same
message, retried with exponential back-off and jitter, `retry_after` honoured,
given up after a day."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import aliased

from bot.runtime import Runtime, SendResult
from handlers import notices
from store.db import unit_of_work
from store.models import OutboxMessage, OutboxStatus

log = logging.getLogger("orderbot.worker")

LEASE = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(days=1)
BASE_DELAY = 5.0  # seconds before the first retry; doubles each attempt
MAX_DELAY = 3600.0


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


def _due(now: datetime, channels: list[str]) -> Select[tuple[int]]:
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
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.channel.in_(channels),
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
            ~waiting_before,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    )


def claim(runtime: Runtime, limit: int = 50) -> Claim:
    """Take up to `limit` due messages of channels we can send on, for this worker alone."""
    now = runtime.clock()
    lease_until = now + LEASE
    channels = list(runtime.senders)
    if not channels:
        return Claim([], lease_until)
    with unit_of_work(runtime.sessions) as session:
        query = _due(now, channels).limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=OutboxMessage)
        ids = list(session.scalars(query))
        if ids:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(locked_until=lease_until)
            )
    return Claim(ids, lease_until)


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


def run_once(runtime: Runtime, limit: int = 50) -> int:
    """Claim and deliver one batch; returns how many were attempted."""
    taken = claim(runtime, limit)
    for message_id in taken.ids:
        deliver(runtime, message_id, taken.lease_until)
    return len(taken.ids)


def run_forever(runtime: Runtime, stop: threading.Event, idle_wait: float = 1.0) -> None:
    """Deliver until `stop` is set, waiting a little whenever the queue is empty."""
    log.info("worker delivering on %s", ", ".join(runtime.senders) or "no channel")
    while not stop.is_set():
        try:
            busy = run_once(runtime)
        except Exception:
            log.exception("worker batch failed; retrying")
            busy = 0
        if not busy:
            stop.wait(idle_wait)
