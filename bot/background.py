"""What `orderbot serve` runs beside the web app: the outbox worker (for one-process
set-ups) with the hourly housekeeping, the proof reader, and each channel's own jobs
(the Telegram bot's polling, when configured)."""

from __future__ import annotations

import threading

from bot import housekeeping, proof_reader
from bot.channels import CHANNELS
from bot.runtime import Runtime
from bot.worker import run_forever
from store import wakeups


def start(runtime: Runtime, stop: threading.Event) -> list[threading.Thread]:
    # The outbox worker does the housekeeping too; without it, a thread of its own.
    if runtime.senders:
        target, name = run_forever, "outbox-worker"
    else:
        target, name = housekeeping.run_forever, "housekeeping"
    thread = threading.Thread(target=target, args=(runtime, stop), name=name, daemon=True)
    thread.start()
    threads = [thread]
    if runtime.settings.read_proofs and not runtime.senders:  # else the worker reads them
        threads.append(threading.Thread(target=proof_reader.run_forever, args=(runtime, stop),
                                        name="proof-reader", daemon=True))
        threads[-1].start()
        listener = wakeups.start_listener(runtime.engine, stop)  # its wake-ups
        threads.extend([listener] if listener is not None else [])
    return [*threads, *(t for channel in CHANNELS for t in channel.background(runtime, stop))]
