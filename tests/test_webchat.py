"""The web chat through Flask's test client: off unless switched on, the same core
as every channel, files as payment proofs, and queued notices when the page polls."""

from __future__ import annotations

from dataclasses import replace

import pytest
from support import FIXTURES

from bot.app import create_app
from bot.runtime import Services
from handlers import i18n
from store.db import unit_of_work
from store.models import Chat, InboundDelivery
from store.orders import Actor, record_payment
from store.queries import order_by_number

API = {"X-Requested-With": "orderbot"}
RAVI = "+919811111111"


@pytest.fixture
def web(demo):
    """The app with the web chat on, and its runtime."""
    runtime = replace(demo, config=demo.config.with_(webchat=True, env="development"),
                      services=Services())
    return create_app(runtime=runtime).test_client(), runtime


def say(client, **fields):
    return client.post("/chat/api/send", json={"phone": RAVI, **fields}, headers=API)


def test_the_web_chat_is_off_unless_switched_on(client, demo) -> None:
    assert client.get("/chat").status_code == 404
    assert say(client, text="hi").status_code == 404
    assert "web chat:      {base}/chat" not in demo.services.demo_lines


def test_switched_on_it_serves_the_page_and_says_so_at_start(web, capsys) -> None:
    from bot.cli.main import print_demo

    client, runtime = web
    page = client.get("/chat").get_data(as_text=True)
    assert i18n.t("web.chat.playground", "en") in page and 'type="file"' in page
    print_demo(runtime, "127.0.0.1", 8000)
    printed = capsys.readouterr().out
    assert "web chat:      http://127.0.0.1:8000/chat" in printed
    assert "demo bookings: GS-B501, GS-B502" in printed  # the salon's, beside the orders
    assert "salon staff:   +919800000002 (Neha, Glow Salon)" in printed


def test_an_order_number_gets_the_order_view_with_its_link_qr_and_buttons(web) -> None:
    client, _ = web
    response = say(client, text="AK-1001")
    assert response.status_code == 200
    view, qr = response.json["replies"]
    assert "AK-1001" in view["text"] and "/o/" in view["text"]
    assert ["Notify me", "notify:AK-1001"] in view["buttons"]
    assert qr["image"]["src"].startswith("/qr/")
    assert client.get(qr["image"]["src"]).status_code == 200
    pressed = say(client, button="notify:AK-1001")
    assert pressed.json["replies"][0]["text"] == i18n.t("notify.on", "en", number="AK-1001")


def test_the_chosen_phone_is_taken_as_proven_in_a_chat_of_this_browser(web, demo) -> None:
    client, _ = web
    answer = say(client, text="my orders").json["replies"][0]["text"]
    assert "AK-1001" in answer and "AK-1002" in answer
    with unit_of_work(demo.sessions) as session:
        chat = session.query(Chat).filter_by(channel="web").one()
        assert chat.linked_phone == RAVI and chat.address.endswith(":" + RAVI)
    other_browser = create_app(runtime=demo).test_client()  # same runtime, no cookie
    assert other_browser.get("/chat").status_code == 404  # (the chat is off there)


def test_as_the_demo_vendor_the_same_browser_talks_as_staff(web) -> None:
    client, _ = web
    customer = say(client, text="hi").json["replies"][0]["text"]
    vendor = say(client, phone="+919800000001", text="hi").json["replies"][0]["text"]
    assert customer == i18n.t("help.customer", "en")
    assert vendor == i18n.t("help.staff", "en")


def test_a_proof_image_goes_to_the_core_as_media(web) -> None:
    client, _ = web
    say(client, text="AK-1001")
    path = FIXTURES / "images" / "upi-payment-250.png"
    with path.open("rb") as image:
        response = client.post(
            "/chat/api/send",
            data={"phone": RAVI, "text": "250", "file": (image, path.name, "image/png")},
            headers=API,
            content_type="multipart/form-data",
        )
    assert response.status_code == 200
    text = response.json["replies"][0]["text"]
    assert text == i18n.t("proofs.received", "en", number="AK-1001", amount="₹250.00",
                         business="Asha's Kitchen")


def test_queued_notices_arrive_when_the_page_polls(web, demo) -> None:
    client, _ = web
    say(client, text="AK-1001")
    with unit_of_work(demo.sessions) as session:
        order = order_by_number(session, "AK-1001")
        record_payment(session, order, 5000, "cash", Actor("Asha"), now=demo.clock())
    queued = client.get(f"/chat/api/poll?phone={RAVI}", headers=API).json["queued"]
    assert len(queued) == 1 and "₹50.00" in queued[0]["text"] and "AK-1001" in queued[0]["text"]
    assert client.get(f"/chat/api/poll?phone={RAVI}", headers=API).json["queued"] == []


def test_a_message_sent_twice_is_answered_once(web, demo) -> None:
    client, _ = web
    first = say(client, text="AK-1001", id="m-1").json["replies"]
    again = say(client, text="AK-1001", id="m-1").json["replies"]
    assert [r["text"] for r in first] == [r["text"] for r in again]
    with unit_of_work(demo.sessions) as session:
        assert session.query(InboundDelivery).filter_by(channel="web").count() == 1


def test_bad_requests_get_a_clear_answer(web) -> None:
    client, _ = web
    no_header = client.post("/chat/api/send", json={"phone": RAVI, "text": "hi"})
    assert no_header.status_code == 403
    bad_phone = say(client, phone="12", text="hi")
    assert bad_phone.status_code == 400
    assert bad_phone.json["error"] == i18n.t("web.chat.bad_phone", "en")
    empty = say(client, text="  ")
    assert empty.status_code == 400
    assert empty.json["error"] == i18n.t("web.chat.bad_request", "en")
    not_json = client.post("/chat/api/send", data="[1]", headers=API,
                           content_type="application/json")
    assert not_json.status_code == 400
    assert client.get("/chat/api/poll?phone=abc", headers=API).status_code == 400
