"""The web chat: a playground page at `/chat` where anyone talks to the bot through
the same core as every channel — as a customer with a phone they choose, or as the
demo vendor. On with `serve --demo` or ORDERBOT_WEBCHAT=1, absent (404) otherwise.

The chat's address is a random id kept in the browser's session cookie plus the
chosen phone, so two tabs (a customer and the vendor) are two chats. The chosen phone
is taken as proven: that is what makes it a playground, and the page says so."""

from __future__ import annotations

import base64
import logging
import secrets
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, session

from bot.api import json_input
from bot.runtime import Runtime, respond
from bot.web.pages import page_language
from handlers import i18n, notices
from handlers.parse import parse_phone
from handlers.types import Inbound, Media, Reply, replies_to_json
from store.db import unit_of_work
from store.demo import VENDOR_PHONE
from store.outbox import mark_sent, pending_for

CHANNEL = "web"
MAX_TEXT = 2000
MAX_UPLOAD = 10 * 1024 * 1024  # a screenshot is far smaller; past this the core says "too large"
DEMO_CUSTOMER = "+919811111111"

webchat = Blueprint("webchat", __name__)
log = logging.getLogger("orderbot")


def blueprints(runtime: Runtime) -> list[Blueprint]:
    """The web chat's blueprint when it is switched on, otherwise none."""
    if not runtime.config.webchat:
        return []
    lines = runtime.services.demo_lines
    if "web chat:      {base}/chat" not in lines:
        lines.insert(0, "web chat:      {base}/chat")
    return [webchat]


def _runtime() -> Runtime:
    return current_app.extensions["orderbot"]


class BadRequest(Exception):
    """What the browser sent cannot be used; `key` names the text that says why."""

    def __init__(self, key: str) -> None:
        self.key = key


@webchat.errorhandler(BadRequest)
def _bad_request(error: BadRequest) -> tuple[Response, int]:
    return jsonify(error=i18n.t(error.key, page_language())), 400


@webchat.before_request
def _same_site_only() -> tuple[Response, int] | None:
    # A page elsewhere can post a form here with this browser's cookie, but cannot add
    # a header without our consent (CORS): every API call must carry this one.
    asked_by_our_page = request.headers.get("X-Requested-With") == "orderbot"
    if request.path.startswith("/chat/api/") and not asked_by_our_page:
        return jsonify(error="missing X-Requested-With: orderbot"), 403
    return None


@webchat.get("/chat")
def page() -> Response:
    lang = page_language()
    html = render_template(
        "chat.html",
        lang=lang,
        t=lambda key, **p: i18n.t(key, lang, **p),
        customer_phone=DEMO_CUSTOMER,
        vendor_phone=VENDOR_PHONE,
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _browser_id() -> str:
    if "webchat" not in session:
        session["webchat"] = secrets.token_hex(8)
    return str(session["webchat"])


def _phone(raw: Any) -> str:
    phone = parse_phone(str(raw or ""), _runtime().config.default_region)
    if phone is None:
        raise BadRequest("web.chat.bad_phone")
    return phone


def _address(phone: str) -> str:
    return f"{_browser_id()}:{phone}"


def reply_json(reply: Reply) -> dict[str, Any]:
    """A reply for the page: an image by its URL when this app serves it, else inline."""
    data = replies_to_json([reply])[0]
    if reply.image is not None:
        src = reply.image.path
        if src is None:
            try:
                encoded = base64.b64encode(reply.image.render()).decode()
                src = f"data:{reply.image.content_type};base64,{encoded}"
            except Exception:  # an image that cannot be made is shown by its caption
                src = None
        data["image"]["src"] = src
    return data


def _queued(runtime: Runtime, address: str) -> list[dict[str, Any]]:
    """Messages queued for this chat (notices), now delivered to the page."""
    shown = []
    with unit_of_work(runtime.sessions) as db:
        for message in pending_for(db, CHANNEL, address):
            try:
                replies = notices.render(db, message, runtime.settings.default_locale)
            except LookupError:  # what it spoke of is gone
                replies = []
            shown += [reply_json(r) for r in replies]
            mark_sent(message, runtime.clock())
    return shown


@webchat.post("/chat/api/send")
def send() -> Response | tuple[Response, int]:
    """One message from the page: JSON {phone, text | button | share_phone, id}, or a
    multipart form with the same fields and a `file` (a payment proof)."""
    runtime = _runtime()
    if (request.content_length or 0) > 2 * MAX_UPLOAD:  # not worth reading at all
        return jsonify(error=i18n.t("web.chat.too_large", page_language())), 413
    if request.files or request.form:
        form: Any = request.form.to_dict()
    else:
        try:
            form = json_input.loads(request.get_data()) if request.get_data() else {}
        except json_input.BadJson:
            raise BadRequest("web.chat.bad_request") from None
    if not isinstance(form, dict) or json_input.unstorable_at(form) is not None:
        raise BadRequest("web.chat.bad_request")  # not an object, or a NUL / lone surrogate
    phone = _phone(form.get("phone"))
    address = _address(phone)
    text = str(form.get("text") or "")[:MAX_TEXT]
    button = str(form["button"])[:64] if form.get("button") else None
    media = _uploaded()
    if not (text.strip() or button or media or form.get("share_phone")):
        raise BadRequest("web.chat.bad_request")
    message_id = str(form.get("id") or "")[:36] or None
    inbound = Inbound(
        channel=CHANNEL,
        address=address,
        text=text,
        button=button,
        media=media,
        locale_hint=i18n.normalize_language(str(form.get("lang") or "")),
        proven_phone=phone,
        shared_phone=phone if form.get("share_phone") else None,
        shared_phone_is_own=bool(form.get("share_phone")),
        message_id=message_id,
    )
    delivery = f"{_browser_id()}:{message_id}" if message_id else None
    replies = respond(runtime, inbound, delivery_id=delivery)
    return jsonify(replies=[reply_json(r) for r in replies], queued=_queued(runtime, address))


def _uploaded() -> tuple[Media, ...]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return ()
    if (request.content_length or 0) > MAX_UPLOAD:
        return (Media(content_type=upload.mimetype, filename=upload.filename, error="too_large"),)
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return (Media(content_type=upload.mimetype, filename=upload.filename, error="too_large"),)
    return (Media(data=data, content_type=upload.mimetype or None, filename=upload.filename),)


@webchat.get("/chat/api/poll")
def poll() -> Response:
    """What was queued for this chat since the page last asked (order updates, a
    proof decision, the vendor's prompts)."""
    address = _address(_phone(request.args.get("phone")))
    return jsonify(queued=_queued(_runtime(), address))
