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
- Each channel has lanes of threads; every send takes the next slot of its channel's
  even pace, shared by every worker through the database (store/pacing.py).
- A batch that ends early gives back the messages it did not attempt.
- An idle lane waits for a wake-up (store/wakeups.py: a notice queued anywhere wakes
  the lanes of its channel at once) or the next due time, whichever comes first; with
  no wake-ups to hear (SQLite across processes, a listener's connection lost or its
  probe not coming back) it looks again after `idle_wait`, as it always did.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import (
    BindParameter,
    Select,
    Update,
    bindparam,
    case,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from bot import housekeeping, proof_reader
from bot.channels import CHANNELS
from bot.runtime import Runtime, SendResult
from handlers import notices
from store import pacing, wakeups
from store.db import make_engine, unit_of_work
from store.models import Chat, OutboxMessage, OutboxStatus

log = logging.getLogger("orderbot.worker")

LEASE = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(days=1)
BASE_DELAY = 5.0  # seconds before the first retry; doubles each attempt
MAX_DELAY = 3600.0
# Sends per second, evenly spaced, a little under each platform's own limit (Telegram:
# 30 a second for a bot; WhatsApp through Twilio: 80 a second for a sender), as each
# channel declares it (bot/channels/). The margin is what keeps any sliding second
# within the limit when a send leaves late: at 28.8 of 30 one send may reach the
# platform up to 41 ms later than the 30th after it, at 77 of 80 up to 39 ms
# (store/pacing.py). Telegram's sends pass through the bot's event loop, a longer way
# than Twilio's, hence its wider margin.
PLATFORM_RATES = {c.name: c.send_rate for c in CHANNELS if c.send_rate is not None}
# Threads per channel in one worker: enough that one is always waiting for the next
# slot while the others render, send and record (a dozen statements each).
LANES = {c.name: c.lanes for c in CHANNELS if c.lanes is not None}
DEFAULT_LANES = 3
LATE = 0.015  # seconds after its slot past which a send takes a later slot (a third of a margin)
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


def _due(now: datetime | BindParameter[datetime], channels: list[str]) -> Select[tuple[int, str]]:
    """Messages due now, each the first still waiting for its recipient: a later
    notice never overtakes an earlier one that is being retried.

    Shaped so that no plan the database may pick goes quadratic, with or without
    statistics (fresh bulk-queued rows have none): the walk follows ix_outbox_due in
    the order claimed and stops at the batch's end, and "is it its recipient's first?"
    is a scalar min() per message met — one probe of ix_outbox_recipient, a subquery
    PostgreSQL does not turn into a join."""
    earlier = aliased(OutboxMessage)
    first_waiting = (
        select(func.min(earlier.id))
        .where(
            earlier.channel == OutboxMessage.channel,
            earlier.address == OutboxMessage.address,
            earlier.status == OutboxStatus.PENDING.value,
        )
        .scalar_subquery()
    )
    of_channel = (
        OutboxMessage.channel == channels[0]
        if len(channels) == 1
        else OutboxMessage.channel.in_(channels)
    )
    return (
        select(OutboxMessage.id, OutboxMessage.channel)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            of_channel,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
            OutboxMessage.id == first_waiting,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    )


@cache
def _claim_statement(dialect: str, channels: tuple[str, ...]) -> Update:
    """Take the batch in one statement, built once: the due messages' leases set and
    their ids returned. PostgreSQL locks the rows it takes and skips those another
    claim holds; SQLite serialises claims at BEGIN IMMEDIATE."""
    due = _due(bindparam("now"), list(channels)).limit(bindparam("limit"))
    if dialect == "postgresql":
        due = due.with_for_update(skip_locked=True, of=OutboxMessage)
    taken = due.with_only_columns(OutboxMessage.id).correlate(None).scalar_subquery()
    return (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(taken))
        .values(locked_until=bindparam("lease"))
        .returning(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.next_attempt_at)
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
        stmt = _claim_statement(session.get_bind().dialect.name, tuple(channels))
        # A table statement on the session's connection: no session holds these rows, and
        # the ORM's bulk-update path cost more than the claim itself.
        params = {"now": now, "limit": limit, "lease": lease_until}
        rows = session.connection().execute(stmt, params).all()
    rows.sort(key=lambda row: (row.next_attempt_at, row.id))  # the order they were due
    return Claim([row.id for row in rows], lease_until, {row.id: row.channel for row in rows})


@cache
def _delivery_statement(dialect: str) -> Select[tuple[OutboxMessage, Chat]]:
    """One claimed message, still ours, with its recipient's chat (what rendering and
    sending look up first: found in the session, not asked for); built once."""
    query = (
        select(OutboxMessage, Chat)
        .outerjoin(Chat, Chat.id == OutboxMessage.chat_id)
        .where(
            OutboxMessage.id == bindparam("message_id"),
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.locked_until == bindparam("lease"),
        )
    )
    if dialect == "postgresql":
        # Waits (never skips): only a claim scanning past it, or a worker that took
        # it over after our lease ran out, can hold it, and the lease is checked
        # again once they are done. Skipping left a claimed message unsent until
        # its lease ran out.
        query = query.with_for_update(of=OutboxMessage)
    return query


def deliver(
    runtime: Runtime, message_id: int, lease_until: datetime,
    rendered: notices.Rendered | None = None,
) -> SendResult | None:
    """One attempt at one claimed message; records the outcome. The row stays locked
    while it is sent (PostgreSQL), and a message whose lease another worker has taken
    over is left to that worker: one notice is never sent twice. The send waits for
    its slot in the channel's pace after the message is rendered, right before it
    goes, so the gaps the platform sees are the gaps the pace gave. `rendered`: what
    the batch has worded already (a notice to many is worded once per language)."""
    with unit_of_work(runtime.sessions) as session:
        stmt = _delivery_statement(session.get_bind().dialect.name)
        row = session.execute(stmt, {"message_id": message_id, "lease": lease_until}).first()
        if row is None:
            return None
        message = row.OutboxMessage
        sender = runtime.senders[message.channel]
        try:
            replies = notices.render(session, message, runtime.settings.default_locale, rendered)
            wait_for_slot(runtime, session, message.channel)
            result = sender.send(session, message, replies)
        except LookupError as exc:  # what it spoke of is gone: nothing to send
            result = SendResult(ok=False, permanent=True, error=f"render: {exc}")
        except Exception as exc:  # a sender bug must not stop the queue
            log.exception("sender for %s failed", message.channel)
            result = SendResult(ok=False, error=f"{exc.__class__.__name__}: {exc}")
        _record(runtime, message, result)
        _write_outcome(session, message)
        return result


# What an attempt changes of its message (and a sender may change `payload`: the parts
# of it that went out before a failure).
OUTCOME = ("status", "attempts", "next_attempt_at", "locked_until", "last_error",
           "provider_message_id", "sent_at")


@cache
def _outcome_statement(names: tuple[str, ...]) -> Update:
    """The attempt's outcome, one statement built once: the unit of work's flush of
    the one changed row cost more than the statement itself."""
    columns = OutboxMessage.__table__.c
    return (
        update(OutboxMessage)
        .where(OutboxMessage.id == bindparam("message_id"))
        .values({name: bindparam(f"new_{name}", type_=columns[name].type) for name in names})
    )


def _write_outcome(session: Session, message: OutboxMessage) -> None:
    """Write what `_record` (and the sender) set on `message`, and take it out of the
    session: nothing of it is left for the commit to flush."""
    with_payload = inspect(message).attrs.payload.history.has_changes()
    names = OUTCOME + (("payload",) if with_payload else ())
    params = {f"new_{name}": getattr(message, name) for name in names}
    session.expunge(message)
    session.connection().execute(_outcome_statement(names), {"message_id": message.id, **params})


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
    return runtime.config.send_rate(channel, PLATFORM_RATES.get(channel))


def lanes(runtime: Runtime, channel: str) -> int:
    """Threads delivering `channel` in this worker (`ORDERBOT_LANES_<CHANNEL>` overrides):
    enough that a slot of the pace always finds one ready to send."""
    return runtime.config.lanes(channel, LANES.get(channel, DEFAULT_LANES))


def wait_for_slot(runtime: Runtime, session: Session, channel: str) -> None:
    """Take the channel's next send slot, shared through the database with every other
    worker, and wait for it. Real time on purpose: platform limits are in wall-clock
    seconds. On PostgreSQL the slot is taken outside `session`'s transaction, so the
    pace's row is locked for one statement (on the lane's own connection of
    `run_forever`'s `pacing.Slots` when there is one: one round trip a slot); SQLite's
    writers are serialised anyway, and a second writer beside `session`'s would wait
    for it."""
    rate = send_rate(runtime, channel)
    if not rate:
        return
    for _ in range(3):  # bounded: on a machine that busy, the third slot is sent late
        slot = _reserve(runtime, session, f"send:{channel}", rate)
        wait = slot - time.time()
        if wait > 0:
            time.sleep(wait)
        if time.time() - slot <= LATE:
            return
        # Woken too late (a busy machine): sent now, it would crowd the sends of the
        # slots after it into less than a second. Its slot goes unused; take another.


def _reserve(runtime: Runtime, session: Session, key: str, rate: float) -> float:
    slots = runtime.services.pace_slots
    if session.get_bind().dialect.name != "postgresql":
        return pacing.reserve(session, key, rate)
    if slots is not None:
        return slots.reserve(key, rate)
    with unit_of_work(runtime.sessions) as own:
        return pacing.reserve(own, key, rate)


def release(runtime: Runtime, ids: list[int], lease_until: datetime) -> None:
    """Give back claimed messages not attempted, for any worker to take at once."""
    if not ids:
        return
    with unit_of_work(runtime.sessions) as session:
        session.connection().execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.locked_until == lease_until)
            .values(locked_until=None)
        )


def run_once(
    runtime: Runtime,
    limit: int = 50,
    channels: list[str] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Claim and deliver one batch; returns how many were attempted. Whatever ends the
    batch early (a failure, `stop`) gives back the messages not yet attempted rather
    than leave them leased and unsent; the one that failed keeps its lease (it may
    have gone out before the failure), so it is retried when the lease runs out."""
    taken = claim(runtime, limit, channels)
    rendered = notices.Rendered()
    attempted = 0
    try:
        for message_id in taken.ids:
            if stop is not None and stop.is_set():
                break
            attempted += 1
            deliver(runtime, message_id, taken.lease_until, rendered)
    finally:
        release(runtime, taken.ids[attempted:], taken.lease_until)
    return attempted


@cache
def _next_due_statement(channels: tuple[str, ...]) -> Select[tuple[datetime | None]]:
    """When the first waiting message of `channels` can be taken: its next attempt, or
    the end of the lease another worker holds on it; built once."""
    free_at = case(
        (OutboxMessage.locked_until > OutboxMessage.next_attempt_at, OutboxMessage.locked_until),
        else_=OutboxMessage.next_attempt_at,
    )
    return select(func.min(free_at)).where(
        OutboxMessage.status == OutboxStatus.PENDING.value,
        OutboxMessage.channel.in_(channels),
    )


def idle_for(runtime: Runtime, channels: list[str], idle_wait: float) -> float:
    """How long a lane that found nothing due may wait before it looks again unasked:
    `idle_wait` while no wake-up can reach it; else until the next due time (a retry,
    a lease running out), at least `idle_wait` and at most `wakeups.IDLE_MAX`."""
    longest = wakeups.patience(idle_wait)
    if longest <= idle_wait:
        return idle_wait
    with unit_of_work(runtime.sessions) as session:
        due = session.connection().execute(_next_due_statement(tuple(channels))).scalar()
    if due is None:
        return longest
    return min(longest, max(idle_wait, (due - runtime.clock()).total_seconds()))


def run_lane(
    runtime: Runtime, channels: list[str], stop: threading.Event, idle_wait: float = 1.0
) -> None:
    """Deliver `channels` until `stop` is set; when nothing is due, wait for a wake-up
    or the time `idle_for` gives."""
    topics = [wakeups.outbox_topic(channel) for channel in channels]
    try:
        while not stop.is_set():
            seen = wakeups.BOARD.seen(topics)  # before the look: a wake-up after it counts
            try:
                busy = run_once(runtime, LANE_BATCH, channels, stop)
                wait = 0.0 if busy else idle_for(runtime, channels, idle_wait)
            except Exception:
                log.exception("worker batch failed; retrying")
                stop.wait(idle_wait)
                continue
            if not busy:
                wakeups.BOARD.wait(topics, seen, wait, stop)
    finally:
        if runtime.services.pace_slots is not None:
            runtime.services.pace_slots.close()  # this lane's connection


def run_forever(runtime: Runtime, stop: threading.Event, idle_wait: float = 1.0) -> None:
    """Deliver until `stop` is set: lanes of threads per channel, so one platform's
    pace or trouble never holds up another's, and a slow round trip does not cap the
    rate (the shared pacing keeps the lanes of every worker within the limit; a
    sender's own pacer adds only its gap per chat, bot.channels.telegram.outbound). The
    calling thread does the hourly housekeeping meanwhile."""
    log.info("worker delivering on %s", ", ".join(runtime.senders) or "no channel")
    threads = [
        threading.Thread(target=run_lane, args=(runtime, [channel], stop, idle_wait),
                         name=f"outbox-{channel}-{n}", daemon=True)
        for channel in runtime.senders
        for n in range(lanes(runtime, channel))
    ]
    if runtime.engine.dialect.name == "postgresql" and threads:
        runtime.services.pace_slots = pacing.Slots(make_engine(
            runtime.config.database_url, pool_size=len(threads), max_overflow=0,
            pool_pre_ping=False, isolation_level="AUTOCOMMIT"))
    listener = wakeups.start_listener(runtime.engine, stop)
    if runtime.settings.read_proofs:
        threads.append(threading.Thread(target=proof_reader.run_forever,
                                        args=(runtime, stop, idle_wait),
                                        name="proof-reader", daemon=True))
    try:
        for lane in threads:
            lane.start()
        housekeeping.run_forever(runtime, stop)  # this thread, meanwhile: hourly chores
        for lane in threads:
            lane.join()
        if listener is not None:
            listener.join()
    finally:
        slots, runtime.services.pace_slots = runtime.services.pace_slots, None
        if slots is not None:
            slots.dispose()
