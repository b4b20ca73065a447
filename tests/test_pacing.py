"""The send pacing shared by every worker: sends spaced evenly at the rate, never two
in one slot, one row per key."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from support import ON_POSTGRES

from bot.bootstrap import build_runtime
from store.db import unit_of_work
from store.models import RatePace
from store.pacing import reserve

T0 = 1_800_000_000.0  # seconds since the epoch


def test_slots_are_evenly_spaced_and_an_idle_key_starts_at_now(runtime) -> None:
    with unit_of_work(runtime.sessions) as session:
        slots = [reserve(session, "send:test", 4, T0) for _ in range(4)]
        assert slots == [T0, T0 + 0.25, T0 + 0.5, T0 + 0.75]  # a burst is spread out
        assert reserve(session, "send:test", 4, T0 + 0.6) == T0 + 1.0  # later asker, next free
        assert reserve(session, "send:test", 4, T0 + 5) == T0 + 5  # idle: no credit saved up
        assert reserve(session, "send:other", 4, T0) == T0  # keys are independent


def test_a_key_stays_one_row(runtime) -> None:
    with unit_of_work(runtime.sessions) as session:
        for n in range(200):
            reserve(session, "send:test", 50, T0 + n / 100)
    with unit_of_work(runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(RatePace)) == 1


def test_many_takers_at_once_each_get_their_own_slot(runtime, config, clock) -> None:
    """Threads (and on PostgreSQL two engines, as two workers) asking at the same
    moment get consecutive slots: none shared, none closer than 1/rate."""
    workers = [runtime] + ([build_runtime(config, clock=clock)] if ON_POSTGRES else [])
    slots: list[float] = []
    lock = threading.Lock()

    def take(rt) -> None:  # noqa: ANN001
        for _ in range(10):
            with unit_of_work(rt.sessions) as session:
                got = reserve(session, "send:race", 8, T0)
            with lock:
                slots.append(got)

    threads = [threading.Thread(target=take, args=(workers[n % len(workers)],)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(slots) == 40
    assert [round((s - T0) * 8, 6) for s in sorted(slots)] == list(range(40))
    for rt in workers[1:]:
        rt.close()


def test_a_send_woken_late_takes_a_later_slot_a_bounded_number_of_times(runtime, monkeypatch) -> None:
    """A send woken past its slot would crowd the sends after it: it takes another slot
    instead (here every wake counts as late, so it gives up after the third)."""
    from bot import worker
    from store import pacing

    taken: list[float] = []

    def counted(*args, **kwargs) -> float:  # noqa: ANN002, ANN003
        taken.append(reserve(*args, **kwargs))
        return taken[-1]

    monkeypatch.setattr(pacing, "reserve", counted)
    monkeypatch.setattr(worker, "LATE", -1.0)
    with unit_of_work(runtime.sessions) as session:
        worker.wait_for_slot(runtime, session, "whatsapp")
    assert len(taken) == 3 and taken == sorted(set(taken))
    monkeypatch.setattr(worker, "LATE", 60.0)
    with unit_of_work(runtime.sessions) as session:
        worker.wait_for_slot(runtime, session, "whatsapp")
    assert len(taken) == 4  # on time: one slot
