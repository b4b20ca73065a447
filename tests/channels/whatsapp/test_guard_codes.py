"""The cross-chat code oracle over signed WhatsApp webhooks and the web chat (issue 15,
point 1): chat A asks a code for someone else's phone; other chats cannot tell a live
code from a wrong one, and their guesses end the code."""

from __future__ import annotations

import re

from support.whatsapp import user_for

from bot.app import create_app
from store import otp

VICTIM = "98222 22222"
VICTIMS_ORDERS = "Orders for +91 98222 22222"


def _code_sent_to(twilio_api, phone: str) -> str:
    body = twilio_api.messages(f"whatsapp:{phone}")[-1].params["Body"]
    return re.search(r"\b(\d{6})\b", body).group(1)


def _other(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def _ask_for_victims_code(wa, twilio_api):
    attacker = user_for(wa, "whatsapp:+919844444444", profile="A")
    attacker.text("my orders")  # a number with no orders: it asks for another
    assert "we have just sent it a 6-digit code" in attacker.text(VICTIM)
    return attacker, _code_sent_to(twilio_api, "+919822222222")


def test_whatsapp_guesses_from_another_chat_get_no_oracle_and_count(wa, twilio_api) -> None:
    attacker, code = _ask_for_victims_code(wa, twilio_api)
    prober = user_for(wa, "whatsapp:+919855555555", profile="B")
    miss = prober.text(_other(code))
    hit = user_for(wa, "whatsapp:+919866666666", profile="C").text(code)
    assert hit == miss  # the live code is answered as any wrong code
    assert "another chat" not in hit
    assert VICTIMS_ORDERS not in attacker.text(code)  # and it no longer opens anything


def test_whatsapp_five_guesses_from_many_senders_end_the_code(wa, twilio_api) -> None:
    attacker, code = _ask_for_victims_code(wa, twilio_api)
    for n in range(otp.MAX_TRIES):
        user_for(wa, f"whatsapp:+91987777777{n}", profile=f"G{n}").text(_other(code))
    answer = attacker.text(code)
    assert VICTIMS_ORDERS not in answer and "Too many wrong codes" in answer


API = {"X-Requested-With": "orderbot"}


def test_web_chat_guesses_get_no_oracle_and_count(wa, twilio_api) -> None:
    from dataclasses import replace

    runtime = replace(wa, config=wa.config.with_(webchat=True, env="development"),
                      services=replace(wa.services))

    def browser(phone: str):
        client = create_app(runtime=runtime).test_client()
        return lambda text: "\n".join(
            r["text"] for r in client.post(
                "/chat/api/send", json={"phone": phone, "text": text}, headers=API
            ).json["replies"]
        )

    asker = browser("+919844444444")
    asker("my orders")
    assert "we have just sent it a 6-digit code" in asker(VICTIM)
    code = _code_sent_to(twilio_api, "+919822222222")
    miss = browser("+919855555555")(_other(code))
    assert browser("+919866666666")(code) == miss
    for n in range(otp.MAX_TRIES - 1):
        browser(f"+91987777777{n}")(_other(code))
    assert VICTIMS_ORDERS not in asker(code)
