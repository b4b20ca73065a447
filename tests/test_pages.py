"""The order's web page and the lookup form, through Flask's test client: tokens,
status codes, what the page shows and never shows, languages, and the throttle."""

from __future__ import annotations

import html as markup
import re
from dataclasses import replace

import pytest

from handlers import i18n
from handlers.orders.links import order_page_path, order_token, read_order_token
from handlers.orders.payments import qr_token
from store.db import unit_of_work
from store.orders import Actor, record_payment
from store.queries import order_by_number
from store.shipments import CarrierUpdate, record_update

SECRET = "test-secret-key"
_STEP = re.compile(r'<li class="step (\w+)".*?<span class="label">(.*?)</span>', re.S)


def steps_of(html: str) -> list[tuple[str, str]]:
    """The progress bar as (state, label) pairs, in order."""
    return [(state, markup.unescape(label)) for state, label in _STEP.findall(html)]


def page_of(number: str, runtime) -> str:
    with unit_of_work(runtime.sessions) as session:
        return order_page_path(SECRET, order_by_number(session, number).id)


def pay_rest(runtime, number: str) -> None:
    with unit_of_work(runtime.sessions) as session:
        order = order_by_number(session, number)
        record_payment(session, order, order.due_minor, "upi", Actor("Asha"), now=runtime.clock())


# ── tokens ────────────────────────────────────────────────────────────────────


def test_a_token_names_one_order_and_only_we_can_make_one() -> None:
    token = order_token(SECRET, 7)
    assert read_order_token(SECRET, token) == 7
    assert read_order_token("another-key", token) is None
    assert read_order_token(SECRET, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert read_order_token(SECRET, "Nw") is None
    assert read_order_token(SECRET, qr_token(SECRET, 7, 100)) is None  # another purpose


def test_the_page_opens_by_its_token_and_a_wrong_token_is_a_plain_404(client, demo) -> None:
    path = page_of("AK-1001", demo)
    assert client.get(path).status_code == 200
    assert client.get("/o/not-a-token").status_code == 404
    assert client.get(path[:-2] + "xx").status_code == 404
    assert client.get("/o/" + order_token("another-key", 1)).status_code == 404
    assert client.get(order_page_path(SECRET, 99999)).status_code == 404  # signed, but no order


def test_every_order_view_in_the_chat_carries_the_page_link(customer, client) -> None:
    answer = customer.text("AK-1001")
    link = re.search(r"https://bot\.example\.test(/o/\S+)", answer)
    assert link, answer
    page = client.get(link.group(1))
    assert page.status_code == 200 and "AK-1001" in page.get_data(as_text=True)


def test_a_hindi_chat_links_to_the_hindi_page(demo, client) -> None:
    from support import ChatDriver

    answer = ChatDriver(demo, address="hindi", phone=None, lang="hi").text("AK-1001")
    link = re.search(r"https://bot\.example\.test(/o/\S+\?lang=hi)", answer)
    assert link, answer
    assert "भुगतान बाकी" in client.get(link.group(1)).get_data(as_text=True)


# ── what the page shows ──────────────────────────────────────────────────────


def test_the_page_of_an_order_with_money_due(client, demo) -> None:
    response = client.get(page_of("AK-1001", demo))
    html = response.get_data(as_text=True)
    assert "Asha&#39;s Kitchen" in html and ">AK<" in html  # name and initials
    assert "Order AK-1001" in html and "Hello Ravi," in html
    assert steps_of(html) == [
        ("done", "Received"), ("done", "Confirmed"), ("current", "Preparing"),
        ("ahead", "Ready"), ("ahead", "Completed"),
    ]
    assert 'id="due-badge"' in html and "Payment due" in html
    for text in ("Paneer Tikka", "Butter Naan", "₹180.00", "₹360.00", "₹40.00", "₹400.00",
                 "₹150.00", "Amount due: ₹250.00", "ashaskitchen@okaxis", "50100234567890",
                 "HDFC0001234", "We accept: UPI, Cash, Bank transfer", "Cash at pickup",
                 "Questions about your order?", "+91 98000 00001", "hello@ashaskitchen.example"):
        assert text in html, text
    assert "upi://pay?pa=ashaskitchen@okaxis&amp;pn=Asha%27s%20Kitchen&amp;am=250.00" in html
    qr = re.search(r'id="upi-qr" src="([^"]+)"', html).group(1)
    image = client.get(qr)
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_page_never_shows_what_only_the_owner_or_the_vendor_may_see(client, demo) -> None:
    with unit_of_work(demo.sessions) as session:
        order_by_number(session, "AK-1001").customer_note = "Ring the bell twice"
    html = client.get(page_of("AK-1001", demo)).get_data(as_text=True)
    for secret in ("+919811111111", "98111 11111", "9811111111", "Kumar", "Residency Road",
                   "extra spicy", "Leave at the gate", "Ring the bell"):
        assert secret not in html, secret


def test_the_timeline_is_in_the_business_local_time(client, demo, clock) -> None:
    html = client.get(page_of("AK-1001", demo)).get_data(as_text=True)
    # Placed two hours before 14:00 UTC: 17:30 in Kolkata.
    assert re.search(r"Placed 24 Nov 2026, 5:30\s*pm", html)
    assert re.search(r"5:50\s*pm</time> <span>Status: Preparing", html)
    assert re.search(r"5:40\s*pm</time> <span>Status: Confirmed", html)
    assert re.search(r"5:35\s*pm</time> <span>Payment received: ₹150.00 \(UPI\)", html)
    assert re.search(r"5:30\s*pm</time> <span>Order placed", html)


def test_once_paid_the_badge_and_the_payment_section_are_gone(client, demo) -> None:
    path = page_of("AK-1001", demo)
    assert 'id="pay"' in client.get(path).get_data(as_text=True)
    pay_rest(demo, "AK-1001")
    html = client.get(path).get_data(as_text=True)
    assert 'id="due-badge"' not in html and 'id="pay"' not in html and "upi-qr" not in html
    assert 'id="paid-badge"' in html and "Paid in full" in html
    assert "Payment received: ₹250.00 (UPI)" in html


def test_a_cancelled_order_says_so_and_asks_for_nothing(client, demo) -> None:
    html = client.get(page_of("AK-1004", demo)).get_data(as_text=True)
    assert steps_of(html) == [("done", "Received"), ("cancelled", "Cancelled")]
    assert "This order was cancelled" in html
    assert 'id="pay"' not in html and 'id="due-badge"' not in html and 'id="paid-badge"' not in html


def _carrier_says(runtime, number: str, step: str) -> None:
    update = CarrierUpdate(provider="generic", carrier_status=step, step=step, order_number=number,
                           awb="AWB123", courier="Delhivery",
                           tracking_url="https://courier.example/t/AWB123")
    with unit_of_work(runtime.sessions) as session:
        assert record_update(session, update, now=runtime.clock()).result == "recorded"


def test_shipment_steps_follow_the_shipment(client, demo, clock) -> None:
    path = page_of("AK-1002", demo)
    _carrier_says(demo, "AK-1002", "in_transit")
    html = client.get(path).get_data(as_text=True)
    assert steps_of(html)[3:] == [
        ("done", "Ready"), ("done", "Picked up"), ("current", "In transit"),
        ("ahead", "Out for delivery"), ("ahead", "Delivered"),
    ]
    assert "Shipment: In transit" in html  # on the timeline
    # Where the parcel goes is for the proven customer in the chat, not for a link.
    assert "AWB123" not in html and "courier.example" not in html and "Delhivery" not in html
    _carrier_says(demo, "AK-1002", "failed_attempt")
    assert steps_of(client.get(path).get_data(as_text=True))[-3:] == [
        ("done", "In transit"), ("problem", "Delivery attempt failed"), ("ahead", "Delivered"),
    ]
    _carrier_says(demo, "AK-1002", "delivered")
    assert {state for state, _ in steps_of(client.get(path).get_data(as_text=True))} == {"done"}


# ── languages ────────────────────────────────────────────────────────────────


def test_hindi_from_the_query_or_the_browser_and_the_query_wins(client, demo) -> None:
    path = page_of("AK-1001", demo)
    by_query = client.get(path + "?lang=hi").get_data(as_text=True)
    by_browser = client.get(path, headers={"Accept-Language": "hi-IN,hi;q=0.9"})
    by_browser = by_browser.get_data(as_text=True)
    for html in (by_query, by_browser):
        assert '<html lang="hi">' in html
        assert "ऑर्डर AK-1001" in html and "भुगतान बाकी" in html and "अपना भुगतान पूरा करें" in html
        assert ("current", "बन रहा है") in steps_of(html)
    english = client.get(path + "?lang=en", headers={"Accept-Language": "hi"})
    english = english.get_data(as_text=True)
    assert '<html lang="en">' in english and "Payment due" in english
    assert 'href="?lang=hi"' in english and 'href="?lang=en"' in english  # the switch


# ── the lookup form ──────────────────────────────────────────────────────────


def test_the_lookup_form_leads_to_the_order_page(client, demo) -> None:
    form = client.get("/orders/track")
    assert form.status_code == 200 and 'name="orderNumber"' in form.get_data(as_text=True)
    hit = client.get("/orders/track?orderNumber=ak 1001")
    assert hit.status_code == 303 and hit.headers["Location"].endswith(page_of("AK-1001", demo))
    assert client.get("/orders/track?orderNumber=").status_code == 400


def test_a_miss_gets_the_chat_uniform_answer(client, demo) -> None:
    miss = client.get("/orders/track?orderNumber=AK-9999")
    assert miss.status_code == 404
    assert i18n.t("lookup.not_found", "en") in miss.get_data(as_text=True)
    other = client.get("/orders/track?orderNumber=ZZ-1001")  # no such business either
    assert other.status_code == 404
    assert other.get_data() == miss.get_data().replace(b"AK-9999", b"ZZ-1001")


def _miss(client, times: int, **kwargs) -> None:
    for n in range(times):
        assert client.get(f"/orders/track?orderNumber=AK-{9000 + n}", **kwargs).status_code == 404


def test_ten_misses_an_hour_slow_a_client_down(client, demo, clock) -> None:
    _miss(client, 10)
    slowed = client.get("/orders/track?orderNumber=AK-1001")  # even a real number
    assert slowed.status_code == 429
    assert i18n.t("words.page_throttled", "en") in slowed.get_data(as_text=True)
    assert "chat" not in slowed.get_data(as_text=True).split("<main")[-1].casefold()
    other = client.get("/orders/track?orderNumber=AK-1001",
                       environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 303
    clock.advance(hours=1, seconds=1)
    assert client.get("/orders/track?orderNumber=AK-1001").status_code == 303


def test_a_forwarded_address_counts_only_behind_our_own_proxy(demo, clock) -> None:
    from bot.app import create_app

    spoofing = create_app(runtime=demo).test_client()
    _miss(spoofing, 10, headers={"X-Forwarded-For": "1.1.1.1"})
    assert spoofing.get("/orders/track?orderNumber=AK-1001",
                        headers={"X-Forwarded-For": "2.2.2.2"}).status_code == 429

    proxied = replace(demo, config=demo.config.with_env({"ORDERBOT_PROXY_HOPS": "1"}))
    behind = create_app(runtime=proxied).test_client()
    proxy = {"REMOTE_ADDR": "10.1.1.1"}
    _miss(behind, 10, headers={"X-Forwarded-For": "3.3.3.3"}, environ_base=proxy)
    for client_ip, status in (("3.3.3.3", 429), ("4.4.4.4", 303)):
        response = behind.get("/orders/track?orderNumber=AK-1001", environ_base=proxy,
                              headers={"X-Forwarded-For": f"9.9.9.9, {client_ip}"})
        assert response.status_code == status, client_ip


@pytest.mark.parametrize("lang", ["en", "hi"])
def test_the_lookup_form_speaks_both_languages(client, demo, lang) -> None:
    html = client.get(f"/orders/track?lang={lang}").get_data(as_text=True)
    assert i18n.t("web.track.title", lang) in html and f'<html lang="{lang}">' in html
