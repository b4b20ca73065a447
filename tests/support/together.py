"""Several workers at once: the same function in threads released together by a
barrier, as separate processes would race on the same database."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

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
