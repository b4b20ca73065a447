"""What `orderbot serve` runs beside the web app: the outbox worker (for one-process
set-ups), the housekeeping, and, when configured, the Telegram bot's polling."""

from __future__ import annotations

import threading

from bot.runtime import Runtime


def start(runtime: Runtime, stop: threading.Event) -> list[threading.Thread]:
    from bot.worker import run_forever

    threads = []
    if runtime.senders:
        thread = threading.Thread(
            target=run_forever, args=(runtime, stop), name="outbox-worker", daemon=True
        )
        thread.start()
        threads.append(thread)
    from bot import housekeeping

    threads.append(housekeeping.start(runtime, stop))  # webhooks' records pile up without it
    from bot.telegram_web import start_polling

    threads += start_polling(runtime, stop)
    return threads
