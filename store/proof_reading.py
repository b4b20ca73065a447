"""What a payment screenshot or receipt says, from its text: the amount, the UTR, the
payee's UPI ID and name, when, which app, and whether it went through.

The text comes from OCR (store/ocr_engine.py: lines with the height of their box) or
a PDF's text layer (heights unknown). The rules lean on labels where the apps print
them ("UPI transaction ID", "UTR", "Paid to", "Date") and fall back on the shape of
the values (the biggest number on the screen, a 12-digit number, a UPI ID). A value
that is not clear is left out: a wrong amount is worse than none."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime

OUTCOMES = ("success", "pending", "failed")
APPS = ("google_pay", "phonepe", "paytm", "bhim", "bank")


@dataclass(frozen=True)
class Line:
    text: str
    height: float = 0.0  # the box's height in pixels (0: unknown, e.g. a PDF)
    top: float = 0.0


@dataclass(frozen=True)
class Reading:
    amount_minor: int | None = None
    utr: str | None = None
    payee_vpa: str | None = None
    payee_name: str | None = None
    paid_at: datetime | None = None  # local time as printed (no zone); the caller places it
    app: str | None = None
    outcome: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def empty(self) -> bool:
        return self.amount_minor is None and self.utr is None


# ── labels, in the apps' English and Hindi ──────────────────────────────────

UTR_LABELS = re.compile(
    r"utr|upi\s*(transaction|txn|ref)|upi\s*ref|ref(erence)?\.?\s*(no|number|id)?|"
    r"transaction\s*(id|ref)|txn\s*id|rrn|लेनदेन|संदर्भ|यूटीआर",
    re.I,
)
PAYEE_LABELS = re.compile(
    r"^(paid\s*(successfully\s*)?to|to|sent\s*to|payee(\s*name)?|banking\s*name|"
    r"beneficiary(\s*name)?|"
    r"प्राप्तकर्ता|को\s*भुगतान(\s*किया)?|किसको)(?=[\s:]|$)\s*:?", re.I)
PAYER_LABELS = re.compile(r"^(from|debited\s*from|paid\s*by|sender|से|भेजने\s*वाला)(?=[\s:]|$)",
                          re.I)
AMOUNT_LABELS = re.compile(r"amount|total|paid|राशि|रकम", re.I)
DATE_LABELS = re.compile(r"date|time|तारीख|दिनांक|समय", re.I)

FAILED = re.compile(r"fail|declin|unsuccess|not\s*success|reversed|विफल|असफल", re.I)
PENDING = re.compile(r"pending|processing|in\s*progress|awaiting|लंबित|प्रक्रिया", re.I)
SUCCESS = re.compile(r"success|complete|paid\s*to|sent\s*to|money\s*sent|सफल|पूरा", re.I)

APP_WORDS = [
    ("google_pay", re.compile(r"google\s*pay|\bg\s?pay\b|google\s*transaction", re.I)),
    ("phonepe", re.compile(r"phone\s*pe", re.I)),
    ("paytm", re.compile(r"paytm", re.I)),
    ("bhim", re.compile(r"\bbhim", re.I)),
    ("bank", re.compile(r"\b(hdfc|sbi|yono|icici|imobile|axis|kotak|bank)\b|बैंक", re.I)),
]

# ── value shapes ────────────────────────────────────────────────────────────

VPA = re.compile(r"\b([a-z0-9][a-z0-9._-]{1,60}@[a-z][a-z0-9]{1,30})\b", re.I)
# 12 digits, printed whole or in groups of four (OCR may drop or add a space).
UPI_UTR = re.compile(r"(?<![\dA-Za-z])(\d{4}\s?\d{4}\s?\d{4})(?![\d])")
# NEFT/RTGS: a bank's four letters, then letters and digits (HDFCN52024112412345678).
BANK_REF = re.compile(r"\b([A-Z]{4}[A-Z0-9]{8,18})\b")
# An amount: optional currency (₹ is often read as another glyph), digits with Indian or
# western grouping, optional paise.
AMOUNT = re.compile(
    r"(?:₹|rs\.?|inr|[^\d\s.,@])?\s*"
    r"(\d{1,3}(?:,\d{2,3})+|\d{1,7})(?:\.(\d{1,2}))?(?![\d,])",
    re.I,
)
DOTTED = re.compile(r"\D?(\d{1,3}(?:\.\d{2})*\.\d{3}\.\d{2})")
CURRENCY_MARK = re.compile(r"₹|\brs\.?|\binr\b", re.I)

MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
HINDI_MONTHS = {"जनवरी": 1, "फ़रवरी": 2, "फरवरी": 2, "मार्च": 3, "अप्रैल": 4, "मई": 5,
                "जून": 6, "जुलाई": 7, "अगस्त": 8, "सितंबर": 9, "अक्टूबर": 10,
                "नवंबर": 11, "दिसंबर": 12}
_MONTH = r"(?P<mon>[A-Za-z]{3,9}|" + "|".join(HINDI_MONTHS) + ")"
DATES = [
    re.compile(r"(?P<d>\d{1,2})\s*" + _MONTH + r"\.?,?\s*(?P<y>\d{4})", re.I),
    re.compile(_MONTH + r"\.?\s*(?P<d>\d{1,2}),?\s*(?P<y>\d{4})", re.I),
    # (OCR may join the time on: "14/11/202619:21")
    re.compile(r"(?<!\d)(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2}(?!\d))"),
]
TIME = re.compile(r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.]\d{2})?\s*(?P<ap>[ap]\.?\s?m\.?)?",
                  re.I)
DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")


def read_lines(lines: list[Line]) -> Reading:
    """Every field that the lines make clear."""
    lines = [Line(_clean(x.text), x.height, x.top) for x in lines if _clean(x.text)]
    text = "\n".join(x.text for x in lines)
    return Reading(
        amount_minor=_amount(lines),
        utr=_utr(lines),
        payee_vpa=_payee_vpa(lines),
        payee_name=_payee_name(lines),
        paid_at=_paid_at(text),
        app=next((app for app, words in APP_WORDS if words.search(VPA.sub(" ", text))), None),
        outcome=_outcome(text),
    )


def read_text(text: str) -> Reading:
    """A receipt's text layer (a PDF): one line per line of text."""
    return read_lines([Line(t) for t in text.splitlines()])


def _clean(text: str) -> str:
    return " ".join(text.translate(DEVANAGARI_DIGITS).split())


# ── amount ──────────────────────────────────────────────────────────────────


def _to_minor(whole: str, paise: str | None) -> int | None:
    digits = whole.replace(",", "")
    if not digits.isdigit():
        return None
    value = int(digits) * 100 + (int((paise or "0").ljust(2, "0")) if paise else 0)
    return value if 0 < value < 10**11 else None


def _lone_amount(text: str) -> int | None:
    """A line that is just an amount: "₹250", "₹ 1,250.00", "Rs. 99" (or "F250",
    ₹ read as another glyph)."""
    squeezed = text.replace(" ", "")
    dotted = DOTTED.fullmatch(squeezed)
    if dotted:  # "3.804.25": OCR read the grouping commas as dots
        squeezed = squeezed[:dotted.start(1)] + dotted.group(1)[:-3].replace(".", ",") + (
            dotted.group(1)[-3:])
    match = AMOUNT.fullmatch(squeezed) or AMOUNT.fullmatch(text)
    if not match:
        return None
    whole = match.group(1)
    if len(whole.replace(",", "")) > 7:
        return None  # a reference, not an amount
    return _to_minor(whole, match.group(2))


def _amount(lines: list[Line]) -> int | None:
    """The headline amount: the tallest line that is only an amount; else one marked
    with a currency next to an amount label; else one labelled "Amount"."""
    lone = [(x.height, value) for x in lines if (value := _lone_amount(x.text)) is not None]
    tall = [entry for entry in lone if entry[0] > 0]
    top_line = max(lines, key=lambda x: x.height, default=None)
    if top_line is not None and top_line.height > 0 and (
        re.search(r"\d.*\d", top_line.text) and _lone_amount(top_line.text) is None
    ):
        return None  # the headline is a number we could not read: no guess from the rest
    if tall and max(h for h, _ in tall) < 0.8 * top_line.height:
        tall = lone = []  # the headline is not an amount at all: the rows decide, if marked
    if tall:
        top = max(h for h, _ in tall)
        biggest = {v for h, v in tall if h >= top * 0.9}
        others = [h for h, _ in tall if h < top * 0.9]
        # Only when it stands out: a headline is far taller than the rows' numbers.
        if len(biggest) == 1 and (not others or top >= 1.4 * max(others)):
            return biggest.pop()
    marked = set()
    for i, line in enumerate(lines):
        if CURRENCY_MARK.search(line.text):
            for match in AMOUNT.finditer(CURRENCY_MARK.split(line.text, 1)[1]):
                if (value := _to_minor(match.group(1), match.group(2))) is not None:
                    marked.add(value)
                    break
        elif AMOUNT_LABELS.search(line.text) and i + 1 < len(lines):
            labelled = _lone_amount(lines[i + 1].text)
            if labelled is not None and "." in lines[i + 1].text:
                marked.add(labelled)
    if len(marked) == 1:
        return marked.pop()
    if not tall and len({v for _, v in lone}) == 1 and CURRENCY_MARK.search(
        "".join(x.text for x in lines)
    ):
        return lone[0][1]
    return None


# ── UTR ─────────────────────────────────────────────────────────────────────


def utr_in(text: str) -> str | None:
    match = UPI_UTR.search(text)
    if match:
        return re.sub(r"\s", "", match.group(1))
    match = BANK_REF.search(text.upper().replace(" ", ""))
    return match.group(1) if match and any(c.isdigit() for c in match.group(1)) else None


def _utr(lines: list[Line]) -> str | None:
    """The UTR next to its label ("UPI transaction ID", "UTR", "UPI Ref No"), on the
    label's line or the next (a 12-digit one before a bank reference: apps print their
    own transaction ids beside it); else the one 12-digit number on the screen."""
    labelled = []
    for i, line in enumerate(lines):
        label = UTR_LABELS.search(line.text)
        if not label or re.search(r"google|order|phonepe|merchant", line.text, re.I):
            continue
        after = line.text[label.end():]
        for candidate in (after, lines[i + 1].text if i + 1 < len(lines) else ""):
            found = utr_in(candidate)
            if found:
                labelled.append(found)
                break
    upi = [u for u in labelled if u.isdigit()]
    if upi or labelled:
        return (upi or labelled)[0]
    twelve = {re.sub(r"\s", "", m.group(1)) for x in lines for m in UPI_UTR.finditer(x.text)
              if not re.search(r"[xX*]{2}", x.text)}
    return twelve.pop() if len(twelve) == 1 else None


# ── payee ───────────────────────────────────────────────────────────────────


def _sections(lines: list[Line]) -> list[str]:
    """For each line, whose it is: "payee", "payer" or "" (after which label)."""
    owner, out = "", []
    for line in lines:
        if PAYEE_LABELS.search(line.text):
            owner = "payee"
        elif PAYER_LABELS.search(line.text):
            owner = "payer"
        elif UTR_LABELS.search(line.text) or DATE_LABELS.search(line.text):
            owner = ""
        out.append(owner)
    return out


def _payee_vpa(lines: list[Line]) -> str | None:
    owners = _sections(lines)
    found = [(owner, m.group(1).lower()) for line, owner in zip(lines, owners, strict=True)
             for m in VPA.finditer(line.text)]
    for wanted in ("payee", ""):
        for owner, vpa in found:
            if owner == wanted:
                return vpa
    return None


def _payee_name(lines: list[Line]) -> str | None:
    for i, line in enumerate(lines):
        label = PAYEE_LABELS.search(line.text)
        if not label:
            continue
        rest = line.text[label.end():].strip(" :")
        value = rest or (lines[i + 1].text if i + 1 < len(lines) else "")
        value = VPA.sub("", value).strip(" :-")
        if value and not _lone_amount(value) and not UTR_LABELS.search(value):
            return value[:100]
    return None


# ── when, and how it went ───────────────────────────────────────────────────


def _month(name: str) -> int | None:
    return HINDI_MONTHS.get(name) or MONTHS.get(name[:3].lower())


def _paid_at(text: str) -> datetime | None:
    for pattern in DATES:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            month = int(parts["m"]) if parts.get("m") else _month(parts["mon"])
            year = int(parts["y"]) + (2000 if len(parts["y"]) == 2 else 0)
            if not month:
                continue
            hour = minute = 0
            clock = TIME.search(text, match.end(), match.end() + 40) or TIME.search(
                text, max(0, match.start() - 30), match.start())
            if clock:
                hour, minute = int(clock["h"]), int(clock["mi"])
                ampm = (clock["ap"] or "").lower().replace(".", "").replace(" ", "")
                if ampm == "pm" and hour < 12:
                    hour += 12
                elif ampm == "am" and hour == 12:
                    hour = 0
            try:
                return datetime(year, month, int(parts["d"]), hour, minute)
            except ValueError:
                continue
    return None


def _outcome(text: str) -> str | None:
    if FAILED.search(text):
        return "failed"
    if PENDING.search(text):
        return "pending"
    if SUCCESS.search(text):
        return "success"
    return None
