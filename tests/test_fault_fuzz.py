"""Fuzzing the conversation core: whatever arrives — any text, emoji, control
characters, huge messages, random buttons, random files, in any state, on any
channel — the core answers, and never with an exception or nothing.

CI runs 500 examples; `python -m bench.fuzz --examples 10000` runs the same test longer."""

from __future__ import annotations

import os
from pathlib import Path

from support import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers import handle
from handlers.features import FEATURES
from handlers.turn import State
from handlers.types import Inbound, Media
from store.db import unit_of_work
from store.models import Chat
from store.queries import chat_for

EXAMPLES = int(os.environ.get("ORDERBOT_FUZZ_EXAMPLES", "500"))
IMAGES = sorted(p for p in (FIXTURES / "images").iterdir() if p.is_file())


def _verbs() -> list[str]:
    return sorted({verb for feature in FEATURES for verb in feature.buttons})


ORDER_NUMBERS = ["AK-1001", "AK-1002", "AK-1003", "AK-1004", "SB-2001", "AK-9999", "ZZ-1"]
texts = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(
        ["hi", "help", "my orders", "language", "भाषा", "2", "1", "0", "99", "stop", "notify",
         "pay", "paid 250", "approve 1", "reject 1 no", "proofs", "orders", "forget me",
         "AK-1001 ready", "paid AK-1003 100 cash", "cancel AK-1003", "123456", "+91 98111 11111",
         "09811111111", "🙂" * 30, "\x00\x1b[2J", "\u202e", "ak१००१", "#AK 1001", "   "]
        + ORDER_NUMBERS
    ),
    st.builds(lambda n, s: s * n, st.integers(1000, 50_000), st.sampled_from(["x", "१", "🙂 "])),
)
buttons = st.one_of(
    st.none(),
    st.builds(lambda v, a: f"{v}:{a}", st.sampled_from(_verbs()),
              st.one_of(st.sampled_from(ORDER_NUMBERS + ["1", "2", "", "hi", "x" * 70]),
                        st.text(max_size=10))),
    st.text(max_size=70),
)
media = st.one_of(
    st.just(()),
    st.builds(lambda p: (Media(data=p.read_bytes(), content_type="image/png", filename=p.name),),
              st.sampled_from(IMAGES)),
    st.builds(lambda b, t: (Media(data=b, content_type=t),), st.binary(max_size=300),
              st.sampled_from(["image/jpeg", "image/png", "application/pdf", None, "text/plain"])),
    st.builds(lambda e: (Media(error=e),), st.sampled_from(["too_large", "fetch_failed",
                                                             "type_mismatch", "weird"])),
)
senders = st.sampled_from([
    ("console", "+919811111111", "+919811111111"),
    ("console", "+919800000001", "+919800000001"),  # a vendor
    ("whatsapp", "whatsapp:+919822222222", "+919822222222"),
    ("telegram", "5550001", None),
    ("web", "web:fuzz", None),
])
# Stored state is written by us, never raw input: unknown names, not control bytes.
states = st.one_of(st.none(), st.sampled_from([s.value for s in State]),
                   st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12))
state_data = st.dictionaries(
    st.sampled_from(["choices", "order_id", "proof_id", "phone", "media_id", "amount", "x"]),
    st.one_of(st.integers(-5, 10**6), st.text(st.characters(blacklist_categories=("Cc", "Cs")),
                                              max_size=8),
              st.lists(st.sampled_from(["refresh:AK-1001", "lang:hi", "myorders", "zz"]))),
    max_size=3,
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
    derandomize=True,
)
@given(text=texts, button=buttons, files=media, sender=senders, state=states, data=state_data,
       hint=st.sampled_from([None, "hi", "en-US", "hi-IN", "fr", ""]),
       name=st.one_of(st.none(), st.text(max_size=300)))
def test_the_core_always_answers(demo, text, button, files, sender, state, data, hint, name) -> None:
    channel, address, phone = sender
    with unit_of_work(demo.sessions) as session:
        if state is not None:
            chat = chat_for(session, channel, address, demo.clock())
            chat.state, chat.state_data = state, data
    inbound = Inbound(channel=channel, address=address, text=text, button=button, media=files,
                      locale_hint=hint, proven_phone=phone, display_name=name)
    with unit_of_work(demo.sessions) as session:
        replies = handle(inbound, demo.context(session))
    assert replies, "silence"
    assert any(r.text.strip() or r.image for r in replies), "an empty answer"
    with unit_of_work(demo.sessions) as session:
        assert session.query(Chat).filter_by(channel=channel, address=address).count() == 1


def test_fixture_images_exist() -> None:
    assert {p.name for p in IMAGES} >= {"upi-payment-250.png", "bomb.png", "truncated.jpg"}
    assert all(isinstance(p, Path) for p in IMAGES)
