"""The worker over real HTTP: the WhatsApp sender's real twilio client against the
local Twilio stand-in, through a burst of 429s and 5xxs. Every notice is delivered
exactly once after recovery, and one customer's in order."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from standins import FakeTwilioAPI, twilio_client_for
from support import ChatDriver

from bot import worker
from bot.channels.whatsapp.outbound import WhatsAppSender
from bot.runtime import reach_phones_on
from store.db import unit_of_work
from store.models import OutboxMessage

FROM = "whatsapp:+14155238886"
CUSTOMERS = ["+919811111111", "+919822222222"]  # AK-1001/AK-1002 and AK-1003


def test_a_burst_of_429_and_5xx_then_every_notice_exactly_once(demo, clock) -> None:
    with FakeTwilioAPI() as api:
        demo.senders["whatsapp"] = WhatsAppSender(
            client=twilio_client_for(api), from_=FROM, public_base_url="https://bot.example.test",
            clock=demo.clock)
        reach_phones_on(demo, "whatsapp")
        for phone in CUSTOMERS:  # they wrote today: inside WhatsApp's 24-hour window
            ChatDriver(demo, channel="whatsapp", address=f"whatsapp:{phone}", phone=phone).say("hi")
        asha = ChatDriver(demo, address="+919800000001", phone="+919800000001")
        for command in ["AK-1003 confirmed", "AK-1001 ready", "paid AK-1003 100 cash",
                        "AK-1002 done", "AK-1003 preparing"]:
            asha.say(command)
        api.fail_next("messages", 429, count=3, retry_after=1)
        api.fail_next("messages", 503, count=2)
        api.fail_next("messages", 500, count=1)
        for _ in range(30):  # bounded: each round moves the clock past every back-off
            worker.run_once(demo)
            clock.advance(minutes=10)
        with unit_of_work(demo.sessions) as s:
            rows = s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
            assert len(rows) == 5 and {r.status for r in rows} == {"sent"}
            assert max(r.attempts for r in rows) > 1  # the burst was felt…
        delivered = api.messages()
        assert len(delivered) == 5  # …and nothing went twice
        assert Counter(c.params["To"] for c in delivered) == {
            "whatsapp:+919822222222": 3, "whatsapp:+919811111111": 2}
        to_priya = [c.params["Body"] for c in api.messages("whatsapp:+919822222222")]
        assert ["Confirmed" in to_priya[0], "₹100.00" in to_priya[1],
                "Preparing" in to_priya[2]] == [True, True, True]  # in order
        assert len(api.calls_of("messages", ok=False)) == 6
