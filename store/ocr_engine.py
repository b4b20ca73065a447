"""Reading a proof file: RapidOCR (ONNX models shipped inside its wheel, CPU, no
network) for images, the text layer for PDFs. The engine loads on first use, once
per process; when it cannot load, `read_file` returns None and the log says why,
once, and proofs go to staff unread as before."""

from __future__ import annotations

import io
import logging
import threading
from typing import Any

from PIL import Image, ImageOps

from store.proof_reading import Line, Reading, read_lines, read_text

log = logging.getLogger("orderbot.ocr")

# Screenshots are downscaled to this width first (and detection works at it): phone
# text stays ~25 px high, enough for the recogniser, and most of the CPU is saved.
MAX_WIDTH = 600
MAX_HEIGHT = 1800
_lock = threading.Lock()
_engine: Any = None
_failure: str | None = None


class Unreadable(Exception):
    """The file is not something we can read (a broken image, a PDF without text)."""


def engine() -> Any:
    """The OCR engine, loaded once; None (and one log line) when it cannot load."""
    global _engine, _failure
    with _lock:
        if _engine is None and _failure is None:
            try:
                # lazy: 0.2 s and its models, for the reader only; and it may fail to
                # load (no libGL), which must turn reading off, not stop the process.
                from rapidocr_onnxruntime import RapidOCR

                try:  # one thread: less CPU per image than ONNX Runtime's spinning pool
                    _engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1,
                                       det_limit_side_len=MAX_WIDTH)
                except (TypeError, KeyError):  # 1.2 (Python 3.13's) names settings otherwise
                    _engine = RapidOCR()
            except Exception as exc:  # missing package, missing libGL, broken model…
                _failure = f"{exc.__class__.__name__}: {exc}"
                log.warning("proof reading is off: the OCR engine could not load (%s)", _failure)
        return _engine


def unavailable_reason() -> str | None:
    return _failure


def ocr_lines(data: bytes) -> list[Line]:
    """The text lines of an image, top to bottom, with their heights."""
    ocr = engine()
    if ocr is None:
        raise LookupError(_failure or "no OCR engine")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except Exception as exc:
        raise Unreadable(str(exc)) from exc
    scale = min(1.0, MAX_WIDTH / image.width, MAX_HEIGHT / image.height)
    if scale < 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)),
                             Image.Resampling.LANCZOS)
    import numpy  # lazy: ~14 MB in every process, needed only once a proof is read

    array = numpy.asarray(image)[:, :, ::-1].copy()  # RGB → BGR, as OpenCV expects
    result, _ = ocr(array, use_cls=False)
    lines = []
    for box, text, _score in result or []:
        ys = [point[1] for point in box]
        lines.append(Line(str(text), float(max(ys) - min(ys)), float(min(ys))))
    return lines


def pdf_contents(data: bytes) -> tuple[str, bytes | None]:
    """A PDF's text layer (first pages), and its largest picture for when there is no
    text (a receipt saved as an image inside a PDF)."""
    from pypdf import PdfReader  # lazy: only a PDF proof needs it (0.1 s at every start)

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = reader.pages[:3]
        text = "\n".join((page.extract_text() or "") for page in pages)
        if text.strip():
            return text, None
        pictures = [picture.data for page in pages for picture in page.images]
    except Exception as exc:
        raise Unreadable(str(exc)) from exc
    return "", max(pictures, key=len, default=None)


def read_file(data: bytes, content_type: str) -> Reading:
    """What the file says. Raises LookupError when there is no engine for an image,
    Unreadable when the file itself cannot be read."""
    if content_type == "application/pdf":
        text, picture = pdf_contents(data)
        if picture is None and not text.strip():
            raise Unreadable("neither text nor a picture")
        return read_text(text) if picture is None else read_lines(ocr_lines(picture))
    return read_lines(ocr_lines(data))
