"""Fan-out: 10,000 notices to Telegram and WhatsApp recipients, delivered by
`orderbot worker` processes against local stand-ins that enforce the platforms'
limits (30 messages/s for Telegram, 80 for WhatsApp) and answer 429 above them.

    python -m bench.fanout [--notices 10000] [--workers 1 2]

It makes (drops and creates again) the PostgreSQL database `BENCH_FANOUT_DATABASE`
(default orderbot_fanout) beside `BENCH_PG_ADMIN_URL`'s, so runs side by side need
names of their own.

Prints, per channel and number of workers: the achieved rate and its share of the
limit, the most requests the stand-in saw in any one second, 429s, and recipients
that got a notice twice; the resident memory of a worker, the workers' CPU time per
notice (every worker process's, from /proc: from their first notice out to the last,
and with their start-up), and the machine's load during the run (the mean of the
1-minute load average, sampled every second: the stand-ins, PostgreSQL and anything
else running share its cores); and whether the targets are met.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.common import ROOT, machine, pg_database, rss_mb, table
from bot.bootstrap import build_runtime
from bot.config import Config
from store.db import unit_of_work
from store.demo import seed
from store.models import Chat, OutboxMessage, StatusEvent
from store.queries import order_by_number
from store.schema import upgrade

sys.path.insert(0, str(ROOT / "tests"))
from standins.telegram import FakeBotAPI  # noqa: E402
from standins.twilio import FakeTwilioAPI  # noqa: E402

LIMITS = {"telegram": 30, "whatsapp": 80}
CPU_TARGET = 5.0  # ms of worker CPU a notice: ≥ 95 % of each limit on a machine half as fast
SHARE_TARGET = 95.0  # % of each platform's limit


def queue(runtime, notices: int) -> None:  # noqa: ANN001 - a Runtime
    """Half the notices to Telegram chats, half to WhatsApp chats, one each."""
    now = runtime.clock()
    with unit_of_work(runtime.sessions) as session:
        order = order_by_number(session, "AK-1001")
        event_id = session.scalar(select(func.max(StatusEvent.id)).where(
            StatusEvent.order_id == order.id, StatusEvent.kind == "status"))
        chats = []
        for n in range(notices):
            channel = "telegram" if n % 2 else "whatsapp"
            address = str(700_000_000 + n) if channel == "telegram" else f"whatsapp:+9193{n:08d}"
            chats.append(dict(channel=channel, address=address, state="idle", state_data={},
                              lookup_misses=0, last_inbound_at=now, created_at=now, updated_at=now))
        ids = session.scalars(insert(Chat).returning(Chat.id), chats).all()
        session.execute(insert(OutboxMessage), [
            dict(idempotency_key=f"bench:{cid}", channel=c["channel"], address=c["address"],
                 chat_id=cid, kind="order_status", payload={"order_id": order.id, "event_id": event_id},
                 order_id=order.id, status="pending", attempts=0, next_attempt_at=now, created_at=now)
            for cid, c in zip(ids, chats, strict=True)
        ])


def outstanding(runtime) -> int:  # noqa: ANN001
    with unit_of_work(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == "pending"))


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak(stamps: list[float]) -> int:
    """The most requests in any one-second window."""
    best, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def seeded(url: str, folder: Path, telegram: FakeBotAPI,
           twilio: FakeTwilioAPI) -> tuple[dict[str, str], Any]:
    """The environment of an `orderbot worker` sending to the stand-ins, and a runtime
    on its database, migrated and seeded with the demo."""
    env = {**os.environ, "DATABASE_URL": url, "ORDERBOT_SECRET_KEY": "bench",
           "ORDERBOT_INSTANCE_DIR": str(folder), "ORDERBOT_LOG_LEVEL": "WARNING",
           "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": telegram.base_url,
           "TELEGRAM_FILE_BASE_URL": telegram.file_base_url, "PTB_TIMEDELTA": "true",
           "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
           "TWILIO_API_BASE_URL": twilio.base_url, "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886"}
    runtime = build_runtime(Config.from_env(env, dotenv=False))
    upgrade(runtime.engine)
    with unit_of_work(runtime.sessions) as session:
        seed(session)
    return env, runtime


def run(workers: int, notices: int, folder: Path) -> tuple[list[list[object]], float, float, float]:
    url = pg_database(os.environ.get("BENCH_FANOUT_DATABASE", "orderbot_fanout"))
    telegram, twilio = FakeBotAPI(), FakeTwilioAPI()
    # Connections kept open, as the platforms keep them: each send then costs the
    # worker what it costs in production, not a new TCP connection.
    telegram.keep_alive = twilio.keep_alive = True
    with telegram, twilio:
        limits = {"telegram": telegram.limit_per_second(LIMITS["telegram"], scope="sendMessage"),
                  "whatsapp": twilio.limit_per_second(LIMITS["whatsapp"], scope="messages")}
        env, runtime = seeded(url, folder, telegram, twilio)
        queue(runtime, notices)
        began = time.monotonic()
        procs = [subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=env, cwd=folder)
                 for _ in range(workers)]
        try:
            deadline = began + notices / 20 + 120
            loads = []
            started: tuple[float, int] | None = None  # workers' CPU and notices out, once sending
            left = notices
            while left and time.monotonic() < deadline:
                time.sleep(1)
                loads.append(os.getloadavg()[0])
                left = outstanding(runtime)
                if started is None and left < notices:
                    started = (sum(cpu_seconds(p.pid) for p in procs), notices - left)
            memory = max(rss_mb(p.pid) for p in procs)
            cpu = sum(cpu_seconds(p.pid) for p in procs)
            load = sum(loads) / len(loads) if loads else os.getloadavg()[0]
            steady = (cpu - started[0]) / max(notices - left - started[1], 1) if started else cpu / notices
        finally:  # never leave a worker behind, whatever happened
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)
        rows = []
        sent = {"telegram": telegram.calls_of("sendMessage", ok=True),
                "whatsapp": twilio.calls_of("messages", ok=True)}
        for channel, calls in sent.items():
            stamps = sorted(c.at for c in calls)
            seconds = stamps[-1] - stamps[0] if len(stamps) > 1 else 1
            rate = (len(stamps) - 1) / seconds if len(stamps) > 1 else 0
            recipient = (lambda c: c.params.get("chat_id")) if channel == "telegram" else (
                lambda c: c.params.get("To"))
            twice = sum(1 for n in Counter(recipient(c) for c in calls).values() if n > 1)
            rows.append([channel, workers, len(calls), f"{rate:.1f}", LIMITS[channel],
                         f"{100 * rate / LIMITS[channel]:.0f} %", peak(stamps),
                         limits[channel].rejected, twice])
        runtime.close()
        return rows, memory, load, (1000 * steady, 1000 * cpu / notices)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="orderbot-fanout-"))
    rows, memory, targets = [], [], []
    for workers in args.workers:
        got, rss, load, (cpu, with_start) = run(workers, args.notices, folder)
        rows += got
        memory.append([workers, f"{rss:.0f}", f"{cpu:.1f}", f"{with_start:.1f}", f"{load:.2f}"])
        shares = [float(str(row[5]).rstrip(" %")) for row in got]
        targets.append([workers, _met(cpu <= CPU_TARGET, f"{cpu:.1f} ms"),
                        _met(min(shares) >= SHARE_TARGET, " and ".join(f"{s:.0f} %" for s in shares))])
    print(f"\nmachine: {machine()}; {args.notices} notices, half Telegram, half WhatsApp\n")
    print(table(["channel", "workers", "delivered", "msg/s", "limit", "of limit",
                 "peak in 1 s", "429s", "recipients twice"], rows))
    print()
    print(table(["workers", "worker RSS MB", "worker CPU ms / notice",
                 "with start-up", "load during the run"], memory))
    print()
    print(table(["workers", f"CPU ≤ {CPU_TARGET:g} ms / notice", f"≥ {SHARE_TARGET:g} % of each limit"],
                targets))


def _met(ok: bool, value: str) -> str:
    return f"yes: {value}" if ok else f"**no**: {value}"


if __name__ == "__main__":
    main()
