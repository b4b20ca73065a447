"""One `Config`, read from the environment (and a `.env` file), as the contract lists."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from dotenv import dotenv_values


class ConfigError(ValueError):
    """A setting the environment gives that cannot be read; its message names it."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


# The variables each setting that is one value reads.
_VARIABLES = {
    "telegram_bot_username": ("TELEGRAM_BOT_USERNAME",),
    "otp_daily_cap": ("ORDERBOT_OTP_DAILY_CAP",),
    "otp_countries": ("ORDERBOT_OTP_COUNTRIES",),
    "proof_reading": ("ORDERBOT_PROOF_READING",),
    "proof_read_budget": ("ORDERBOT_PROOF_READ_BUDGET",),
    "razorpay_api_base_url": ("RAZORPAY_API_BASE_URL",),
    "proxy_hops": ("ORDERBOT_PROXY_HOPS",),
    "booking_reminders": ("ORDERBOT_BOOKING_REMINDERS",),
}


def settings_from(env: Mapping[str, str]) -> dict[str, Any]:
    """The features' settings among the variables `env` holds (Config's fields after
    the platforms' own), each parsed to its type."""
    get = lambda key, default=None: env.get(key) or default  # noqa: E731
    hops = get("ORDERBOT_PROXY_HOPS", "0").strip()
    return {
        "twilio_templates": _suffixed(env, "TWILIO_TEMPLATE_", "", str.strip),
        "telegram_bot_username": (get("TELEGRAM_BOT_USERNAME") or "").lstrip("@") or None,
        "otp_daily_cap": _whole(get("ORDERBOT_OTP_DAILY_CAP", ""), "ORDERBOT_OTP_DAILY_CAP", 300),
        "otp_countries": tuple(
            c.strip().upper() for c in get("ORDERBOT_OTP_COUNTRIES", "").split(",") if c.strip()
        ),
        "proof_reading": _on_off(get("ORDERBOT_PROOF_READING")),
        "proof_read_budget": _seconds(get("ORDERBOT_PROOF_READ_BUDGET"), 120.0),
        "channel_rates": _suffixed(env, "ORDERBOT_RATE_", "", float),
        "channel_lanes": _suffixed(env, "ORDERBOT_LANES_", "", int),
        "razorpay_api_base_url": get("RAZORPAY_API_BASE_URL"),
        "shipping_secrets": _suffixed(env, "SHIPPING_", "_SECRET", str),
        "proxy_hops": int(hops) if hops.isdigit() else 0,
        "booking_reminders": durations(
            get("ORDERBOT_BOOKING_REMINDERS", DEFAULT_BOOKING_REMINDERS),
            "ORDERBOT_BOOKING_REMINDERS",
        ),
    }


def _suffixed(
    env: Mapping[str, str], prefix: str, suffix: str, parse: Callable[[str], Any]
) -> dict[str, Any]:
    """{NAME in lower case: its parsed value} of the set variables PREFIX<NAME>SUFFIX."""
    return {
        key.removeprefix(prefix).removesuffix(suffix).lower(): parse(value)
        for key, value in env.items()
        if key.startswith(prefix) and key.endswith(suffix)
        and len(key) > len(prefix + suffix) and value and value.strip()
    }


def _whole(value: str, name: str, default: int) -> int:
    value = value.strip()
    if value and not value.isdigit():
        raise ConfigError(f"{name} must be a whole number, not {value!r}")
    return int(value) if value else default


DEFAULT_BOOKING_REMINDERS = "24h,2h"
_DURATION = re.compile(r"(\d{1,6})\s*([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def durations(value: str, name: str) -> tuple[timedelta, ...]:
    """"24h,2h" → (24 hours, 2 hours): how long before a booking each reminder goes,
    longest first, each once; "off" (or "none") → none. Anything else is refused by
    name, so a typo stops the start rather than silently sending no reminder."""
    value = value.strip().lower()
    if value in ("off", "none", "0"):
        return ()
    found: set[timedelta] = set()
    for part in value.split(","):
        matched = _DURATION.fullmatch(part.strip())
        if matched is None or int(matched.group(1)) == 0:
            raise ConfigError(
                f"{name} must be durations like 24h,2h (m, h or d; or off), not {value!r}"
            )
        found.add(timedelta(**{_UNITS[matched.group(2)]: int(matched.group(1))}))
    return tuple(sorted(found, reverse=True))


def _on_off(value: str | None) -> bool | None:
    value = (value or "").strip().lower()
    return (value not in ("0", "off", "false", "no")) if value else None


def _seconds(value: str | None, default: float) -> float:
    try:
        return float(value) if value else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Config:
    database_url: str
    instance_dir: Path
    public_base_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = None
    env: str = "production"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_whatsapp_from: str | None = None
    twilio_sms_from: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    telegram_bot_token: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str | None = None
    telegram_mode: str = "polling"
    telegram_webhook_secret: str | None = None
    media_dir: Path | None = None
    default_locale: str = "en"
    default_region: str = "IN"
    webchat: bool = False
    testing: bool = False
    # TWILIO_TEMPLATE_<KIND>: {outbox kind, or "otp": WhatsApp content SID}.
    twilio_templates: Mapping[str, str] = field(default_factory=dict)
    telegram_bot_username: str | None = None  # TELEGRAM_BOT_USERNAME, without the "@"
    otp_daily_cap: int = 300  # ORDERBOT_OTP_DAILY_CAP: codes a day
    # ORDERBOT_OTP_COUNTRIES ("IN,AE"): where codes may go besides the businesses' countries.
    otp_countries: tuple[str, ...] = ()
    proof_reading: bool | None = None  # ORDERBOT_PROOF_READING; None: on, but off under test
    proof_read_budget: float = 120.0  # ORDERBOT_PROOF_READ_BUDGET: seconds for one proof
    channel_rates: Mapping[str, float] = field(default_factory=dict)  # ORDERBOT_RATE_<CHANNEL>
    channel_lanes: Mapping[str, int] = field(default_factory=dict)  # ORDERBOT_LANES_<CHANNEL>
    razorpay_api_base_url: str | None = None  # RAZORPAY_API_BASE_URL (a stand-in in tests)
    shipping_secrets: Mapping[str, str] = field(default_factory=dict)  # SHIPPING_<P>_SECRET
    proxy_hops: int = 0  # ORDERBOT_PROXY_HOPS: our own proxies in front of the app
    # ORDERBOT_BOOKING_REMINDERS ("24h,2h"): how long before a confirmed booking its
    # customer is reminded, longest first; () for none.
    booking_reminders: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=2))

    def send_rate(self, channel: str, default: float | None = None) -> float | None:
        """Sends a second on `channel` across every worker (`ORDERBOT_RATE_<CHANNEL>`
        overrides the channel's own `default`)."""
        return self.channel_rates.get(channel, default)

    def lanes(self, channel: str, default: int) -> int:
        """Threads delivering `channel` in one worker (`ORDERBOT_LANES_<CHANNEL>`
        overrides the channel's own `default`)."""
        configured = self.channel_lanes.get(channel)
        return max(1, configured) if configured else default

    @property
    def twilio_template_booking_reminder(self) -> str | None:
        """TWILIO_TEMPLATE_BOOKING_REMINDER: the Content SID a reminder goes as outside
        WhatsApp's 24-hour window (one of `twilio_templates`, read like every kind's)."""
        return self.twilio_templates.get("booking_reminder")

    @property
    def reads_proofs(self) -> bool:
        """ORDERBOT_PROOF_READING: on unless "off" (off by default under test)."""
        return (not self.testing) if self.proof_reading is None else self.proof_reading

    @property
    def development(self) -> bool:
        return self.env == "development"

    @property
    def telegram_files_url(self) -> str:
        if self.telegram_file_base_url:
            return self.telegram_file_base_url
        return self.telegram_api_base_url.replace("/bot", "/file/bot", 1)

    @property
    def media_path(self) -> Path:
        return self.media_dir or self.instance_dir / "media"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, dotenv: bool = True, **overrides: Any
    ) -> Config:
        """The configuration from `environ` (default: the process environment, over
        the values of a `.env` file in the working directory)."""
        env: dict[str, str] = {}
        if dotenv and environ is None and Path(".env").is_file():
            env.update({k: v for k, v in dotenv_values(".env").items() if v is not None})
        env.update(os.environ if environ is None else environ)
        get = lambda key, default=None: env.get(key) or default  # noqa: E731
        instance = Path(get("ORDERBOT_INSTANCE_DIR", "instance")).resolve()
        config = cls(
            database_url=get("DATABASE_URL", f"sqlite:///{instance / 'orderbot.db'}"),
            instance_dir=instance,
            public_base_url=get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            secret_key=get("ORDERBOT_SECRET_KEY"),
            env=get("ORDERBOT_ENV", "production").strip().lower(),
            twilio_account_sid=get("TWILIO_ACCOUNT_SID"),
            twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
            twilio_whatsapp_from=get("TWILIO_WHATSAPP_FROM"),
            twilio_sms_from=get("TWILIO_SMS_FROM"),
            twilio_api_base_url=get("TWILIO_API_BASE_URL", "https://api.twilio.com").rstrip("/"),
            telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_api_base_url=get("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot"),
            telegram_file_base_url=get("TELEGRAM_FILE_BASE_URL"),
            telegram_mode=get("TELEGRAM_MODE", "polling").strip().lower(),
            telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
            media_dir=Path(get("MEDIA_DIR")).resolve() if get("MEDIA_DIR") else None,
            default_locale=get("DEFAULT_LOCALE", "en"),
            default_region=get("DEFAULT_REGION", "IN").upper(),
            webchat=_flag(get("ORDERBOT_WEBCHAT")),
            **settings_from(env),
        )
        return replace(config, **overrides) if overrides else config

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)

    def with_env(self, env: Mapping[str, str]) -> Config:
        """This configuration with the settings `env` names (variables as in the
        environment) read as `from_env` reads them; the others as they are."""
        changes: dict[str, Any] = {}
        for name, value in settings_from(env).items():
            if isinstance(value, Mapping):
                if value:
                    changes[name] = {**getattr(self, name), **value}
            elif any(env.get(variable) for variable in _VARIABLES[name]):
                changes[name] = value
        return replace(self, **changes)

    def resolved_secret_key(self) -> str:
        """The secret key: the configured one, or (outside production) one made once
        and kept in the instance folder so every process of this instance shares it."""
        if self.secret_key:
            return self.secret_key
        path = self.instance_dir / "secret_key"
        if path.is_file():
            return path.read_text().strip()
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of this instance made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as out:
            out.write(key)
        return key
