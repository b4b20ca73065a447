"""Pictures are decoded within bounds (issue 15, point 5): a small PNG that decodes
to 6300 x 6300 pixels is refused by its header, with nothing decoded and memory
bounded, and no picture is ever decoded while a transaction is open (on SQLite the
transaction holds the write lock)."""

from __future__ import annotations

import io
import tracemalloc

import pytest
from PIL import Image
from sqlalchemy import func, select
from support import FIXTURES, ChatDriver, joined

import store.media
from handlers import i18n
from handlers.types import Media
from store.db import in_unit_of_work, unit_of_work
from store.models import MediaFile, PaymentProof


@pytest.fixture(scope="module")
def flood_png() -> bytes:
    out = io.BytesIO()
    Image.new("1", (6300, 6300)).save(out, "PNG", optimize=True)
    assert len(out.getvalue()) < 120_000  # a few KB that would decode to 40 megapixels
    return out.getvalue()


def _count(runtime, model) -> int:
    with unit_of_work(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_6300_by_6300_png_is_refused_by_its_header(customer: ChatDriver, flood_png) -> None:
    customer.text("AK-1001")
    before = Image.core.get_stats()["new_count"]  # images Pillow has made in memory
    tracemalloc.start()
    try:
        answer = joined(customer.say("paid 250", media=(Media(flood_png, "image/png", "x.png"),)))
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer == i18n.t("proofs.too_big_image", "en")
    assert Image.core.get_stats()["new_count"] == before, "pixels were decoded"
    assert peak < 8 * 1024 * 1024, peak
    assert _count(customer.runtime, MediaFile) == 0 and _count(customer.runtime, PaymentProof) == 0


def test_the_cap_is_16_megapixels() -> None:
    assert store.media.MAX_PIXELS == 16_000_000
    out = io.BytesIO()
    Image.new("1", (4001, 4000)).save(out, "PNG")  # 16.004 MP
    with pytest.raises(store.media.MediaRefused) as refused:
        store.media.check(out.getvalue())
    assert refused.value.reason == "too_big_image"


def test_no_picture_is_decoded_inside_a_transaction(
    customer: ChatDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real = store.media._reencode

    def watched(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        seen.append(in_unit_of_work())
        return real(*args, **kwargs)

    monkeypatch.setattr(store.media, "_reencode", watched)
    customer.text("AK-1001")
    receipt = (FIXTURES / "images" / "upi-payment-250.png").read_bytes()
    answer = joined(customer.say("paid 250", media=(Media(receipt, "image/png", "r.png"),)))
    assert "Received your payment screenshot for AK-1001" in answer
    assert seen == [False]  # decoded once, before the message's transaction began
    assert _count(customer.runtime, PaymentProof) == 1
