"""The outbox worker with a fake sender and the injected clock (no sleeping): at
least once, never twice, back-off and retry_after, per-recipient order, failed after
a day, leases, and two workers at once on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from support import requires_postgres

from bot import worker
from bot.runtime import SendResult
from store import outbox
from store.db import unit_of_work
from store.models import OutboxMessage


class FakeSender:
    """Records what it sends; `script` gives the results of the next attempts
    (then success); `gate` makes every send wait at a barrier (to force overlap)."""

    def __init__(self, script: list[SendResult] | None = None,
                 gate: threading.Barrier | None = None) -> None:
        self.script = list(script or [])
        self.sent: list[str] = []
        self.attempts: list[str] = []
        self.gate = gate
        self.lock = threading.Lock()

    def send(self, session, message, replies) -> SendResult:  # noqa: ANN001 - the Sender protocol
        if self.gate is not None:
            try:
                self.gate.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass  # the last few sends have no partner: fine
        with self.lock:
            self.attempts.append(message.idempotency_key)
            result = self.script.pop(0) if self.script else SendResult(ok=True, provider_id="p")
            if result.ok:
                self.sent.append(message.idempotency_key)
        return result


def _queue(runtime, *keys: str, address: str = "whatsapp:+919822222222") -> None:
    with unit_of_work(runtime.sessions) as s:
        for key in keys:
            outbox.enqueue(s, channel="whatsapp", address=address, kind="text",
                           payload={"text": f"notice {key}"}, key=key, now=runtime.clock())


def _rows(runtime) -> dict[str, OutboxMessage]:
    with unit_of_work(runtime.sessions) as s:
        rows = s.scalars(select(OutboxMessage)).all()
        s.expunge_all()
    return {r.idempotency_key: r for r in rows}


def _drain(runtime) -> None:
    while worker.run_once(runtime):
        pass


def test_each_notice_is_sent_once_and_enqueue_is_idempotent(runtime) -> None:
    sender = runtime.senders["whatsapp"] = FakeSender()
    _queue(runtime, "a", "b")
    _queue(runtime, "a")  # the same notice again: nothing new
    _queue(runtime, "c", address="whatsapp:+919811111111")
    _drain(runtime)
    _drain(runtime)
    assert sorted(sender.sent) == ["a", "b", "c"]
    rows = _rows(runtime)
    assert {r.status for r in rows.values()} == {"sent"} and rows["a"].sent_at == runtime.clock()


def test_failures_back_off_with_jitter_and_honour_retry_after(runtime, clock) -> None:
    sender = runtime.senders["whatsapp"] = FakeSender([
        SendResult(ok=False, error="503 Service Unavailable"),
        SendResult(ok=False, error="429 Too Many Requests", retry_after=120),
    ])
    _queue(runtime, "a")
    start = clock()
    assert worker.run_once(runtime) == 1
    first = _rows(runtime)["a"]
    assert first.status == "pending" and first.attempts == 1
    assert first.last_error == "503 Service Unavailable"
    assert start + timedelta(seconds=2.5) <= first.next_attempt_at <= start + timedelta(seconds=5)
    assert worker.run_once(runtime) == 0  # not due yet: nothing is sent early
    clock.now = first.next_attempt_at
    worker.run_once(runtime)
    second = _rows(runtime)["a"]
    assert second.next_attempt_at >= clock() + timedelta(seconds=120)  # Retry-After wins
    clock.advance(seconds=119)
    assert worker.run_once(runtime) == 0
    clock.now = second.next_attempt_at
    worker.run_once(runtime)
    done = _rows(runtime)["a"]
    assert (done.status, done.attempts, sender.sent) == ("sent", 3, ["a"])


def test_backoff_grows_and_is_capped() -> None:
    assert worker.backoff(1, rng=lambda: 0.0) == 2.5 and worker.backoff(1, rng=lambda: 1.0) == 5
    assert worker.backoff(4, rng=lambda: 1.0) == 40
    assert worker.backoff(30, rng=lambda: 1.0) == worker.MAX_DELAY


def test_a_later_notice_waits_while_an_earlier_one_is_retried(runtime, clock) -> None:
    sender = runtime.senders["whatsapp"] = FakeSender([SendResult(ok=False, error="500")])
    _queue(runtime, "first", "second")
    _queue(runtime, "other", address="whatsapp:+919811111111")
    _drain(runtime)
    assert sender.attempts == ["first", "other"]  # "second" did not overtake "first"
    clock.advance(minutes=5)
    _drain(runtime)
    assert sender.sent == ["other", "first", "second"]


def test_a_notice_still_failing_after_a_day_is_failed_with_its_last_error(runtime, clock) -> None:
    sender = runtime.senders["whatsapp"] = FakeSender(
        [SendResult(ok=False, error=f"503 attempt {n}") for n in range(1, 100)])
    _queue(runtime, "a")
    start = clock()
    while _rows(runtime)["a"].status == "pending":
        worker.run_once(runtime)
        clock.now = max(clock(), _rows(runtime)["a"].next_attempt_at)
    row = _rows(runtime)["a"]
    assert row.status == "failed" and clock() - start > worker.GIVE_UP_AFTER
    assert row.last_error == f"503 attempt {row.attempts}" and sender.sent == []
    assert 20 < row.attempts < 50  # backed off, not hammered


def test_a_permanent_error_fails_at_once(runtime) -> None:
    runtime.senders["whatsapp"] = FakeSender(
        [SendResult(ok=False, permanent=True, error="400 not a WhatsApp number")])
    _queue(runtime, "a")
    worker.run_once(runtime)
    row = _rows(runtime)["a"]
    assert (row.status, row.last_error) == ("failed", "400 not a WhatsApp number")


def test_a_message_taken_over_after_its_lease_is_not_sent_by_the_first_worker(
    runtime, clock
) -> None:
    sender = runtime.senders["whatsapp"] = FakeSender()
    _queue(runtime, "a")
    stale = worker.claim(runtime)  # a worker that stalls past its lease…
    assert worker.claim(runtime).ids == []  # …holds it meanwhile
    clock.advance(seconds=worker.LEASE.total_seconds() + 1)
    fresh = worker.claim(runtime)  # another worker takes it over
    assert fresh.ids == stale.ids
    assert worker.deliver(runtime, stale.ids[0], stale.lease_until) is None
    assert worker.deliver(runtime, fresh.ids[0], fresh.lease_until).ok
    assert worker.deliver(runtime, fresh.ids[0], fresh.lease_until) is None
    assert sender.sent == ["a"]


@requires_postgres
def test_two_workers_at_once_send_each_notice_exactly_once(runtime) -> None:
    sender = runtime.senders["whatsapp"] = FakeSender(gate=threading.Barrier(2))
    keys = [f"n{n}" for n in range(40)]
    for n, key in enumerate(keys):
        _queue(runtime, key, address=f"whatsapp:+9198{n:08d}")
    errors: list[BaseException] = []

    def work() -> None:
        try:
            _drain(runtime)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Counter(sender.sent) == Counter(keys)  # every one, once
    assert {r.status for r in _rows(runtime).values()} == {"sent"}


def test_the_demo_notices_render_through_the_worker(demo, clock) -> None:
    """A real order notice, queued by a vendor command, goes through the worker."""
    from support import ChatDriver

    from bot.runtime import reach_phones_on

    sender = demo.senders["whatsapp"] = FakeSender()
    reach_phones_on(demo, "whatsapp")
    ChatDriver(demo, address="+919800000001", phone="+919800000001").say("AK-1003 confirmed")
    _drain(demo)
    assert sender.sent == [next(iter(_rows(demo)))]
    assert _rows(demo)[sender.sent[0]].status == "sent"


@pytest.mark.parametrize("channels", [(), ("whatsapp",)])
def test_serve_runs_the_worker_only_when_there_is_a_channel(runtime, channels) -> None:
    from bot import background

    for channel in channels:
        runtime.senders[channel] = FakeSender()
    stop = threading.Event()
    threads = background.start(runtime, stop)
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    # Without a channel only the housekeeping runs (the worker does it when there is one).
    assert [t.name for t in threads] == (["outbox-worker"] if channels else ["housekeeping"])


def test_order_notices_link_the_orders_own_page(demo) -> None:
    """A status notice ends, like the order view, with the link to the order's page."""
    import re
    from urllib.parse import urlsplit

    from support import ChatDriver

    from bot.app import create_app
    from bot.runtime import reach_phones_on
    from handlers import notices

    reach_phones_on(demo, "whatsapp")
    ChatDriver(demo, address="+919800000001", phone="+919800000001").say("AK-1003 confirmed")
    with unit_of_work(demo.sessions) as session:
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "order_status")
        ).first()
        text = notices.render(session, message)[0].text
    link = re.search(r"https?://\S+/o/\S+", text)
    assert link is not None, text
    url = urlsplit(link.group(0))
    page = create_app(runtime=demo).test_client().get(f"{url.path}?{url.query}")
    assert page.status_code == 200 and "AK-1003" in page.get_data(as_text=True)


def test_housekeeping_prunes_what_is_past_keeping_once_an_hour(runtime, clock) -> None:
    """Old dedupe records, throttle events and codes go; recent ones stay; of several
    workers only the first in an hour prunes."""
    from bot import housekeeping
    from store.models import InboundDelivery, RateEvent

    now = clock()
    with unit_of_work(runtime.sessions) as session:
        for days in (30, 8, 1, 0):  # oldest first, as ids grow with time
            session.add(InboundDelivery(channel="whatsapp", delivery_id=f"SM{days}",
                                        created_at=now - timedelta(days=days)))
            session.add(RateEvent(key="lookup:x", at=now - timedelta(days=days)))
    assert housekeeping.run_due(runtime) is not None
    assert housekeeping.run_due(runtime) is None  # another worker, the same hour
    with unit_of_work(runtime.sessions) as session:
        kept = sorted(session.scalars(select(InboundDelivery.delivery_id)))
        assert kept == ["SM0", "SM1"]
        assert session.query(RateEvent).filter(RateEvent.key == "lookup:x").count() == 2
    clock.advance(hours=1)
    assert housekeeping.run_due(runtime) is not None
    clock.advance(days=3)  # the day-old throttle events are past keeping now; deliveries not
    removed = housekeeping.prune_rows(runtime)
    assert removed["inbound_deliveries"] == 0 and removed["rate_events"] >= 2


class Interrupted(BaseException):
    """What stops a worker mid-send without being an error of the send (a signal)."""


def test_a_batch_cut_short_gives_back_the_messages_it_did_not_attempt(runtime) -> None:
    """Stopping (or any exception) part-way through a batch used to leave the rest of
    it leased, unsent until the lease ran out two minutes later."""
    stop = threading.Event()

    class StopsAfterOne(FakeSender):
        def send(self, session, message, replies) -> SendResult:  # noqa: ANN001
            stop.set()
            return super().send(session, message, replies)

    sender = runtime.senders["whatsapp"] = StopsAfterOne()
    for n in range(3):
        _queue(runtime, f"s{n}", address=f"whatsapp:+91980000000{n}")
    assert worker.run_once(runtime, stop=stop) == 1
    assert sender.sent == ["s0"]
    assert len(worker.claim(runtime).ids) == 2  # at once, not after the lease


def test_an_exception_mid_batch_keeps_only_the_failed_one_leased(runtime) -> None:
    class Dies(FakeSender):
        def send(self, session, message, replies) -> SendResult:  # noqa: ANN001
            if message.idempotency_key == "e1":
                raise Interrupted
            return super().send(session, message, replies)

    runtime.senders["whatsapp"] = Dies()
    for n in range(4):
        _queue(runtime, f"e{n}", address=f"whatsapp:+91980000000{n}")
    with pytest.raises(Interrupted):
        worker.run_once(runtime)
    again = worker.claim(runtime)  # the two never attempted, right away…
    assert sorted(_rows(runtime)[k].id for k in ("e2", "e3")) == sorted(again.ids)
    assert _rows(runtime)["e1"].locked_until is not None  # …not the one that may have gone


@requires_postgres
def test_a_claimed_message_locked_for_a_moment_is_still_delivered(runtime) -> None:
    """A claim scanning past a message holds its row lock for a moment; the delivery
    waits for it instead of skipping the message (which then sat out its lease)."""
    from sqlalchemy import text

    sender = runtime.senders["whatsapp"] = FakeSender()
    _queue(runtime, "a")
    taken = worker.claim(runtime)
    results: list[SendResult | None] = []
    with runtime.engine.connect() as other:
        other.execute(select(OutboxMessage.id).where(OutboxMessage.id == taken.ids[0])
                      .with_for_update())
        thread = threading.Thread(
            target=lambda: results.append(worker.deliver(runtime, taken.ids[0], taken.lease_until)))
        thread.start()
        waiting = 0
        for _ in range(500):  # until the delivery is seen waiting for the row (bounded)
            other.execute(text("SELECT pg_stat_clear_snapshot()"))  # fresh activity each time
            waiting = other.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()"))
            if waiting or results:
                break
            thread.join(timeout=0.01)
        other.rollback()
    thread.join(timeout=30)
    assert waiting == 1
    assert results[0] is not None and results[0].ok and sender.sent == ["a"]


@requires_postgres
def test_the_claim_walks_the_due_index_on_fresh_rows_without_statistics(runtime) -> None:
    """Right after a bulk enqueue (no ANALYZE yet) the claim reads about as many rows
    as it takes: no anti-join, no sort of every waiting message."""
    import json
    import re

    from sqlalchemy import insert, text
    from sqlalchemy.dialects import postgresql

    now = runtime.clock()
    with unit_of_work(runtime.sessions) as s:
        s.execute(insert(OutboxMessage), [
            dict(idempotency_key=f"bulk:{n}", channel="whatsapp", address=f"whatsapp:+9197{n:08d}",
                 kind="text", payload={"text": "hi"}, status="pending", attempts=0,
                 next_attempt_at=now, created_at=now) for n in range(3000)])
    query = worker._due(now, ["whatsapp"]).limit(10).with_for_update(skip_locked=True, of=OutboxMessage)
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with runtime.engine.connect() as conn:
        plan = json.dumps(conn.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)).scalar())
        conn.rollback()
    assert "Anti Join" not in plan and '"Sort"' not in plan
    walked = max(int(n) for n in re.findall(r'"Actual Rows": (\d+)', plan))
    assert walked <= 10


def test_lanes_per_channel_can_be_configured(runtime, config) -> None:
    from bot.bootstrap import build_runtime

    assert worker.lanes(runtime, "whatsapp") == worker.LANES["whatsapp"]
    tuned = build_runtime(config.with_env({"ORDERBOT_LANES_WHATSAPP": "2"}))
    assert worker.lanes(tuned, "whatsapp") == 2 and worker.lanes(tuned, "console") == worker.DEFAULT_LANES
    tuned.close()
