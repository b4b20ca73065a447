"""The send pacing shared by every worker: never more than the limit in any second."""

from __future__ import annotations

import threading
from datetime import timedelta

from conftest import ON_POSTGRES

from bot.runtime import build_runtime
from store.db import unit_of_work
from store.pacing import take_slot


def test_slots_per_second(runtime, clock) -> None:
    granted = []
    with unit_of_work(runtime.sessions) as session:
        for _ in range(5):
            granted.append(take_slot(session, "send:test", 3, clock()))
    assert granted[:3] == [0.0, 0.0, 0.0]
    assert 0 < granted[3] <= 1.0
    clock.advance(seconds=1.01)
    with unit_of_work(runtime.sessions) as session:
        assert take_slot(session, "send:test", 3, clock()) == 0.0
        assert take_slot(session, "send:other", 3, clock()) == 0.0  # keys are independent


def test_many_takers_at_once_never_exceed_the_limit(runtime, config, clock) -> None:
    workers = [runtime] + ([build_runtime(config, clock=clock)] if ON_POSTGRES else [])
    results: list[float] = []
    lock = threading.Lock()

    def take(rt) -> None:  # noqa: ANN001
        for _ in range(10):
            with unit_of_work(rt.sessions) as session:
                got = take_slot(session, "send:race", 7, clock())
            with lock:
                results.append(got)

    threads = [threading.Thread(target=take, args=(workers[n % len(workers)],)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results.count(0.0) == 7 and len(results) == 40
    clock.advance(seconds=2)
    assert timedelta(seconds=0) < timedelta(seconds=max(results))
    for rt in workers[1:]:
        rt.close()
