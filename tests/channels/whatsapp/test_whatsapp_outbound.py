"""Notices to WhatsApp through the outbox worker and the real twilio REST client,
against the Twilio stand-in: retries and back-off (Retry-After honoured), no
duplicates, permanent failures, the 24-hour window with and without a template."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from standins import FakeTwilioAPI
from support.whatsapp import BUSINESS_NUMBER, CUSTOMER, WhatsAppUser, make_runtime, user_for

from bot.bootstrap import build_runtime
from bot.channels.whatsapp.outbound import SENT_PARTS, WhatsAppSender
from bot.config import Config
from bot.runtime import Runtime
from bot.worker import run_once
from store.db import unit_of_work
from store.models import OutboxMessage, OutboxStatus
from store.orders import Actor, set_status
from store.outbox import enqueue
from store.queries import order_by_number

TEMPLATE = "HX" + "a" * 32


def order_ready(runtime: Runtime, number: str = "AK-1001") -> None:
    """Asha marks the order ready: a notice is queued for the customer's chats."""
    with unit_of_work(runtime.sessions) as session:
        set_status(session, order_by_number(session, number), "ready", Actor("Asha"),
                   now=runtime.clock())


def outbox(runtime: Runtime) -> list[OutboxMessage]:
    with unit_of_work(runtime.sessions) as session:
        return list(session.query(OutboxMessage).order_by(OutboxMessage.id))


def the_notice(runtime: Runtime) -> OutboxMessage:
    (message,) = outbox(runtime)
    return message


def first_attempt_answered(
    runtime: Runtime, twilio_api: FakeTwilioAPI, status: int, **failure: Any
) -> OutboxMessage:
    """The order becomes ready and Twilio answers the notice's first send with `status`."""
    order_ready(runtime)
    twilio_api.fail_next("messages", status, **failure)
    run_once(runtime)
    return the_notice(runtime)


@pytest.fixture
def wrote(ravi: WhatsAppUser) -> WhatsAppUser:
    """Ravi looked his order up on WhatsApp just now: his 24-hour window is open."""
    assert "AK-1001" in ravi.text("AK-1001")
    return ravi


@pytest.fixture
def templated(wa_config: Config, clock: Any, waits: list[float]):  # noqa: ANN201
    runtime = make_runtime(
        wa_config.with_env({"TWILIO_TEMPLATE_ORDER_STATUS": TEMPLATE}),
        clock, waits)
    yield runtime
    runtime.close()


def test_a_notice_in_the_window_goes_out_once_as_free_text(
    wa: Runtime, wrote: WhatsAppUser, twilio_api: FakeTwilioAPI
) -> None:
    order_ready(wa)
    assert run_once(wa) == 1 and run_once(wa) == 0
    (sent,) = twilio_api.messages()
    assert (sent.params["To"], sent.params["From"]) == (CUSTOMER, BUSINESS_NUMBER)
    assert "AK-1001" in sent.params["Body"] and "Ready" in sent.params["Body"]
    assert "1. Refresh\n2. How to pay" in sent.params["Body"]
    notice = the_notice(wa)
    assert notice.status == OutboxStatus.SENT and notice.provider_message_id.startswith("SM")
    # The notice's numbers are now the ones a typed number selects (before it, 2 was "notify").
    answer = wrote.text("2")
    assert "UPI ID: ashaskitchen@okaxis" in answer and "I will message you" not in answer


def test_429_waits_as_long_as_twilio_asks(
    wa: Runtime, wrote: WhatsAppUser, twilio_api: FakeTwilioAPI, clock
) -> None:
    notice = first_attempt_answered(wa, twilio_api, 429, retry_after=120)
    assert notice.status == OutboxStatus.PENDING and notice.attempts == 1
    assert notice.next_attempt_at == clock() + timedelta(seconds=120)
    clock.advance(seconds=119)
    assert run_once(wa) == 0
    clock.advance(seconds=1)
    assert run_once(wa) == 1
    assert len(twilio_api.messages()) == 1 and the_notice(wa).status == OutboxStatus.SENT


def test_server_errors_and_network_failures_are_retried_with_back_off(
    wa: Runtime, wrote: WhatsAppUser, twilio_api: FakeTwilioAPI, clock
) -> None:
    order_ready(wa)
    twilio_api.fail_next("messages", 500)
    twilio_api.fail_next("messages", 503)
    delays = []
    for _ in range(2):
        run_once(wa)
        notice = the_notice(wa)
        assert notice.status == OutboxStatus.PENDING
        delays.append(notice.next_attempt_at - clock())
        assert run_once(wa) == 0  # not before its time
        clock.advance(seconds=delays[-1].total_seconds())
    assert timedelta(seconds=2) <= delays[0] < delays[1] <= timedelta(seconds=10)
    assert run_once(wa) == 1
    assert len(twilio_api.messages()) == 1 and the_notice(wa).attempts == 3


def test_an_unreachable_twilio_is_retried(
    wa_config: Config, clock: Any, waits: list[float]
) -> None:
    with FakeTwilioAPI() as gone:
        dead = gone.base_url
    runtime = make_runtime(wa_config.with_(twilio_api_base_url=dead), clock, waits)
    user_for(runtime).text("AK-1001")
    order_ready(runtime)
    run_once(runtime)
    notice = the_notice(runtime)
    assert notice.status == OutboxStatus.PENDING and "network" in notice.last_error
    runtime.close()


def test_a_refused_message_is_recorded_and_not_retried(
    wa: Runtime, wrote: WhatsAppUser, twilio_api: FakeTwilioAPI, clock
) -> None:
    notice = first_attempt_answered(wa, twilio_api, 400, code=21211)
    assert notice.status == OutboxStatus.FAILED and "21211" in notice.last_error
    clock.advance(days=1)
    assert run_once(wa) == 0 and twilio_api.messages() == []


def test_outside_the_window_an_approved_template_is_sent(
    templated: Runtime, twilio_api: FakeTwilioAPI, clock
) -> None:
    user_for(templated).text("AK-1001")
    clock.advance(hours=25)
    order_ready(templated)
    run_once(templated)
    (sent,) = twilio_api.messages()
    assert sent.params["ContentSid"] == TEMPLATE and "Body" not in sent.params
    variables = json.loads(sent.params["ContentVariables"])
    assert variables["2"] == "AK-1001" and variables["3"] == "Asha's Kitchen"
    assert "Ready" in variables["1"] and "\n" not in variables["1"]
    assert the_notice(templated).status == OutboxStatus.SENT


def test_outside_the_window_without_a_template_the_notice_waits_for_the_customer(
    wa: Runtime, wrote: WhatsAppUser, twilio_api: FakeTwilioAPI, clock
) -> None:
    clock.advance(hours=24)
    order_ready(wa)
    run_once(wa)
    assert the_notice(wa).status == OutboxStatus.HELD and twilio_api.calls == []
    clock.advance(days=3)
    assert run_once(wa) == 0
    wrote.text("hi")  # the customer writes: the window opens, the notice is released
    assert the_notice(wa).status == OutboxStatus.PENDING
    assert run_once(wa) == 1
    (sent,) = twilio_api.messages()
    assert "Ready" in sent.params["Body"] and the_notice(wa).status == OutboxStatus.SENT


@pytest.mark.parametrize("with_template", [False, True])
def test_twilio_s_63016_outside_window_is_handled(
    wa: Runtime, templated: Runtime, twilio_api: FakeTwilioAPI, with_template: bool
) -> None:
    """Our clock says the window is open, Twilio says it is not: its word wins."""
    runtime = templated if with_template else wa
    user_for(runtime).text("AK-1001")
    notice = first_attempt_answered(runtime, twilio_api, 400, code=63016)
    if with_template:
        (sent,) = twilio_api.messages()
        assert sent.params["ContentSid"] == TEMPLATE and notice.status == OutboxStatus.SENT
    else:
        assert twilio_api.messages() == [] and notice.status == OutboxStatus.HELD


def test_a_long_message_resumes_after_the_parts_already_sent(
    wa: Runtime, wrote: WhatsAppUser, twilio_api: FakeTwilioAPI, clock
) -> None:
    lines = [f"line {n}: " + "x" * 90 for n in range(40)]  # about 4000 characters: 3 parts
    with unit_of_work(wa.sessions) as session:
        enqueue(session, channel="whatsapp", address=CUSTOMER, kind="text",
                payload={"text": "\n".join(lines)}, key="long", now=clock())
    limit = twilio_api.limit_per_second(1, scope="messages")  # the 2nd part gets a 429
    run_once(wa)
    notice = the_notice(wa)
    assert notice.status == OutboxStatus.PENDING and notice.payload[SENT_PARTS] == 1
    limit.per_second = 100
    clock.advance(seconds=5)
    run_once(wa)
    bodies = [c.params["Body"] for c in twilio_api.messages()]
    assert len(bodies) == 3 and all(len(b) <= 1600 for b in bodies)
    assert "\n".join(bodies).splitlines() == lines  # each line once, in order, none cut
    assert the_notice(wa).status == OutboxStatus.SENT


def test_the_sender_is_wired_only_with_credentials_and_a_number(wa_config: Config) -> None:
    assert "whatsapp" not in build_runtime(wa_config.with_(twilio_whatsapp_from=None)).senders
    assert "whatsapp" not in build_runtime(wa_config.with_(twilio_auth_token=None)).senders
    sender = build_runtime(wa_config.with_(twilio_whatsapp_from="+14155238886")).senders["whatsapp"]
    assert isinstance(sender, WhatsAppSender) and sender.from_ == BUSINESS_NUMBER
