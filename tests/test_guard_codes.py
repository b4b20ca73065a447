"""Guessing one-time codes from other chats (issue 15, point 1), at the conversation
level: no answer tells that a code exists, and every guess counts."""

from __future__ import annotations

from support.phone import guest, wrong
from test_otp import LISTED, _asked, codes  # noqa: F401 (the fixture)

from store import otp


def _answer(chat, text: str) -> tuple[str, tuple]:
    replies = chat.say(text)
    return tuple(r.text for r in replies), tuple(b for r in replies for b in r.buttons)


def test_the_live_code_typed_elsewhere_gets_the_answer_of_a_wrong_code(demo, codes) -> None:  # noqa: F811
    asker = _asked(demo, "asker")
    code = codes.last()
    wrong_answer = _answer(guest(demo, "prober-1"), wrong(code))
    assert _answer(guest(demo, "prober-2"), code) == wrong_answer  # no oracle
    assert "Tries left: 4" in wrong_answer[0][0]
    # In a chat waiting for its own code, too: the same words as a miss of its own.
    other = _asked(demo, "other", "98222 22222")
    assert "Tries left: 4" in other.text(code)
    # The code has been seen elsewhere: it no longer opens anything.
    assert LISTED not in asker.text(code)


def test_five_guesses_from_five_chats_end_a_code(demo, codes) -> None:  # noqa: F811
    asker = _asked(demo, "victim-code")
    code = codes.last()
    for n in range(otp.MAX_TRIES):
        guest(demo, f"guesser-{n}").say(wrong(code))
    answer = asker.text(code)
    assert LISTED not in answer and "Too many wrong codes" in answer


def test_guesses_are_counted_on_every_channel_state(demo, codes) -> None:  # noqa: F811
    """A chat that is waiting for a phone number, or for nothing, still counts."""
    asker = _asked(demo, "victim-states")
    code = codes.last()
    waiting = guest(demo, "waiting-phone")
    waiting.say("my orders")
    for _ in range(3):
        waiting.say(wrong(code))
    idle = guest(demo, "idle")
    idle.say(wrong(code))
    assert "Too many wrong codes" in asker.text(wrong(code))  # the fifth guess in all
    assert LISTED not in asker.text(code)


def test_a_hundred_wrong_codes_a_day_per_chat(demo, codes, clock) -> None:  # noqa: F811
    chat = guest(demo, "hundred")
    for n in range(otp.FAILS_PER_CHAT_DAY):
        chat.say(f"{n:06d}")
        clock.advance(minutes=5)  # past any one code's life: the day's count still holds
    assert "Too many wrong codes were typed in this chat today" in chat.text("999999")
    clock.advance(days=1)
    assert "Tries left: 4" in chat.text("999999")
