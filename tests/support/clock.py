"""Time that moves only when a test says so."""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    """Time that moves only when a test says so."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
