"""Reads queued payment proofs off the request path: the worker runs `run_forever` in
a thread of its own, the terminal chat `read_all` after it has printed its reply.

A proof is claimed with a lease, its file read with no transaction open (seconds of
CPU), and finished in a short one (store/proof_completion.finish: kept, checked,
the staff prompt queued). A proof still queued after the time budget
(`ORDERBOT_PROOF_READ_BUDGET`, seconds, default 120) goes to staff as "could not read
it"; so does one whose file is broken. When the OCR engine cannot load, images go to
staff unread, as before reading existed (the log says why, once)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path

from bot.runtime import Runtime
from store import media as media_store
from store import ocr_engine, proof_checks, proof_completion, wakeups
from store.db import unit_of_work
from store.models import MediaFile

log = logging.getLogger("orderbot.proof_reader")


def budget(runtime: Runtime) -> timedelta:
    return timedelta(seconds=runtime.config.proof_read_budget)


def read_one(runtime: Runtime) -> bool:
    """Read one queued proof, if there is one; returns whether there was."""
    with unit_of_work(runtime.sessions) as session:
        proof = proof_checks.claim(session, runtime.clock())
        if proof is None:
            return False
        proof_id = proof.id
        media = session.get(MediaFile, proof.media_id) if proof.media_id else None
        kind = media.content_type if media else ""
        path = media_store.path_of(Path(runtime.settings.media_dir), media) if media else None
    reading, state = None, "unreadable"
    try:
        data = path.read_bytes() if path else b""
        reading = ocr_engine.read_file(data, kind)
        state = "read"
    except LookupError:
        state = "off"  # no engine: the prompt goes out as it always did
    except ocr_engine.Unreadable as exc:
        log.info("proof %s could not be read: %s", proof_id, exc)
    except Exception:  # a reader bug must not keep the proof from staff
        log.exception("reading proof %s failed", proof_id)
    with unit_of_work(runtime.sessions) as session:
        proof_completion.finish(session, proof_id, reading, state,
                                runtime.settings.staff_channels, runtime.clock())
    return True


def expire(runtime: Runtime) -> int:
    """Proofs past the time budget go to staff as "could not read it"."""
    now = runtime.clock()
    finished = 0
    with unit_of_work(runtime.sessions) as session:
        for proof_id in proof_checks.overdue(session, now, budget(runtime)):
            finished += proof_completion.finish(session, proof_id, None, "timeout",
                                                runtime.settings.staff_channels, now)
    return finished


def read_all(runtime: Runtime, limit: int = 20) -> int:
    """Read what is queued now (the terminal chat, tests); returns how many."""
    expire(runtime)
    done = 0
    while done < limit and read_one(runtime):
        done += 1
    return done


def run_forever(runtime: Runtime, stop: threading.Event, idle_wait: float = 1.0) -> None:
    """Read proofs until `stop` is set; when none is queued, wait for one to be (a
    wake-up, store/wakeups.py) or, with no wake-ups to hear, `idle_wait` seconds.
    Past-budget proofs are looked for between reads and at least every
    `wakeups.IDLE_MAX` seconds (the budget is minutes)."""
    topics = [wakeups.PROOFS]
    while not stop.is_set():
        seen = wakeups.BOARD.seen(topics)
        try:
            expire(runtime)
            busy = read_one(runtime)
        except Exception:
            log.exception("proof reading failed; retrying")
            stop.wait(idle_wait)
            continue
        if not busy:
            wakeups.BOARD.wait(topics, seen, wakeups.patience(idle_wait), stop)
