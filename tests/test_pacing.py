"""The send pacing shared by every worker: sends spaced evenly at the rate, never two
in one slot, one row per key."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import event, func, select, text
from support import ON_POSTGRES

from bot.bootstrap import build_runtime
from store.db import make_engine, unit_of_work, why_gone
from store.models import RatePace
from store.pacing import Slots, reserve

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


@pytest.fixture
def slots(config, runtime) -> Iterator[Slots]:  # noqa: ANN001 - `runtime` empties the database
    """The worker's slots: an engine of their own, in autocommit, a connection a thread."""
    held = Slots(make_engine(config.database_url, isolation_level="AUTOCOMMIT"))
    yield held
    held.close()
    held.dispose()


def checkouts(engine) -> list[int]:  # noqa: ANN001
    seen: list[int] = []
    event.listen(engine.pool, "checkout", lambda *_: seen.append(1))
    return seen


def test_held_slots_share_the_pace_of_every_other_taker(runtime, slots) -> None:  # noqa: ANN001
    """A lane's slots and a transaction's come from the same row: one pace."""
    taken = [slots.reserve("send:test", 4, T0), slots.reserve("send:test", 4, T0)]
    with unit_of_work(runtime.sessions) as session:
        taken.append(reserve(session, "send:test", 4, T0))
    taken.append(slots.reserve("send:test", 4, T0 + 0.1))
    assert taken == [T0, T0 + 0.25, T0 + 0.5, T0 + 0.75]
    assert slots.reserve("send:test", 4, T0 + 5) == T0 + 5  # idle: no credit saved up


def test_each_thread_keeps_one_connection_for_all_its_slots(slots) -> None:  # noqa: ANN001
    seen = checkouts(slots.engine)
    got: list[float] = []
    lock = threading.Lock()

    def lane() -> None:
        for _ in range(10):
            slot = slots.reserve("send:race", 8, T0)
            with lock:
                got.append(slot)
        slots.close()

    threads = [threading.Thread(target=lane) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [round((s - T0) * 8, 6) for s in sorted(got)] == list(range(40))  # none shared
    assert len(seen) == 4  # one checkout a thread, not one a slot


@pytest.mark.skipif(not ON_POSTGRES, reason="a server that closes a connection")
def test_a_connection_the_server_closed_is_replaced_before_it_is_used(runtime, slots) -> None:  # noqa: ANN001
    first = slots.reserve("send:test", 4, T0)
    pid = slots._local.connection.connection.driver_connection.info.backend_pid
    with runtime.engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    deadline = time.monotonic() + 10
    while not why_gone(slots._local.connection.connection.driver_connection):
        assert time.monotonic() < deadline, "the server never closed it"
        time.sleep(0.01)

    assert slots.reserve("send:test", 4, T0) == first + 0.25  # no failed send for it


def test_a_connection_that_fails_is_dropped_and_the_next_slot_opens_another(slots) -> None:  # noqa: ANN001
    slots.reserve("send:test", 4, T0)
    slots._local.connection.connection.driver_connection.close()  # broken under the lane
    if ON_POSTGRES:  # what a poll cannot see: the failure is the statement's own
        slots._polled = False
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the driver raises
        slots.reserve("send:test", 4, T0)
    assert slots._local.connection is None
    assert slots.reserve("send:test", 4, T0) == T0 + 0.25
