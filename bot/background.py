"""What `orderbot serve` runs beside the web app: the outbox worker (for one-process
set-ups) with the hourly housekeeping, and, when configured, the Telegram bot's polling."""

from __future__ import annotations

import threading

from bot.runtime import Runtime


def start(runtime: Runtime, stop: threading.Event) -> list[threading.Thread]:
    from bot import housekeeping
    from bot.telegram_web import start_polling
    from bot.worker import run_forever

    # The outbox worker does the housekeeping too; without it, a thread of its own.
    if runtime.senders:
        target, name = run_forever, "outbox-worker"
    else:
        target, name = housekeeping.run_forever, "housekeeping"
    thread = threading.Thread(target=target, args=(runtime, stop), name=name, daemon=True)
    thread.start()
    threads = [thread]
    if runtime.settings.read_proofs and not runtime.senders:  # else the worker reads them
        from bot import proof_reader

        threads.append(threading.Thread(target=proof_reader.run_forever, args=(runtime, stop),
                                        name="proof-reader", daemon=True))
        threads[-1].start()
    return [*threads, *start_polling(runtime, stop)]
