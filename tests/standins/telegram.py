"""A local stand-in for the Telegram Bot API (https://core.telegram.org/bots/api)."""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import time
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import PurePosixPath
from typing import Any

from werkzeug.wrappers import Request, Response

from .server import Call, Handler, StandIn, json_response

MAX_GETFILE_SIZE = 20 * 1024 * 1024  # the Bot API refuses getFile for bigger files
MAX_POLL_TIMEOUT = 2.0  # getUpdates long polls are cut to this many seconds
SENDING = ("sendMessage", "sendPhoto", "sendDocument")

# PTB sends every parameter as a form string (objects JSON-encoded); decode the typed ones.
_JSON_FIELDS = {
    "reply_markup",
    "entities",
    "caption_entities",
    "commands",
    "scope",
    "menu_button",
    "allowed_updates",
    "media",
    "link_preview_options",
    "reply_parameters",
    "results",
}
_INT_FIELDS = {
    "chat_id",
    "message_id",
    "offset",
    "limit",
    "timeout",
    "user_id",
    "from_chat_id",
    "message_thread_id",
    "cache_time",
    "max_connections",
}
_BOOL_FIELDS = {
    "disable_notification",
    "protect_content",
    "show_alert",
    "drop_pending_updates",
    "has_spoiler",
    "disable_content_type_detection",
    "allow_sending_without_reply",
}
_ERRORS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
}
_BAD_GATEWAY = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass
class _File:
    """A file the fake can hand out through getFile and the file endpoint."""

    data: bytes
    path: str
    size: int | None
    name: str


def _decode(name: str, value: Any) -> Any:
    """Turn a form string into the type the Bot API gives that field."""
    if not isinstance(value, str):
        return value
    try:
        if name in _JSON_FIELDS:
            return json.loads(value)
        if name in _INT_FIELDS:
            return int(value)
    except ValueError:
        return value
    if name in _BOOL_FIELDS and value in ("true", "false"):
        return value == "true"
    return value


def _unique_id(file_id: str) -> str:
    """A stable file_unique_id for a file_id."""
    return hashlib.sha1(file_id.encode()).hexdigest()[:16]


class FakeBotAPI(StandIn):
    """Telegram Bot API stand-in; point PTB at base_url / file_base_url."""

    def __init__(self, token: str = "123:TEST") -> None:
        super().__init__()
        self.token = token
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "OrderBot Test",
            "username": "orderbot_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._polling = 0
        self._next_message_id = 1
        self._messages: dict[tuple[str, int], dict[str, Any]] = {}
        self._files: dict[str, _File] = {}
        self._webhook: dict[str, Any] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._menu_buttons: dict[str, dict[str, Any]] = {}
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, getattr(self, "_" + name))
            for name in (
                "getMe",
                "getUpdates",
                "sendMessage",
                "sendPhoto",
                "sendDocument",
                "editMessageText",
                "editMessageReplyMarkup",
                "getFile",
                "setWebhook",
                "deleteWebhook",
                "getWebhookInfo",
                "setMyCommands",
                "getMyCommands",
                "deleteMyCommands",
                "setChatMenuButton",
                "getChatMenuButton",
            )
        }

    @property
    def base_url(self) -> str:
        """Value for PTB's base_url (PTB appends the token and /method)."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        """Value for PTB's base_file_url."""
        return f"{self.url}/file/bot"

    @property
    def polling(self) -> int:
        """Number of getUpdates requests currently waiting for updates."""
        with self._cond:
            return self._polling

    # test-facing helpers -------------------------------------------------------------------
    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates (update_id assigned if missing); return its update_id."""
        with self._cond:
            update = {"update_id": self._next_update_id, **update}
            self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
            self._updates.append(update)
            self._cond.notify_all()
            return update["update_id"]

    def add_file(
        self,
        file_id: str,
        data: bytes,
        file_path: str = "photos/file_1.jpg",
        file_size: int | None = None,
    ) -> None:
        """Make a file available to getFile; file_size (default len(data)) may lie."""
        with self._cond:
            size = len(data) if file_size is None else file_size
            self._files[file_id] = _File(data, file_path, size, PurePosixPath(file_path).name)

    def sent_messages(self, chat_id: int | str | None = None) -> list[Call]:
        """Successful sendMessage/sendPhoto/sendDocument calls, optionally for one chat."""
        return [
            c
            for c in self.calls
            if c.method in SENDING
            and c.ok
            and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
        ]

    # StandIn hooks -------------------------------------------------------------------------
    def route(self, request: Request) -> tuple[str, Handler]:
        """Bot methods live at /bot<token>/<method>, files at /file/bot<token>/<path>."""
        if match := re.fullmatch(r"/bot([^/]+)/(\w+)", request.path):
            return self._methods.get(match[2].lower(), (match[2], self._other))
        if re.fullmatch(r"/file/bot([^/]+)/(.+)", request.path):
            return "file", self._download
        return "unmatched", lambda call, request: self.error(404)

    def params(self, request: Request) -> dict[str, Any]:
        """Parameters with Bot API types restored."""
        return {name: _decode(name, value) for name, value in super().params(request).items()}

    def authorize(self, call: Call, request: Request) -> Response | None:
        """Reject tokens other than ours like Telegram does."""
        token = re.match(r"/(?:file/)?bot([^/]+)/", request.path)
        return self.error(401) if token and token[1] != self.token else None

    def error(self, status: int, retry_after: int | None = None, body: Any = None) -> Response:
        """Telegram's error shape; 429 carries parameters.retry_after, 502 is nginx's HTML page."""
        if body is not None:
            return json_response(body, status)
        if status == 502:
            return Response(_BAD_GATEWAY, 502, mimetype="text/html")
        if status == 429:
            wait = retry_after or 1
            return json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {wait}",
                    "parameters": {"retry_after": wait},
                },
                429,
            )
        description = _ERRORS.get(status) or HTTPStatus(status).phrase
        return json_response(
            {"ok": False, "error_code": status, "description": description}, status
        )

    def _refuse(self, status: int, description: str) -> Response:
        """An error answer with a specific Telegram description."""
        return self.error(
            status, body={"ok": False, "error_code": status, "description": description}
        )

    def _bad(self, description: str) -> Response:
        """A 400 Bad Request with a Telegram description."""
        return self._refuse(400, f"Bad Request: {description}")

    @staticmethod
    def _ok(result: Any) -> Response:
        """A successful Bot API answer."""
        return json_response({"ok": True, "result": result})

    # methods -------------------------------------------------------------------------------
    def _other(self, call: Call, request: Request) -> Response:
        """Any method not modelled: recorded and answered with True."""
        return self._ok(True)

    def _getMe(self, call: Call, request: Request) -> Response:
        """The bot's own user."""
        return self._ok(self.bot_user)

    def _getUpdates(self, call: Call, request: Request) -> Response:
        """Bounded long poll for updates with update_id >= offset (a positive offset acks)."""
        offset = int(call.params.get("offset") or 0)
        limit = int(call.params.get("limit") or 100)
        timeout = min(float(call.params.get("timeout") or 0), MAX_POLL_TIMEOUT)
        with self._cond:
            if self._webhook.get("url"):
                return self._refuse(409, _WEBHOOK_CONFLICT)
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif offset < 0:
                self._updates = self._updates[offset:]
            self._polling += 1
            self._cond.notify_all()
            try:
                self._cond.wait_for(lambda: self._updates or self._stopping, timeout)
            finally:
                self._polling -= 1
            return self._ok(self._updates[:limit])

    def _sent(self, call: Call, **content: Any) -> Response:
        """Store and return a message the bot sent to call.params['chat_id']."""
        chat_id = call.params.get("chat_id")
        caption = call.params.get("caption")
        if caption is not None and len(caption) > 1024:
            return self._bad("message caption is too long")
        markup = call.params.get("reply_markup")
        if error := self._check_markup(markup):
            return error
        with self._cond:
            message = {
                "message_id": self._next_message_id,
                "from": self.bot_user,
                "chat": {"id": chat_id, "type": "private"},
                "date": int(time.time()),
                **content,
            }
            if caption is not None:
                message["caption"] = caption
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                message["reply_markup"] = markup  # Telegram echoes only inline keyboards
            self._messages[(str(chat_id), self._next_message_id)] = message
            self._next_message_id += 1
        return self._ok(message)

    def _check_markup(self, markup: Any) -> Response | None:
        """Reject callback_data longer than Telegram's 64 bytes."""
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        if any(
            len(button.get("callback_data", "").encode()) > 64 for row in rows for button in row
        ):
            return self._bad("BUTTON_DATA_INVALID")
        return None

    def _sendMessage(self, call: Call, request: Request) -> Response:
        """Send a text message."""
        text = str(call.params.get("text") or "")
        if not text.strip():
            return self._bad("message text is empty")
        if len(text) > 4096:
            return self._bad("message is too long")
        return self._sent(call, text=text)

    def _media(self, call: Call, request: Request, field: str) -> tuple[str, _File] | Response:
        """(file_id, file) behind an upload, a known file_id or a URL."""
        if field in call.files:
            name = request.files[field].filename or field
            with self._cond:
                file_id = f"{field}-{len(self._files) + 1}"
                suffix = (
                    ".jpg" if field == "photo" else PurePosixPath(name).suffix
                )  # Telegram re-encodes photos
                path = f"{field}s/file_{len(self._files) + 1}{suffix}"
                self._files[file_id] = _File(call.files[field], path, len(call.files[field]), name)
                return file_id, self._files[file_id]
        ref = str(call.params.get(field) or "")
        with self._cond:
            if ref in self._files:
                return ref, self._files[ref]
        if ref.startswith(("http://", "https://")):
            return ref, _File(b"", ref, None, PurePosixPath(ref).name)
        return self._bad("wrong file identifier/HTTP URL specified")

    def _sendPhoto(self, call: Call, request: Request) -> Response:
        """Send a photo (multipart upload, file_id or URL)."""
        found = self._media(call, request, "photo")
        if isinstance(found, Response):
            return found
        file_id, file = found
        photo = {
            "file_id": file_id,
            "file_unique_id": _unique_id(file_id),
            "width": 800,
            "height": 600,
        }
        if file.size is not None:
            photo["file_size"] = file.size
        return self._sent(call, photo=[photo])

    def _sendDocument(self, call: Call, request: Request) -> Response:
        """Send a document (multipart upload, file_id or URL)."""
        found = self._media(call, request, "document")
        if isinstance(found, Response):
            return found
        file_id, file = found
        document = {
            "file_id": file_id,
            "file_unique_id": _unique_id(file_id),
            "file_name": file.name,
        }
        if mime_type := mimetypes.guess_type(file.name)[0]:
            document["mime_type"] = mime_type
        if file.size is not None:
            document["file_size"] = file.size
        return self._sent(call, document=document)

    def _edit(self, call: Call, changes: dict[str, Any]) -> Response:
        """Apply changes to a sent message; refuse no-op edits like Telegram."""
        if "inline_message_id" in call.params:
            return self._ok(True)
        key = (str(call.params.get("chat_id")), int(call.params.get("message_id") or 0))
        with self._cond:
            old = self._messages.get(key)
            if old is not None and all(old.get(k) == v for k, v in changes.items()):
                return self._bad(
                    "message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message"
                )
            base = old or {
                "message_id": key[1],
                "from": self.bot_user,
                "chat": {"id": call.params.get("chat_id"), "type": "private"},
                "date": int(time.time()),
            }
            message = {k: v for k, v in {**base, **changes}.items() if v is not None}
            message["edit_date"] = int(time.time())
            self._messages[key] = message
        return self._ok(message)

    def _editMessageText(self, call: Call, request: Request) -> Response:
        """Edit a message's text (and keyboard)."""
        text = str(call.params.get("text") or "")
        if not text.strip():
            return self._bad("message text is empty")
        markup = call.params.get("reply_markup")
        return self._check_markup(markup) or self._edit(
            call, {"text": text, "reply_markup": markup}
        )

    def _editMessageReplyMarkup(self, call: Call, request: Request) -> Response:
        """Replace (or remove) a message's inline keyboard."""
        markup = call.params.get("reply_markup")
        return self._check_markup(markup) or self._edit(call, {"reply_markup": markup})

    def _getFile(self, call: Call, request: Request) -> Response:
        """File metadata with a file_path for the file endpoint."""
        file_id = str(call.params.get("file_id"))
        with self._cond:
            file = self._files.get(file_id)
        if file is None:
            return self._bad("invalid file_id")
        if file.size is not None and file.size > MAX_GETFILE_SIZE:
            return self._bad("file is too big")
        return self._ok(
            {
                "file_id": file_id,
                "file_unique_id": _unique_id(file_id),
                "file_size": file.size,
                "file_path": file.path,
            }
        )

    def _download(self, call: Call, request: Request) -> Response:
        """Serve the bytes of a file by its file_path."""
        path = request.path.split("/", 3)[3]
        with self._cond:
            file = next((f for f in reversed(self._files.values()) if f.path == path), None)
        if file is None:
            return self.error(404)
        return Response(file.data, 200, mimetype="application/octet-stream")

    def _setWebhook(self, call: Call, request: Request) -> Response:
        """Store the webhook (HTTPS only, secret_token charset checked)."""
        url = str(call.params.get("url") or "")
        if url and not url.startswith("https://"):
            return self._bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = call.params.get("secret_token")
        if secret is not None and not _SECRET.fullmatch(secret):
            return self._bad("secret token contains unallowed characters")
        with self._cond:
            self._webhook = dict(call.params)
        return self._ok(True)

    def _deleteWebhook(self, call: Call, request: Request) -> Response:
        """Remove the webhook; drop_pending_updates clears the queue."""
        with self._cond:
            self._webhook = {}
            if call.params.get("drop_pending_updates"):
                self._updates = []
        return self._ok(True)

    def _getWebhookInfo(self, call: Call, request: Request) -> Response:
        """Current webhook state."""
        with self._cond:
            info = {
                "url": self._webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
            for name in ("max_connections", "allowed_updates"):
                if name in self._webhook:
                    info[name] = self._webhook[name]
        return self._ok(info)

    @staticmethod
    def _commands_key(call: Call) -> tuple[str, str]:
        """Commands are stored per (scope, language_code)."""
        scope = call.params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(call.params.get("language_code") or "")

    def _setMyCommands(self, call: Call, request: Request) -> Response:
        """Store the command list after Telegram's validation."""
        commands = call.params.get("commands") or []
        if any(not _COMMAND.fullmatch(str(c.get("command", ""))) for c in commands):
            return self._bad("BOT_COMMAND_INVALID")
        if any(not 1 <= len(str(c.get("description", ""))) <= 256 for c in commands):
            return self._bad("BOT_COMMAND_DESCRIPTION_INVALID")
        with self._cond:
            self._commands[self._commands_key(call)] = commands
        return self._ok(True)

    def _getMyCommands(self, call: Call, request: Request) -> Response:
        """The stored command list for the scope."""
        with self._cond:
            return self._ok(self._commands.get(self._commands_key(call), []))

    def _deleteMyCommands(self, call: Call, request: Request) -> Response:
        """Forget the command list for the scope."""
        with self._cond:
            self._commands.pop(self._commands_key(call), None)
        return self._ok(True)

    def _setChatMenuButton(self, call: Call, request: Request) -> Response:
        """Store the menu button (per chat, '' = default for all chats)."""
        with self._cond:
            self._menu_buttons[str(call.params.get("chat_id") or "")] = call.params.get(
                "menu_button"
            ) or {"type": "default"}
        return self._ok(True)

    def _getChatMenuButton(self, call: Call, request: Request) -> Response:
        """The stored menu button."""
        with self._cond:
            return self._ok(
                self._menu_buttons.get(str(call.params.get("chat_id") or ""), {"type": "default"})
            )
