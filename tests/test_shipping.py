"""Shipping webhooks: authentication, the carriers' statuses, one notice per step
however often a carrier repeats it, and the order view's shipment section."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from support import ChatDriver, requires_postgres
from support.api import row_counts

from bot.app import create_app
from bot.shipping import generic_step, shiprocket_step
from handlers import notices
from store.db import unit_of_work
from store.models import OutboxMessage, Shipment, StatusEvent
from store.queries import order_by_number

SECRETS = {"SHIPPING_SHIPROCKET_SECRET": "sr-secret", "SHIPPING_GENERIC_SECRET": "gen-secret"}


def shiprocket_event(status: str = "OUT FOR DELIVERY", **changes) -> dict:
    """A Shiprocket tracking webhook, shaped like its documented sample."""
    return {
        "awb": "19041424751540", "courier_name": "Delhivery Surface",
        "current_status": status, "current_status_id": 17, "shipment_status": status,
        "shipment_status_id": 17, "current_timestamp": "24 11 2026 20:15:00",
        "order_id": "AK-1003", "sr_order_id": 348456385, "awb_assigned_date": "2026-11-24 11:59:16",
        "pickup_scheduled_date": "2026-11-24 11:59:17", "etd": "2026-11-25 15:40:19",
        "scans": [{"date": "2026-11-24 15:32:17", "status": "X-PPOM",
                   "activity": "In Transit - Shipment picked up", "location": "Bengaluru_Hub",
                   "sr-status": "42", "sr-status-label": "PICKED UP"}],
        "is_return": 0, "channel_id": 3422553, "pod_status": "OTP Based Delivery",
        "pod": "Not Available", **changes,
    }


@pytest.fixture
def carrier(demo):
    """The app with both providers' secrets set, and a customer chat for AK-1003."""
    demo.config = demo.config.with_env(SECRETS)
    client = create_app(runtime=demo).test_client()
    ChatDriver(demo, address="+919822222222", phone="+919822222222").say("hi")

    class Carrier:
        def shiprocket(self, body: dict, secret: str = "sr-secret"):
            return client.post("/webhooks/shipping/shiprocket", json=body,
                               headers={"x-api-key": secret})

        def generic(self, body: dict, provider: str = "generic", **headers: str):
            raw = json.dumps(body).encode()
            if not headers:
                digest = hmac.new(b"gen-secret", raw, hashlib.sha256).hexdigest()
                headers = {"X-Orderbot-Signature": f"sha256={digest}"}
            return client.post(f"/webhooks/shipping/{provider}", data=raw, headers=headers,
                               content_type="application/json")

    return Carrier()


def _notices(runtime) -> list[OutboxMessage]:
    with unit_of_work(runtime.sessions) as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "order_shipment")))


def _shipment_events(runtime) -> list[tuple[str | None, str]]:
    with unit_of_work(runtime.sessions) as s:
        rows = s.scalars(select(StatusEvent).where(StatusEvent.kind == "shipment"))
        return [(e.to_status, e.detail["carrier_status"]) for e in rows]


# ── authentication ───────────────────────────────────────────────────────────


@pytest.mark.parametrize("secret", ["wrong", ""])
def test_shiprocket_needs_its_token(carrier, demo, secret) -> None:
    before = row_counts(demo)
    response = carrier.shiprocket(shiprocket_event(), secret=secret)
    assert response.status_code == 403 and response.json["error"]["code"] == "bad_secret"
    assert row_counts(demo) == before


def test_generic_needs_a_signature_or_the_token(carrier, demo) -> None:
    body = {"order_number": "AK-1003", "status": "picked_up"}
    before = row_counts(demo)
    assert carrier.generic(body, **{"X-Orderbot-Signature": "sha256=00"}).status_code == 403
    assert carrier.generic(body, **{"X-Orderbot-Token": "nope"}).status_code == 403
    assert row_counts(demo) == before
    assert carrier.generic(body).status_code == 200  # signed
    assert carrier.generic({**body, "status": "in_transit"},
                           **{"X-Orderbot-Token": "gen-secret"}).status_code == 200
    assert [step for step, _ in _shipment_events(demo)] == ["picked_up", "in_transit"]


def test_a_provider_without_a_secret_is_not_served(carrier) -> None:
    response = carrier.generic({"order_number": "AK-1003", "status": "delivered"}, "delhivery",
                               **{"X-Orderbot-Token": ""})
    assert response.status_code == 404 and response.json["error"]["code"] == "unknown_provider"


# ── statuses ─────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("label", "step"), [
    ("PICKED UP", "picked_up"), ("Shipped", "in_transit"), ("IN TRANSIT", "in_transit"),
    ("REACHED AT DESTINATION HUB", "in_transit"), ("out for delivery", "out_for_delivery"),
    ("DELIVERED", "delivered"), ("UNDELIVERED-1ST ATTEMPT", "failed_attempt"),
    ("RTO INITIATED", "returned"), ("RTO DELIVERED", "returned"),
    ("PICKUP EXCEPTION", None), ("CANCELED", None), ("MANIFEST GENERATED", None),
])
def test_shiprocket_statuses(label, step) -> None:
    assert shiprocket_step(label) == step


@pytest.mark.parametrize(("status", "step"), [
    ("picked_up", "picked_up"), ("In Transit", "in_transit"), ("out-for-delivery",
     "out_for_delivery"), ("delivered", "delivered"), ("failed_attempt", "failed_attempt"),
    ("undelivered", "failed_attempt"), ("returned", "returned"), ("rto", "returned"),
    ("lost", None), ("label_created", None),
])
def test_generic_statuses(status, step) -> None:
    assert generic_step(status) == step


# ── one notice per step ──────────────────────────────────────────────────────


def test_a_repeated_event_is_one_timeline_line_and_one_notice(carrier, demo) -> None:
    answers = [carrier.shiprocket(shiprocket_event()) for _ in range(3)]
    assert [a.json["result"] for a in answers] == ["recorded", "repeat", "repeat"]
    assert [a.json["notified"] for a in answers] == [1, 0, 0]
    assert _shipment_events(demo) == [("out_for_delivery", "OUT FOR DELIVERY")]
    (notice,) = _notices(demo)
    assert notice.address == "+919822222222"
    with unit_of_work(demo.sessions) as s:
        text = notices.render(s, s.get(OutboxMessage, notice.id))[0].text
    assert "AK-1003" in text and "Out for delivery" in text
    assert "https://shiprocket.co/tracking/19041424751540" in text and "Delhivery" in text


def test_each_new_step_is_told_once(carrier, demo) -> None:
    for status in ["PICKED UP", "IN TRANSIT", "REACHED AT DESTINATION HUB", "IN TRANSIT",
                   "OUT FOR DELIVERY", "DELIVERED", "DELIVERED"]:
        assert carrier.shiprocket(shiprocket_event(status)).status_code == 200
    with unit_of_work(demo.sessions) as s:
        steps = [s.get(StatusEvent, n.payload["event_id"]).to_status for n in _notices(demo)]
        assert steps == ["picked_up", "in_transit", "out_for_delivery", "delivered"]
        assert s.scalars(select(Shipment.status)).one() == "delivered"


def test_delivery_completes_the_order_and_says_so_once(carrier, demo) -> None:
    for status in ["OUT FOR DELIVERY", "DELIVERED"]:
        assert carrier.shiprocket(shiprocket_event(status)).status_code == 200
    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "AK-1003")
        assert order.status == "completed"
        (done,) = [e for e in order.events if e.kind == "status" and e.to_status == "completed"]
        assert done.actor == "shiprocket"
        kinds = sorted(s.scalars(select(OutboxMessage.kind)))
    assert kinds == ["order_shipment", "order_shipment"]  # no separate "completed" notice


def test_unknown_statuses_are_recorded_not_told(carrier, demo) -> None:
    answer = carrier.shiprocket(shiprocket_event("PICKUP EXCEPTION"))
    assert answer.json["result"] == "unknown_status" and answer.json["notified"] == 0
    assert carrier.shiprocket(shiprocket_event("PICKUP EXCEPTION")).json["result"] == "repeat"
    assert _shipment_events(demo) == [(None, "PICKUP EXCEPTION")]
    assert _notices(demo) == []


def test_a_late_step_after_delivery_is_not_told(carrier, demo) -> None:
    carrier.shiprocket(shiprocket_event("DELIVERED"))
    late = carrier.shiprocket(shiprocket_event("IN TRANSIT"))
    assert late.json["result"] == "recorded" and late.json["notified"] == 0
    with unit_of_work(demo.sessions) as s:
        assert s.scalars(select(Shipment.status)).one() == "delivered"
    assert len(_notices(demo)) == 1


def test_an_unknown_order_is_acknowledged_and_ignored(carrier, demo) -> None:
    before = row_counts(demo)
    answer = carrier.shiprocket(shiprocket_event(order_id="ZZ-9999", awb="555"))
    assert answer.status_code == 200 and answer.json["result"] == "unknown_order"
    assert row_counts(demo) == before


def test_later_events_find_the_order_by_awb(carrier, demo) -> None:
    carrier.shiprocket(shiprocket_event("PICKED UP"))
    answer = carrier.shiprocket(shiprocket_event("IN TRANSIT", order_id="1373900_150876814"))
    assert answer.json == {"result": "recorded", "order": "AK-1003", "step": "in_transit",
                           "notified": 1}


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "delivered"}, "order_number"),
    ({"order_number": "AK-1003"}, "status"),
    ({"order_number": "AK-1003", "status": "delivered", "time": "yesterday"}, "time"),
    ({"order_number": "AK-1003", "status": "delivered", "time": "2026-11-24T10:00:00"}, "time"),
    ({"order_number": "AK-1003", "status": "delivered", "tracking_url": "javascript:x"},
     "tracking_url"),
    ({"order_number": ["AK-1003"], "status": "delivered"}, "order_number"),
])
def test_bad_generic_payloads(carrier, demo, body, field) -> None:
    before = row_counts(demo)
    response = carrier.generic(body)
    assert response.status_code == 422 and response.json["error"]["field"] == field
    assert row_counts(demo) == before


def test_generic_payload_with_its_own_tracking_link(carrier, demo) -> None:
    answer = carrier.generic({"order_number": "ak1003", "awb": "BD123", "courier": "Blue Dart",
                              "status": "failed_attempt", "time": "2026-11-24T15:00:00+05:30",
                              "tracking_url": "https://track.example/BD123"})
    assert answer.json["result"] == "recorded" and answer.json["notified"] == 1
    with unit_of_work(demo.sessions) as s:
        notice = s.get(OutboxMessage, _notices(demo)[0].id)
        text = notices.render(s, notice)[0].text
        event = s.get(StatusEvent, notice.payload["event_id"])
    assert "could not deliver" in text and "https://track.example/BD123" in text
    assert event.detail["at"] == "2026-11-24T15:00:00+05:30"


# ── the order view ───────────────────────────────────────────────────────────


def test_the_view_shows_the_shipment_and_its_link(carrier, demo) -> None:
    carrier.shiprocket(shiprocket_event("IN TRANSIT"))
    owner = ChatDriver(demo, address="+919822222222", phone="+919822222222").text("AK-1003")
    assert "🚚 Shipment: In transit" in owner
    assert "Track it: https://shiprocket.co/tracking/19041424751540" in owner
    road = "✅ Picked up → 🔵 In transit → ⚪ Out for delivery → ⚪ Delivered → ⚪ Completed"
    assert road in owner
    assert "✅ Received → ✅ Confirmed" in owner  # the kitchen's part is done once it ships
    stranger = ChatDriver(demo, address="someone", phone=None).text("AK-1003")
    assert "🚚 Shipment: In transit" in stranger and "shiprocket.co" not in stranger


def test_the_view_and_notice_in_hindi(carrier, demo) -> None:
    hindi = ChatDriver(demo, address="+919822222222", phone="+919822222222", lang="hi")
    hindi.say("भाषा")
    hindi.say(button="lang:hi")
    carrier.shiprocket(shiprocket_event("UNDELIVERED"))
    assert "डिलीवरी की कोशिश नाकाम रही" in hindi.text("AK-1003")
    with unit_of_work(demo.sessions) as s:
        text = notices.render(s, s.get(OutboxMessage, _notices(demo)[0].id))[0].text
    assert "कूरियर इस बार" in text


@requires_postgres
def test_racing_deliveries_of_one_event_tell_once(carrier, demo) -> None:
    """Several workers receiving the same report at once: the unique event decides."""
    start = threading.Barrier(4)

    def post() -> str:
        start.wait(timeout=10)
        return carrier.shiprocket(shiprocket_event("OUT FOR DELIVERY")).json["result"]

    with ThreadPoolExecutor(4) as pool:
        results = sorted(pool.map(lambda _: post(), range(4)))
    assert results == ["recorded", "repeat", "repeat", "repeat"]
    assert len(_notices(demo)) == 1 and len(_shipment_events(demo)) == 1
