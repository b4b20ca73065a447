"""Bank and UPI statements: the credits of a CSV or XLSX export, kept per business
once (however the files overlap), matched to payment proofs.

Layouts are told apart by their header row (README, "Bank statements"): HDFC,
SBI, ICICI, Axis and Kotak net-banking exports, and a generic one
(`date,amount,utr,payer`). A credit whose UTR and amount equal a proof's confirms it;
one of the same amount within a day of it, without a UTR to go by, is a possible
match (store/statement_matches.py). Only a confirmed proof may be approved by itself,
and only when the business asked for it (`auto_approve = "statement"`, store/proofs.py)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from store import proofs
from store.db import insert_for
from store.models import Business, Payment, PaymentProof, StatementCredit, utcnow
from store.statement_matches import CONFIRMED, POSSIBLE, match_credit

MAX_ROWS = 20000


class StatementError(ValueError):
    """The file is not a statement we can read (the reason is a stable word)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Layout:
    name: str
    date: tuple[str, ...]
    credit: tuple[str, ...]
    narration: tuple[str, ...] = ()
    reference: tuple[str, ...] = ()
    payer: tuple[str, ...] = ()
    amount: tuple[str, ...] = ()  # one signed / Dr-Cr column instead of credit
    drcr: tuple[str, ...] = ()


def _h(*names: str) -> tuple[str, ...]:
    return tuple(_key(n) for n in names)


def _key(header: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header or "").lower())


# Header names as the banks' exports print them (the first layout whose date and
# credit columns are all found wins; most specific first).
LAYOUTS = [
    Layout("hdfc", _h("Date"), _h("Deposit Amt.", "Deposit Amount"), _h("Narration"),
           _h("Chq./Ref.No.", "Chq/Ref Number")),
    Layout("icici", _h("Transaction Date", "Value Date"), _h("Deposit Amount (INR )",
           "Deposit Amount (INR)", "Deposit Amount"), _h("Transaction Remarks"),
           _h("Cheque Number")),
    Layout("sbi", _h("Txn Date"), _h("Credit"), _h("Description"),
           _h("Ref No./Cheque No.", "Ref No/Cheque No")),
    Layout("axis", _h("Tran Date", "Transaction Date"), _h("CR", "Credit"),
           _h("PARTICULARS", "Particulars"), _h("CHQNO", "Chq No", "Cheque No")),
    Layout("kotak", _h("Transaction Date", "Date"), _h("Credit", "Cr Amount"),
           _h("Description", "Narration", "Transaction Details"),
           _h("Chq / Ref No.", "Chq/Ref No.", "Chq/Ref No")),
    Layout("kotak_drcr", _h("Date", "Transaction Date"), (), _h("Description", "Narration"),
           _h("Chq/Ref No.", "Chq / Ref No."), amount=_h("Amount"), drcr=_h("Dr / Cr", "Dr/Cr")),
    Layout("generic", _h("date"), (), _h("narration", "description"), _h("utr", "reference"),
           _h("payer", "from", "name"), amount=_h("amount")),
]


@dataclass(frozen=True)
class Credit:
    credited_at: datetime
    amount_minor: int
    utr: str | None
    reference: str
    payer: str | None


# ── reading the file ────────────────────────────────────────────────────────


def rows_of(data: bytes, filename: str) -> list[list[object]]:
    """The file's rows: an XLSX's first sheet, or CSV (any common separator)."""
    if data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook  # lazy: 0.2 s at every start, for XLSX only

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            rows = [list(r) for r in islice(sheet.iter_rows(values_only=True), MAX_ROWS)]
            book.close()
            return rows
        except Exception as exc:
            raise StatementError("broken") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(islice(csv.reader(io.StringIO(text.replace("\r\n", "\n")), dialect),
                           MAX_ROWS))
    except csv.Error as exc:  # binary, NUL bytes…: not a statement
        raise StatementError("broken") from exc


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    return next((header.index(n) for n in names if n in header), None)


def detect(rows: list[list[object]]) -> tuple[Layout, int, dict[str, int | None]]:
    """The layout and its header row (banks put a preamble of account details first)."""
    for index, row in enumerate(rows[:40]):
        header = [_key(cell) for cell in row]
        for layout in LAYOUTS:
            columns = {field: _find(header, getattr(layout, field)) for field in
                       ("date", "credit", "narration", "reference", "payer", "amount", "drcr")}
            money = columns["credit"] is not None or columns["amount"] is not None
            if layout.drcr and columns["drcr"] is None:
                continue  # one amount column, but not the Dr / Cr kind
            if columns["date"] is not None and money:
                return layout, index, columns
    raise StatementError("unknown_layout")


MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def parse_date(value: object) -> datetime | None:
    """A statement's date (and time, when it has one), as printed: local time."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    text = str(value or "").strip()
    match = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if match:
        y, m, d = (int(g) for g in match.groups())
    else:
        match = re.match(r"(\d{1,2})[\s/.-]+([A-Za-z]{3,9}|\d{1,2})[\s/.,-]+(\d{2,4})", text)
        if not match:
            return None
        d, mon, y = int(match[1]), match[2], int(match[3])
        m = int(mon) if mon.isdigit() else MONTHS.get(mon[:3].lower(), 0)
        y += 2000 if y < 100 else 0
    clock = re.search(r"(\d{1,2}):(\d{2})(?::\d{2})?\s*([AaPp][Mm])?", text[match.end():])
    hour, minute = (int(clock[1]), int(clock[2])) if clock else (0, 0)
    if clock and clock[3] and clock[3].lower() == "pm" and hour < 12:
        hour += 12
    try:
        return datetime(y, m, d, hour, minute)
    except ValueError:
        return None


def parse_money(value: object) -> int | None:
    """"1,250.50", "₹ 1,250.50", 1250.5 → paise; None for empty or nought."""
    if value is None:
        return None
    if isinstance(value, int | float):
        minor = round(value * 100)
    else:
        text = re.sub(r"[₹,\s]|INR|Rs\.?|Cr\.?$", "", str(value), flags=re.I)
        if not re.fullmatch(r"\d+(\.\d{1,2})?", text):
            return None
        whole, _, paise = text.partition(".")
        minor = int(whole) * 100 + int(paise.ljust(2, "0") or 0)
    return minor if minor > 0 else None


UTR_IN_TEXT = re.compile(r"(?<![\dA-Za-z])(\d{12})(?!\d)")
BANK_REF = re.compile(r"(?<![A-Z0-9])([A-Z]{4}[A-Z0-9]?\d{10,17})(?![A-Z0-9])")
IFSC = re.compile(r"[A-Z]{4}0[A-Z0-9]{6}")
RAILS = ("UPI", "IMPS", "NEFT", "CR", "RTGS", "MMT")
SIDES = ("CR", "DR", "P2M", "P2A")


def utr_of(narration: str, reference: str) -> str | None:
    """The UTR: the reference column's (zero padding gone, or a NEFT/RTGS reference),
    else a 12-digit number standing alone in the narration, else a bank reference."""
    ref = re.sub(r"\s", "", reference or "").upper()
    if ref.isdigit() and len(ref.lstrip("0")) == 12:
        return ref.lstrip("0")
    if BANK_REF.fullmatch(ref) and not IFSC.fullmatch(ref):
        return ref
    found = UTR_IN_TEXT.search(narration or "")
    if found:
        return found.group(1)
    refs = [m for m in BANK_REF.findall((narration or "").upper()) if not IFSC.fullmatch(m)]
    return refs[-1] if refs else None


def payer_of(narration: str) -> str | None:
    """"UPI-RAVI K-ravi@okicici-…", "NEFT CR-SBIN0001234-MEERA TRADERS-…": the name
    after the rail as banks write it (else the payer's UPI ID)."""
    text = narration or ""
    parts = [p.strip() for p in re.split("/" if "/" in text else "-", text) if p.strip()]
    rail = next((i for i, p in enumerate(parts[:3]) if p.upper().split()[-1:] and
                 p.upper().split()[-1] in RAILS), None)
    if rail is None:
        return None
    for part in parts[rail + 1:rail + 5]:
        plain = part.upper() not in SIDES and not IFSC.fullmatch(part.upper()) and (
            "BANK" not in part.upper())
        if plain and re.fullmatch(r"[A-Za-z][A-Za-z .&']+", part):
            return part[:200]
    vpa = re.search(r"[\w.-]+@[A-Za-z]+", text)
    return vpa.group(0) if vpa else None


def credits(data: bytes, filename: str = "") -> tuple[str, list[Credit]]:
    """The layout's name and every credit of the statement."""
    rows = rows_of(data, filename)
    layout, header_at, col = detect(rows)

    def cell(row: list[object], field: str) -> object:
        index = col.get(field)
        return row[index] if index is not None and index < len(row) else None

    found = []
    for row in rows[header_at + 1:]:
        when = parse_date(cell(row, "date"))
        if when is None:
            continue
        if col["credit"] is not None:
            amount = parse_money(cell(row, "credit"))
        else:
            raw = cell(row, "amount")
            side = str(cell(row, "drcr") or "").strip().lower()
            text = str(raw or "").strip()
            is_debit = side.startswith("d") or text.startswith("-") or text.lower().endswith("dr")
            amount = None if is_debit else parse_money(
                re.sub(r"(?i)cr$", "", text) if text else raw)
        if amount is None:
            continue
        narration = str(cell(row, "narration") or "").strip()
        reference = str(cell(row, "reference") or "").strip()
        payer = str(cell(row, "payer") or "").strip() or payer_of(narration)
        found.append(Credit(when, amount, utr_of(narration, reference),
                            (narration or reference)[:200], payer))
    return layout.name, found


# ── keeping them ────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Imported:
    layout: str
    read: int
    new: int
    confirmed: int
    possible: int
    approved: int


def _fingerprint(credit: Credit, occurrence: int) -> str:
    """The credit's own fields (and which of identical lines it is): the same line in
    an overlapping file has the same fingerprint."""
    parts = [credit.credited_at.date().isoformat(), str(credit.amount_minor), credit.utr or "",
             re.sub(r"\s", "", credit.reference.lower()), str(occurrence)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def import_statement(
    session: Session, business: Business, data: bytes, filename: str = "",
    *, now: datetime | None = None,
) -> Imported:
    """Keep the statement's new credits and match them; raises StatementError."""
    now = now or utcnow()
    layout, found = credits(data, filename)
    zone = ZoneInfo(business.timezone)
    seen: dict[tuple, int] = {}
    new_ids = []
    insert = insert_for(session)
    for credit in found:
        same = (credit.credited_at.date(), credit.amount_minor, credit.utr, credit.reference)
        seen[same] = seen.get(same, 0) + 1
        values = dict(
            business_id=business.id,
            credited_at=credit.credited_at.replace(tzinfo=zone),
            amount_minor=credit.amount_minor,
            currency=business.currency,
            utr=credit.utr,
            reference=credit.reference or None,
            payer=(credit.payer or None),
            layout=layout,
            fingerprint=_fingerprint(credit, seen[same]),
            imported_at=now,
        )
        new_id = session.execute(
            insert(StatementCredit).values(**values)
            .on_conflict_do_nothing(index_elements=["business_id", "fingerprint"])
            .returning(StatementCredit.id)
        ).scalar_one_or_none()
        if new_id is not None:
            new_ids.append(new_id)
    confirmed = possible = approved = 0
    for credit_id in new_ids:
        credit = session.get(StatementCredit, credit_id)
        for proof, match in match_credit(session, credit):
            confirmed += match == CONFIRMED
            possible += match == POSSIBLE
            if match == CONFIRMED:
                approved += proofs.approve_if_confirmed(session, proof, now)
    return Imported(layout, len(found), len(new_ids), confirmed, possible, approved)


def unmatched(session: Session, business_id: int, limit: int = 20) -> list[StatementCredit]:
    """Credits no proof and no recorded payment claims, newest first."""
    return list(session.scalars(
        select(StatementCredit)
        .where(
            StatementCredit.business_id == business_id,
            ~exists().where(PaymentProof.statement_credit_id == StatementCredit.id),
            ~exists().where(and_(StatementCredit.utr.is_not(None),
                                 Payment.reference == StatementCredit.utr)),
        )
        .order_by(StatementCredit.credited_at.desc(), StatementCredit.id.desc())
        .limit(limit)
    ))
