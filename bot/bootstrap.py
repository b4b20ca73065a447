"""Builds the runtime: the settings from the configuration, the database, and each
channel's sender and code senders from the channels' list (bot/channels/)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.channels import CHANNELS
from bot.config import Config
from bot.one_time_codes import first_that_delivers
from bot.payments import razorpay
from bot.runtime import Runtime, reach_phones_on
from bot.web import images
from handlers import i18n
from handlers.types import CodeSender, Settings
from store import reminders
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
        otp_daily_cap=config.otp_daily_cap,
        otp_countries=config.otp_countries,
        whatsapp_number=(config.twilio_whatsapp_from or "").removeprefix("whatsapp:") or None,
        telegram_bot_username=config.telegram_bot_username,
        read_proofs=config.reads_proofs,
    )
    # The store knows no channel: how a phone becomes an address reaches it as data.
    phone_addresses = {c.name: c.phone_address for c in CHANNELS if c.phone_address}
    runtime = Runtime(
        config=config,
        engine=engine,
        sessions=make_session_factory(
            engine, info={"settings": settings, PHONE_ADDRESSES: phone_addresses,
                          reminders.CLOCK: clock or utcnow}
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
    runtime.services.payment_links = razorpay.payment_links_for(config)


def staff_channels(config: Config) -> tuple[str, ...]:
    """Where staff hear of proofs and orders: the first channel this set-up can use."""
    return next(((c.name,) for c in CHANNELS if c.staff_channel and c.staff_channel(config)), ())
