"""Issue 7's "done when", for the API and shipping: a new key from
`orderbot apikey create AK` creates an order over HTTP that `orderbot chat` then
tracks; a Shiprocket event posted three times marks it out for delivery and the
customer is told once."""

from __future__ import annotations

import os
import subprocess
import sys

from test_foundation import _run_chat
from test_shipping import SECRETS, shiprocket_event

from bot.app import create_app

PHONE = "+919833333333"


def _orderbot(database_url: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "ORDERBOT_INSTANCE_DIR": str(tmp_path),
           "ORDERBOT_SECRET_KEY": "cli-test"}
    return subprocess.run([sys.executable, "-m", "bot", *args], text=True, capture_output=True,
                          env=env, timeout=120, cwd=tmp_path)


def test_api_order_tracked_in_chat_and_told_of_its_shipment_once(demo, database_url,
                                                                  tmp_path) -> None:
    made = _orderbot(database_url, tmp_path, "apikey", "create", "AK")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("obk_") and "\n" not in key

    demo.config = demo.config.with_env(SECRETS)
    client = create_app(runtime=demo).test_client()
    created = client.post("/api/v1/orders", headers={"Authorization": f"Bearer {key}"}, json={
        "number": "AK-1005", "fulfilment": "delivery",
        "customer": {"name": "Neha Gupta", "phone": "98333 33333"},
        "items": [{"name": "Veg Biryani", "quantity": 2, "unit_price_minor": 22000}],
    })
    assert created.status_code == 201, created.json

    tracked = _run_chat(database_url, tmp_path, "where is my order AK-1005?\n", "--phone", PHONE)
    assert tracked.returncode == 0, tracked.stderr
    for fragment in ["Order AK-1005", "For Neha Gupta", "2 × Veg Biryani", "Due: ₹440.00"]:
        assert fragment in tracked.stdout, fragment

    event = shiprocket_event("OUT FOR DELIVERY", order_id="AK-1005", awb="77001122")
    for _ in range(3):
        posted = client.post("/webhooks/shipping/shiprocket", json=event,
                             headers={"x-api-key": SECRETS["SHIPPING_SHIPROCKET_SECRET"]})
        assert posted.status_code == 200

    told = _run_chat(database_url, tmp_path, "AK-1005\n", "--phone", PHONE)
    assert told.returncode == 0, told.stderr
    assert told.stdout.count("🚚 AK-1005 (Asha's Kitchen): Out for delivery.") == 1  # once
    assert "https://shiprocket.co/tracking/77001122" in told.stdout
    assert "🚚 Shipment: Out for delivery" in told.stdout  # and the view shows it
