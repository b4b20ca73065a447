"""Stored proof files served to the platforms that fetch images by URL (Twilio for
WhatsApp): only at a signed `/media/<token>` link, never by their path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Response, abort

from bot.web.hardening import FILE_CSP
from handlers.proofs.file_links import PREFIX, read_media_path
from store import media as media_store
from store.db import unit_of_work
from store.models import MediaFile

if TYPE_CHECKING:
    from bot.runtime import Runtime


def load(runtime: Runtime, path: str) -> tuple[bytes, str] | None:
    """The bytes and type of the file a signed path names, or None."""
    media_id = read_media_path(runtime.settings.secret_key, path)
    if media_id is None:
        return None
    with unit_of_work(runtime.sessions) as session:
        media = session.get(MediaFile, media_id)
        if media is None:
            return None
        file = media_store.path_of(runtime.config.media_path, media)
        content_type = media.content_type
    if not file.is_file():
        return None
    return file.read_bytes(), content_type


def blueprint(runtime: Runtime) -> Blueprint:
    bp = Blueprint("media", __name__)

    @bp.get(PREFIX + "<token>")
    def media(token: str) -> Response:
        found = load(runtime, PREFIX + token)
        if found is None:
            abort(404)
        data, content_type = found
        response = Response(data, mimetype=content_type)
        response.headers["Cache-Control"] = "private, max-age=3600"
        response.headers["X-Content-Type-Options"] = "nosniff"
        # A PDF opened from this link is saved, never shown (and run) by the browser;
        # nothing served here may run anything in our origin.
        response.headers["Content-Disposition"] = (
            "attachment" if content_type == "application/pdf" else "inline"
        )
        response.headers["Content-Security-Policy"] = FILE_CSP
        return response

    return bp
