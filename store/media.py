"""Files customers send (payment proofs): judged by their bytes, re-encoded, and kept
under the media folder by content hash. A refused file leaves nothing behind: it is
checked completely before anything is written."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import imagehash
from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.errors import DomainError
from store.models import MediaFile, utcnow

MAX_BYTES = 10 * 1024 * 1024
# A phone screenshot is a few million pixels; anything far larger is refused before
# it is decoded (a "decompression bomb" is a small file that decodes to gigabytes).
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

PHASH_SIZE = 32  # 1024 bits: coarser hashes cannot tell two receipts of one app apart
SIMILAR_BITS = 20  # at most this many differing bits: the same picture, re-encoded or resized

# Magic numbers of what we accept, and the Pillow format that must agree with them.
_KINDS = (
    (b"\xff\xd8\xff", "image/jpeg", "JPEG", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG", ".png"),
    (b"%PDF-", "application/pdf", None, ".pdf"),
)
_SAVE_OPTIONS = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90}}
EXTENSIONS = {kind: ext for _, kind, _, ext in _KINDS} | {"image/webp": ".webp"}


class MediaRefused(DomainError):
    """A file we will not keep; `reason` is one of: empty, too_large, not_allowed, broken,
    too_big_image."""

    code = "media_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason, reason=reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckedFile:
    data: bytes  # what will be kept: re-encoded for images
    content_type: str
    phash: str | None


def sniff(data: bytes) -> tuple[str, str | None] | None:
    """(content type, Pillow format) by the file's own bytes, or None if not accepted."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "WEBP"
    for magic, kind, pillow_format, _ in _KINDS:
        if data.startswith(magic):
            return kind, pillow_format
    return None


def check(data: bytes) -> CheckedFile:
    """The file as it will be kept, or MediaRefused with why not."""
    if not data:
        raise MediaRefused("empty")
    if len(data) > MAX_BYTES:
        raise MediaRefused("too_large")
    kind = sniff(data)
    if kind is None:
        raise MediaRefused("not_allowed")
    content_type, pillow_format = kind
    if pillow_format is None:
        return _check_pdf(data)
    return _reencode(data, content_type, pillow_format)


def _check_pdf(data: bytes) -> CheckedFile:
    if b"%%EOF" not in data[-2048:]:
        raise MediaRefused("broken")
    return CheckedFile(data, "application/pdf", None)


def _open(data: bytes, pillow_format: str) -> Image.Image:
    image = Image.open(io.BytesIO(data), formats=[pillow_format])
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise MediaRefused("too_big_image")
    return image


def _reencode(data: bytes, content_type: str, pillow_format: str) -> CheckedFile:
    """Verify, decode fully, and save afresh: what is kept carries no metadata and no
    bytes the decoder did not understand."""
    try:
        _open(data, pillow_format).verify()  # structure and checksums
        image = _open(data, pillow_format)
        image.load()  # every pixel: a truncated file fails here
        image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF gave
        if pillow_format == "JPEG":
            image = image.convert("RGB")
        image.info = {}  # comments, text chunks, EXIF, ICC: none of it is kept
        out = io.BytesIO()
        image.save(out, pillow_format, **_SAVE_OPTIONS.get(pillow_format, {}))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRefused("too_big_image") from None
    except MediaRefused:
        raise
    except Exception:  # Pillow raises many kinds for damaged files
        raise MediaRefused("broken") from None
    phash = str(imagehash.phash(image.convert("RGB"), hash_size=PHASH_SIZE))
    return CheckedFile(out.getvalue(), content_type, phash)


def path_of(media_dir: Path, media: MediaFile) -> Path:
    """Where a stored file lives: never shown to anyone, never served as such."""
    ext = EXTENSIONS.get(media.content_type, ".bin")
    return Path(media_dir) / media.sha256[:2] / f"{media.sha256}{ext}"


def read(media_dir: Path, media: MediaFile) -> bytes:
    return path_of(media_dir, media).read_bytes()


def _write_atomically(path: Path, data: bytes) -> None:
    """Whole or not at all: a temporary file in the same folder, renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def store(
    session: Session, media_dir: Path, data: bytes, now: datetime | None = None
) -> MediaFile:
    """Check `data`, keep it, and return its row (the existing one for the same content).
    Raises MediaRefused, having written nothing, when the file is not acceptable."""
    checked = check(data)
    sha = hashlib.sha256(checked.data).hexdigest()
    probe = MediaFile(sha256=sha, content_type=checked.content_type)
    path = path_of(media_dir, probe)
    if not path.is_file():
        _write_atomically(path, checked.data)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(MediaFile)
        .values(
            sha256=sha,
            phash=checked.phash,
            content_type=checked.content_type,
            size=len(checked.data),
            created_at=now or utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    return session.scalars(select(MediaFile).where(MediaFile.sha256 == sha)).one()


def similar(a: str | None, b: str | None) -> bool:
    """Whether two perceptual hashes name the same picture (re-encoded, resized)."""
    if not a or not b or len(a) != len(b):
        return False
    return imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b) <= SIMILAR_BITS
