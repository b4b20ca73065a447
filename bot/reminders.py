"""The booking reminders' job, run by every long-lived process at each look of its
housekeeping loop (every 15 seconds; bot/housekeeping.py): it fails the waiting
reminders that are no longer true, then queues those due (store/reminders.py). Every
worker may look at once: each reminder's outbox key makes it one row."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from store import reminders
from store.db import unit_of_work

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("orderbot.reminders")


def run_due(runtime: Runtime) -> int:
    """Queue the reminders due now (ORDERBOT_BOOKING_REMINDERS); how many were written."""
    offsets = runtime.config.booking_reminders
    now = runtime.clock()
    with unit_of_work(runtime.sessions) as session:
        dropped = reminders.drop_stale(session, now)
        queued = reminders.queue_due(session, offsets, now)
    if queued or dropped:
        log.info("booking reminders: %d queued, %d no longer true dropped", queued, dropped)
    return queued
