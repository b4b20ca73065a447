"""An idle worker and a notice's wait: what `orderbot worker` costs while nothing is
queued, and how long a notice queued by another process (the web app, the CLI) waits
before the worker sends it.

    python -m bench.wakeup [--idle 30] [--notices 20] [--python PYTHON ...]

One `orderbot worker` against PostgreSQL (`BENCH_WAKEUP_DATABASE`, default
orderbot_wakeup, dropped and made again) and the Telegram and Twilio stand-ins. After
a warm-up, `--idle` seconds with nothing queued: the database's transactions a second
(pg_stat_database), the worker's CPU and its PostgreSQL backends' CPU (/proc), as a
share of one core. Then `--notices` notices, each to a new recipient, queued by this
process one at a time at random moments (0.3–1.3 s apart, so they fall anywhere in a
poll's second), half WhatsApp and half Telegram: the time from the commit that queued
each to its arrival at the stand-in.

`--python` runs the same with the worker of each interpreter given (another checkout's
venv, for a side-by-side run), in turn; ratios are against the first.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, text

from bench.common import ROOT, machine, pg_database, table
from bench.fanout import cpu_seconds, seeded
from store import outbox
from store.db import unit_of_work
from store.models import Chat

sys.path.insert(0, str(ROOT / "tests"))
from standins.telegram import FakeBotAPI  # noqa: E402
from standins.twilio import FakeTwilioAPI  # noqa: E402

WARM_UP = 8.0  # seconds for the worker to start and settle


def _stats(runtime, database: str) -> tuple[int, float]:  # noqa: ANN001 - a Runtime
    """The database's transactions so far, and its other backends' CPU seconds."""
    with runtime.engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        xacts = conn.execute(text(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = :d"),
            {"d": database}).scalar_one()
        pids = conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
            {"d": database}).scalars().all()
    cpu = 0.0
    for pid in pids:
        try:
            cpu += cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return xacts, cpu


def _queue_one(runtime, n: int, channel: str) -> str:  # noqa: ANN001
    """A text notice to a new recipient, as the web app queues one; its address."""
    now = runtime.clock()
    address = str(800_000_000 + n) if channel == "telegram" else f"whatsapp:+9194{n:08d}"
    with unit_of_work(runtime.sessions) as session:
        chat_id = session.scalars(insert(Chat).returning(Chat.id), [dict(
            channel=channel, address=address, state="idle", state_data={}, lookup_misses=0,
            last_inbound_at=now, created_at=now, updated_at=now)]).one()
        outbox.enqueue(session, channel=channel, address=address, chat_id=chat_id, kind="text",
                       payload={"text": f"notice {n}"}, key=f"wakeup:{n}", now=now)
    return address


def run(python: str, idle: float, notices: int, folder: Path) -> dict[str, float]:
    database = os.environ.get("BENCH_WAKEUP_DATABASE", "orderbot_wakeup")
    url = pg_database(database)
    telegram, twilio = FakeBotAPI(), FakeTwilioAPI()
    telegram.keep_alive = twilio.keep_alive = True
    with telegram, twilio:
        env, runtime = seeded(url, folder, telegram, twilio)
        proc = subprocess.Popen([python, "-m", "bot", "worker"], env=env, cwd=folder)
        try:
            time.sleep(WARM_UP)
            xacts0, pg0 = _stats(runtime, database)
            cpu0, began = cpu_seconds(proc.pid), time.monotonic()
            time.sleep(idle)
            xacts1, pg1 = _stats(runtime, database)
            cpu1, span = cpu_seconds(proc.pid), time.monotonic() - began
            waits = []
            rng = random.Random(7)
            for n in range(notices):
                time.sleep(rng.uniform(0.3, 1.3))
                channel = "whatsapp" if n % 2 else "telegram"
                address = _queue_one(runtime, n, channel)
                queued = time.monotonic()
                arrived = _arrival(telegram, twilio, channel, address, deadline=queued + 60)
                waits.append((arrived - queued) * 1000)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        runtime.close()
    waits.sort()
    return {
        "xacts": (xacts1 - xacts0) / span,
        "worker": 100 * (cpu1 - cpu0) / span,
        "postgres": 100 * (pg1 - pg0) / span,
        "p50": statistics.median(waits),
        "p95": waits[min(len(waits) - 1, int(0.95 * len(waits)))],
        "max": waits[-1],
    }


def _arrival(telegram, twilio, channel: str, address: str, deadline: float) -> float:  # noqa: ANN001
    """When the stand-in received the send to `address` (monotonic seconds)."""
    while time.monotonic() < deadline:
        if channel == "telegram":
            calls = [c for c in telegram.calls_of("sendMessage", ok=True)
                     if str(c.params.get("chat_id")) == address]
        else:
            calls = [c for c in twilio.calls_of("messages", ok=True)
                     if c.params.get("To") == address]
        if calls:
            return calls[0].at
        time.sleep(0.005)
    raise TimeoutError(f"the notice to {address} never arrived")


def _label(python: str) -> str:
    """The checkout whose code `python` runs (its git commit), or the interpreter."""
    where = "import bot, pathlib; print(pathlib.Path(bot.__file__).parents[1])"
    found = subprocess.run([python, "-c", where], capture_output=True, text=True, cwd="/",
                           check=True).stdout.strip()
    commit = subprocess.run(["git", "-C", found, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", found, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return f"{commit}{'+changes' if dirty else ''}" if commit else python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--idle", type=float, default=30.0)
    parser.add_argument("--notices", type=int, default=20)
    parser.add_argument("--python", nargs="+", default=[sys.executable])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="orderbot-wakeup-"))
    pythons = [os.path.abspath(p) for p in args.python]  # the worker runs in another folder
    results = [(_label(python), run(python, args.idle, args.notices, folder))
               for python in pythons]
    first = results[0][1]
    rows = []
    for label, got in results:
        ratio = "" if got is first else (
            f"{got['xacts'] / max(first['xacts'], 1e-9):.2f} / {got['p50'] / first['p50']:.2f}")
        rows.append([label, f"{got['xacts']:.1f}", f"{got['worker']:.2f} %",
                     f"{got['postgres']:.2f} %", f"{got['p50']:.0f}", f"{got['p95']:.0f}",
                     f"{got['max']:.0f}", ratio])
    print(f"\nmachine: {machine()}; {args.idle:g} s idle, then {args.notices} notices "
          "queued one at a time by another process\n")
    print(table(["worker", "idle transactions/s", "idle worker CPU", "idle PostgreSQL CPU",
                 "notice wait p50 ms", "p95 ms", "max ms",
                 "transactions / p50 against the first"], rows))


if __name__ == "__main__":
    main()
