"""Files customers send (payment proofs): judged by their bytes, re-encoded, and kept
under the media folder by content hash. A refused file leaves nothing behind: it is
checked completely before anything is written.

A file is only ever in place with its row: `store` writes it beside its final name
(".incoming-…") and it is renamed into place when the transaction commits, or removed
when it does not, so a failed transaction leaves no file (and never touches the file
of the same content another row already keeps). Files nobody claimed — kept while
the customer was asked for the order number — are removed by `prune` after a day."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageOps
from sqlalchemy import delete, event, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from store.db import insert_for
from store.errors import DomainError
from store.models import MediaFile, PaymentProof, utcnow

log = logging.getLogger("orderbot.media")

MAX_BYTES = 10 * 1024 * 1024
# A phone screenshot is a few million pixels (a tall one, 1440 x 10000, is 14.4 MP);
# anything larger is refused by its header, before it is decoded (a "decompression
# bomb" is a small file that decodes to gigabytes: 6300 x 6300 is 115 KB as a PNG).
MAX_PIXELS = 16_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

INCOMING = ".incoming-"  # a file being written, or waiting for its transaction
STAGED = "orderbot.media_staged"  # session.info: [(written, final path)] of this transaction
UNCLAIMED_FOR = timedelta(hours=24)  # how long a file no proof uses is kept
PRUNE_BATCH = 500

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
    width, height = image.size  # from the header: nothing is decoded yet
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
    import imagehash  # lazy: it loads numpy, ~14 MB in every web and worker process

    phash = str(imagehash.phash(image.convert("RGB"), hash_size=PHASH_SIZE))
    return CheckedFile(out.getvalue(), content_type, phash)


def path_of(media_dir: Path, media: MediaFile) -> Path:
    """Where a stored file lives: never shown to anyone, never served as such."""
    ext = EXTENSIONS.get(media.content_type, ".bin")
    return Path(media_dir) / media.sha256[:2] / f"{media.sha256}{ext}"


def read(media_dir: Path, media: MediaFile) -> bytes:
    return path_of(media_dir, media).read_bytes()


def _write_beside(path: Path, data: bytes) -> Path:
    """The whole of `data` in a new temporary file in `path`'s folder (so that a rename
    puts it in place at once); removed again if it cannot be written whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=INCOMING)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Path(temp)


def store(
    session: Session, media_dir: Path, data: bytes | CheckedFile, now: datetime | None = None
) -> MediaFile:
    """Keep a file (checked by `check` before the transaction began, or checked here)
    and return its row (the existing one for the same content, received afresh:
    `prune` counts a day from now). Raises MediaRefused, having written nothing, when
    the file is not acceptable. The file is in place once the session commits (see
    the module's docstring)."""
    checked = data if isinstance(data, CheckedFile) else check(data)
    sha = hashlib.sha256(checked.data).hexdigest()
    now = now or utcnow()
    insert = insert_for(session)(MediaFile).values(
        sha256=sha,
        phash=checked.phash,
        content_type=checked.content_type,
        size=len(checked.data),
        created_at=now,
    )
    # The row first: it is locked until this transaction ends, so `prune` (which
    # removes a file with its row, before its own commit) cannot take it meanwhile.
    session.execute(
        insert.on_conflict_do_update(index_elements=["sha256"], set_={"created_at": now})
    )
    media = session.scalars(
        select(MediaFile).where(MediaFile.sha256 == sha).execution_options(populate_existing=True)
    ).one()
    path = path_of(media_dir, media)
    if not path.is_file():
        session.info.setdefault(STAGED, []).append((_write_beside(path, checked.data), path))
    return media


@event.listens_for(Session, "after_commit")
def _put_in_place(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the files wait for the whole transaction
    for written, path in session.info.pop(STAGED, []):
        try:
            os.replace(written, path)
        except OSError:  # the row is committed: the next copy received puts the file back
            log.exception("could not put %s in place", path.name)


@event.listens_for(Session, "after_transaction_end")
def _drop_unplaced(session: Session, transaction: SessionTransaction) -> None:
    """Rolled back (or closed without a commit): what this transaction wrote goes."""
    if transaction.parent is not None:
        return  # a savepoint; files go with the whole transaction
    for written, _path in session.info.pop(STAGED, []):
        written.unlink(missing_ok=True)


@dataclass(frozen=True)
class Pruned:
    unclaimed: int  # rows no proof used, removed with their files
    leftovers: int  # files without a row: never committed, or from a crash


def prune(
    session: Session, media_dir: Path, now: datetime | None = None,
    keep: timedelta = UNCLAIMED_FOR,
) -> Pruned:
    """Remove the files no payment proof uses that were received more than `keep`
    ago (kept while the customer was asked for the order number, never claimed), and
    files in the folder that no row names. A file a proof uses is never removed."""
    cutoff = (now or utcnow()) - keep
    used = exists().where(PaymentProof.media_id == MediaFile.id)
    stale = select(MediaFile).where(MediaFile.created_at < cutoff, ~used)
    unclaimed = 0
    for media in session.scalars(stale.order_by(MediaFile.id).limit(PRUNE_BATCH)).all():
        try:
            with session.begin_nested():  # a proof made with it meanwhile: the delete fails
                gone = session.execute(
                    delete(MediaFile)
                    .where(MediaFile.id == media.id, MediaFile.created_at < cutoff, ~used)
                    .execution_options(synchronize_session=False)
                ).rowcount
        except IntegrityError:
            continue
        if gone:
            # Before our commit, while the row is still locked: a copy received now
            # waits for the commit and then writes the file afresh.
            path_of(media_dir, media).unlink(missing_ok=True)
            unclaimed += 1
        session.expunge(media)
    return Pruned(unclaimed, _sweep(session, media_dir, cutoff))


def _sweep(session: Session, media_dir: Path, cutoff: datetime) -> int:
    """Files older than `cutoff` that no row names: a transaction's file that was never
    put in place (the process died), or one left by a crash between two steps."""
    folder = Path(media_dir)
    if not folder.is_dir():
        return 0
    known = set(session.scalars(select(MediaFile.sha256)))
    removed = 0
    for file in folder.glob("*/*"):
        if not file.is_file() or (file.stem in known and not file.name.startswith(INCOMING)):
            continue
        try:
            if datetime.fromtimestamp(file.stat().st_mtime, UTC) >= cutoff:
                continue  # recent: perhaps a transaction still under way
            file.unlink()
        except FileNotFoundError:
            continue
        removed += 1
    return removed


def similar(a: str | None, b: str | None) -> bool:
    """Whether two perceptual hashes name the same picture (re-encoded, resized)."""
    if not a or not b or len(a) != len(b):
        return False
    import imagehash  # lazy: it loads numpy, ~14 MB in every web and worker process

    return imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b) <= SIMILAR_BITS
