"""Fault suite: 50 deliveries of the same MessageSid at the same moment — one
processing, one reply stored, and every one of the 50 gets that same answer."""

from __future__ import annotations

import threading

from support.whatsapp import count, twiml_messages, user_for

from bot.app import create_app
from bot.runtime import Runtime
from store.models import Chat, InboundDelivery, OutboxMessage

THREADS = 50


def test_fifty_copies_of_one_message_at_once(wa: Runtime) -> None:
    user = user_for(wa)
    form = user.form("AK-1001")
    signature = user.signature(form)
    app = create_app(runtime=wa)
    start = threading.Barrier(THREADS)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def deliver() -> None:
        client = app.test_client()
        start.wait(timeout=30)
        response = client.post("/webhooks/whatsapp", data=form,
                               headers={"X-Twilio-Signature": signature})
        with lock:
            answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=deliver) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == THREADS
    assert {status for status, _ in answers} == {200}
    bodies = {body for _, body in answers}
    assert len(bodies) == 1, "every copy gets the first answer"
    assert "Due: ₹250.00" in twiml_messages(bodies.pop())[0][0]
    assert count(wa, InboundDelivery) == 1
    assert count(wa, Chat) == 1
    assert count(wa, OutboxMessage) == 0
