"""Where the fixtures are and which database the suite runs on (SQLite, or PostgreSQL
when ORDERBOT_TEST_DATABASE_URL is set), and how a test starts from empty tables."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.runtime import Runtime
from store.models import Base

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TEST_DATABASE_URL = os.environ.get("ORDERBOT_TEST_DATABASE_URL")
ON_POSTGRES = bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"))
requires_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL")


def empty_database(runtime: Runtime) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with runtime.engine.begin() as conn:
        if runtime.engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
