"""Replies as WhatsApp messages: under 1600 characters, cut at line breaks, numbered
choices for the menu that numbers select, images as links this app serves."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from support.whatsapp import twiml_messages

from bot.channels.whatsapp.formatting import (
    BODY_LIMIT,
    Part,
    _fitted,
    parts,
    split_text,
    units,
)
from bot.channels.whatsapp.webhook import twiml
from handlers.types import Button, Image, Reply

BASE = "https://bot.example.test"


def test_a_long_text_is_split_at_line_breaks() -> None:
    lines = [f"{n:03} " + "₹" * 95 for n in range(50)]  # 5,000 characters
    chunks = split_text("\n".join(lines))
    assert len(chunks) == 4 and all(units(c) <= BODY_LIMIT for c in chunks)
    assert [line for c in chunks for line in c.split("\n")] == lines


def test_a_line_longer_than_the_limit_is_cut_between_words() -> None:
    words = ["word"] * 1000
    chunks = split_text(" ".join(words))
    assert all(units(c) <= BODY_LIMIT for c in chunks)
    assert [w for c in chunks for w in c.split()] == words


@given(st.text(st.characters(blacklist_categories=["Cs"]), max_size=6000))
def test_no_piece_is_too_long_and_nothing_is_lost(text: str) -> None:
    chunks = split_text(text)
    assert all(0 < units(c) <= BODY_LIMIT for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


def _split_by_re_encoding(text: str, limit: int = BODY_LIMIT) -> list[str]:
    """split_text as first written: each candidate chunk encoded again to be measured."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _fitted(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if units(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = piece
    if current.strip():
        chunks.append(current)
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]


@given(st.lists(st.text(st.characters(blacklist_categories=["Cs"]), max_size=400), max_size=40),
       st.integers(min_value=2, max_value=BODY_LIMIT))
def test_counting_as_it_goes_cuts_where_measuring_each_candidate_did(
    lines: list[str], limit: int
) -> None:
    text = "\n".join(lines)
    assert split_text(text, limit) == _split_by_re_encoding(text, limit)


def test_only_the_last_menu_is_numbered() -> None:
    replies = [
        Reply("Language set.", buttons=(Button("Old", "old"),)),
        Reply("Hello!", buttons=(Button("My orders", "myorders"), Button("Language", "lang"))),
    ]
    assert parts(replies, BASE) == [
        Part("Language set."), Part("Hello!\n1. My orders\n2. Language")]


def test_an_image_goes_as_media_with_its_caption() -> None:
    qr = Image(alt="Scan to pay", render=bytes, path="/qr/abc.png")
    xml = twiml([Reply("Scan to pay ₹250.00", image=qr)], BASE + "/")
    assert twiml_messages(xml) == [("Scan to pay ₹250.00", [BASE + "/qr/abc.png"])]
    unlinked = Image(alt="a picture", render=bytes)
    assert parts([Reply(image=unlinked)], BASE) == [Part("a picture")]
    long_caption = parts([Reply("x" * 1500, image=qr)], BASE)
    assert long_caption == [Part("x" * 1500), Part(media_url=BASE + "/qr/abc.png")]


def test_nothing_to_say_is_an_empty_response() -> None:
    assert twiml_messages(twiml([], BASE)) == []
