"""Abuse: a sender hammering unknown order numbers is slowed down, and the limit
holds across workers because it lives in the database, not in a process."""

from __future__ import annotations

import pytest
from support import ChatDriver

from bot.bootstrap import build_runtime


@pytest.fixture
def second_worker(demo, config, clock):
    """Another process's view of the same database: its own engine and pool."""
    runtime = build_runtime(config, clock=clock)
    yield runtime
    runtime.close()


def test_lookup_misses_are_limited_across_workers(demo, second_worker, clock) -> None:
    workers = [ChatDriver(demo, channel="whatsapp", address="whatsapp:+919833333333",
                          phone="+919833333333"),
               ChatDriver(second_worker, channel="whatsapp", address="whatsapp:+919833333333",
                          phone="+919833333333")]
    for n in range(10):
        assert "could not find" in workers[n % 2].text(f"AK-{7000 + n}")
    for worker in workers:
        assert "Too many" in worker.text("AK-1001")
        assert "Too many" in worker.text("AK-7777")
    other = ChatDriver(second_worker, channel="whatsapp", address="whatsapp:+919844444444",
                       phone="+919844444444")
    assert "Order AK-1001" in other.text("AK-1001")  # one sender's limit is not another's
    clock.advance(hours=1, seconds=1)
    assert "Order AK-1001" in workers[1].text("AK-1001")
