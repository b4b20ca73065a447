"""A proof file lives exactly as long as it is wanted: none is left behind by a
transaction that fails (nor is a file another row keeps ever removed), and files
nobody claimed are pruned after a day — by the worker's hourly housekeeping (at most
once an hour across every process) or by `orderbot media prune`."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from support import FIXTURES, ChatDriver, requires_postgres
from support.proofs import kept_files, proofs
from test_proofs_chat import send

import handlers.proofs.chat
from bot import housekeeping, worker
from bot.bootstrap import build_runtime
from bot.cli import main
from store import media as media_store
from store import proofs as proof_store
from store.db import unit_of_work
from store.models import MediaFile
from store.queries import order_by_number

IMAGES = FIXTURES / "images"
PNG = (IMAGES / "upi-payment-250.png").read_bytes()
JPEG = (IMAGES / "upi-payment-150.jpg").read_bytes()


class Failed(Exception):
    pass


def _store(runtime, data: bytes, now: datetime | None = None) -> MediaFile:
    with unit_of_work(runtime.sessions) as session:
        return media_store.store(session, runtime.config.media_path, data, now or runtime.clock())


def _rows(runtime) -> int:
    with unit_of_work(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(MediaFile))


def _aged(path, moment: datetime) -> None:
    os.utime(path, (moment.timestamp(), moment.timestamp()))


# ── a transaction that fails ─────────────────────────────────────────────────


def test_a_failed_transaction_leaves_no_file(runtime) -> None:
    with pytest.raises(Failed), unit_of_work(runtime.sessions) as session:
        stored = media_store.store(session, runtime.config.media_path, PNG)
        assert not media_store.path_of(runtime.config.media_path, stored).exists()  # not yet
        raise Failed
    assert kept_files(runtime) == [] and _rows(runtime) == 0


def test_the_file_is_in_place_when_the_transaction_commits(runtime) -> None:
    stored = _store(runtime, PNG)
    assert kept_files(runtime) == [media_store.path_of(runtime.config.media_path, stored)]


def test_a_failed_copy_of_a_kept_file_does_not_remove_it(runtime) -> None:
    kept = _store(runtime, PNG)
    with pytest.raises(Failed), unit_of_work(runtime.sessions) as session:
        assert media_store.store(session, runtime.config.media_path, PNG).id == kept.id
        raise Failed
    path = media_store.path_of(runtime.config.media_path, kept)
    assert kept_files(runtime) == [path] and path.read_bytes().startswith(b"\x89PNG")


def test_a_proof_that_fails_after_its_file_was_kept_leaves_nothing(
    customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise Failed

    monkeypatch.setattr(handlers.proofs.chat.proofs, "submit", broken)
    customer.text("AK-1001")
    assert "Sorry" in send(customer, "paid 250")
    assert kept_files(customer.runtime) == [] and _rows(customer.runtime) == 0


# ── files nobody claimed ─────────────────────────────────────────────────────


def test_prune_removes_unclaimed_files_after_a_day_and_keeps_the_rest(
    customer, demo, clock
) -> None:
    customer.text("AK-1001")
    send(customer, "paid 250")  # a proof uses this one
    unclaimed = _store(demo, JPEG)
    clock.advance(hours=23)
    resent = _store(demo, JPEG)  # the same file again: it counts from now
    assert resent.id == unclaimed.id
    clock.advance(hours=2)
    assert housekeeping.prune_media(demo).unclaimed == 0
    clock.advance(hours=23)
    assert housekeeping.prune_media(demo) == media_store.Pruned(unclaimed=1, leftovers=0)
    [proof] = proofs(demo)
    with unit_of_work(demo.sessions) as session:
        [used] = session.scalars(select(MediaFile)).all()
        assert used.id == proof.media_id
        assert kept_files(demo) == [media_store.path_of(demo.config.media_path, used)]


def test_prune_removes_files_no_row_names_once_they_are_old(runtime, clock) -> None:
    kept = _store(runtime, PNG)  # and never claimed
    clock.advance(hours=25)
    folder = media_store.path_of(runtime.config.media_path, kept).parent
    never_placed = folder / ".incoming-abc123"  # a process died before its commit
    orphan = folder / ("f" * 64 + ".jpg")  # a file whose row is gone
    recent = folder / ".incoming-def456"  # perhaps a transaction under way
    for path in (never_placed, orphan, recent):
        path.write_bytes(b"x")
    for path in (never_placed, orphan, media_store.path_of(runtime.config.media_path, kept)):
        _aged(path, clock() - timedelta(days=2))
    _aged(recent, clock() - timedelta(hours=1))
    assert housekeeping.prune_media(runtime) == media_store.Pruned(unclaimed=1, leftovers=2)
    assert kept_files(runtime) == [recent]


def test_a_file_kept_for_an_order_number_that_never_came_is_pruned(stranger, clock) -> None:
    assert "Send the order number" in send(stranger, "paid 250")
    assert len(kept_files(stranger.runtime)) == 1
    clock.advance(hours=25)
    assert housekeeping.run_due(stranger.runtime).unclaimed == 1
    assert kept_files(stranger.runtime) == [] and _rows(stranger.runtime) == 0
    answer = stranger.text("AK-1003")  # an ordinary lookup now: no proof from a lost file
    assert "Order AK-1003" in answer and "Received your payment" not in answer
    assert proofs(stranger.runtime) == []


def test_the_housekeeping_runs_at_most_once_an_hour_across_processes(runtime, config, clock) -> None:
    assert housekeeping.run_due(runtime) is not None
    other = build_runtime(config, clock=clock)  # another worker on the same database
    try:
        clock.advance(minutes=59)
        assert housekeeping.run_due(runtime) is None and housekeeping.run_due(other) is None
        clock.advance(minutes=2)
        assert housekeeping.run_due(other) is not None
        assert housekeeping.run_due(runtime) is None
    finally:
        other.close()


class OneRound(threading.Event):
    """A stop signal that is given the first time the loop waits."""

    def wait(self, timeout: float | None = None) -> bool:
        self.set()
        return True


def test_the_worker_loop_prunes(runtime, clock) -> None:
    _store(runtime, PNG)
    clock.advance(hours=25)
    worker.run_forever(runtime, OneRound())  # no channel to deliver on: the chores only
    assert kept_files(runtime) == [] and _rows(runtime) == 0


def test_orderbot_media_prune(runtime, database_url, tmp_path) -> None:
    _store(runtime, PNG, now=datetime.now(UTC) - timedelta(days=3))
    _store(runtime, JPEG, now=datetime.now(UTC) - timedelta(hours=3))
    env = {"DATABASE_URL": database_url, "ORDERBOT_INSTANCE_DIR": str(tmp_path),
           "MEDIA_DIR": str(runtime.config.media_path)}
    result = CliRunner().invoke(main, ["media", "prune"], env=env)
    assert result.exit_code == 0, result.output
    assert "removed 1 unclaimed files and 0 leftovers" in result.output
    assert _rows(runtime) == 1 and len(kept_files(runtime)) == 1
    result = CliRunner().invoke(main, ["media", "prune", "--older-than", "2"], env=env)
    assert "removed 1 unclaimed files" in result.output and kept_files(runtime) == []


def test_the_chat_still_works_with_a_customer_in_the_middle_of_it(demo) -> None:
    """The kept file of a customer being asked for the amount is not touched by a prune
    within the day."""
    customer = ChatDriver(demo)
    customer.text("AK-1001")
    assert "How much did you pay" in send(customer, "")
    housekeeping.prune_media(demo)
    assert "Received your payment screenshot" in customer.text("250")


@requires_postgres
def test_a_proof_made_while_the_prune_runs_keeps_its_file(demo, clock) -> None:
    stored = _store(demo, PNG)  # unclaimed for a day…
    clock.advance(hours=25)
    session = demo.sessions()  # …and a proof is being made with it right now
    try:
        order = order_by_number(session, "AK-1001")
        proof_store.submit(session, order, session.get(MediaFile, stored.id), 25000,
                           chat_id=None, now=clock())
        session.flush()
        done: dict[str, media_store.Pruned] = {}
        pruning = threading.Thread(target=lambda: done.update(p=housekeeping.prune_media(demo)))
        pruning.start()
        for _ in range(500):  # bounded: until the prune waits for the proof's transaction
            with demo.engine.connect() as conn:
                if conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE "
                                    "wait_event_type = 'Lock' AND datname = current_database()")):
                    break
            time.sleep(0.01)
        else:
            pytest.fail("the prune never waited for the proof")
        session.commit()
    finally:
        session.close()
    pruning.join(timeout=30)
    assert done["p"] == media_store.Pruned(unclaimed=0, leftovers=0)
    assert [p.media_id for p in proofs(demo)] == [stored.id]
    assert kept_files(demo) == [media_store.path_of(demo.config.media_path, stored)]
