"""Links to stored files for platforms that fetch images by URL (WhatsApp's <Media>):
`/media/<token>`, the token a signature over the file's id, so a link cannot be
guessed or forged and never reveals where or under what name the file is kept."""

from __future__ import annotations

from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer

from handlers.types import Image, Settings
from store import media as media_store
from store.models import MediaFile

PREFIX = "/media/"


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="orderbot.media")


def media_path(secret: str, media_id: int) -> str:
    return PREFIX + _serializer(secret).dumps(media_id)


def read_media_path(secret: str, path: str) -> int | None:
    """The file id a `/media/<token>` path names, or None if it names nothing we signed."""
    if not path.startswith(PREFIX):
        return None
    try:
        media_id = _serializer(secret).loads(path[len(PREFIX) :])
    except (BadSignature, ValueError, TypeError):
        return None
    return media_id if isinstance(media_id, int) and not isinstance(media_id, bool) else None


def media_image(settings: Settings, media: MediaFile, alt: str) -> Image:
    """A stored file as an image reply: bytes for channels that upload, a signed link
    for channels that need a URL."""
    file = media_store.path_of(Path(settings.media_dir), media)
    return Image(
        alt=alt,
        render=file.read_bytes,
        path=media_path(settings.secret_key, media.id),
        content_type=media.content_type,
    )
