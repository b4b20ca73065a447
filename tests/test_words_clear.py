"""Issue 16 point 17: clear words, for operators, staff and the page."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support import ChatDriver, joined
from test_operator import orderbot  # noqa: F401 (a fixture)
from test_proofs_chat import send

ASHA = "+919800000001"


def test_serve_in_production_without_a_secret_key_says_so_in_one_line(database_url,
                                                                       tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERBOT_", "TELEGRAM_"))}
    env.update(DATABASE_URL=database_url, ORDERBOT_INSTANCE_DIR=str(tmp_path),
               ORDERBOT_ENV="production")
    done = subprocess.run([sys.executable, "-m", "bot", "serve", "--port", "0"], text=True,
                          capture_output=True, env=env, timeout=120, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: ORDERBOT_SECRET_KEY is required in production (set ORDERBOT_ENV=development "
        "to try orderbot without one)"]


def test_chat_in_a_language_there_is_not_is_refused_with_those_there_are(orderbot) -> None:  # noqa: F811
    result = orderbot("chat", "--lang", "fr")
    assert result.exit_code == 2
    assert "'fr' is not one of 'en', 'hi'" in result.stderr


def test_a_missing_name_is_said_once(orderbot) -> None:  # noqa: F811
    result = orderbot("business", "add", "--code", "MB", "--name", " ", "--currency", "INR",
                      "--timezone", "Asia/Kolkata")
    assert "Name is required" in result.stderr and "Name: Name" not in result.stderr


@pytest.fixture
def asha(demo) -> ChatDriver:
    return ChatDriver(demo, address=ASHA, phone=ASHA)


@pytest.mark.parametrize("lang, says", [
    ("en", "₹500.00 is more than the ₹250.00 paid on AK-1002. Nothing was refunded."),
    ("hi", "AK-1002 पर चुकाए गए ₹250.00 से ज़्यादा है"),
])
def test_a_refund_above_what_was_paid_says_paid(demo, lang, says) -> None:
    asha = ChatDriver(demo, address=ASHA, phone=ASHA, lang=lang)
    answer = asha.text("refund AK-1002 500 cash")
    assert says in answer and "left" not in answer and "बाकी" not in answer


def test_told_counts_chats_in_words(asha, demo) -> None:
    for address in ("+919822222222", "web-priya"):
        ChatDriver(demo, address=address, phone="+919822222222").say("AK-1003")
        ChatDriver(demo, address=address, phone="+919822222222").say("notify me")
    answer = asha.text("AK-1003 confirmed")
    assert "The customer is being told, in 2 chats." in answer and "chat(s)" not in answer


def test_the_staff_proof_list_does_not_read_as_if_staff_sent_it(customer, asha) -> None:
    customer.text("AK-1001")
    send(customer, "paid 250")
    asha.say("approve 1")
    line = next(s for s in asha.text("AK-1001").splitlines() if s.startswith("• #1"))
    assert line.index("sent") < line.index("approved by Asha")


@pytest.mark.parametrize("lang, mine, theirs", [("en", "Open orders", "My orders"),
                                                ("hi", "खुले ऑर्डर", "मेरे ऑर्डर")])
def test_staff_help_offers_their_open_orders(demo, lang, mine, theirs) -> None:
    asha = ChatDriver(demo, address=ASHA, phone=ASHA, lang=lang)
    [reply] = asha.say("help")
    labels = [b.label for b in reply.buttons]
    assert mine in labels and theirs not in labels


@pytest.mark.parametrize("lang", ["en", "hi"])
def test_the_staff_view_has_no_how_to_pay_nor_qr(demo, lang) -> None:
    from handlers import i18n

    asha = ChatDriver(demo, address=ASHA, phone=ASHA, lang=lang)
    replies = asha.say("AK-1001")
    text = joined(replies)
    assert i18n.t("pay.screenshot", lang) not in text
    assert not any(r.image for r in replies)
    assert i18n.t("order.due", lang, amount="₹250.00") in text  # what is due stays
