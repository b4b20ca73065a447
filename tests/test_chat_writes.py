"""store.queries: a turn's chat read by one upsert and written back by one UPDATE of what
changed (store.queries.save_chat), the unit of work kept for what it must do."""

from __future__ import annotations

from sqlalchemy import select

from bot.runtime import Runtime
from store.db import unit_of_work
from store.models import Chat, Order
from store.queries import chat_for, save_chat


def test_a_chat_read_twice_in_one_session_is_one_object_with_the_newer_row(
    runtime: Runtime,
) -> None:
    with unit_of_work(runtime.sessions) as session:
        first = chat_for(session, "console", "same", runtime.clock(), display_name="One")
        again = chat_for(session, "console", "same", runtime.clock(), display_name="Two")
        assert again is first
        assert first.display_name == "Two"


def test_saving_writes_the_changed_columns_and_lets_the_chat_go(runtime: Runtime) -> None:
    with unit_of_work(runtime.sessions) as session:
        chat = chat_for(session, "console", "saved", runtime.clock())
        chat.state, chat.state_data = "awaiting_code", {"phone": "+919800000001"}
        save_chat(session, chat)
        assert chat not in session  # nothing left for the unit of work
        assert not session.dirty
    with unit_of_work(runtime.sessions) as session:
        row = session.scalars(select(Chat).where(Chat.address == "saved")).one()
        assert (row.state, row.state_data) == ("awaiting_code", {"phone": "+919800000001"})


def test_a_chat_whose_relationship_was_set_is_left_to_the_unit_of_work(demo: Runtime) -> None:
    with unit_of_work(demo.sessions) as session:
        order = session.scalars(select(Order).where(Order.number == "AK-1001")).one()
        chat = chat_for(session, "console", "related", demo.clock())
        chat.current_order = order
        save_chat(session, chat)
        assert chat in session and chat in session.dirty
    with unit_of_work(demo.sessions) as session:
        row = session.scalars(select(Chat).where(Chat.address == "related")).one()
        assert row.current_order_id == order.id


def test_an_unchanged_chat_costs_no_statement(runtime: Runtime) -> None:
    with unit_of_work(runtime.sessions) as session:
        chat = chat_for(session, "console", "quiet", runtime.clock())
        save_chat(session, chat)
        assert chat in session and not session.dirty
