"""The database floor: the least work any correct bot must do for one WhatsApp message,
written by hand on orderbot's own tables (issue 21). `bench.floor` answers without a
database, so no bot can come near it; this one can be approached, and the ratio to it
says how much orderbot spends beyond what the job needs.

For each message: check the Twilio signature (twilio's RequestValidator), claim the
MessageSid with a unique insert into `inbound_deliveries` (a repeat replays the stored
answer), upsert the chat, read the order with its business and items in one statement,
format the reply, keep the answer on the delivery record, commit (durably: the server's
default `synchronous_commit`), answer TwiML. The DB-API directly (psycopg, sqlite3), one
connection per thread, statements prepared by psycopg; on SQLite WAL, `BEGIN IMMEDIATE`
and the writers queued as orderbot queues them (store.db.WriteQueue: a lock in the
process, an flock across processes).

    DATABASE_URL=... TWILIO_AUTH_TOKEN=... PUBLIC_BASE_URL=... gunicorn bench.dbfloor:app
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

from store.db import WriteQueue

app = Flask(__name__)
URL = os.environ.get("DATABASE_URL", "")
BASE = os.environ.get("PUBLIC_BASE_URL", "")
VALIDATOR = RequestValidator(os.environ.get("TWILIO_AUTH_TOKEN", ""))
CHANNEL = "whatsapp"
POSTGRES = URL.startswith("postgresql")
P = "%s" if POSTGRES else "?"

CLAIM = (f"INSERT INTO inbound_deliveries (channel, delivery_id, created_at) "
         f"VALUES ({P}, {P}, {P}) RETURNING id")
STORED = f"SELECT response FROM inbound_deliveries WHERE channel = {P} AND delivery_id = {P}"
UPSERT = (
    "INSERT INTO chats (channel, address, display_name, state, state_data, linked_phone, "
    "platform_user_id, last_inbound_at, lookup_misses, created_at, updated_at) "
    f"VALUES ({P}, {P}, {P}, 'idle', '{{}}', {P}, {P}, {P}, 0, {P}, {P}) "
    "ON CONFLICT (channel, address) DO UPDATE SET display_name = excluded.display_name, "
    "last_inbound_at = excluded.last_inbound_at, updated_at = excluded.updated_at "
    "RETURNING id, locale"
)
ORDER = (
    "SELECT o.number, o.status, o.total_minor, o.paid_minor, o.currency, b.name, b.upi_id, "
    "b.contact_phone, i.name, i.quantity, i.unit_price_minor "
    "FROM orders o JOIN businesses b ON b.id = o.business_id "
    f"LEFT JOIN order_items i ON i.order_id = o.id WHERE o.number_key = {P} ORDER BY i.position"
)
ANSWER = f"UPDATE inbound_deliveries SET response = {P}, completed_at = {P} WHERE id = {P}"
NUMBER = re.compile(r"#?\s*([A-Za-z]{2,6})[\s\-]*(\d{3,10})")
HELP = "Send your order number (like AK-1001) to see its status."


class Database:
    """One connection per thread; `transaction()` is one committed transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.local = threading.local()
        path = url.removeprefix("sqlite:///")
        self.queue = WriteQueue(None if POSTGRES else path)  # SQLite: not in busy_timeout

    def connection(self) -> Any:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = self._connect()
        return conn

    def _connect(self) -> Any:
        if POSTGRES:
            import psycopg

            dsn = self.url.replace("postgresql+psycopg://", "postgresql://")
            return psycopg.connect(dsn, prepare_threshold=0)
        import sqlite3

        conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None,
                               check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        conn = self.connection()
        if POSTGRES:
            with conn.transaction():
                yield conn.cursor()
            return
        self.queue.enter(conn)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn.cursor()
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            self.queue.leave(conn)


DB = Database(URL)


def _now() -> Any:
    now = datetime.now(UTC)
    return now if POSTGRES else now.strftime("%Y-%m-%d %H:%M:%S.%f")


def _money(minor: int, currency: str) -> str:
    return f"{'₹' if currency == 'INR' else currency + ' '}{minor // 100:,}.{minor % 100:02d}"


def reply_for(cur: Any, body: str) -> str:
    """The order's view, "not found", or help: what the message asks."""
    match = NUMBER.search(body)
    if match is None:
        return HELP
    cur.execute(ORDER, ((match.group(1) + match.group(2)).upper(),))
    rows = cur.fetchall()
    if not rows:
        return "We could not find that order. Check the number and send it again."
    number, status, total, paid, currency, business, upi, phone = rows[0][:8]
    lines = [f"Order {number} at {business}", f"Status: {status.replace('_', ' ').title()}"]
    lines += [f"{q} × {name}: {_money(q * price, currency)}" for *_, name, q, price in rows if name]
    lines.append(f"Total {_money(total, currency)}, paid {_money(paid, currency)}, "
                 f"due {_money(total - paid, currency)}")
    if upi and total > paid:
        lines.append(f"Pay by UPI to {upi}")
    if phone:
        lines.append(f"Questions? Call {business}: {phone}")
    return "\n".join(lines)


def answer(form: Any) -> str:
    sid, sender = form.get("MessageSid", ""), form.get("From", "")
    now = _now()
    try:
        with DB.transaction() as cur:
            cur.execute(CLAIM, (CHANNEL, sid, now))
            record = cur.fetchone()[0]
            phone = sender.removeprefix("whatsapp:")
            cur.execute(UPSERT, (CHANNEL, sender, form.get("ProfileName"), phone,
                                 form.get("WaId"), now, now, now))
            cur.fetchone()
            text = reply_for(cur, form.get("Body", ""))
            cur.execute(ANSWER, (json.dumps({"replies": [{"text": text}]}), now, record))
            return text
    except Exception as exc:  # the unique claim lost: the first delivery's answer again
        if "unique" not in str(exc).lower() and "duplicate" not in str(exc).lower():
            raise
        with DB.transaction() as cur:
            cur.execute(STORED, (CHANNEL, sid))
            stored = cur.fetchone()[0]
        stored = json.loads(stored) if isinstance(stored, str) else stored
        return stored["replies"][0]["text"]


@app.post("/webhooks/whatsapp")
def whatsapp() -> Response:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not VALIDATOR.validate(BASE + request.path, request.form, signature):
        return Response("invalid signature\n", 403, mimetype="text/plain")
    text = answer(request.form)
    return Response('<?xml version="1.0" encoding="UTF-8"?><Response><Message><Body>'
                    f"{escape(text)}</Body></Message></Response>", mimetype="text/xml")
