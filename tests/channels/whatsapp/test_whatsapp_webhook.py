"""POST /webhooks/whatsapp as Twilio calls it: signatures, a conversation in English
and Hindi, numbered choices, quick replies, identity, exactly-once, never a 500."""

from __future__ import annotations

import json
import logging
import threading

import pytest
from support import FIXTURES
from support.whatsapp import (
    CUSTOMER,
    WEBHOOK,
    WhatsAppUser,
    count,
    make_runtime,
    twiml_messages,
    user_for,
)

import bot.runtime
from bot.app import create_app
from bot.bootstrap import build_runtime
from bot.config import Config
from bot.runtime import Runtime
from store.db import unit_of_work
from store.models import Chat, InboundDelivery


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the conversation core processed (a spy around the real `handle`)."""
    seen: list[str] = []
    lock = threading.Lock()
    real = bot.runtime.handle

    def spy(inbound, ctx):  # noqa: ANN001, ANN202
        with lock:
            seen.append(inbound.text)
        return real(inbound, ctx)

    monkeypatch.setattr(bot.runtime, "handle", spy)
    return seen


def nothing_written(runtime: Runtime) -> bool:
    return count(runtime, Chat) == 0 and count(runtime, InboundDelivery) == 0


# ── the "done when" ─────────────────────────────────────────────────────


def test_signed_order_number_gets_status_due_and_upi_once(
    wa: Runtime, ravi: WhatsAppUser, handled: list[str]
) -> None:
    form = ravi.form("AK-1001")
    signed = ravi.post(form, signature=ravi.signature(form))
    assert signed.status_code == 200 and signed.mimetype == "text/xml"
    answer = signed.get_data(as_text=True)
    for fragment in ["AK-1001", "Preparing", "Due: ₹250.00", "ashaskitchen@okaxis"]:
        assert fragment in answer, fragment

    unsigned = ravi.post({**form, "MessageSid": "SM" + "f" * 32})
    assert unsigned.status_code == 403

    again = ravi.post(form, signature=ravi.signature(form))
    assert again.status_code == 200 and again.get_data(as_text=True) == answer
    assert handled == ["AK-1001"]
    assert count(wa, InboundDelivery) == 1


# ── authenticity ────────────────────────────────────────────────────────────────


def test_bad_signatures_get_403_and_change_nothing(wa: Runtime, ravi: WhatsAppUser) -> None:
    form = ravi.form("AK-1001")
    good = ravi.signature(form)
    tampered = {**form, "Body": "AK-1003"}
    extra_field = {**form, "ButtonPayload": "refresh:AK-1003"}
    for attempt, signature in [
        (tampered, good),
        (extra_field, good),
        (form, ravi.signature(form, url="http://localhost:8000" + WEBHOOK)),
        (form, ravi.signature(form, url=ravi.public_url + "/webhooks/whatsapp?x=1")),
        (form, WhatsAppUser(ravi.http, "another-token", ravi.public_url).signature(form)),
        (form, None),
        (form, "not-base64"),
    ]:
        response = ravi.post(attempt, signature=signature)
        assert response.status_code == 403, attempt
    assert nothing_written(wa)


def test_signature_covers_the_public_url_with_its_query(ravi: WhatsAppUser) -> None:
    """Twilio signs the URL it called (PUBLIC_BASE_URL behind a tunnel), query included."""
    form = ravi.form("AK-1001")
    path = WEBHOOK + "?via=tunnel"
    response = ravi.post(form, signature=ravi.signature(form, ravi.public_url + path), path=path)
    assert response.status_code == 200 and "AK-1001" in response.get_data(as_text=True)
    moved = ravi.post(form, signature=ravi.signature(form), path=path)
    assert moved.status_code == 403


@pytest.mark.parametrize("env, status", [("production", 403), ("development", 200)])
def test_without_a_token_only_development_answers(
    wa_config: Config, clock, waits, caplog: pytest.LogCaptureFixture, env: str, status: int
) -> None:
    config = wa_config.with_(twilio_auth_token=None, env=env)
    runtime = make_runtime(config, clock, waits)
    with caplog.at_level(logging.WARNING, logger="orderbot"):
        user = user_for(runtime)
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "TWILIO_AUTH_TOKEN is not set" in said
    assert ("accepted unsigned" in said) == (env == "development")
    response = user.send("AK-1001")
    assert response.status_code == status
    assert (count(runtime, Chat) == 0) == (status == 403)
    runtime.close()


# ── the conversation over the webhook ───────────────────────────────────────────


def test_conversation_in_english_and_hindi(ravi: WhatsAppUser) -> None:
    english = ravi.text("where is my order ak 1001?")
    for fragment in ["Order AK-1001", "Preparing", "Total: ₹400.00", "Due: ₹250.00",
                     "UPI ID: ashaskitchen@okaxis", "1. Refresh"]:
        assert fragment in english, fragment
    assert "2. हिंदी" in ravi.text("language")
    assert "भाषा हिंदी कर दी गई है" in ravi.text("2")
    hindi = ravi.text("मेरा ऑर्डर AK-1001")
    for fragment in ["AK-1001", "स्थिति:", "बाकी: ₹250.00", "ashaskitchen@okaxis", "1. "]:
        assert fragment in hindi, fragment


def test_numbered_choices_select_the_options_shown(ravi: WhatsAppUser) -> None:
    answer = ravi.text("AK-1001")
    options = [line for line in answer.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert options[:2] == ["1. Refresh", "2. Notify me"]
    following = ravi.text("2")
    assert "I will message you" in following and "1. Stop updates" in following
    assert "no longer get updates" in ravi.text("1")  # the numbers follow the latest menu


def test_quick_reply_button_payload_is_the_button_it_names(ravi: WhatsAppUser) -> None:
    ravi.text("AK-1001")
    answer = ravi.text("Help", ButtonPayload="refresh:AK-1001", ButtonText="Help",
                       MessageType="button")
    assert "Order AK-1001" in answer and "Due: ₹250.00" in answer


def test_the_sender_s_number_is_a_proven_phone(ravi: WhatsAppUser) -> None:
    answer = ravi.text("my orders")
    assert "AK-1001" in answer and "AK-1002" in answer
    assert "code" not in answer.lower()


def test_a_staff_member_s_number_is_the_vendor(asha: WhatsAppUser) -> None:
    assert "staff" in asha.text("hi")


def test_profile_name_and_wa_id_are_remembered(wa: Runtime, ravi: WhatsAppUser) -> None:
    ravi.text("hi")
    with unit_of_work(wa.sessions) as session:
        chat = session.query(Chat).one()
        assert (chat.channel, chat.address, chat.display_name) == ("whatsapp", CUSTOMER, "Ravi")
        assert chat.linked_phone == "+919811111111" and chat.platform_user_id == "919811111111"
        assert chat.last_inbound_at == wa.clock()


def test_twilio_s_sample_payloads(wa: Runtime, ravi: WhatsAppUser, asha: WhatsAppUser) -> None:
    text = json.loads((FIXTURES / "twilio" / "whatsapp-text.json").read_text())
    response = ravi.post(text, signature=ravi.signature(text))
    assert response.status_code == 200 and "Order AK-1001" in response.get_data(as_text=True)
    button = json.loads((FIXTURES / "twilio" / "whatsapp-button.json").read_text())
    pressed = asha.post(button, signature=asha.signature(button))
    assert pressed.status_code == 200 and twiml_messages(pressed.get_data(as_text=True))


def test_an_image_reply_links_to_a_qr_this_app_serves(wa: Runtime, ravi: WhatsAppUser) -> None:
    messages = twiml_messages(ravi.send("AK-1001").get_data(as_text=True))
    media = [url for _, urls in messages for url in urls]
    assert len(media) == 1 and media[0].startswith(wa.config.public_base_url + "/qr/")
    served = ravi.http.get(media[0].removeprefix(wa.config.public_base_url))
    assert served.status_code == 200 and served.data.startswith(b"\x89PNG")


# ── exactly once ────────────────────────────────────────────────────────────────


def test_concurrent_duplicates_are_processed_once(
    wa: Runtime, ravi: WhatsAppUser, handled: list[str]
) -> None:
    """Twilio retrying while the first delivery is still being answered: threads post
    the same signed request at once; one is processed, all get the same TwiML."""
    form = ravi.form("AK-9999")  # a miss is counted: a second processing would show
    signature = ravi.signature(form)
    app = ravi.http.application
    start = threading.Barrier(6)
    answers: list[tuple[int, str]] = []

    def post() -> None:
        http = app.test_client()
        start.wait()
        response = http.post(WEBHOOK, data=form, headers={"X-Twilio-Signature": signature})
        answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 6 and len(set(answers)) == 1
    status, body = answers[0]
    assert status == 200 and "could not find" in body
    assert handled == ["AK-9999"]
    assert count(wa, InboundDelivery) == 1
    with unit_of_work(wa.sessions) as session:
        assert session.query(Chat).one().lookup_misses == 1


# ── never a 500, never silence ──────────────────────────────────────────────────


def test_a_failure_anywhere_is_an_apology_not_a_500(
    wa: Runtime, ravi: WhatsAppUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(inbound, ctx):  # noqa: ANN001, ANN202
        raise RuntimeError("bug")

    monkeypatch.setattr(bot.runtime, "handle", broken)
    assert "Sorry, something went wrong" in ravi.text("AK-1001")

    class BrokenFetcher:
        def fetch_all(self, items, sid):  # noqa: ANN001, ANN201
            raise OSError("disk full")

    wa.services.media_fetcher = BrokenFetcher()
    user = user_for(wa)
    assert "Sorry, something went wrong" in user.text("AK-1001")
    assert count(wa, InboundDelivery) == 0


def test_a_database_that_is_down_gets_503_without_a_traceback(
    wa_config: Config, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    config = wa_config.with_(database_url=f"sqlite:///{tmp_path}/missing/dir/orderbot.db")
    runtime = build_runtime(config)
    user = user_for(runtime)
    with caplog.at_level(logging.ERROR, logger="orderbot"):
        response = user.send("AK-1001")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "database unavailable" in caplog.text
    assert not any(r.exc_info for r in caplog.records), "a traceback was logged"
    runtime.close()


def test_a_sender_that_is_not_whatsapp_gets_an_empty_answer(
    wa: Runtime, ravi: WhatsAppUser
) -> None:
    for sender in ["+919811111111", "whatsapp:not-a-number", ""]:
        response = ravi.send("AK-1001", From=sender)
        assert response.status_code == 200 and twiml_messages(response.get_data(as_text=True)) == []
    assert nothing_written(wa)


def test_app_factory_registers_the_webhook(wa: Runtime) -> None:
    rules = {rule.rule: rule.methods for rule in create_app(runtime=wa).url_map.iter_rules()}
    assert "POST" in rules[WEBHOOK]
