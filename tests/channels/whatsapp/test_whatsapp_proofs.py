"""Payment proofs over WhatsApp, through the real adapter: a signed webhook with a
photo fetched from the Twilio stand-in's media host, the vendor's prompt sent by the
real twilio REST client (text, or the quick-reply template when configured, the file
as a signed `/media/…` link), and the template's button deciding the proof."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from standins import FakeTwilioAPI
from support import FIXTURES
from support.proofs import kept_files, prompts, proofs
from support.whatsapp import VENDOR, WhatsAppUser, make_runtime, twiml_messages, user_for

from bot.channels.whatsapp.outbound import SENT_PARTS
from bot.config import Config
from bot.runtime import Runtime
from bot.worker import run_once
from store.db import unit_of_work
from store.models import MediaFile, OutboxStatus, Payment

from .test_whatsapp_media import with_media

IMAGES = FIXTURES / "images"
TEMPLATE = "HX" + "b" * 32
TYPES = {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf"}


@pytest.fixture
def templated(wa_config: Config, clock: Any, waits: list[float]) -> Iterator[Runtime]:
    """The runtime with the proof prompt's quick-reply template configured."""
    raw = {"TWILIO_TEMPLATE_PROOF_PROMPT": TEMPLATE}
    runtime = make_runtime(wa_config.with_env(raw), clock, waits)
    yield runtime
    runtime.close()


def send_file(user: WhatsAppUser, api: FakeTwilioAPI, name: str, caption: str) -> str:
    kind = TYPES[name[-3:]]
    url = api.add_media((IMAGES / name).read_bytes(), kind)
    return with_media(user, (url, kind), body=caption)



def submitted(runtime: Runtime, api: FakeTwilioAPI, name: str = "upi-payment-250.png",
              caption: str = "paid 250") -> WhatsAppUser:
    """Ravi opens AK-1001 on WhatsApp and sends the screenshot."""
    ravi = user_for(runtime)
    assert "AK-1001" in ravi.text("AK-1001")
    assert "Received your payment screenshot for AK-1001" in send_file(ravi, api, name, caption)
    return ravi


# ── intake through the webhook ───────────────────────────────────────────────


def test_a_photo_on_whatsapp_becomes_a_pending_proof_and_a_prompt(
    wa: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    ravi = user_for(wa)
    ravi.text("AK-1001")
    answer = send_file(ravi, twilio_api, "upi-payment-250.png", "paid 250")
    assert "Received your payment screenshot for AK-1001 (₹250.00)" in answer
    assert "only once they approve" in answer
    [proof] = proofs(wa)
    assert (proof.number, proof.claimed_minor, proof.status) == (1, 25000, "pending")
    with unit_of_work(wa.sessions) as s:
        media = s.get(MediaFile, proof.media_id)
        assert [p.name for p in kept_files(wa)] == [f"{media.sha256}.png"]
    [prompt] = prompts(wa)  # WhatsApp is configured: the staff are prompted there
    assert prompt.address == VENDOR and prompt.payload["proof_id"] == proof.id


@pytest.mark.parametrize(
    "name, declared, says",
    [("not-an-image.png", "image/png", "photo (JPEG, PNG or WebP) or a PDF"),
     ("truncated.jpg", "image/jpeg", "damaged or incomplete")],
)
def test_a_file_that_is_not_a_receipt_is_refused_and_nothing_kept(
    wa: Runtime, twilio_api: FakeTwilioAPI, name: str, declared: str, says: str
) -> None:
    ravi = user_for(wa)
    ravi.text("AK-1001")
    url = twilio_api.add_media((IMAGES / name).read_bytes(), declared)
    assert says in with_media(ravi, (url, declared), body="paid 250")
    assert proofs(wa) == [] and prompts(wa) == [] and kept_files(wa) == []
    with unit_of_work(wa.sessions) as s:
        assert s.scalars(select(MediaFile)).all() == []


# ── the vendor's prompt ──────────────────────────────────────────────────────


def test_without_a_template_the_prompt_is_text_with_numbered_choices_and_the_image(
    wa: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    user_for(wa, VENDOR, profile="Asha").text("hi")  # Asha's window is open
    submitted(wa, twilio_api)
    assert run_once(wa) == 1
    [sent] = twilio_api.messages(VENDOR)
    assert "Payment proof 1 · AK-1001" in sent.params["Body"]
    assert "1. ✅ Approve\n2. ❌ Reject" in sent.params["Body"]
    assert sent.params["MediaUrl"][0].startswith(wa.config.public_base_url + "/media/")
    assert "ContentSid" not in sent.params


def test_with_the_template_the_prompt_is_the_image_then_quick_replies(
    templated: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    user_for(templated, VENDOR, profile="Asha").text("hi")
    submitted(templated, twilio_api, caption="paid 300 gpay")  # more than the ₹250 due
    assert run_once(templated) == 1
    image, template = twilio_api.messages(VENDOR)
    assert image.params["MediaUrl"][0].startswith(templated.config.public_base_url + "/media/")
    assert image.params["Body"] == "Payment proof 1 for AK-1001"
    assert template.params["ContentSid"] == TEMPLATE and "Body" not in template.params
    variables = json.loads(template.params["ContentVariables"])
    assert variables == {
        "1": "1", "2": "AK-1001", "3": "Ravi Kumar", "4": "₹300.00", "5": "₹250.00",
        "6": "Paid by: UPI (as the customer says) ⚠️ More than the ₹250.00 due.",
    }
    [prompt] = prompts(templated)
    assert prompt.status == OutboxStatus.SENT


def test_outside_the_window_the_template_goes_alone(
    templated: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    submitted(templated, twilio_api)  # Asha has not written: her window is closed
    assert run_once(templated) == 1
    [template] = twilio_api.messages(VENDOR)
    assert template.params["ContentSid"] == TEMPLATE and "MediaUrl" not in template.params
    assert json.loads(template.params["ContentVariables"])["6"] == "Nothing unusual."


def test_twilio_s_closed_window_skips_the_image_and_sends_the_template(
    templated: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    user_for(templated, VENDOR, profile="Asha").text("hi")
    submitted(templated, twilio_api)
    twilio_api.fail_next("messages", 400, code=63016)  # the image is refused
    run_once(templated)
    [template] = twilio_api.messages(VENDOR)
    assert template.params["ContentSid"] == TEMPLATE
    [prompt] = prompts(templated)
    assert prompt.status == OutboxStatus.SENT


@pytest.mark.parametrize("later", [timedelta(minutes=5), timedelta(hours=25)])
def test_a_failed_template_is_retried_without_sending_the_image_again(
    templated: Runtime, twilio_api: FakeTwilioAPI, clock: Any, later: timedelta
) -> None:
    """Also when the window has closed in between: the template still goes."""
    user_for(templated, VENDOR, profile="Asha").text("hi")
    submitted(templated, twilio_api)
    limit = twilio_api.limit_per_second(1, scope="messages")  # the template gets a 429
    run_once(templated)
    [prompt] = prompts(templated)
    assert prompt.status == OutboxStatus.PENDING and prompt.payload[SENT_PARTS] == 1
    limit.per_second = 100
    clock.now += later
    run_once(templated)
    sent = twilio_api.messages(VENDOR)
    assert ["MediaUrl" in c.params for c in sent] == [True, False]
    assert sent[1].params["ContentSid"] == TEMPLATE
    assert prompts(templated)[0].status == OutboxStatus.SENT


@pytest.mark.parametrize("templates", [False, True])
def test_a_pdf_proof_goes_to_the_vendor_as_a_media_link(
    wa: Runtime, templated: Runtime, twilio_api: FakeTwilioAPI, templates: bool
) -> None:
    runtime = templated if templates else wa
    asha = user_for(runtime, VENDOR, profile="Asha")
    asha.text("hi")
    submitted(runtime, twilio_api, "bank-receipt-250.pdf", "250/-")
    run_once(runtime)
    first = twilio_api.messages(VENDOR)[0]
    (link,) = first.params["MediaUrl"]
    assert link.startswith(runtime.config.public_base_url + "/media/")
    served = asha.http.get(link.removeprefix(runtime.config.public_base_url))
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    assert served.data == (IMAGES / "bank-receipt-250.pdf").read_bytes()


# ── the template's buttons ───────────────────────────────────────────────────


def test_the_approve_quick_reply_decides_the_proof(
    templated: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    submitted(templated, twilio_api)
    asha = user_for(templated, VENDOR, profile="Asha")
    answer = asha.text("✅ Approve", ButtonPayload="approve:1", ButtonText="✅ Approve",
                       MessageType="button")
    assert "Proof 1 approved: ₹250.00 recorded for AK-1001 (UPI)" in answer
    [proof] = proofs(templated)
    assert proof.status == "approved"
    with unit_of_work(templated.sessions) as s:
        assert [(p.amount_minor, p.proof_id) for p in s.scalars(select(Payment).where(
            Payment.proof_id.is_not(None)))] == [(25000, proof.id)]
    again = asha.text("✅ Approve", ButtonPayload="approve:1", ButtonText="✅ Approve")
    assert "already approved by Asha" in again


def test_the_reject_quick_reply_asks_for_a_reason(
    templated: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    submitted(templated, twilio_api)
    asha = user_for(templated, VENDOR, profile="Asha")
    answer = asha.send("❌ Reject", ButtonPayload="reject:1", ButtonText="❌ Reject")
    [(text, _media)] = twiml_messages(answer.get_data(as_text=True))
    assert "Why is proof 1 rejected?" in text
    assert "rejected" in asha.text("amount does not match")
    assert proofs(templated)[0].status == "rejected"


def test_a_customer_pressing_an_approve_payload_decides_nothing(
    templated: Runtime, twilio_api: FakeTwilioAPI
) -> None:
    ravi = submitted(templated, twilio_api)
    ravi.text("Approve", ButtonPayload="approve:1")
    assert proofs(templated)[0].status == "pending"
