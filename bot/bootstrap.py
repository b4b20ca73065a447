"""Builds the runtime: the settings from the configuration, the database, and each
channel's sender and code senders from the channels' list (bot/channels/)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.channels import CHANNELS
from bot.config import Config
from bot.one_time_codes import first_that_delivers
from bot.payments import razorpay
from bot.runtime import Runtime, reach_phones_on
from bot.web import images
from handlers import i18n
from handlers.types import CodeSender, Settings
from store.db import make_engine, make_session_factory
from store.models import utcnow
from store.outbox import PHONE_ADDRESSES

log = logging.getLogger("orderbot.codes")


class LogCodeSender:
    """Development only: one-time codes go to the log, so the terminal chat and the
    demo work without any credentials."""

    def send_code(self, session: Session, phone: str, code: str, locale: str) -> bool:
        log.warning("one-time code for %s: %s (development: printed, not sent)", phone, code)
        return True


def build_runtime(config: Config, *, clock: Callable[[], datetime] | None = None) -> Runtime:
    """The runtime for `config`: nothing connects until first used."""
    if config.database_url.startswith("sqlite:///"):
        config.instance_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.database_url)
    settings = Settings(
        secret_key=config.resolved_secret_key(),
        default_locale=i18n.normalize_language(config.default_locale) or "en",
        default_region=config.default_region,
        public_base_url=config.public_base_url,
        development=config.development,
        media_dir=str(config.media_path),
        staff_channels=staff_channels(config),
        **otp_settings(config),
        whatsapp_number=(config.twilio_whatsapp_from or "").removeprefix("whatsapp:") or None,
        telegram_bot_username=(config.raw.get("TELEGRAM_BOT_USERNAME") or "").lstrip("@") or None,
        read_proofs=proof_reading_on(config),
    )
    # The store knows no channel: how a phone becomes an address reaches it as data.
    phone_addresses = {c.name: c.phone_address for c in CHANNELS if c.phone_address}
    runtime = Runtime(
        config=config,
        engine=engine,
        sessions=make_session_factory(
            engine, info={"settings": settings, PHONE_ADDRESSES: phone_addresses}
        ),
        settings=settings,
        clock=clock or utcnow,
        render_image=images.render,
    )
    wire(runtime)
    reach_phones_on(runtime, *(c for c in phone_addresses if c in runtime.senders))
    return runtime


def wire(runtime: Runtime) -> None:
    """Each configured channel's sender, the code senders (the development log last,
    in development), and the payment links."""
    config = runtime.config
    for channel in CHANNELS:
        sender = channel.sender(runtime)
        if sender is not None:
            runtime.senders[channel.name] = sender
    code_senders: list[CodeSender] = [s for c in CHANNELS for s in c.code_senders(config)]
    if config.development:
        code_senders.append(LogCodeSender())
    runtime.code_sender = first_that_delivers(code_senders)
    razorpay.wire(runtime)


def staff_channels(config: Config) -> tuple[str, ...]:
    """Where staff hear of proofs and orders: the first channel this set-up can use."""
    return next(((c.name,) for c in CHANNELS if c.staff_channel and c.staff_channel(config)), ())


def otp_settings(config: Config) -> dict[str, Any]:
    """`ORDERBOT_OTP_DAILY_CAP` (codes a day, default 300) and `ORDERBOT_OTP_COUNTRIES`
    (ISO codes, "IN,AE", where codes may go besides the businesses' countries)."""
    cap = config.raw.get("ORDERBOT_OTP_DAILY_CAP", "").strip()
    if cap and not cap.isdigit():
        raise ValueError(f"ORDERBOT_OTP_DAILY_CAP must be a whole number, not {cap!r}")
    countries = config.raw.get("ORDERBOT_OTP_COUNTRIES", "")
    return {
        "otp_daily_cap": int(cap) if cap else 300,
        "otp_countries": tuple(c.strip().upper() for c in countries.split(",") if c.strip()),
    }


def proof_reading_on(config: Config) -> bool:
    """ORDERBOT_PROOF_READING: on unless "off" (off by default under test)."""
    raw = (config.raw.get("ORDERBOT_PROOF_READING") or "").strip().lower()
    if raw:
        return raw not in ("0", "off", "false", "no")
    return not config.testing
