"""Where a WhatsApp webhook's CPU goes, in one process: orderbot (`wsgi:app`) and the
database floor (`bench.dbfloor:app`) answer the same signed requests of
`bench.throughput`'s mix through Flask's test client, taking turns (`--rounds`), and the
process's CPU time per message is printed for each, with their ratio; `--profile N`
prints cProfile's N most costly functions of orderbot's run (cumulative and own time);
`--layers` the CPU of a message by layer for both apps (the request, the transaction, the
conversation, the statements' layers …), each function timed, not sampled.

    python -m bench.profile_webhook [--messages 2000] [--rounds 80] [--db postgres|sqlite]
                                    [--profile 40] [--layers]

No server, no wrk, no threads: what is left is the Python work of one message (and the
database's answer time, which the process waits out without using CPU). CPU time, not
wall time, so another process on the machine moves it little.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import io
import os
import pstats
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl

from bench.common import table
from bench.throughput import SID, TOKEN, make_requests, prepare

BASE = "http://bench.example.test"


def requests_for(count: int, run: str, folder: Path) -> list[tuple[dict[str, str], str]]:
    """`count` (form, signature) pairs of the throughput bench's mix."""
    path = folder / f"{run}.txt"
    make_requests(path, BASE, count, run)
    out = []
    for line in path.read_text().splitlines():
        _path, _header, signature, _kind, body = line.split("\t")
        out.append((dict(parse_qsl(body, keep_blank_values=True)), signature))
    return out


def app_of(module: str, url: str, folder: Path):  # noqa: ANN201 - a Flask app
    os.environ.update({"DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN,
                       "TWILIO_ACCOUNT_SID": SID, "PUBLIC_BASE_URL": BASE,
                       "ORDERBOT_SECRET_KEY": "bench", "ORDERBOT_ENV": "production",
                       "ORDERBOT_INSTANCE_DIR": str(folder), "ORDERBOT_LOG_LEVEL": "WARNING"})
    return importlib.import_module(module).app


def run(app, requests: list[tuple[dict[str, str], str]],  # noqa: ANN001
        profiler: cProfile.Profile | None = None) -> float:
    """CPU seconds per message over `requests` (each answered 200, or it stops)."""
    client = app.test_client()
    start = time.process_time()
    if profiler:
        profiler.enable()
    for form, signature in requests:
        response = client.post("/webhooks/whatsapp", data=form,
                               headers={"X-Twilio-Signature": signature})
        if response.status_code != 200:
            raise SystemExit(f"{response.status_code}: {response.get_data(as_text=True)[:200]}")
    if profiler:
        profiler.disable()
    return (time.process_time() - start) / len(requests)


# What `--layers` times, each (module, name, what): a function's CPU time counts for its
# row less the time of any row's function it calls, so the rows add up to the whole.
LAYERS = [
    ("flask.app", "Flask.wsgi_app", "the request: Flask, form, signature, TwiML"),
    ("bot.channels.whatsapp.webhook", "respond", "the delivery record and the transaction"),
    ("bench.dbfloor", "answer", "the delivery record and the transaction"),
    ("bot.runtime", "handle", "the conversation: routing, features, throttles"),
    ("bench.dbfloor", "reply_for", "the conversation: routing, features, throttles"),
    ("handlers.core", "chat_with_facts", "the chat's upsert and its facts (ORM attach)"),
    ("handlers.core", "save_chat", "the chat's write"),
    ("handlers.orders.customer", "order_for_view", "the order read (ORM objects)"),
    ("handlers.orders.customer", "order_view", "the order's view: text, buttons, links"),
    ("sqlalchemy.engine.base", "Connection.execute", "SQLAlchemy Core: a statement's execution"),
    ("sqlalchemy.orm.session", "Session.commit", "SQLAlchemy: the commit"),
    ("psycopg", "Cursor.execute", "psycopg: statements, commits, rows"),
    ("psycopg", "Connection.commit", "psycopg: statements, commits, rows"),
    ("psycopg", "Cursor.fetchone", "psycopg: statements, commits, rows"),
    ("psycopg", "Cursor.fetchall", "psycopg: statements, commits, rows"),
    ("psycopg", "Cursor.fetchmany", "psycopg: statements, commits, rows"),
]


OUTSIDE = "other (the test client, outside the app)"


class Layers:
    """CPU seconds spent in each of LAYERS' rows (less what nested rows took)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.stack: list[list[float]] = []  # per open call: [start, time of nested calls]
        self.undo: list[tuple[object, str, object]] = []

    def install(self) -> None:
        for module, name, label in LAYERS:
            owner = importlib.import_module(module)
            *path, attr = name.split(".")
            for part in path:
                owner = getattr(owner, part)
            original = owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)
            self.undo.append((owner, attr, original))
            setattr(owner, attr, self._timed(original, label))

    def remove(self) -> None:
        for owner, attr, original in reversed(self.undo):
            setattr(owner, attr, original)
        self.undo.clear()

    def _timed(self, function, label: str):  # noqa: ANN001, ANN202
        clock, stack, spent = time.process_time, self.stack, self.spent

        @functools.wraps(function)
        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            frame = [clock(), 0.0]
            stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                took = clock() - frame[0]
                stack.pop()
                if stack:
                    stack[-1][1] += took
                spent[label] = spent.get(label, 0.0) + took - frame[1]
        return timed


def layers_of(apps: dict, folder: Path, count: int) -> None:  # noqa: ANN001
    """Each app's CPU per message by LAYERS' rows, side by side."""
    per_app = {}
    for n, (name, app) in enumerate(apps.items()):
        layers = Layers()
        layers.install()
        try:
            total = run(app, requests_for(count, f"l{n}", folder)) * count
        finally:
            layers.remove()
        layers.spent[OUTSIDE] = total - sum(layers.spent.values())
        per_app[name] = {label: t / count for label, t in layers.spent.items()}
    labels = list(dict.fromkeys(label for _m, _n, label in LAYERS))
    labels.append(OUTSIDE)
    rows = [[label, *(f"{per_app[a].get(label, 0.0) * 1000:.3f}" for a in apps)]
            for label in labels]
    rows.append(["all", *(f"{sum(per_app[a].values()) * 1000:.3f}" for a in apps)])
    print("\nCPU ms a message by layer (timing each call adds a little to every row):")
    print(table(["layer", *apps], rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--rounds", type=int, default=80, help="turns each app takes")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    parser.add_argument("--layers", action="store_true", help="CPU a message by layer, both apps")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="orderbot-profile-"))
    url = prepare(args.db, folder)
    apps = {"dbfloor": app_of("bench.dbfloor", url, folder),
            "orderbot": app_of("wsgi", url, folder)}
    # Run names stay short: a MessageSid is cut at 34 characters, and one repeated
    # would be a replay of the stored answer, not a message answered.
    for n, app in enumerate(apps.values()):
        run(app, requests_for(300, f"w{n}", folder))
    # The two apps take turns, a few dozen messages each, and each app's CPU is summed over
    # its turns: a machine that slows down for a few seconds (shared, as this one is)
    # slows both alike instead of whichever ran then.
    spent = {name: 0.0 for name in apps}
    size = max(args.messages // args.rounds, 1)
    for r in range(args.rounds):
        for n, (name, app) in enumerate(apps.items()):
            spent[name] += run(app, requests_for(size, f"r{n}x{r}", folder))
    cpu = {name: total / args.rounds for name, total in spent.items()}
    print(table(["app", "CPU ms / message"], [[n, f"{c * 1000:.2f}"] for n, c in cpu.items()]))
    print(f"\norderbot / dbfloor: {cpu['orderbot'] / cpu['dbfloor']:.2f}")
    if args.layers:
        layers_of(apps, folder, args.messages)
    if args.profile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not the waits for the database
        run(apps["orderbot"], requests_for(args.messages, "p", folder), profiler)
        for key in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(args.profile)
            print(out.getvalue())


if __name__ == "__main__":
    main()
