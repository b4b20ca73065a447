"""What every response of the app carries, and what it answers while the database is
away: headers a browser enforces (a Content-Security-Policy of our own origin only,
no sniffing, no referrer, nothing cached that is personal) and a 503 with
`Retry-After` — in JSON where the route speaks JSON — instead of a 500 page."""

from __future__ import annotations

import logging

from flask import Flask, Request, Response, jsonify, render_template_string, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from sqlalchemy.exc import InterfaceError, OperationalError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.api.errors import ApiError, error_response
from bot.runtime import Unavailable
from handlers import i18n

log = logging.getLogger("orderbot")

# Our own origin only. Images may also be inline (QR codes the web chat shows) or the
# browser's own blobs (a picked file's preview); nothing may frame a page of ours.
CSP = "; ".join((
    "default-src 'self'",
    "img-src 'self' data: blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
# A stored file (a customer's PDF or image) never runs anything, even opened directly.
FILE_CSP = "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'none'"
# What every response carries unless its route set its own (a stored file's CSP).
HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)
RETRY_AFTER = "5"
JSON_PREFIXES = ("/api/", "/webhooks/", "/chat/api/")
NO_STORE_PREFIXES = ("/api/", "/chat", "/o/", "/orders/", "/b/", "/bookings/")
# Called by machines, never by a browser: no session cookie is read or set.
SESSIONLESS_PREFIXES = ("/webhooks/", "/api/")
DATABASE_DOWN = (OperationalError, InterfaceError, PendingRollbackError, PoolTimeout, Unavailable)

_PAGE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/orderbot.css"></head>
<body><main><h1>{{ title }}</h1><p>{{ text }}</p></main></body></html>"""


def install(app: Flask, *, https: bool) -> None:
    """Headers on every response, the session cookie's flags, and the outage answer."""
    app.config.update(
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SECURE=https
    )
    app.session_interface = PeopleOnlySessions()
    app.after_request(_headers)
    for error in DATABASE_DOWN:
        app.register_error_handler(error, _database_down)


def speaks_json(path: str) -> bool:
    return path.startswith(JSON_PREFIXES)


class PeopleOnlySessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, for the pages people open (the web chat keeps its
    visitor in it); a webhook or an API call gets a session that is always empty and
    refuses writes, and costs no signer built and no cookie read for every delivery."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return self.make_null_session(app)
        return super().open_session(app, request)


def _headers(response: Response) -> Response:
    for name, value in HEADERS:
        response.headers.setdefault(name, value)
    if request.path.startswith(NO_STORE_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
    return response


def _database_down(error: Exception) -> tuple[Response, int]:
    """Nothing was written (the transaction did not commit): the sender may try again."""
    if not isinstance(error, Unavailable):
        log.error("database unavailable for %s %s: %s", request.method, request.path,
                  error.__class__.__name__)
    lang = request.accept_languages.best_match(i18n.LANGUAGES, default=i18n.FALLBACK)
    if speaks_json(request.path):
        if request.path.startswith(("/api/", "/webhooks/shipping/")):
            response, _status = error_response(ApiError(503, "unavailable"))
        else:
            response = jsonify(status="unavailable", error=i18n.t("edges.unavailable", lang))
    else:
        html = render_template_string(
            _PAGE, lang=lang, title=i18n.t("edges.unavailable_title", lang),
            text=i18n.t("edges.unavailable", lang),
        )
        response = Response(html, mimetype="text/html")
    response.headers["Retry-After"] = RETRY_AFTER
    response.headers["Cache-Control"] = "no-store"
    return response, 503
