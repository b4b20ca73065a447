"""Several workers at once: the same function in threads released together by a
barrier, as separate processes would race on the same database; and waiting for what
another thread does."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from bot.runtime import Runtime
from store import wakeups

T = TypeVar("T")


def at_once(work: Callable[[], T], workers: int = 2, timeout: float = 60) -> list[T]:
    """Each worker's result; the first error any of them raised is raised here."""
    start = threading.Barrier(workers)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(timeout=10)
            results.append(work())
        except BaseException as exc:  # noqa: BLE001 - raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    assert len(results) == workers, "a worker did not finish"
    return results


def until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Wait for `condition` to hold (another thread's doing), looking every 10 ms;
    fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        pause.wait(0.01)


@contextmanager
def hearing(runtime: Runtime) -> Iterator[wakeups.Listener | None]:
    """On PostgreSQL, a listener of wake-ups (store/wakeups.py) for the block, as a
    worker keeps one, already hearing them; None on SQLite, where they need none."""
    stop = threading.Event()
    listener = wakeups.start_listener(runtime.engine, stop)
    try:
        assert listener is None or listener.heard.wait(10)
        yield listener
    finally:
        stop.set()
        if listener is not None:
            listener.join(timeout=10)


@contextmanager
def woken(runtime: Runtime, topic: str) -> Iterator[None]:
    """Fails unless `topic` is announced (store/wakeups.py) by what the block does: on
    PostgreSQL as a worker hears it, through a listener of its own."""
    with hearing(runtime):
        (_, before) = wakeups.BOARD.seen([topic])
        yield
        until(lambda: wakeups.BOARD.seen([topic])[1] > before)
