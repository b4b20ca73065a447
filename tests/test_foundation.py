"""Locales, layering, schema, the app skeleton and the terminal chat."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path
from string import Formatter

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from handlers import i18n
from store.models import Base

ROOT = Path(__file__).resolve().parents[1]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    english = i18n.catalog("en")
    for lang in i18n.LANGUAGES:
        catalog = i18n.catalog(lang)
        assert set(catalog) == set(english), lang
        for key, text in english.items():
            assert _placeholders(catalog[key]) == _placeholders(text), (lang, key)


def test_hindi_is_written_in_devanagari() -> None:
    hindi = i18n.catalog("hi")
    prose = [k for k in hindi if not k.startswith(("keywords.", "method."))]
    devanagari = [k for k in prose if re.search(r"[\u0900-\u097F]", hindi[k])]
    assert len(devanagari) >= 0.9 * len(prose)


def test_core_never_imports_a_platform() -> None:
    forbidden = {"flask", "twilio", "telegram", "werkzeug"}
    for package in ("handlers", "store"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                for name in names:
                    assert name.split(".")[0] not in forbidden, f"{path} imports {name}"
                    assert package != "store" or name.split(".")[0] not in ("handlers", "bot"), (
                        f"{path} imports {name}: dependencies point bot -> handlers -> store")


def test_models_and_migrations_agree(runtime) -> None:
    with runtime.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_money_is_formatted_per_locale() -> None:
    assert i18n.money(12500000, "INR", "en") == "₹1,25,000.00"
    assert i18n.money(12500000, "INR", "hi") == "₹1,25,000.00"
    assert i18n.money(1050, "USD", "en", "US") == "US$10.50" or i18n.money(
        1050, "USD", "en", "US") == "$10.50"


def test_healthz(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_healthz_reports_a_dead_database(tmp_path) -> None:
    from bot.app import create_app
    from bot.config import Config

    config = Config.from_env({}, dotenv=False, database_url="postgresql+psycopg://nobody@127.0.0.1:1/x",
                             instance_dir=tmp_path, secret_key="k", testing=True)
    response = create_app(config).test_client().get("/healthz")
    assert response.status_code == 503


def test_production_needs_a_secret_key(tmp_path) -> None:
    import pytest

    from bot.app import create_app
    from bot.config import Config

    config = Config.from_env({}, dotenv=False, instance_dir=tmp_path)
    with pytest.raises(RuntimeError, match="ORDERBOT_SECRET_KEY"):
        create_app(config)


def test_qr_route_serves_signed_paths_only(demo, client) -> None:
    from support import ChatDriver

    replies = ChatDriver(demo, address="x", phone=None).say("AK-1003")
    path = next(r.image.path for r in replies if r.image)
    assert client.get(path).data.startswith(b"\x89PNG")
    assert client.get(path.replace("/qr/", "/qr/x")).status_code == 404


def _run_chat(database_url: str, tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "ORDERBOT_INSTANCE_DIR": str(tmp_path),
           "ORDERBOT_SECRET_KEY": "cli-test"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", *args], input=script, text=True,
        capture_output=True, env=env, timeout=120, cwd=tmp_path,
    )


def test_terminal_chat_scripted_in_english_and_hindi(demo, database_url, tmp_path) -> None:
    done = _run_chat(database_url, tmp_path, "where is my order ak 1001?\nAK-9999\n",
                     "--phone", "+919811111111")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for fragment in ["AK-1001", "Preparing", "2 × Paneer Tikka @ ₹180.00 = ₹360.00",
                     "Total: ₹400.00", "Paid: ₹150.00", "Due: ₹250.00", "ashaskitchen@okaxis",
                     "/pay/", "could not find", "1. Refresh"]:
        assert fragment in out, fragment
    hindi = _run_chat(database_url, tmp_path, "AK-1001\n", "--phone", "+919811111111", "--lang", "hi")
    assert hindi.returncode == 0 and "बाकी: ₹250.00" in hindi.stdout


def test_terminal_chat_prints_notices_queued_while_closed(demo, database_url, tmp_path) -> None:
    from store.db import unit_of_work
    from store.orders import Actor, set_status
    from store.queries import order_by_number

    _run_chat(database_url, tmp_path, "hi\n", "--phone", "+919822222222")
    with unit_of_work(demo.sessions) as s:
        set_status(s, order_by_number(s, "AK-1003"), "confirmed", Actor("Asha"))
    done = _run_chat(database_url, tmp_path, "", "--phone", "+919822222222")
    assert done.returncode == 0
    assert "AK-1003" in done.stdout and "Confirmed" in done.stdout


def test_terminal_vendor_must_be_staff(demo, database_url, tmp_path) -> None:
    done = _run_chat(database_url, tmp_path, "hi\n", "--vendor", "+919811111111")
    assert done.returncode == 2 and "not an active staff" in done.stderr
    ok = _run_chat(database_url, tmp_path, "hi\n", "--vendor", "+919800000001")
    assert ok.returncode == 0 and "staff" in ok.stdout
