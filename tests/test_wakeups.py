"""Workers woken when there is work (store/wakeups.py): a notice or a proof queued
anywhere wakes the idle lanes of its channel at once, on PostgreSQL through
LISTEN/NOTIFY from any process and on SQLite within the process; a rolled-back
transaction wakes nobody; an idle lane waits until the next due time (long while a
listener hears announcements, the old short poll without one); a listener whose
connection is cut comes back and sends every waiter to look again; one whose probe does
not come back (a pooler that drops LISTEN) leaves the waiters polling."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text, update
from support import ON_POSTGRES, requires_postgres
from support.together import hearing, until
from test_delivery import FakeSender

from bot import worker
from store import outbox, wakeups
from store.db import make_engine, make_session_factory, unit_of_work
from store.models import OutboxMessage

WHATSAPP = wakeups.outbox_topic("whatsapp")


def _queue(sessions, key: str, now, channel: str = "whatsapp") -> None:
    with unit_of_work(sessions) as s:
        outbox.enqueue(s, channel=channel, address=f"{channel}:+919822222222", kind="text",
                       payload={"text": key}, key=key, now=now)


@pytest.fixture
def listening(runtime) -> Iterator[wakeups.Listener | None]:
    """This process's listener on PostgreSQL (hearing); None on SQLite."""
    with hearing(runtime) as listener:
        yield listener
    assert not wakeups.BOARD.listening


def test_a_committed_notice_wakes_its_channel_and_a_rolled_back_one_does_not(
    runtime, listening
) -> None:
    board = wakeups.BOARD
    before = board.seen([WHATSAPP, wakeups.outbox_topic("telegram")])
    with pytest.raises(RuntimeError), unit_of_work(runtime.sessions) as s:
        outbox.enqueue(s, channel="whatsapp", address="whatsapp:+919822222222", kind="text",
                       payload={"text": "never"}, key="rolled-back", now=runtime.clock())
        raise RuntimeError("the change it reported failed")
    _queue(runtime.sessions, "later", runtime.clock(), channel="telegram")
    # Notifications arrive in commit order: once the later one is here, an announcement
    # of the rolled-back one would have been too.
    until(lambda: board.seen([wakeups.outbox_topic("telegram")])[1] > before[2])
    assert board.seen([WHATSAPP])[1] == before[1]
    _queue(runtime.sessions, "sent", runtime.clock())
    until(lambda: board.seen([WHATSAPP])[1] > before[1])


def test_a_savepoint_rolled_back_keeps_what_its_transaction_queued(runtime, listening) -> None:
    before = wakeups.BOARD.seen([WHATSAPP])
    with unit_of_work(runtime.sessions) as s:
        outbox.enqueue(s, channel="whatsapp", address="whatsapp:+919822222222", kind="text",
                       payload={"text": "kept"}, key="kept", now=runtime.clock())
        with pytest.raises(RuntimeError), s.begin_nested():
            raise RuntimeError("a step that failed and was undone")
    until(lambda: wakeups.BOARD.seen([WHATSAPP])[1] > before[1])


def test_a_transaction_announces_each_topic_once(runtime, listening) -> None:
    if not ON_POSTGRES:
        pytest.skip("counts pg_notify statements")
    statements: list[str] = []
    from sqlalchemy import event

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001 - the event's signature
        statements.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        with unit_of_work(runtime.sessions) as s:
            for n in range(5):
                outbox.enqueue(s, channel="whatsapp", address=f"whatsapp:+9198222222{n:02d}",
                               kind="text", payload={"text": "x"}, key=f"k{n}",
                               now=runtime.clock())
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)
    assert sum("pg_notify" in sql for sql in statements) == 1


def _serve(runtime, idle_wait: float) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(runtime, stop, idle_wait),
                              daemon=True)
    thread.start()
    return stop, thread


def test_an_idle_lane_wakes_at_once_for_a_notice_queued_elsewhere(runtime) -> None:
    """The lanes wait a minute between looks on their own here; the notice goes out
    long before that. On PostgreSQL it is queued through an engine of its own, as the
    web process or the CLI would."""
    sender = runtime.senders["whatsapp"] = FakeSender()
    lanes = worker.lanes(runtime, "whatsapp")
    stop, thread = _serve(runtime, idle_wait=60.0)
    try:
        # Every lane has looked, found nothing and is waiting (and, on PostgreSQL, the
        # worker's listener hears announcements: before it, the lanes would poll).
        until(lambda: wakeups.BOARD.waiting >= lanes and (
            wakeups.BOARD.listening or not ON_POSTGRES))
        elsewhere = make_engine(runtime.config.database_url) if ON_POSTGRES else runtime.engine
        try:
            _queue(make_session_factory(elsewhere), "woken", runtime.clock())
        finally:
            if elsewhere is not runtime.engine:
                elsewhere.dispose()
        until(lambda: sender.sent == ["woken"])
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


@requires_postgres
def test_an_idle_lane_waits_until_the_next_due_time(runtime, clock, listening) -> None:
    channels = ["whatsapp"]
    assert worker.idle_for(runtime, channels, 1.0) == wakeups.IDLE_MAX  # nothing waits
    _queue(runtime.sessions, "retry", clock())
    with unit_of_work(runtime.sessions) as s:
        s.execute(update(OutboxMessage).values(next_attempt_at=clock() + timedelta(seconds=7)))
    assert worker.idle_for(runtime, channels, 1.0) == pytest.approx(7.0)  # its retry
    assert worker.idle_for(runtime, ["telegram"], 1.0) == wakeups.IDLE_MAX  # another channel's
    with unit_of_work(runtime.sessions) as s:  # another worker's lease, till after IDLE_MAX
        s.execute(update(OutboxMessage).values(next_attempt_at=clock(),
                                               locked_until=clock() + worker.LEASE))
    assert worker.idle_for(runtime, channels, 1.0) == wakeups.IDLE_MAX
    with unit_of_work(runtime.sessions) as s:  # due now, yet not taken (an earlier one
        s.execute(update(OutboxMessage).values(locked_until=None))  # blocks it, say): no spin
    assert worker.idle_for(runtime, channels, 1.0) == 1.0


def test_without_a_listener_an_idle_lane_looks_again_after_idle_wait(runtime) -> None:
    """SQLite across processes, or a listener's connection lost: the old poll, and no
    statement spent on the next due time."""
    assert not wakeups.BOARD.listening
    _queue(runtime.sessions, "retry", runtime.clock() + timedelta(minutes=5))
    assert worker.idle_for(runtime, ["whatsapp"], 1.0) == 1.0


@requires_postgres
def test_a_listener_cut_off_comes_back_and_sends_every_waiter_to_look(runtime) -> None:
    board = wakeups.Board()
    stop = threading.Event()
    listener = wakeups.Listener(runtime.engine, stop, board)
    listener.start()
    try:
        assert listener.heard.wait(10) and board.listening
        (rounds,) = board.seen([])
        with runtime.engine.begin() as conn:
            pid = listener.connection.info.backend_pid
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        # Back on a new connection, with a wake-up for every waiter (what was announced
        # while it was away is found by looking).
        until(lambda: board.seen([])[0] > rounds and listener.connection is not None
               and listener.connection.info.backend_pid != pid and board.listening)
        before = board.seen([WHATSAPP])
        _queue(runtime.sessions, "after", runtime.clock())
        until(lambda: board.seen([WHATSAPP])[1] > before[1])
    finally:
        stop.set()
        listener.join(timeout=5)
    assert not listener.is_alive() and not board.listening


@requires_postgres
def test_a_listener_whose_probe_never_comes_back_leaves_the_waiters_polling(
    runtime, caplog
) -> None:
    """As behind PgBouncer in transaction mode: connected, LISTEN accepted, nothing
    delivered. Here the probe is simply not sent, then sent again, then lost again."""
    board = wakeups.Board()
    stop = threading.Event()
    delivered = threading.Event()
    honest = functools.partial(wakeups.announce_now, runtime.engine)
    listener = wakeups.Listener(runtime.engine, stop, board, probe_every=0.05, probe_wait=0.2,
                                send=lambda probe: honest(probe) if delivered.is_set() else None)
    with caplog.at_level("WARNING", logger="orderbot.wakeups"):
        listener.start()
        try:
            assert listener.unheard.wait(10)
            assert not board.listening and wakeups.patience(1.0, board) == 1.0
            assert "workers poll every second" in caplog.text
            (rounds,) = board.seen([])  # before delivery works: nothing heard can raise it
            delivered.set()  # delivery works again: listening, every waiter sent to look
            assert listener.heard.wait(10) and board.listening
            assert board.seen([])[0] > rounds and wakeups.patience(1.0, board) == wakeups.IDLE_MAX
            delivered.clear()
            until(lambda: not board.listening)
        finally:
            stop.set()
            listener.join(timeout=5)


def test_a_waiter_sees_an_announcement_made_between_its_look_and_its_wait() -> None:
    board = wakeups.Board()
    seen = board.seen([WHATSAPP])
    board.mark([WHATSAPP])  # after the look, before the wait
    assert board.wait([WHATSAPP], seen, timeout=60) is True
    assert board.wait([WHATSAPP], board.seen([WHATSAPP]), timeout=0) is False
    stop = threading.Event()
    stop.set()
    assert board.wait([WHATSAPP], board.seen([WHATSAPP]), timeout=60, stop=stop) is False
