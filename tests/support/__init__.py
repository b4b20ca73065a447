"""What the tests share besides fixtures: paths, the database switches, the clock, the
chat doubles (`ChatDriver`, `Person`) and the helpers of each area. Fixtures stay in
the conftest.py files (pytest finds them there); everything they build on lives here,
imported as `support` (`tests/` is on pytest's pythonpath)."""

import os

# python-telegram-bot 22 warns (an error here) unless durations are timedeltas; set
# before anything imports telegram.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from support.chat import ChatDriver, joined, verify_dialog  # noqa: E402
from support.clock import Clock  # noqa: E402
from support.database import (  # noqa: E402
    FIXTURES,
    ON_POSTGRES,
    TEST_DATABASE_URL,
    empty_database,
    requires_postgres,
)

__all__ = [
    "FIXTURES",
    "ON_POSTGRES",
    "TEST_DATABASE_URL",
    "ChatDriver",
    "Clock",
    "empty_database",
    "joined",
    "requires_postgres",
    "verify_dialog",
]
