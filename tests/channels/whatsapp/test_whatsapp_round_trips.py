"""What one WhatsApp webhook message costs the database (issue 21): one connection,
one transaction, and at most the statements counted here — so a later change cannot
quietly add a round trip. The counts are those of docs/performance.md."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import event, select, update
from standins import FakeTwilioAPI
from support.whatsapp import user_for

from bot.runtime import Runtime
from bot.worker import run_once
from store.db import unit_of_work
from store.models import Chat, OutboxMessage, OutboxStatus
from store.orders import Actor, set_status
from store.outbox import enqueue_for
from store.queries import order_by_number

# (what is sent, the most statements it may take, what the answer says)
MESSAGES = [
    ("AK-1001", 6, "Order AK-1001"),  # a lookup: the order's view
    ("hi", 4, "order number"),  # a greeting: help
    ("AK-9999", 8, "could not find"),  # a miss: counted against the sender
]


@dataclass
class Trips:
    statements: list[str] = field(default_factory=list)
    begins: int = 0
    commits: int = 0
    rollbacks: int = 0
    checkouts: int = 0
    # What each flush found changed (a kind of object a row): a write the unit of work did
    flushed: list[list[str]] = field(default_factory=list)


@pytest.fixture
def trips(wa: Runtime) -> Iterator[Trips]:
    """What the engine is asked while the block runs (SQLite's own BEGIN IMMEDIATE,
    which opens every transaction there, is the transaction, not a statement)."""
    seen = Trips()

    def statement(_conn, _cursor, sql, *_args) -> None:  # noqa: ANN001
        if not sql.startswith("BEGIN"):
            seen.statements.append(sql)

    def count(name: str):  # noqa: ANN202
        def listener(*_args) -> None:  # noqa: ANN002
            setattr(seen, name, getattr(seen, name) + 1)
        return listener

    listeners = [("before_cursor_execute", statement), ("begin", count("begins")),
                 ("commit", count("commits")), ("rollback", count("rollbacks"))]
    for name, listener in listeners:
        event.listen(wa.engine, name, listener)
    checkout = count("checkouts")
    event.listen(wa.engine.pool, "checkout", checkout)

    def before_flush(session, *_args) -> None:  # noqa: ANN001
        seen.flushed.append(sorted(type(o).__name__ for o in (*session.dirty, *session.new)))

    event.listen(wa.sessions, "before_flush", before_flush)
    yield seen
    for name, listener in listeners:
        event.remove(wa.engine, name, listener)
    event.remove(wa.engine.pool, "checkout", checkout)
    event.remove(wa.sessions, "before_flush", before_flush)


@pytest.mark.parametrize(("body", "most", "says"), MESSAGES, ids=["lookup", "greeting", "miss"])
def test_one_message_is_one_transaction_of_few_statements(
    wa: Runtime, trips: Trips, body: str, most: int, says: str
) -> None:
    customer = user_for(wa, "whatsapp:+919822222222")
    customer.text("hello")  # the chat exists already, as for most messages
    trips.__init__()

    answer = customer.text(body)

    assert says in answer
    assert (trips.checkouts, trips.begins, trips.commits, trips.rollbacks) == (1, 1, 1, 0)
    assert len(trips.statements) <= most, "\n".join(trips.statements)


def test_a_first_message_costs_no_more(wa: Runtime, trips: Trips) -> None:
    answer = user_for(wa, "whatsapp:+919833333333").text("AK-1002")

    assert "Order AK-1002" in answer
    assert (trips.checkouts, trips.begins, trips.commits, trips.rollbacks) == (1, 1, 1, 0)
    assert len(trips.statements) <= MESSAGES[0][1], "\n".join(trips.statements)


def test_the_turn_writes_its_chat_with_one_statement_not_the_unit_of_work(
    wa: Runtime, trips: Trips
) -> None:
    """The chat's changes (its current order, its numbered choices) go in one UPDATE of
    the changed columns at the end of the turn; the session has nothing left to flush."""
    customer = user_for(wa, "whatsapp:+919822222222")
    customer.text("hello")
    trips.__init__()

    answer = customer.text("AK-1001")

    assert "Order AK-1001" in answer
    assert trips.flushed == []
    updates = [s for s in trips.statements if s.lstrip().upper().startswith("UPDATE CHATS")]
    assert len(updates) == 1, "\n".join(trips.statements)
    changed = updates[0].upper().split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    assert "CURRENT_ORDER_ID" in changed and "STATE_DATA" in changed
    assert "ADDRESS" not in changed and "DISPLAY_NAME" not in changed
    # The view's buttons were kept as the numbered choices: its second is "notify me".
    assert "when AK-1001 changes" in customer.text("2")


def test_a_notice_the_worker_delivers_costs_few_statements_and_no_flush(
    wa: Runtime, trips: Trips, twilio_api: FakeTwilioAPI
) -> None:
    """Each notice: its message locked with its chat, the send's slot of the pace, the
    chat's numbered choices and the outcome, each one table statement built once; the
    batch adds its claim and what its notices share (the order, the business). The
    outcome is not left to the unit of work to flush."""
    chat_ids = []
    for n in range(4):
        sender = f"whatsapp:+9198333333{n:02d}"
        user_for(wa, sender).text("hello")  # in the 24-hour window
        with unit_of_work(wa.sessions) as session:
            chat_ids.append(session.scalars(select(Chat.id).where(Chat.address == sender)).one())
    with unit_of_work(wa.sessions) as session:
        order = order_by_number(session, "AK-1001")
        event_id = set_status(session, order, "ready", Actor("Asha"), now=wa.clock()).id
        session.execute(update(OutboxMessage).values(status=OutboxStatus.SENT.value))  # not ours
        for chat_id in chat_ids:
            chat = session.get(Chat, chat_id)
            enqueue_for(session, chat, kind="order_status", key=f"test:{chat_id}",
                        payload={"order_id": order.id, "event_id": event_id},
                        order_id=order.id, now=wa.clock())
    trips.__init__()

    assert run_once(wa, 10, ["whatsapp"]) == 4

    assert len(twilio_api.messages()) == 4
    assert trips.flushed == []
    statements = [s.lstrip().split("\n")[0].upper() for s in trips.statements]
    per_notice = {kind: sum(s.startswith(kind) for s in statements)
                  for kind in ("SELECT OUTBOX", "INSERT INTO RATE_PACES", "UPDATE CHATS",
                               "UPDATE OUTBOX SET STATUS")}
    assert per_notice == dict.fromkeys(per_notice, 4), "\n".join(statements)
    # and once a batch: the claim, and what its notices share (the order, its business,
    # the event), read by its first notice
    assert len(statements) <= 4 * 4 + 6, "\n".join(statements)
