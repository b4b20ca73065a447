"""Order numbers cannot be walked (issue 15, point 3): every lookup counts, hits too, in
the chat (typed or a screenshot's caption) and on /orders/track; and a business may ask
a sender not proven as the order's phone for its last 4 digits first."""

from __future__ import annotations

import pytest
from support import ChatDriver
from test_operator import orderbot  # noqa: F401 (the fixture)
from test_proofs_chat import photo

from handlers.orders.lookup_guard import LOOKUPS_PER_HOUR

SLOWED = "too many order numbers"
ASK = "To see AK-1001, send the last 4 digits of the phone number on the order."


def _slowed(text: str) -> bool:
    return SLOWED in text.casefold()


def test_walking_real_numbers_in_the_chat_is_slowed(demo, clock) -> None:
    walker = ChatDriver(demo, address="walker", phone=None)
    real = ["AK-1001", "AK-1002", "AK-1003", "AK-1004"]
    for n in range(LOOKUPS_PER_HOUR - 2):
        assert "Order " + real[n % 4] in walker.text(real[n % 4])
    for _ in range(2):  # a screenshot's caption is a lookup as well
        walker.say("AK-1003 10", media=photo())
    assert _slowed(walker.text("AK-1001"))
    assert _slowed(walker.text("AK-1002"))
    clock.advance(hours=1, minutes=1)
    assert "Order AK-1001" in walker.text("AK-1001")


def test_walking_the_lookup_page_is_slowed(demo, client, clock) -> None:
    for n in range(LOOKUPS_PER_HOUR):
        assert client.get(f"/orders/track?orderNumber=AK-100{n % 4 + 1}").status_code == 303
    assert client.get("/orders/track?orderNumber=AK-1001").status_code == 429
    clock.advance(hours=1, minutes=1)
    assert client.get("/orders/track?orderNumber=AK-1001").status_code == 303


@pytest.fixture
def phone4(demo, orderbot):  # noqa: F811
    result = orderbot("business", "edit", "AK", "--lookup-check", "phone4")
    assert result.exit_code == 0, result.output
    assert "Lookup check:" in result.output and "phone4" in result.output
    return demo


def test_phone4_asks_an_unproven_chat_for_the_last_4_digits(phone4) -> None:
    stranger = ChatDriver(phone4, address="stranger", phone=None)
    assert stranger.text("AK-1001") == ASK
    assert "do not match the phone number on AK-1001" in stranger.text("0000")
    assert "Paneer Tikka" in stranger.text("1111")  # +91 98111 11111
    # A number that does not exist gets the same question, and no digits open it.
    assert stranger.text("AK-9999") == ASK.replace("AK-1001", "AK-9999")
    assert "do not match the phone number on AK-9999" in stranger.text("1111")
    # The order's own phone is not asked.
    assert "Paneer Tikka" in ChatDriver(phone4).text("AK-1001")
    hindi = ChatDriver(phone4, address="hindi", phone=None, lang="hi")
    assert "आख़िरी 4 अंक" in hindi.text("AK-1001")


def test_phone4_wrong_digits_are_misses(phone4) -> None:
    guesser = ChatDriver(phone4, address="guesser", phone=None)
    guesser.say("AK-1001")
    for n in range(10):
        assert "do not match" in guesser.text(f"{n:04d}")
    assert _slowed(guesser.text("1111"))


def test_phone4_on_the_lookup_page_and_the_signed_link_stays_open(phone4, client, orderbot) -> None:  # noqa: F811
    asked = client.get("/orders/track?orderNumber=AK-1001")
    assert asked.status_code == 200 and 'name="last4"' in asked.get_data(as_text=True)
    assert ASK in asked.get_data(as_text=True)
    missing = client.get("/orders/track?orderNumber=AK-9999")
    assert missing.status_code == 200 and 'name="last4"' in missing.get_data(as_text=True)
    assert client.get("/orders/track?orderNumber=AK-1001&last4=0000").status_code == 404
    assert client.get("/orders/track?orderNumber=AK-9999&last4=1111").status_code == 404
    opened = client.get("/orders/track?orderNumber=AK-1001&last4=1111")
    assert opened.status_code == 303
    assert client.get(opened.headers["Location"]).status_code == 200  # /o/<token>
    assert orderbot("business", "edit", "AK", "--lookup-check", "none").exit_code == 0
    assert client.get("/orders/track?orderNumber=AK-1001").status_code == 303
