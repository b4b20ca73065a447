"""Stand-ins for Twilio's REST API (Messages), its media host and the CDN media redirects to."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from typing import Any, Self

from twilio.rest import Client
from werkzeug.wrappers import Request, Response

from .server import Call, Handler, StandIn, json_response

API = "/2010-04-01/Accounts"
_E164 = re.compile(r"(whatsapp:)?\+[1-9]\d{6,14}")
_DEFAULT_CODES = {400: 20001, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}
TWILIO_MESSAGES = {
    20001: "Invalid parameter",
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    63016: "Failed to send freeform message because you are outside the allowed window. "
    "If you are using WhatsApp, please use a Message Template.",
}


def twilio_error(
    status: int, code: int | None = None, message: str | None = None
) -> dict[str, Any]:
    """Twilio's REST error body."""
    code = code or _DEFAULT_CODES.get(status, status)
    message = message or TWILIO_MESSAGES.get(code) or HTTPStatus(status).phrase
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _sid(prefix: str) -> str:
    """A Twilio-style SID: two letters and 32 hex digits."""
    return prefix + uuid.uuid4().hex


@dataclass
class _Media:
    """One media item on the media host."""

    cdn_url: str
    not_found_left: int


class FakeMediaCDN(StandIn):
    """The signed-URL CDN Twilio media redirects to; like S3 it refuses an Authorization header."""

    def __init__(self) -> None:
        super().__init__()
        self._blobs: dict[str, tuple[bytes, str]] = {}

    def put(self, data: bytes, content_type: str) -> str:
        """Store bytes and return their signed URL."""
        key = uuid.uuid4().hex
        with self._cond:
            self._blobs[key] = (data, content_type)
        return f"{self.url}/media/{key}?Expires=4102444800&Signature={uuid.uuid4().hex}"

    def route(self, request: Request) -> tuple[str, Handler]:
        """Every request is a download."""
        return "download", self._download

    def _download(self, call: Call, request: Request) -> Response:
        """Serve stored bytes with their content type."""
        if "Authorization" in request.headers:
            return Response(
                "<Error><Code>InvalidArgument</Code>"
                "<Message>Only one auth mechanism allowed</Message></Error>",
                400,
                mimetype="application/xml",
            )
        with self._cond:
            blob = self._blobs.get(request.path.removeprefix("/media/"))
        if blob is None:
            return Response(
                "<Error><Code>NoSuchKey</Code></Error>", 404, mimetype="application/xml"
            )
        return Response(blob[0], 200, content_type=blob[1])


class FakeTwilioAPI(StandIn):
    """Twilio REST stand-in (Messages.json and message media); owns a FakeMediaCDN as .cdn."""

    def __init__(
        self, account_sid: str = "AC" + "0123456789abcdef" * 2, auth_token: str = "test-token"
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.cdn = FakeMediaCDN()
        self._media: dict[str, _Media] = {}

    def start(self) -> Self:
        """Start the API and its CDN."""
        self.cdn.start()
        return super().start()

    def stop(self) -> None:
        """Stop the API and its CDN."""
        super().stop()
        self.cdn.stop()

    @property
    def base_url(self) -> str:
        """Replacement for https://api.twilio.com."""
        return self.url

    # test-facing helpers -------------------------------------------------------------------
    def messages(self, to: str | None = None) -> list[Call]:
        """Successful Messages.json creations, optionally to one recipient."""
        return [
            c for c in self.calls_of("messages", ok=True) if to is None or c.params.get("To") == to
        ]

    def add_media(
        self, data: bytes, content_type: str = "image/jpeg", not_found_first: int = 0
    ) -> str:
        """Host media; its URL needs Basic auth and 307-redirects to the CDN (after N 404s)."""
        path = f"{API}/{self.account_sid}/Messages/{_sid('MM')}/Media/{_sid('ME')}"
        cdn_url = self.cdn.put(data, content_type)
        with self._cond:
            self._media[path] = _Media(cdn_url, not_found_first)
        return self.url + path

    def fail_next(
        self,
        method: str,
        status: int,
        count: int = 1,
        retry_after: int | None = None,
        body: Any = None,
        code: int | None = None,
    ) -> None:
        """Like StandIn.fail_next; `code` picks the Twilio error code (e.g. 63016, 21211)."""
        super().fail_next(
            method, status, count, retry_after, twilio_error(status, code) if code else body
        )

    # StandIn hooks -------------------------------------------------------------------------
    def route(self, request: Request) -> tuple[str, Handler]:
        """POST Messages.json and GET message media; anything else is a Twilio 404."""
        if request.method == "POST" and re.fullmatch(rf"{API}/[^/]+/Messages\.json", request.path):
            return "messages", self._create_message
        if request.method == "GET" and re.fullmatch(
            rf"{API}/[^/]+/Messages/MM\w+/Media/ME\w+", request.path
        ):
            return "media", self._media_item
        return "unmatched", lambda call, request: self.error(404)

    def params(self, request: Request) -> dict[str, Any]:
        """Form fields; MediaUrl is always a list."""
        params = super().params(request)
        if "MediaUrl" in params:
            params["MediaUrl"] = request.form.getlist("MediaUrl")
        return params

    def authorize(self, call: Call, request: Request) -> Response | None:
        """HTTP Basic auth with account SID and auth token, for this account's URLs only."""
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (self.account_sid, self.auth_token):
            return self.error(401)
        if not request.path.startswith(f"{API}/{self.account_sid}/"):
            return self.error(404)
        return None

    def error(self, status: int, retry_after: int | None = None, body: Any = None) -> Response:
        """Twilio's JSON error (plus Retry-After / WWW-Authenticate headers where apt)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        return json_response(body if body is not None else twilio_error(status), status, headers)

    # endpoints -----------------------------------------------------------------------------
    def _create_message(self, call: Call, request: Request) -> Response:
        """Validate like Twilio and answer 201 with a queued Message resource."""
        p = call.params
        to, sender, body = p.get("To"), p.get("From"), p.get("Body")
        service = p.get("MessagingServiceSid")
        checks = [
            (not to, 21604, None),
            (not (sender or service), 21603, None),
            (not (body or p.get("MediaUrl") or p.get("ContentSid")), 21602, None),
            (
                not _E164.fullmatch(str(to)),
                21211,
                f"The 'To' number {to} is not a valid phone number.",
            ),
            (len(body or "") > 1600, 21617, None),
        ]
        for failed, code, message in checks:
            if failed:
                return self.error(400, body=twilio_error(400, code, message))
        sid = _sid("SM")
        now = format_datetime(datetime.now(UTC))
        uri = f"{API}/{self.account_sid}/Messages/{sid}"
        resource = {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": body or "",
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": service,
            "num_media": str(len(p.get("MediaUrl", []))),
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued" if sender else "accepted",
            "to": to,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "uri": f"{uri}.json",
        }
        return json_response(resource, 201)

    def _media_item(self, call: Call, request: Request) -> Response:
        """404 while the item is 'not ready', then a 307 to the CDN."""
        with self._cond:
            media = self._media.get(request.path)
            if media is not None and media.not_found_left > 0:
                media.not_found_left -= 1
                media = None
        if media is None:
            return self.error(
                404,
                body=twilio_error(
                    404, 20404, f"The requested resource {request.path} was not found"
                ),
            )
        return Response("", 307, {"Location": media.cdn_url})


def twilio_client_for(api: FakeTwilioAPI) -> Client:
    """A real twilio Client sending its REST calls to the stand-in (TWILIO_API_BASE_URL recipe)."""
    client = Client(api.account_sid, api.auth_token)
    # Domain.base_url: every URL of the api.twilio.com domain is built from it per request
    client.api.base_url = api.base_url
    client.edge = client.region = None  # TWILIO_EDGE/TWILIO_REGION would rewrite the host name
    return client
