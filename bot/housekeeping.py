"""Chores that keep the instance tidy, run by every long-lived process (`orderbot
worker`, `serve`) but done at most once an hour across all of them (the last run is
kept in the database): removing payment-proof files nobody claimed, and rows past
keeping — webhook dedupe records, throttle events, one-time codes (store/housekeeping.py).
The same loop queues the booking reminders at each look (bot/reminders.py)."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import reminders
from store import housekeeping as rows_store
from store import media as media_store
from store import throttle
from store.db import unit_of_work

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("orderbot.housekeeping")

EVERY = timedelta(hours=1)
# Seconds between looks: whether the chores' hour has come (a cheap question), and the
# reminders due — often enough that even a 1-minute reminder is looked for several times.
CHECK_EVERY = 15.0
KEY = "housekeeping"


def prune_media(
    runtime: Runtime, now: datetime | None = None, keep: timedelta = media_store.UNCLAIMED_FOR
) -> media_store.Pruned:
    """Remove the proof files nobody claimed within `keep`, and files no row names."""
    with unit_of_work(runtime.sessions) as session:
        pruned = media_store.prune(session, runtime.config.media_path, now or runtime.clock(), keep)
    if pruned.unclaimed or pruned.leftovers:
        log.info("removed %d unclaimed proof files and %d leftovers",
                 pruned.unclaimed, pruned.leftovers)
    return pruned


def prune_rows(runtime: Runtime, now: datetime | None = None) -> dict[str, int]:
    """Delete the rows past keeping; how many of each table went."""
    with unit_of_work(runtime.sessions) as session:
        removed = rows_store.prune(session, now or runtime.clock())
    if any(removed.values()):
        log.info("pruned %s", ", ".join(f"{n} {name}" for name, n in removed.items() if n))
    return removed


def run_due(runtime: Runtime) -> media_store.Pruned | None:
    """The chores, if nobody did them in the last hour; None when it is not yet time."""
    now = runtime.clock()
    with unit_of_work(runtime.sessions) as session:
        if not throttle.once_per(session, KEY, EVERY, now):
            return None
    prune_rows(runtime, now)
    return prune_media(runtime, now)


def run_forever(runtime: Runtime, stop: threading.Event, check_every: float = CHECK_EVERY) -> None:
    """Look every `check_every` seconds until `stop` is set: the hourly chores when their
    hour has come, the reminders due every time; a failure waits for the next look."""
    while not stop.is_set():
        for chore in (run_due, reminders.run_due):
            try:
                chore(runtime)
            except Exception:
                log.exception("%s failed; trying again later", chore.__module__)
        stop.wait(check_every)
