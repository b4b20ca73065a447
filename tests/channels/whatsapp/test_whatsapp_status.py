"""Twilio's status callbacks: a notice Twilio accepted but WhatsApp later refused
(63016, the window had closed) is held or sent again as the template; another
failure is recorded; nothing else moves, and only signed callbacks count. What goes
out again wakes the worker's WhatsApp lanes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from standins import FakeTwilioAPI
from support.together import woken
from support.whatsapp import WhatsAppUser, make_runtime, user_for

from bot.channels.whatsapp.status import PATH
from bot.config import Config
from bot.runtime import Runtime
from bot.worker import run_once
from store import wakeups
from store.db import unit_of_work
from store.models import OutboxMessage, OutboxStatus

from .test_whatsapp_outbound import TEMPLATE, order_ready, the_notice

PUBLIC = "https://orders.example.in"


def _runtime(config: Config, clock: Any, waits: list[float], **raw: str) -> Iterator[Runtime]:
    runtime = make_runtime(
        config.with_(public_base_url=PUBLIC).with_env(raw), clock, waits
    )
    yield runtime
    runtime.close()


@pytest.fixture
def public(wa_config: Config, clock: Any, waits: list[float]) -> Iterator[Runtime]:
    yield from _runtime(wa_config, clock, waits)


@pytest.fixture
def public_templated(wa_config: Config, clock: Any, waits: list[float]) -> Iterator[Runtime]:
    yield from _runtime(wa_config, clock, waits, TWILIO_TEMPLATE_ORDER_STATUS=TEMPLATE)


def sent_notice(runtime: Runtime, twilio_api: FakeTwilioAPI) -> tuple[WhatsAppUser, str]:
    """Ravi wrote, his order became ready and the notice went out: its callback URL."""
    ravi = user_for(runtime)
    assert "AK-1001" in ravi.text("AK-1001")
    order_ready(runtime)
    assert run_once(runtime) == 1
    (sent,) = twilio_api.messages()
    return ravi, sent.params["StatusCallback"]


def report(runtime: Runtime, user: WhatsAppUser, url: str, status: str, code: str = "", *,
           signed: bool = True, sid: str | None = None):
    """Twilio reporting on the message at `url` (by default the row's last message)."""
    if sid is None:
        outbox_id = int(url.rsplit("=", 1)[1]) if url.rsplit("=", 1)[1].isdigit() else None
        with unit_of_work(runtime.sessions) as session:
            row = session.get(OutboxMessage, outbox_id) if outbox_id else None
            sid = (row.provider_message_id if row else None) or "SM" + "1" * 32
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32,
            "To": user.sender, "From": "whatsapp:+14155238886"}
    if code:
        form["ErrorCode"] = code
    path = url.removeprefix(PUBLIC)
    headers = {"X-Twilio-Signature": user.signature(form, url)} if signed else {}
    return user.http.post(path, data=form, headers=headers)


def test_each_notice_names_its_status_callback(
    public: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    _, url = sent_notice(public, twilio_api)
    assert url == f"{PUBLIC}{PATH}?outbox={the_notice(public).id}"


def test_without_a_public_https_address_no_callback_is_asked(
    wa_config: Config, clock: Any, waits: list[float], twilio_api: FakeTwilioAPI
) -> None:
    local = make_runtime(wa_config.with_(public_base_url="http://127.0.0.1:8000"), clock, waits)
    try:
        user_for(local).text("AK-1001")
        order_ready(local)
        run_once(local)
    finally:
        local.close()
    (sent,) = twilio_api.messages()
    assert "StatusCallback" not in sent.params


def test_a_later_63016_holds_the_notice_until_the_customer_writes(
    public: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    ravi, url = sent_notice(public, twilio_api)
    for _ in range(2):  # Twilio may report twice: acted on once
        assert report(public, ravi, url, "undelivered", "63016").status_code == 204
        notice = the_notice(public)
        assert notice.status == OutboxStatus.HELD and "63016" in notice.last_error
    assert run_once(public) == 0
    with woken(public, wakeups.outbox_topic("whatsapp")):
        ravi.text("hi")  # the window opens again: the notice goes out once more
    assert run_once(public) == 1
    assert len(twilio_api.messages()) == 2 and the_notice(public).status == OutboxStatus.SENT


def test_a_later_63016_sends_the_template_when_there_is_one(
    public_templated: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    ravi, url = sent_notice(public_templated, twilio_api)
    with woken(public_templated, wakeups.outbox_topic("whatsapp")):
        report(public_templated, ravi, url, "failed", "63016")
    assert run_once(public_templated) == 1
    first, again = twilio_api.messages()
    assert "Body" in first.params and again.params["ContentSid"] == TEMPLATE
    assert the_notice(public_templated).status == OutboxStatus.SENT
    report(public_templated, ravi, again.params["StatusCallback"], "failed", "63016")  # again
    assert the_notice(public_templated).status == OutboxStatus.HELD  # waits; no loop


def test_another_failure_is_recorded_and_delivery_changes_nothing(
    public: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    ravi, url = sent_notice(public, twilio_api)
    for status in ("sent", "delivered", "read"):
        assert report(public, ravi, url, status).status_code == 204
        assert the_notice(public).status == OutboxStatus.SENT
    report(public, ravi, url, "undelivered", "63024")
    notice = the_notice(public)
    assert notice.status == OutboxStatus.FAILED and "63024" in notice.last_error


def test_an_unsigned_or_unknown_report_changes_nothing(
    public: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    ravi, url = sent_notice(public, twilio_api)
    assert report(public, ravi, url, "undelivered", "63016", signed=False).status_code == 403
    for outbox in ("999999", "abc"):
        answer = report(public, ravi, f"{PUBLIC}{PATH}?outbox={outbox}", "failed", "63016")
        assert answer.status_code == 204
    assert the_notice(public).status == OutboxStatus.SENT


def test_a_report_on_an_earlier_part_changes_nothing(
    public: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    """The screenshot before a proof prompt's buttons, a long notice's first part: what
    counts is the last part, which a closed window would refuse too."""
    ravi, url = sent_notice(public, twilio_api)
    report(public, ravi, url, "undelivered", "63016", sid="SM" + "e" * 32)
    assert the_notice(public).status == OutboxStatus.SENT
