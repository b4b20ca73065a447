"""The `orderbot` command (also `python -m bot`)."""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import threading

import click
from werkzeug.serving import run_simple

from bot import background, housekeeping
from bot.app import create_app, startup_problem
from bot.bootstrap import build_runtime
from bot.channels.console.chat import ConsoleChat
from bot.cli.data import check_schema
from bot.cli.operator import database
from bot.config import Config, ConfigError
from bot.runtime import Runtime
from bot.worker import run_forever
from handlers.i18n import LANGUAGES
from handlers.parse import parse_phone
from store.db import unit_of_work
from store.demo import (
    DEMO_BOOKING_NUMBERS,
    DEMO_ORDER_NUMBERS,
    SALON_STAFF_PHONE,
    VENDOR_PHONE,
    seed,
)
from store.queries import staff_for_phone
from store.schema import upgrade


def _setup_logging() -> None:
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("orderbot").setLevel(os.environ.get("ORDERBOT_LOG_LEVEL", "INFO").upper())


def _runtime(**overrides: object) -> Runtime:
    return build_runtime(Config.from_env(**overrides))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """orderbot: order tracking over WhatsApp, Telegram, the web and the terminal."""
    _setup_logging()
    try:  # a setting that cannot be read stops every command with its name, not a trace
        Config.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option("--repair", is_flag=True,
              help="Add the tables, columns and constraints the models have and the "
              "database lacks, and rebuild indexes that differ; change nothing else.")
def initdb(repair: bool) -> None:
    """Create or migrate the database schema (safe to run again), then check that its
    tables are what the models need: exits 1 naming what differs."""
    runtime = _runtime()
    try:
        upgrade(runtime.engine)
        check_schema(runtime.engine, repair=repair)
    finally:
        runtime.close()
    click.echo(f"database ready: {runtime.engine.url.render_as_string(hide_password=True)}")


@main.command()
def demo() -> None:
    """Seed the demo data (a second run changes nothing)."""
    runtime = _runtime()
    upgrade(runtime.engine)
    with unit_of_work(runtime.sessions) as session:
        created = seed(session, runtime.clock())
    click.echo("demo data created" if created else "demo data already present")


def print_demo(runtime: Runtime, host: str, port: int) -> None:
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    click.echo("")
    click.echo("orderbot demo is running.")
    click.echo(f"  demo orders:   {', '.join(DEMO_ORDER_NUMBERS)}")
    click.echo("  customers:     +919811111111 (AK-1001, AK-1002), +919822222222 (AK-1003, AK-1004)")
    click.echo(f"  vendor staff:  {VENDOR_PHONE} (Asha, Asha's Kitchen)")
    click.echo(f"  demo bookings: {', '.join(DEMO_BOOKING_NUMBERS)} (Glow Salon; GS-B501 is"
               " +919811111111's, GS-B502 +919822222222's)")
    click.echo(f"  salon staff:   {SALON_STAFF_PHONE} (Neha, Glow Salon)")
    click.echo(f"  health:        {base}/healthz")
    click.echo(f"  WhatsApp hook: {base}/webhooks/whatsapp")
    for line in runtime.services.demo_lines:
        click.echo(f"  {line.format(base=base)}")
    click.echo("  terminal chat: orderbot chat --phone +919811111111")
    click.echo("")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", "with_demo", is_flag=True, help="Create and seed the database if empty.")
def serve(host: str, port: int, with_demo: bool) -> None:
    """Serve the webhooks, pages and API (and run the Telegram bot when configured)."""
    overrides: dict[str, object] = {}
    if with_demo:
        if "ORDERBOT_ENV" not in os.environ:
            overrides["env"] = "development"
        overrides["webchat"] = True
        if "PUBLIC_BASE_URL" not in os.environ:
            overrides["public_base_url"] = f"http://127.0.0.1:{port}"
    config = Config.from_env(**overrides)
    if problem := startup_problem(config):
        raise click.ClickException(problem)
    runtime = build_runtime(config)
    upgrade(runtime.engine)
    if with_demo:
        with unit_of_work(runtime.sessions) as session:
            seed(session, runtime.clock())
    try:
        app = create_app(runtime=runtime)
    except RuntimeError as refused:  # a setting production needs: one line, not a traceback
        runtime.close()
        raise click.ClickException(str(refused)) from None
    stop = threading.Event()
    threads = background.start(runtime, stop)
    if with_demo:
        print_demo(runtime, host, port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)


@main.command()
@click.option("--phone", help="Talk as the customer with this phone (E.164).")
@click.option("--vendor", "vendor_phone", help="Talk as the staff member with this phone.")
@click.option("--lang", type=click.Choice(LANGUAGES, case_sensitive=False),
              help="Language of the chat.")
def chat(phone: str | None, vendor_phone: str | None, lang: str | None) -> None:
    """Talk to the bot in the terminal; reads piped input too (one message a line)."""
    runtime = _runtime()
    upgrade(runtime.engine)
    region = runtime.config.default_region
    raw = vendor_phone or phone
    e164 = parse_phone(raw, region) if raw else None
    if raw and e164 is None:
        raise click.BadParameter(f"not a valid phone number: {raw}")
    name = None
    if vendor_phone:
        with unit_of_work(runtime.sessions) as session:
            staff = staff_for_phone(session, e164)
            if not staff:
                raise click.BadParameter(f"{e164} is not an active staff member of any business")
            name = staff[0].name
    console = ConsoleChat(runtime, sys.stdout, phone=e164, lang=lang, name=name)
    console.open()
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            click.echo("> ", nl=False)
        line = sys.stdin.readline()
        if not line:
            break
        line = line.rstrip("\n")
        if line.strip() in ("/quit", "/exit"):
            break
        if line.strip():
            console.say(line)


@main.command()
def worker() -> None:
    """Deliver queued messages (notifications, vendor prompts, codes) until stopped."""
    runtime = _runtime()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # What start-up made (modules, mappers, the runtime) lives as long as the process:
    # the collector's full passes need not walk it again (1–2 % of a busy worker's CPU).
    gc.freeze()
    run_forever(runtime, stop)


@main.command()
def prune() -> None:
    """Delete what is past keeping now, rows and unclaimed proof files (workers also do
    it about once an hour)."""
    with database() as runtime:
        removed = housekeeping.prune_rows(runtime)
        media = housekeeping.prune_media(runtime)
    for name, count in removed.items():
        click.echo(f"{name}: {count} removed")
    click.echo(f"proof files: {media.unclaimed} unclaimed and {media.leftovers} leftovers removed")

