"""Webhook throughput against two floors.

    python -m bench.throughput [--duration 10] [--workers 2] [--threads 8] [--db postgres sqlite]

Three apps under the same gunicorn settings (gthread, --preload): the bare floor
(`bench.floor:app`, fixed TwiML, no database), the database floor (`bench.dbfloor:app`,
the least work a correct bot must do, by hand on orderbot's tables) and orderbot
(`wsgi:app`). wrk, in its own process on loopback, posts Twilio-signed WhatsApp
webhooks, each with its own MessageSid and sender — 70 % order lookups, 20 % greetings /
help, 10 % unknown numbers — at concurrency 16 and 64; then orderbot's Telegram webhook
(its secret header, the same mix, a stand-in Bot API answering the sends). Prints
messages/s, p50 / p95 / p99 latency, errors, the web workers' CPU per message (user +
system of the gunicorn master and its workers from /proc, before and after the run),
orderbot against the database floor (CPU, throughput, p99), and the resident memory of
one orderbot web worker after the run. Needs `wrk` (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.common import (
    ROOT,
    children,
    cpu_seconds,
    free_port,
    gunicorn,
    load,
    machine,
    pg_database,
    rss_mb,
    sqlite_database,
    table,
)

sys.path.insert(0, str(ROOT / "tests"))
from standins.telegram import FakeBotAPI  # noqa: E402

TOKEN = "bench-auth-token"
SID = "AC" + "0" * 32
LOOKUPS = ["AK-1001", "AK-1002", "AK-1003", "AK-1004", "SB-2001", "ak 1001", "#AK-1003"]
GREETINGS = ["hi", "hello", "help", "namaste", "menu"]
TELEGRAM_SECRET = "bench-telegram-secret"
APPS = (("floor", "bench.floor:app"), ("dbfloor", "bench.dbfloor:app"), ("orderbot", "wsgi:app"))


def _body(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.7:
        return rng.choice(LOOKUPS)
    if roll < 0.9:
        return rng.choice(GREETINGS)
    return f"AK-{rng.randint(5000, 9999)}"


def make_requests(path: Path, base_url: str, count: int, run: str) -> None:
    """`count` signed WhatsApp webhook requests, one per line, each with its own
    MessageSid, from many senders (so no one sender's lookup limit is reached)."""
    validator = RequestValidator(TOKEN)
    url = f"{base_url}/webhooks/whatsapp"
    rng = random.Random(run)
    with path.open("w") as out:
        for n in range(count):
            phone = f"+9197{rng.randint(0, 99_999_999):08d}"
            params = {
                "MessageSid": f"SM{run}{n:024d}"[:34],
                "AccountSid": SID,
                "From": f"whatsapp:{phone}",
                "To": "whatsapp:+14155238886",
                "Body": _body(rng),
                "NumMedia": "0",
                "ProfileName": "Bench",
                "WaId": phone[1:],
            }
            signature = validator.compute_signature(url, params)
            out.write(f"/webhooks/whatsapp\tX-Twilio-Signature\t{signature}\t"
                      f"application/x-www-form-urlencoded\t{urlencode(params)}\n")


def make_telegram_requests(path: Path, count: int, run: int) -> None:
    """`count` Telegram updates, each with its own update_id and private chat."""
    rng = random.Random(run)
    with path.open("w") as out:
        for n in range(count):
            user = 500_000_000 + run * 10_000_000 + n
            update = {"update_id": run * 10_000_000 + n, "message": {
                "message_id": 1, "date": 1795545700, "text": _body(rng),
                "chat": {"id": user, "type": "private"},
                "from": {"id": user, "is_bot": False, "first_name": "Bench", "language_code": "en"},
            }}
            out.write(f"/webhooks/telegram\tX-Telegram-Bot-Api-Secret-Token\t{TELEGRAM_SECRET}\t"
                      f"application/json\t{json.dumps(update)}\n")


def run_wrk(port: int, requests: Path, concurrency: int, seconds: int, threads: int = 2) -> dict:
    env = {**os.environ, "BENCH_REQUESTS": str(requests), "BENCH_THREADS": str(threads),
           "BENCH_HOST": f"127.0.0.1:{port}"}
    done = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", str(ROOT / "bench" / "wrk_requests.lua"), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, env=env, check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    result["rate"] = result["requests"] / result["seconds"]
    return result


def prepare(db: str, folder: Path) -> str:
    url = pg_database("orderbot_bench") if db == "postgres" else sqlite_database(folder, "bench")
    env = {**os.environ, "DATABASE_URL": url, "ORDERBOT_SECRET_KEY": "bench",
           "ORDERBOT_INSTANCE_DIR": str(folder)}
    subprocess.run([sys.executable, "-m", "bot", "demo"], cwd=folder, env=env, check=True, capture_output=True)
    return url


@contextmanager
def cpu_meter(server_pid: int) -> Iterator[dict[str, float]]:
    """The CPU seconds the gunicorn master and its workers use inside the block."""
    pids = [server_pid, *children(server_pid)]
    before = sum(cpu_seconds(p) for p in pids)
    used: dict[str, float] = {}
    yield used
    used["seconds"] = sum(cpu_seconds(p) for p in pids) - before


def measure(app: str, env: dict[str, str], files: tuple[Path, Path], concurrency: int,
            args: argparse.Namespace) -> dict:
    """One app under gunicorn: a warm-up run, then the measured one (other requests:
    no MessageSid is seen twice)."""
    port = int(env["BENCH_PORT"])
    with gunicorn(app, port, env, args.workers, args.threads) as server:
        run_wrk(port, files[0], concurrency, 2)  # warm-up: imports, pools, caches
        with cpu_meter(server.pid) as used:
            result = run_wrk(port, files[1], concurrency, args.duration)
        result["rss"] = max(rss_mb(p) for p in children(server.pid))
    result["cpu_ms"] = 1000 * used["seconds"] / max(result["requests"], 1)
    return result


def row(db: str, concurrency: int, name: str, r: dict, floor: dict | None, load_avg: float) -> list:
    ratios = ["", "", ""]
    if floor is not None:
        ratios = [f"{r['cpu_ms'] / floor['cpu_ms']:.2f}", f"{r['rate'] / floor['rate']:.2f}",
                  f"{r['p99_us'] / max(floor['p99_us'], 1):.2f}"]
    return [db, concurrency, name, f"{r['rate']:.0f}", f"{r['p50_us'] / 1000:.1f}",
            f"{r['p95_us'] / 1000:.1f}", f"{r['p99_us'] / 1000:.1f}",
            r["non2xx"] + r["socket_errors"], f"{r['cpu_ms']:.2f}", *ratios, f"{load_avg:.1f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--db", nargs="+", default=["postgres", "sqlite"])
    parser.add_argument("--apps", nargs="+", default=[name for name, _ in APPS] + ["telegram"])
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    folder = Path(tempfile.mkdtemp(prefix="orderbot-bench-"))
    rows, memory = [], []
    per_run = 3000 * args.duration  # more than any run can use: every MessageSid is new
    telegram = FakeBotAPI()
    # Telegram keeps connections open, as bench.fanout's stand-ins do: the web worker's
    # CPU is then the sends', not a new TCP connection's for each (werkzeug closes them).
    telegram.keep_alive = True
    with telegram:
        for db in args.db:
            url = prepare(db, folder)
            for concurrency in args.concurrency:
                results = {}
                for n, (name, app) in enumerate([*APPS, ("telegram", "wsgi:app")]):
                    if name not in args.apps:
                        continue
                    port = free_port()
                    base = f"http://127.0.0.1:{port}"
                    files = (folder / "warm.txt", folder / "run.txt")
                    tag = f"{db[0]}{concurrency}{n}"
                    if name == "telegram":
                        make_telegram_requests(files[0], 3000, 2 * n + concurrency)
                        make_telegram_requests(files[1], per_run, 2 * n + 1 + concurrency)
                    else:
                        make_requests(files[0], base, 3000, f"{tag}w")
                        make_requests(files[1], base, per_run, f"{tag}r")
                    env = {"DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN,
                           "TWILIO_ACCOUNT_SID": SID,
                           "PUBLIC_BASE_URL": base, "ORDERBOT_SECRET_KEY": "bench",
                           "ORDERBOT_ENV": "production", "ORDERBOT_INSTANCE_DIR": str(folder),
                           "ORDERBOT_LOG_LEVEL": "WARNING", "BENCH_PORT": str(port)}
                    if name == "telegram":
                        env.update(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_MODE="webhook",
                                   TELEGRAM_API_BASE_URL=telegram.base_url,
                                   TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET)
                    load_avg = load()
                    results[name] = result = measure(app, env, files, concurrency, args)
                    floor = results.get("dbfloor") if name in ("orderbot", "telegram") else None
                    rows.append(row(db, concurrency, name, result, floor, load_avg))
                    if name == "orderbot":
                        memory.append((db, concurrency, result["rss"]))
                    print(" | ".join(str(c) for c in rows[-1]), file=sys.stderr, flush=True)
    print(f"\nmachine: {machine()}; gunicorn gthread --preload, {args.workers} workers x "
          f"{args.threads} threads; wrk 2 threads; {args.duration} s per run; load = the 1-minute load average "
          "before each run\n")
    print(table(["db", "conc.", "app", "msg/s", "p50 ms", "p95 ms", "p99 ms", "errors",
                 "CPU ms/msg", "CPU / dbfloor", "msg/s / dbfloor", "p99 / dbfloor", "load"], rows))
    print()
    print(table(["db", "conc.", "web worker RSS MB"], [[d, c, f"{m:.0f}"] for d, c, m in memory]))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
