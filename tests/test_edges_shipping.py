"""A shipping secret per business (issue 15, point 11): reports at
/webhooks/shipping/<provider>/<CODE> are checked with that business's own secret and
move only its orders; a second business's secret cannot move the first's; the
secret is stored but never printed back; the instance-wide secret keeps working."""

from __future__ import annotations

import pytest
from support.api import row_counts
from test_operator import orderbot  # noqa: F401 (a fixture)

from bot.app import create_app
from store.db import unit_of_work
from store.models import Business
from store.queries import business_by_code, order_by_number

AK_SECRET = "ak-carrier-secret-0123456789"
SB_SECRET = "sb-carrier-secret-9876543210"


@pytest.fixture
def secrets_set(demo):
    with unit_of_work(demo.sessions) as session:
        business_by_code(session, "AK").shipping_secret = AK_SECRET
        business_by_code(session, "SB").shipping_secret = SB_SECRET
    return create_app(runtime=demo).test_client()


def report(client, code: str, secret: str, number: str = "AK-1003", provider: str = "generic"):
    return client.post(f"/webhooks/shipping/{provider}/{code}",
                       json={"order_number": number, "awb": "AWB1", "status": "in_transit"},
                       headers={"X-Orderbot-Token": secret})


def _shipments(demo, number: str) -> int:
    with unit_of_work(demo.sessions) as session:
        return len(order_by_number(session, number).shipments)


def test_a_business_s_own_secret_moves_its_order(secrets_set, demo) -> None:
    response = report(secrets_set, "AK", AK_SECRET)
    assert response.status_code == 200 and response.json["result"] != "unknown_order"
    assert _shipments(demo, "AK-1003") == 1


def test_a_second_business_s_secret_cannot_move_the_first_s_orders(secrets_set, demo) -> None:
    before = row_counts(demo)
    # SB's secret at AK's address: refused.
    assert report(secrets_set, "AK", SB_SECRET).status_code == 403
    # SB's secret at SB's own address, naming AK's order: not SB's order, nothing moves.
    response = report(secrets_set, "SB", SB_SECRET)
    assert response.status_code == 200 and response.json["result"] == "unknown_order"
    shiprocket = secrets_set.post("/webhooks/shipping/shiprocket/SB", headers={
        "x-api-key": SB_SECRET}, json={"order_id": "AK-1003", "awb": "9", "current_status": "RTO"})
    assert shiprocket.status_code == 200 and shiprocket.json["result"] == "unknown_order"
    assert row_counts(demo) == before


def test_an_unknown_code_and_a_business_without_a_secret_look_the_same(demo, client) -> None:
    unknown = report(client, "ZZ", AK_SECRET)
    without = report(client, "AK", AK_SECRET)
    assert unknown.status_code == without.status_code == 404
    assert unknown.json == without.json


def test_the_instance_wide_secret_still_works_at_the_old_route(demo) -> None:
    demo.config = demo.config.with_env({"SHIPPING_GENERIC_SECRET": "gen-secret"})
    client = create_app(runtime=demo).test_client()
    response = client.post("/webhooks/shipping/generic", headers={"X-Orderbot-Token": "gen-secret"},
                           json={"order_number": "AK-1003", "status": "in_transit"})
    assert response.status_code == 200 and response.json["order"] == "AK-1003"


def test_the_cli_stores_the_secret_and_never_prints_it(orderbot, demo) -> None:  # noqa: F811
    result = orderbot("business", "edit", "AK", "--shipping-secret", AK_SECRET)
    assert result.exit_code == 0, result.output
    assert AK_SECRET not in result.output
    assert "/webhooks/shipping/<provider>/AK" in result.output
    shown = orderbot("business", "show", "AK")
    assert "Shipping secret:" in shown.output and "set (hidden)" in shown.output
    assert AK_SECRET not in shown.output
    with unit_of_work(demo.sessions) as session:
        assert session.get(Business, business_by_code(session, "AK").id).shipping_secret == AK_SECRET

    weak = orderbot("business", "edit", "AK", "--shipping-secret", "short")
    assert weak.exit_code == 2 and "16 to 200 visible characters" in weak.output
    assert "short" not in weak.output.replace("16 to 200", "")

    cleared = orderbot("business", "edit", "AK", "--shipping-secret", "")
    assert cleared.exit_code == 0
    with unit_of_work(demo.sessions) as session:
        assert business_by_code(session, "AK").shipping_secret is None


def test_the_instance_wide_secret_cannot_move_a_business_with_its_own(demo) -> None:
    """Once a business has its own carrier secret, only that secret moves its orders:
    a report checked with the instance-wide secret finds none of them."""
    with unit_of_work(demo.sessions) as session:
        business_by_code(session, "AK").shipping_secret = AK_SECRET
    demo.config = demo.config.with_env({"SHIPPING_GENERIC_SECRET": "gen-secret"})
    client = create_app(runtime=demo).test_client()
    before = row_counts(demo)
    response = client.post("/webhooks/shipping/generic", headers={"X-Orderbot-Token": "gen-secret"},
                           json={"order_number": "AK-1003", "status": "in_transit"})
    assert response.status_code == 200 and response.json["result"] == "unknown_order"
    assert row_counts(demo) == before and _shipments(demo, "AK-1003") == 0
