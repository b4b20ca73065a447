"""Webhook throughput against the floor.

    python -m bench.throughput [--duration 10] [--workers 2] [--threads 8] [--db postgres sqlite]

orderbot (`wsgi:app`) and a bare Flask app with a fixed TwiML reply (`bench.floor:app`)
run under the same gunicorn settings; wrk, in its own process on loopback, posts
Twilio-signed WhatsApp webhooks, each with its own MessageSid — 70 % order lookups,
20 % greetings / help, 10 % unknown numbers — at concurrency 16 and 64. Prints
messages/s and p50 / p95 / p99 latency, the ratio to the floor, and the resident
memory of one orderbot web worker after the run. Needs `wrk` (apt-get install wrk).
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
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.common import (
    ROOT,
    children,
    free_port,
    gunicorn,
    machine,
    pg_database,
    rss_mb,
    sqlite_database,
    table,
)

TOKEN = "bench-auth-token"
SID = "AC" + "0" * 32
LOOKUPS = ["AK-1001", "AK-1002", "AK-1003", "AK-1004", "SB-2001", "ak 1001", "#AK-1003"]
GREETINGS = ["hi", "hello", "help", "namaste", "menu"]


def make_requests(path: Path, base_url: str, count: int, run: str) -> None:
    """`count` signed webhook bodies, one per line, each with its own MessageSid, from
    many senders (so no one sender's miss limit is reached)."""
    validator = RequestValidator(TOKEN)
    url = f"{base_url}/webhooks/whatsapp"
    rng = random.Random(run)
    with path.open("w") as out:
        for n in range(count):
            roll = rng.random()
            if roll < 0.7:
                body = rng.choice(LOOKUPS)
            elif roll < 0.9:
                body = rng.choice(GREETINGS)
            else:
                body = f"AK-{rng.randint(5000, 9999)}"
            phone = f"+9197{rng.randint(0, 99_999_999):08d}"
            params = {
                "MessageSid": f"SM{run}{n:024d}"[:34],
                "AccountSid": SID,
                "From": f"whatsapp:{phone}",
                "To": "whatsapp:+14155238886",
                "Body": body,
                "NumMedia": "0",
                "ProfileName": "Bench",
                "WaId": phone[1:],
            }
            signature = validator.compute_signature(url, params)
            out.write(f"{signature}\t{urlencode(params)}\n")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--db", nargs="+", default=["postgres", "sqlite"])
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    folder = Path(tempfile.mkdtemp(prefix="orderbot-bench-"))
    rows, memory = [], []
    per_run = 3000 * args.duration  # more than any run can use: every MessageSid is new
    for db in args.db:
        url = prepare(db, folder)
        for concurrency in args.concurrency:
            results = {}
            for name, app in (("floor", "bench.floor:app"), ("orderbot", "wsgi:app")):
                port = free_port()
                base = f"http://127.0.0.1:{port}"
                requests = folder / f"requests-{db}-{concurrency}-{name}.txt"
                make_requests(requests, base, per_run, f"{db[0]}{concurrency}{name[0]}")
                env = {"DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": SID,
                       "PUBLIC_BASE_URL": base, "ORDERBOT_SECRET_KEY": "bench",
                       "ORDERBOT_ENV": "production", "ORDERBOT_INSTANCE_DIR": str(folder),
                       "ORDERBOT_LOG_LEVEL": "WARNING"}
                with gunicorn(app, port, env, args.workers, args.threads) as server:
                    run_wrk(port, requests, concurrency, 2)  # warm-up: imports, pools, caches
                    results[name] = run_wrk(port, requests, concurrency, args.duration)
                    if name == "orderbot":
                        memory.append((db, concurrency, max(rss_mb(p) for p in children(server.pid))))
            floor, bot = results["floor"], results["orderbot"]
            for name, r in (("floor", floor), ("orderbot", bot)):
                rows.append([db, concurrency, name, f"{r['rate']:.0f}", f"{r['p50_us'] / 1000:.1f}",
                             f"{r['p95_us'] / 1000:.1f}", f"{r['p99_us'] / 1000:.1f}",
                             r["non2xx"] + r["socket_errors"],
                             f"{bot['p50_us'] / max(floor['p50_us'], 1):.2f}" if name == "orderbot" else ""])
    print(f"\nmachine: {machine()}; gunicorn gthread --preload, {args.workers} workers x {args.threads} "
          f"threads; wrk 2 threads; {args.duration} s per run\n")
    print(table(["db", "conc.", "app", "msg/s", "p50 ms", "p95 ms", "p99 ms", "errors",
                 "p50 / floor"], rows))
    print()
    print(table(["db", "conc.", "web worker RSS MB"], [[d, c, f"{m:.0f}"] for d, c, m in memory]))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
