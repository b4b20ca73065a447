"""How well payment screenshots are read: a generator draws a corpus with known truth,
the reader (store/ocr_engine.py) reads each, and a table shows per field how often the
value is right, wrong (a wrong amount is worse than none) or missing, and the CPU
seconds per image, with the targets beside them.

    python -m bench.ocr                      # 200 screenshots, seed 1
    python -m bench.ocr --count 40 --keep /tmp/corpus

The corpus: Google Pay, PhonePe, Paytm, BHIM and bank-app layouts, light and dark,
English and Hindi labels, 720×1600 to 1440×3200, JPEG quality 60–95 (some PNG), a few
rotated by 1–2°, some pending or failed. Fonts are the installed ones (`fc-match`;
fonts-noto-core gives Noto Sans and Noto Sans Devanagari). CPU seconds are the
process's (every ONNX Runtime thread), so a busy machine shows more than a quiet one.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

TARGETS = {"right": 97.0, "wrong": 0.5, "cpu": 1.5}  # amount and UTR; seconds per image
FIELDS = ("amount_minor", "utr", "payee_vpa", "payee_name", "paid_at", "app", "outcome")
APPS = ("google_pay", "phonepe", "paytm", "bhim", "bank")
NAMES = ["Asha's Kitchen", "Sweet Crumbs Bakery", "Glow Salon", "Raju Stores",
         "Meera Traders", "Green Leaf Cafe", "Om Sai Medical", "Anand Tailors"]
HANDLES = ["okaxis", "okicici", "okhdfcbank", "oksbi", "ybl", "paytm", "upi", "ibl"]


@dataclass(frozen=True)
class Truth:
    amount_minor: int
    utr: str
    payee_vpa: str
    payee_name: str
    paid_at: datetime
    app: str
    outcome: str


@dataclass(frozen=True)
class Shot:
    name: str
    data: bytes
    content_type: str
    truth: Truth
    lang: str


# ── fonts ───────────────────────────────────────────────────────────────────


def font_file(pattern: str) -> str:
    """The installed font file fontconfig picks for `pattern` ("Noto Sans:bold")."""
    found = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True,
                           text=True, check=False).stdout.strip()
    if not found:
        raise SystemExit(f"no font for {pattern!r}: install fonts-noto-core")
    return found


class Fonts:
    def __init__(self) -> None:
        self.files = {
            "sans": font_file("Noto Sans"), "bold": font_file("Noto Sans:bold"),
            "hi": font_file("Noto Sans Devanagari"),
            "hi_bold": font_file("Noto Sans Devanagari:bold"),
            "alt": font_file("DejaVu Sans"), "alt_bold": font_file("DejaVu Sans:bold"),
        }
        self._cache: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}

    def get(self, kind: str, size: int) -> ImageFont.FreeTypeFont:
        key = (kind, size)
        if key not in self._cache:
            self._cache[key] = ImageFont.truetype(self.files[kind], size)
        return self._cache[key]


# ── the words of each app ───────────────────────────────────────────────────

LABELS = {
    "en": {
        "success": {"google_pay": "Payment successful", "phonepe": "Transaction Successful",
                    "paytm": "Paid Successfully", "bhim": "Transaction Successful",
                    "bank": "Fund Transfer Successful"},
        "pending": "Payment Pending", "failed": "Payment Failed",
        "to": "Paid to", "upi_id": "UPI ID", "from": "From", "date": "Date",
        "utr": {"google_pay": "UPI transaction ID", "phonepe": "UTR", "paytm": "UPI Ref No",
                "bhim": "UPI Ref ID", "bank": "UTR / RRN"},
        "txn": {"google_pay": "Google transaction ID", "phonepe": "Transaction ID",
                "paytm": "Order ID", "bhim": "Transaction ID", "bank": "Reference No"},
        "amount": "Amount",
    },
    "hi": {
        "success": {"google_pay": "भुगतान सफल", "phonepe": "लेनदेन सफल", "paytm": "सफलतापूर्वक भुगतान",
                    "bhim": "लेनदेन सफल", "bank": "फंड ट्रांसफर सफल"},
        "pending": "भुगतान लंबित", "failed": "भुगतान विफल",
        "to": "को भुगतान किया", "upi_id": "UPI आईडी", "from": "से", "date": "तारीख",
        "utr": {"google_pay": "UPI लेनदेन आईडी", "phonepe": "यूटीआर", "paytm": "UPI संदर्भ संख्या",
                "bhim": "UPI संदर्भ आईडी", "bank": "यूटीआर / आरआरएन"},
        "txn": {"google_pay": "Google लेनदेन आईडी", "phonepe": "लेनदेन आईडी",
                "paytm": "ऑर्डर आईडी", "bhim": "लेनदेन आईडी", "bank": "संदर्भ संख्या"},
        "amount": "राशि",
    },
}
BRAND = {"google_pay": "Google Pay", "phonepe": "PhonePe", "paytm": "Paytm",
         "bhim": "BHIM UPI", "bank": "HDFC Bank MobileBanking"}
ACCENT = {"google_pay": (26, 115, 232), "phonepe": (95, 37, 159), "paytm": (0, 186, 242),
          "bhim": (0, 104, 55), "bank": (0, 76, 143)}
OUTCOME_COLOUR = {"success": (33, 150, 83), "pending": (230, 145, 20), "failed": (210, 50, 50)}


def rupees(minor: int) -> str:
    whole, paise = divmod(minor, 100)
    text = f"{whole:,}"
    if whole >= 100000:  # Indian grouping: 1,25,000
        head, tail = str(whole)[:-3], str(whole)[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        text = ",".join([head, *groups, tail]) if head else ",".join([*groups, tail])
    return f"₹{text}" + (f".{paise:02d}" if paise else "")


def when_text(moment: datetime, style: int) -> str:
    clock = moment.strftime("%I:%M %p").lstrip("0")
    if style == 0:
        return f"{moment.day} {moment.strftime('%b %Y')}, {clock.lower()}"
    if style == 1:
        return f"{moment.strftime('%b')} {moment.day}, {moment.year} at {clock}"
    return moment.strftime("%d/%m/%Y %H:%M")


def truth_for(rng: random.Random, app: str) -> Truth:
    name = rng.choice(NAMES)
    handle = name.lower().replace("'", "").replace(" ", "")[:14]
    amount = rng.choice([rng.randint(1, 999), rng.randint(100, 5000), rng.randint(1000, 90000)])
    minor = amount * 100 + (rng.choice([0, 0, 0, 50, 99, 25]) if rng.random() < 0.3 else 0)
    outcome = rng.choices(["success", "pending", "failed"], [0.8, 0.1, 0.1])[0]
    paid = datetime(2026, 11, 1) + timedelta(minutes=rng.randint(0, 60 * 24 * 28))
    return Truth(minor, "".join(rng.choice("0123456789") for _ in range(12)),
                 f"{handle}@{rng.choice(HANDLES)}", name, paid, app, outcome)


# ── drawing ─────────────────────────────────────────────────────────────────


def draw(truth: Truth, rng: random.Random, fonts: Fonts, lang: str, dark: bool,
         size: tuple[int, int]) -> Image.Image:
    """One screenshot, drawn at 1080 wide and scaled to `size`."""
    width, height = 1080, round(1080 * size[1] / size[0])
    bg, fg, muted = ((18, 18, 20), (235, 235, 235), (150, 150, 155)) if dark else (
        (250, 250, 252), (25, 25, 25), (110, 110, 115))
    image = Image.new("RGB", (width, height), bg)
    pen = ImageDraw.Draw(image)
    words = LABELS[lang]
    label_font = fonts.get("hi" if lang == "hi" else "sans", 40)
    value_font = fonts.get(rng.choice(["bold", "alt_bold"]), 48)
    app = truth.app
    accent = ACCENT[app]
    pen.rectangle([0, 0, width, 170], fill=accent)
    pen.text((60, 55), BRAND[app], font=fonts.get("bold", 52), fill=(255, 255, 255))
    status = words["success"][app] if truth.outcome == "success" else words[truth.outcome]
    y = 260
    pen.ellipse([width / 2 - 70, y, width / 2 + 70, y + 140], fill=OUTCOME_COLOUR[truth.outcome])
    y += 190
    status_font = fonts.get("hi_bold" if lang == "hi" else "bold", 56)
    left = (width - pen.textlength(status, font=status_font)) / 2
    mixed_text(pen, (left, y), status, status_font, fonts.get("bold", 56), fg)
    y += 120
    pen.text((width / 2, y), rupees(truth.amount_minor), font=fonts.get("bold", 150), fill=fg,
             anchor="mt")
    y += 260
    rows = [(words["to"], truth.payee_name), (words["upi_id"], truth.payee_vpa),
            (words["from"], f"Ravi K (XXXXXX{rng.randint(1000, 9999)})")]
    utr = truth.utr
    utr_shown = " ".join(utr[i:i + 4] for i in (0, 4, 8)) if rng.random() < 0.5 else utr
    letters = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))
    txn = {"google_pay": "CICAgO" + letters,
           "phonepe": "T" + truth.paid_at.strftime("%y%m%d%H%M") + str(rng.randint(10**9, 10**10)),
           "paytm": str(rng.randint(10**15, 10**16)),
           "bhim": "BHIM" + str(rng.randint(10**9, 10**10)),
           "bank": "HDFC" + str(rng.randint(10**7, 10**8))}[app]
    ids = [(words["utr"][app], utr_shown), (words["txn"][app], txn)]
    rows += ids if rng.random() < 0.5 else ids[::-1]
    rows.append((words["date"], when_text(truth.paid_at, rng.randint(0, 2))))
    latin_label = fonts.get("sans", 40)
    for label, value in rows:
        mixed_text(pen, (80, y), label, label_font, latin_label, muted)
        pen.text((80, y + 58), value, font=value_font, fill=fg)
        y += 170
    image = image.resize(size, Image.Resampling.LANCZOS)
    if rng.random() < 0.06:
        image = image.rotate(rng.choice([-2, -1.5, -1, 1, 1.5, 2]), resample=Image.BICUBIC,
                             expand=False, fillcolor=bg)
    return image


def mixed_text(pen: ImageDraw.ImageDraw, at: tuple[float, float], text: str,
               script_font: ImageFont.FreeTypeFont, latin_font: ImageFont.FreeTypeFont,
               fill: tuple[int, int, int]) -> None:
    """Hindi labels keep Latin words ("UPI", "Google"): each run in a font that has it."""
    x, y = at
    for run in re.findall(r"[A-Za-z0-9/ ]+|[^A-Za-z0-9/]+", text):
        font = latin_font if re.match(r"[A-Za-z0-9/]", run.strip() or "x") else script_font
        pen.text((x, y), run, font=font, fill=fill)
        x += pen.textlength(run, font=font)


def corpus(count: int, seed: int = 1) -> list[Shot]:
    rng = random.Random(seed)
    fonts = Fonts()
    shots = []
    sizes = [(720, 1600), (1080, 2400), (1440, 3200), (720, 1520), (1080, 2340)]
    for n in range(count):
        app = APPS[n % len(APPS)]
        lang = "hi" if rng.random() < 0.3 else "en"
        truth = truth_for(rng, app)
        image = draw(truth, rng, fonts, lang, rng.random() < 0.35, rng.choice(sizes))
        out = io.BytesIO()
        if rng.random() < 0.2:
            image.save(out, "PNG")
            kind, ext = "image/png", "png"
        else:
            image.save(out, "JPEG", quality=rng.randint(60, 95))
            kind, ext = "image/jpeg", "jpg"
        shots.append(Shot(f"{n:03d}-{app}-{lang}.{ext}", out.getvalue(), kind, truth, lang))
    return shots


# ── reading and scoring ─────────────────────────────────────────────────────


def _expected(truth: Truth, field: str) -> object:
    if field == "paid_at":
        return truth.paid_at.replace(second=0)
    return getattr(truth, field)


def _same(field: str, got: object, want: object) -> bool:
    if field == "payee_name" and isinstance(got, str) and isinstance(want, str):
        return got.replace("’", "'").lower() == want.lower()
    return got == want


def run(shots: list[Shot]) -> dict:
    from store import ocr_engine

    if ocr_engine.engine() is None:
        raise SystemExit(f"the OCR engine cannot load: {ocr_engine.unavailable_reason()}")
    tally = {f: {"right": 0, "wrong": 0, "missing": 0} for f in FIELDS}
    cpu: list[float] = []
    wrong_examples: list[str] = []
    for shot in shots:
        started = time.process_time()
        try:
            got = ocr_engine.read_file(shot.data, shot.content_type).as_dict()
        except ocr_engine.Unreadable:
            got = {}
        cpu.append(time.process_time() - started)
        for field in FIELDS:
            value, want = got.get(field), _expected(shot.truth, field)
            kind = "missing" if value is None else ("right" if _same(field, value, want)
                                                    else "wrong")
            tally[field][kind] += 1
            if kind == "wrong" and field in ("amount_minor", "utr"):
                wrong_examples.append(f"{shot.name}: {field} read {value!r}, truth {want!r}")
    return {"tally": tally, "cpu": cpu, "wrong": wrong_examples, "count": len(shots)}


def report(result: dict) -> str:
    n = result["count"]
    lines = [f"OCR benchmark: {n} generated screenshots", "",
             f"{'field':<14}{'right %':>9}{'wrong %':>9}{'missing %':>11}   target"]
    for field in FIELDS:
        t = result["tally"][field]
        target = (f"right ≥ {TARGETS['right']:g} %, wrong ≤ {TARGETS['wrong']:g} %"
                  if field in ("amount_minor", "utr") else "—")
        lines.append(f"{field:<14}{100 * t['right'] / n:>9.1f}{100 * t['wrong'] / n:>9.1f}"
                     f"{100 * t['missing'] / n:>11.1f}   {target}")
    cpu = sorted(result["cpu"])
    mean = sum(cpu) / len(cpu)
    p95 = cpu[min(len(cpu) - 1, int(0.95 * len(cpu)))]
    lines += ["", f"CPU s/image   mean {mean:.2f}   p95 {p95:.2f}   max {cpu[-1]:.2f}"
              f"   target ≤ {TARGETS['cpu']:g} (models loaded before timing)"]
    if result["wrong"]:
        lines += ["", "wrong amounts and UTRs:", *(f"  {w}" for w in result["wrong"][:20])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="also write the corpus to this folder")
    args = parser.parse_args(argv)
    shots = corpus(args.count, args.seed)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for shot in shots:
            (args.keep / shot.name).write_bytes(shot.data)
    from store import ocr_engine

    ocr_engine.engine()  # loaded before the clock starts: the load is not a read
    print(report(run(shots)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
