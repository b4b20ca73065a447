"""One person, four channels: `Person.on(channel, world, …)` gives someone who says
things, sends a photo and taps buttons on the console, the web chat, WhatsApp or
Telegram, each time through that channel's real way in, and gets back the texts the
bot answered. `news()` is what reached them later (a notice the worker or the page's
poll brought). The same script then runs on every channel.

- console: `ChatDriver`, the runtime's `respond` as the terminal chat calls it;
- web: Flask's test client on /chat/api/send and /chat/api/poll;
- whatsapp: webhooks signed by twilio's own `RequestValidator`, the TwiML answer read
  back, notices sent by the worker to the Twilio stand-in;
- telegram: updates handed to the real python-telegram-bot, what it sent read at the
  Bot API stand-in.
"""

from __future__ import annotations

import itertools
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.channels import (
    Media,
    Runtime,
    TelegramBridge,
    create_app,
    deliver_outbox,
    queued_notices,
)
from support.chat import ChatDriver
from support.telegram import deliver
from support.whatsapp import WhatsAppUser, twiml_messages

CHANNELS = ("console", "web", "whatsapp", "telegram")
WEB_HEADERS = {"X-Requested-With": "orderbot"}
_ids = itertools.count(1)


@dataclass
class World:
    """What the four channels run on: one runtime (web chat on, Twilio and Telegram
    pointed at their stand-ins) and the stand-ins themselves."""

    runtime: Runtime
    twilio: Any  # standins.FakeTwilioAPI
    telegram: Any  # standins.FakeBotAPI
    bridge: TelegramBridge


@dataclass
class Person:
    """Someone on one channel. Subclasses know how their channel carries a message."""

    world: World
    phone: str | None = None  # the phone the channel proves, if it proves one
    lang: str | None = None
    buttons: dict[str, str] = field(default_factory=dict)  # label -> payload, last answer

    channel = ""

    @staticmethod
    def on(
        channel: str, world: World, phone: str | None = None, lang: str | None = None, **kwargs: Any
    ) -> Person:
        kinds = {
            "console": ConsolePerson,
            "web": WebPerson,
            "whatsapp": WhatsAppPerson,
            "telegram": TelegramPerson,
        }
        return kinds[channel](world, phone, lang, **kwargs)

    @property
    def runtime(self) -> Runtime:
        return self.world.runtime

    def say(self, text: str) -> list[str]:
        raise NotImplementedError

    def send_photo(self, path: Path, caption: str | None = None) -> list[str]:
        raise NotImplementedError

    def tap(self, button: str) -> list[str]:
        """Press a button of the last answer, by its label or its payload."""
        raise NotImplementedError

    def news(self) -> list[str]:
        """What reached this person since last asked, outside the answers to them."""
        raise NotImplementedError

    def text(self, text: str) -> str:
        """`say`, the answers joined as one text."""
        return "\n".join(self.say(text))

    def _payload(self, button: str) -> str:
        return self.buttons.get(button, button)


@dataclass
class ConsolePerson(Person):
    """The terminal chat (a `ChatDriver`), with buttons by label and notices."""

    address: str = ""
    channel = "console"
    _seen: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        address = self.address or self.phone or f"guest-{next(_ids)}"
        self.chat = ChatDriver(self.runtime, address=address, phone=self.phone, lang=self.lang)
        self.address = address

    def _send(self, text: str = "", **kwargs: Any) -> list[str]:
        replies = self.chat.say(text, **kwargs)
        self.buttons = {b.label: b.payload for r in replies for b in r.buttons}
        return [r.text for r in replies]

    def say(self, text: str) -> list[str]:
        return self._send(text)

    def send_photo(self, path: Path, caption: str | None = None) -> list[str]:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        media = Media(data=path.read_bytes(), content_type=kind, filename=path.name)
        return self._send(caption or "", media=(media,))

    def tap(self, button: str) -> list[str]:
        return self._send(button=self._payload(button))

    def news(self) -> list[str]:
        found = queued_notices(self.runtime, self.channel, self.address, self._seen)
        return [reply.text for reply in found]


@dataclass
class WebPerson(Person):
    """The web chat in a browser: the page's JSON calls through Flask's test client."""

    channel = "web"
    _queued: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.http = create_app(runtime=self.runtime).test_client()

    def _post(self, **fields: Any) -> list[str]:
        body = {"phone": self.phone, "lang": self.lang, **fields}
        response = self.http.post(
            "/chat/api/send", json={k: v for k, v in body.items() if v}, headers=WEB_HEADERS
        )
        return self._read(response)

    def _read(self, response: Any) -> list[str]:
        """The answers; notices the page got along with them wait for `news`."""
        assert response.status_code == 200, response.get_data(as_text=True)
        replies = response.json["replies"]
        self._queued += [r["text"] for r in response.json["queued"] if r.get("text")]
        self.buttons = {label: payload for r in replies for label, payload in r.get("buttons", [])}
        return [r["text"] for r in replies if r.get("text")]

    def say(self, text: str) -> list[str]:
        return self._post(text=text)

    def send_photo(self, path: Path, caption: str | None = None) -> list[str]:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        with path.open("rb") as file:
            response = self.http.post(
                "/chat/api/send",
                data={
                    "phone": self.phone,
                    "lang": self.lang or "",
                    "text": caption or "",
                    "file": (file, path.name, kind),
                },
                headers=WEB_HEADERS,
                content_type="multipart/form-data",
            )
        return self._read(response)

    def tap(self, button: str) -> list[str]:
        return self._post(button=self._payload(button))

    def news(self) -> list[str]:
        response = self.http.get(f"/chat/api/poll?phone={self.phone}", headers=WEB_HEADERS)
        assert response.status_code == 200, response.get_data(as_text=True)
        news, self._queued = self._queued, []
        return news + [r["text"] for r in response.json["queued"] if r.get("text")]


@dataclass
class WhatsAppPerson(Person):
    """WhatsApp: each message a webhook Twilio would post, signed with the account's
    token; the answer is the TwiML; notices go out through the worker to the stand-in."""

    channel = "whatsapp"
    _seen: int = 0

    def __post_init__(self) -> None:
        config = self.runtime.config
        self.user = WhatsAppUser(
            create_app(runtime=self.runtime).test_client(),
            config.twilio_auth_token,
            config.public_base_url,
            f"whatsapp:{self.phone}",
        )

    def _send(self, body: str = "", **fields: str) -> list[str]:
        response = self.user.send(body, **fields)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/xml"
        return [text for text, _ in twiml_messages(response.get_data(as_text=True)) if text]

    def say(self, text: str) -> list[str]:
        return self._send(text)

    def send_photo(self, path: Path, caption: str | None = None) -> list[str]:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        url = self.world.twilio.add_media(path.read_bytes(), kind)
        return self._send(
            caption or "", NumMedia="1", MessageType="image", MediaUrl0=url, MediaContentType0=kind
        )

    def tap(self, button: str) -> list[str]:
        payload = self._payload(button)
        return self._send(button, ButtonPayload=payload, ButtonText=button, MessageType="button")

    def news(self) -> list[str]:
        deliver_outbox(self.runtime, self.channel)
        sent = self.world.twilio.messages(self.user.sender)
        new, self._seen = sent[self._seen :], len(sent)
        return [call.params.get("Body", "") for call in new]


@dataclass
class TelegramPerson(Person):
    """Telegram: updates handed to the real python-telegram-bot (as the webhook or
    polling would), what the bot sent read at the Bot API stand-in."""

    user_id: int = 0
    channel = "telegram"
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(100))
    _seen: int = 0

    def __post_init__(self) -> None:
        self.user_id = self.user_id or 700000000 + next(_ids)

    def _sent(self) -> list[str]:
        calls = self.world.telegram.sent_messages(self.user_id)
        new, self._seen = calls[self._seen :], len(calls)
        self.buttons = {}
        for call in new:
            for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
                self.buttons |= {b["text"]: b.get("callback_data", "") for b in row}
        return [call.params.get("text") or call.params.get("caption") or "" for call in new]

    def _who(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": "Ravi",
            "language_code": self.lang or "en",
        }

    def _message(self, **content: Any) -> list[str]:
        self._sent()  # what came before is not an answer to this
        deliver(
            self.world.bridge,
            {
                "update_id": next(_ids),
                "message": {
                    "message_id": next(self._message_ids),
                    "from": self._who(),
                    "chat": {"id": self.user_id, "type": "private", "first_name": "Ravi"},
                    "date": 1795545600,
                    **content,
                },
            },
        )
        return self._sent()

    def say(self, text: str) -> list[str]:
        return self._message(text=text)

    def share_contact(self) -> list[str]:
        """Their own number, shared with Telegram's contact button: how a phone (a
        staff member's above all) is proven on Telegram without a code."""
        assert self.phone, "share_contact needs the person's phone"
        contact = {"phone_number": self.phone.lstrip("+"), "first_name": "Ravi",
                   "user_id": self.user_id}
        return self._message(contact=contact)

    def send_photo(self, path: Path, caption: str | None = None) -> list[str]:
        file_id = f"AgACAgUAAxkBAAIB{next(_ids)}"
        self.world.telegram.add_file(file_id, path.read_bytes(), "photos/file_1.jpg")
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": f"AQAD{file_id[-6:]}",
                "file_size": path.stat().st_size,
                "width": 720,
                "height": 1440,
            }
        ]
        return self._message(photo=photo, **({"caption": caption} if caption else {}))

    def tap(self, button: str) -> list[str]:
        payload = self._payload(button)  # before _sent() forgets the last answer's buttons
        self._sent()
        deliver(
            self.world.bridge,
            {
                "update_id": next(_ids),
                "callback_query": {
                    "id": str(next(_ids)),
                    "from": self._who(),
                    "chat_instance": "-1",
                    "data": payload,
                    "message": {
                        "message_id": next(self._message_ids),
                        "from": {"id": 123, "is_bot": True, "first_name": "OrderBot Test"},
                        "chat": {"id": self.user_id, "type": "private"},
                        "date": 1795545700,
                        "text": "…",
                    },
                },
            },
        )
        return self._sent()

    def news(self) -> list[str]:
        self._sent()
        deliver_outbox(self.runtime, self.channel)
        return self._sent()
