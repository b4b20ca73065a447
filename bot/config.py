"""One `Config`, read from the environment (and a `.env` file), as the contract lists."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dotenv import dotenv_values


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


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
    # Every ORDERBOT_*/TWILIO_*/TELEGRAM_*/SHIPPING_*/RAZORPAY_* variable, for settings that
    # features read themselves (TWILIO_TEMPLATE_* content SIDs, shipping secrets…).
    raw: Mapping[str, str] = field(default_factory=dict)

    def send_rate(self, channel: str, default: float | None = None) -> float | None:
        """Sends a second on `channel` across every worker (`ORDERBOT_RATE_<CHANNEL>`
        overrides the channel's own `default`)."""
        configured = self.raw.get(f"ORDERBOT_RATE_{channel.upper()}")
        return float(configured) if configured else default

    def lanes(self, channel: str, default: int) -> int:
        """Threads delivering `channel` in one worker (`ORDERBOT_LANES_<CHANNEL>`
        overrides the channel's own `default`)."""
        configured = self.raw.get(f"ORDERBOT_LANES_{channel.upper()}")
        return max(1, int(configured)) if configured else default

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
            raw={
                k: v
                for k, v in env.items()
                if k.startswith(("ORDERBOT_", "TWILIO_", "TELEGRAM_", "SHIPPING_", "RAZORPAY_"))
            },
        )
        return replace(config, **overrides) if overrides else config

    def with_(self, **changes: Any) -> Config:
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
