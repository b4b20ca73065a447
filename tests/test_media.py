"""File safety: only real JPEG, PNG, WebP and PDF files, judged by their bytes, are kept,
re-encoded, by content hash, and served only at a signed link."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from support import FIXTURES

from store import media as media_store
from store.db import unit_of_work
from store.models import MediaFile

IMAGES = FIXTURES / "images"


def _store(runtime, data: bytes) -> MediaFile:
    with unit_of_work(runtime.sessions) as session:
        return media_store.store(session, runtime.config.media_path, data)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.mark.parametrize(
    "name, kind",
    [("upi-payment-250.png", "image/png"), ("upi-payment-150.jpg", "image/jpeg"),
     ("bank-receipt-250.pdf", "application/pdf")],
)
def test_real_receipts_are_kept_by_content_hash(runtime, name: str, kind: str) -> None:
    stored = _store(runtime, (IMAGES / name).read_bytes())
    assert stored.content_type == kind
    path = media_store.path_of(runtime.config.media_path, stored)
    assert path.is_file() and stored.sha256 in path.name
    assert (stored.phash is None) == (kind == "application/pdf")
    assert _files(runtime.config.media_path) == [path]  # no temporary file left behind


@pytest.mark.parametrize(
    "name, reason",
    [("not-an-image.png", "not_allowed"), ("truncated.jpg", "broken"),
     ("bomb.png", "too_big_image")],
)
def test_fixtures_that_are_not_receipts_leave_nothing(runtime, name: str, reason: str) -> None:
    with pytest.raises(media_store.MediaRefused) as refused:
        _store(runtime, (IMAGES / name).read_bytes())
    assert refused.value.reason == reason
    assert _files(runtime.config.media_path) == []
    with unit_of_work(runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(MediaFile)) == 0


def test_too_large_and_empty_and_pdf_without_end_are_refused(runtime) -> None:
    pdf = (IMAGES / "bank-receipt-250.pdf").read_bytes()
    cases = {
        "too_large": b"\x89PNG\r\n\x1a\n" + b"0" * media_store.MAX_BYTES,
        "empty": b"",
        "broken": pdf[: len(pdf) // 2],
        "not_allowed": b"GIF89a" + b"\x00" * 100,
    }
    for reason, data in cases.items():
        with pytest.raises(media_store.MediaRefused) as refused:
            _store(runtime, data)
        assert refused.value.reason == reason
    assert _files(runtime.config.media_path) == []


def test_images_are_reencoded_without_metadata(runtime) -> None:
    image = Image.open(IMAGES / "upi-payment-250.png").convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0132] = "2026:11:24 19:42:00"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"secret comment")
    stored = _store(runtime, out.getvalue())
    kept = media_store.read(runtime.config.media_path, stored)
    assert b"SpyCam" not in kept and b"secret comment" not in kept
    assert not Image.open(io.BytesIO(kept)).getexif()


def test_the_declared_name_does_not_matter_and_webp_is_taken(runtime) -> None:
    out = io.BytesIO()
    Image.open(IMAGES / "upi-payment-150.jpg").save(out, "WEBP")
    assert _store(runtime, out.getvalue()).content_type == "image/webp"
    # The same bytes twice are one file and one row.
    png = (IMAGES / "upi-payment-250.png").read_bytes()
    assert _store(runtime, png).id == _store(runtime, png).id


def test_perceptual_hash_knows_a_resized_copy_from_another_receipt(runtime) -> None:
    original = _store(runtime, (IMAGES / "upi-payment-250.png").read_bytes())
    other = _store(runtime, (IMAGES / "upi-payment-150.jpg").read_bytes())
    out = io.BytesIO()
    Image.open(IMAGES / "upi-payment-250.png").convert("RGB").resize((360, 720)).save(
        out, "JPEG", quality=50
    )
    copy = _store(runtime, out.getvalue())
    assert copy.sha256 != original.sha256
    assert media_store.similar(original.phash, copy.phash)
    assert not media_store.similar(original.phash, other.phash)


def test_media_is_served_only_at_a_signed_link(runtime, client) -> None:
    from handlers.proofs.file_links import media_path

    stored = _store(runtime, (IMAGES / "upi-payment-250.png").read_bytes())
    path = media_path(runtime.settings.secret_key, stored.id)
    assert stored.sha256 not in path
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data == media_store.read(runtime.config.media_path, stored)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    forged = media_path("another-secret", stored.id)
    assert client.get(forged).status_code == 404
    assert client.get(f"/media/{stored.id}").status_code == 404
    assert client.get(f"/media/{stored.sha256}").status_code == 404
