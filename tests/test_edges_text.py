"""Text that cannot hide or rewrite lines (issue 15, point 8): a customer name, item
and note sent through the API with a bell, terminal escapes and bidi overrides reach
the staff's order list and the terminal chat without them, while letters, marks,
emoji and the joiners Devanagari and emoji need arrive intact."""

from __future__ import annotations

import re

import pytest
from support import ChatDriver
from support.api import bearer, new_key
from test_foundation import _run_chat

from store.demo import VENDOR_PHONE
from store.text import clean_text

# What an attacker puts in: a bell, clear-screen, a window title, a colour, then a
# right-to-left override that would show "₹0.05" for "₹50.00", and a C1 CSI.
EVIL_NAME = "Ravi\x07\x1b[2J\x1b]0;owned\x07\x1b[31m\u202e00.05\u202c \u2066x\u2069\x9b2J"
KEPT = "क्\u200dष शर्मा 👨\u200d👩\u200d👧 Zoë"  # a ZWJ conjunct, a family emoji, a mark
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("text, multiline, expected", [
    ("a\x07b", False, "ab"),
    ("\x1b[1;31mred\x1b[0m", False, "red"),
    ("title\x1b]0;x\x07!", False, "title!"),
    ("\u202eabc\u202c", False, "abc"),
    ("\u2066abc\u2069 \u2067d\u2068", False, "abc d"),
    ("line1\r\nline2\rline3", True, "line1\nline2\nline3"),
    ("line1\nline2", False, "line1 line2"),
    ("\x85\x9b31m", False, " "),
    (KEPT, False, KEPT),
    ("ज़\u200cरा", False, "ज़\u200cरा"),
])
def test_clean_text(text, multiline, expected) -> None:
    assert clean_text(text, multiline=multiline) == expected


@pytest.fixture
def dirty_order(demo, client):
    key = new_key(demo)
    response = client.post("/api/v1/orders", headers=bearer(key), json={
        "number": "AK-2001",
        "customer": {"name": f"{EVIL_NAME} {KEPT}", "phone": "+919833333333",
                     "address": "Flat 1\x1b[1A\rMG Road\r\nPune"},
        "items": [{"name": "Cake\u202e05\u202c\x1b[8m", "quantity": 1, "unit_price_minor": 5000}],
        "internal_note": "ring\x07 twice\nthen \u202ewait\u202c",
    })
    assert response.status_code == 201, response.json
    body = response.json
    assert body["customer"]["name"] == f"Ravi00.05 x {KEPT}"
    assert body["customer"]["address"] == "Flat 1\nMG Road\nPune"
    assert body["items"][0]["name"] == "Cake05"
    return demo


def test_the_staff_order_list_and_view_show_no_controls_or_overrides(dirty_order) -> None:
    staff = ChatDriver(dirty_order, address=VENDOR_PHONE, phone=VENDOR_PHONE)
    listing = staff.text("orders")
    assert "AK-2001" in listing
    view = staff.text("AK-2001")
    assert KEPT in view and "Cake05" in view
    for text in (listing, view):
        assert not FORBIDDEN.search(text), repr(text)


def test_the_terminal_chat_prints_no_controls_or_overrides(dirty_order, database_url, tmp_path):
    done = _run_chat(database_url, tmp_path, "orders\nAK-2001\n", "--vendor", VENDOR_PHONE)
    assert done.returncode == 0, done.stderr
    assert "AK-2001" in done.stdout and KEPT in done.stdout
    assert not FORBIDDEN.search(done.stdout.replace("\n", "")), repr(done.stdout)
