"""The neutral messages every channel speaks: one `Inbound` in, a list of `Reply` out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from store.models import Order


@dataclass(frozen=True)
class Media:
    """A file the sender attached, already fetched by the adapter (or why it could not be)."""

    data: bytes = b""
    content_type: str | None = None  # as declared by the platform; never trusted alone
    filename: str | None = None
    error: str | None = None  # "too_large", "fetch_failed": the adapter could not get it
    # The file decoded and re-encoded before any transaction began (store.media.check),
    # or why it was refused in `error` ("too_big_image", "broken"…).
    checked: Any = None


@dataclass(frozen=True)
class Inbound:
    """One message from a person, whatever the platform."""

    channel: str  # whatsapp, telegram, console, web
    address: str  # where replies go on that channel: "whatsapp:+91…", a Telegram chat id
    text: str = ""
    button: str | None = None  # the payload of a pressed button / quick reply
    media: tuple[Media, ...] = ()
    locale_hint: str | None = None  # the platform's idea of the user's language ("hi-IN")
    proven_phone: str | None = None  # E.164 the channel itself vouches for
    shared_phone: str | None = None  # a contact shared in the chat…
    shared_phone_is_own: bool = False  # …and whether it is the sender's own
    display_name: str | None = None
    username: str | None = None  # a Telegram @username, without the "@"
    platform_user_id: str | None = None
    message_id: str | None = None


@dataclass(frozen=True)
class Button:
    label: str
    payload: str  # short (Telegram allows 64 bytes), never a secret: "o:refresh:AK-1001"


@dataclass(frozen=True)
class Image:
    """An image to show: `render()` gives the bytes for channels that upload, `path`
    (served by this app at an unguessable URL) is for channels that need a link, and
    `alt` stands in where images cannot be shown. Rendering waits until a channel asks."""

    alt: str
    render: Callable[[], bytes]
    path: str | None = None
    content_type: str = "image/png"


@dataclass(frozen=True)
class Reply:
    text: str = ""
    buttons: tuple[Button, ...] = ()
    image: Image | None = None
    request_contact: str | None = None  # label of a "share my phone" button, where supported
    refresh_of: str | None = None  # a view that replaces an earlier one of the same key


class CodeSender(Protocol):
    """Delivers a one-time code to a phone; returns False when it could not."""

    def send_code(self, session: Session, phone: str, code: str, locale: str) -> bool: ...


class PaymentLinks(Protocol):
    """Makes an order's one-tap "Pay now" link for what is due (bot/payments/razorpay.py);
    None when the business has links off, nothing is due, or the gateway failed."""

    def url_for(
        self, session: Session, order: Order, now: datetime, callback_url: str
    ) -> str | None: ...


@dataclass(frozen=True)
class Settings:
    """What the conversation needs to know of the configuration."""

    secret_key: str
    default_locale: str = "en"
    default_region: str = "IN"
    public_base_url: str = "http://127.0.0.1:8000"
    development: bool = False
    media_dir: str = "media"  # where payment-proof files are kept (MEDIA_DIR)
    # Where staff are reached by phone besides their linked chats: "whatsapp" when it is
    # configured, else "console" (the terminal chat's address is the phone itself).
    staff_channels: tuple[str, ...] = ("console",)
    otp_daily_cap: int = 300  # codes the instance sends a day (ORDERBOT_OTP_DAILY_CAP)
    otp_countries: tuple[str, ...] = ()  # more countries codes may go to (ORDERBOT_OTP_COUNTRIES)
    # Where customers can write to the business, for the page's links: the WhatsApp
    # sender's number (E.164, from TWILIO_WHATSAPP_FROM) and the Telegram bot's username
    # (TELEGRAM_BOT_USERNAME); None when unknown.
    whatsapp_number: str | None = None
    telegram_bot_username: str | None = None
    # Payment proofs are read (OCR, off the request path) before staff are asked
    # (ORDERBOT_PROOF_READING: on by default; the tests' configuration turns it off).
    read_proofs: bool = False


@dataclass
class Context:
    """Everything a handler may use besides the message: one database session (one
    transaction per message), the settings, a clock, and the injected services."""

    session: Session
    settings: Settings
    clock: Callable[[], datetime]
    code_sender: CodeSender | None = None
    payment_links: PaymentLinks | None = None  # None: the views offer no "Pay now" line


def replies_to_json(replies: list[Reply]) -> list[dict[str, Any]]:
    """Replies as stored with a webhook delivery, so that a retry gets the same answer."""
    return [
        {
            "text": r.text,
            "buttons": [[b.label, b.payload] for b in r.buttons],
            "image": {"alt": r.image.alt, "path": r.image.path, "type": r.image.content_type}
            if r.image
            else None,
            "request_contact": r.request_contact,
            "refresh_of": r.refresh_of,
        }
        for r in replies
    ]


def replies_from_json(data: list[dict[str, Any]], render: Callable[[str], bytes]) -> list[Reply]:
    """Stored replies back; `render(path)` makes an image's bytes again if a channel asks."""
    replies = []
    for item in data:
        image = item.get("image")
        replies.append(
            Reply(
                text=item.get("text", ""),
                buttons=tuple(Button(label, payload) for label, payload in item.get("buttons", [])),
                image=Image(
                    alt=image["alt"],
                    path=image["path"],
                    content_type=image["type"],
                    render=lambda p=image["path"]: render(p),
                )
                if image
                else None,
                request_contact=item.get("request_contact"),
                refresh_of=item.get("refresh_of"),
            )
        )
    return replies
