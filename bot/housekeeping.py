"""The housekeeping thread of every `orderbot worker` (and of `orderbot serve` when
it delivers): every few minutes it asks whether an hour has passed since any worker
pruned, and if so prunes (store/housekeeping.py)."""

from __future__ import annotations

import logging
import threading

from bot.runtime import Runtime
from store import housekeeping
from store.db import unit_of_work

log = logging.getLogger("orderbot.housekeeping")

CHECK_EVERY = 300.0  # seconds


def run_once(runtime: Runtime) -> dict[str, int] | None:
    """Prune if it is this worker's turn; returns what went, or None when it was not."""
    with unit_of_work(runtime.sessions) as session:
        now = runtime.clock()
        if not housekeeping.due(session, now):
            return None
        removed = housekeeping.prune(session, now)
    if any(removed.values()):
        log.info("pruned %s", ", ".join(f"{n} {name}" for name, n in removed.items() if n))
    return removed


def run_forever(runtime: Runtime, stop: threading.Event, every: float = CHECK_EVERY) -> None:
    while not stop.is_set():
        try:
            run_once(runtime)
        except Exception:  # the database may be away: try again next time
            log.exception("housekeeping failed; trying again later")
        stop.wait(every)


def start(runtime: Runtime, stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(
        target=run_forever, args=(runtime, stop), name="housekeeping", daemon=True
    )
    thread.start()
    return thread
