"""End to end in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright,
never a downloaded browser) against a real server on 127.0.0.1: the order page, its
Hindi, the lookup form and a web-chat conversation, as a person would use them.

Screenshots go to test-artifacts/; with ORDERBOT_UPDATE_SCREENSHOTS=1 the README's
pictures in docs/ are made again too."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from support import FIXTURES
from werkzeug.serving import make_server

from bot.app import create_app
from bot.runtime import Runtime, Services
from handlers import i18n
from handlers.orders.links import order_page_path
from store.db import unit_of_work
from store.orders import Actor, record_payment
from store.queries import order_by_number

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (see .ci/run)")
        pytest.skip("needs /usr/bin/chromium (apt-get install chromium fonts-noto-core)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@dataclass
class Site:
    base: str
    runtime: Runtime

    def order_url(self, number: str) -> str:
        with unit_of_work(self.runtime.sessions) as session:
            order_id = order_by_number(session, number).id
        return self.base + order_page_path(self.runtime.settings.secret_key, order_id)

    def pay_rest(self, number: str) -> None:
        """The vendor approves a payment of everything still due."""
        with unit_of_work(self.runtime.sessions) as session:
            order = order_by_number(session, number)
            record_payment(session, order, order.due_minor, "upi", Actor("Asha"),
                           now=self.runtime.clock())


@pytest.fixture
def site(demo: Runtime) -> Iterator[Site]:
    """The app, web chat on, served for real on a free port, its links pointing at it."""
    app_of: dict = {}
    server = make_server(
        "127.0.0.1", 0, lambda env, start: app_of["app"](env, start), threaded=True
    )
    base = f"http://127.0.0.1:{server.server_port}"
    runtime = replace(
        demo,
        config=demo.config.with_(webchat=True, env="development", public_base_url=base),
        settings=replace(demo.settings, public_base_url=base),
        services=Services(),
    )
    app_of["app"] = create_app(runtime=runtime)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(base, runtime)
    server.shutdown()
    thread.join(timeout=5)


def snapshot(page, name: str, readme_name: str | None = None) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if readme_name and os.environ.get("ORDERBOT_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, ROOT / "docs" / readme_name)


def loaded(image) -> bool:
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


def test_the_order_page_and_how_it_changes_once_paid(browser, site) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(site.order_url("AK-1001"))
    assert page.locator("h1").inner_text() == "Order AK-1001"
    assert page.locator("#progress li[aria-current=step] .label").inner_text() == "Preparing"
    assert page.locator("#progress li.done").count() == 2
    assert page.locator("#due-badge").is_visible()
    rows = page.locator("#items tbody tr")
    assert rows.count() == 2
    assert re.sub(r"\s+", " ", rows.nth(0).inner_text()) == "Paneer Tikka 2 ₹180.00 ₹360.00"
    assert "₹250.00" in page.locator("#pay .amount").inner_text()
    assert loaded(page.locator("#upi-qr"))
    assert page.locator("#upi-link").get_attribute("href").startswith("upi://pay?pa=ashaskitchen@okaxis")
    snapshot(page, "order-AK-1001-due", "tracking-page.png")

    site.pay_rest("AK-1001")
    page.reload()
    assert page.locator("#due-badge").count() == 0 and page.locator("#pay").count() == 0
    assert page.locator("#paid-badge").is_visible()
    assert "Payment received: ₹250.00 (UPI)" in page.locator("#timeline").inner_text()
    snapshot(page, "order-AK-1001-paid")
    page.close()


def test_the_order_page_in_hindi_and_the_switch_back(browser, site) -> None:
    context = browser.new_context(viewport=PHONE, locale="hi-IN")  # Accept-Language: hi-IN
    page = context.new_page()
    page.goto(site.order_url("AK-1001"))
    assert page.locator("html").get_attribute("lang") == "hi"
    assert page.locator("h1").inner_text() == "ऑर्डर AK-1001"
    assert page.locator("#progress li[aria-current=step] .label").inner_text() == "बन रहा है"
    assert page.locator("#due-badge").inner_text() == "भुगतान बाकी"
    assert "अपना भुगतान पूरा करें" in page.locator("#pay").inner_text()
    snapshot(page, "order-AK-1001-hi", "tracking-page-hi.png")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("h1").inner_text() == "Order AK-1001"
    context.close()


def test_the_lookup_form(browser, site) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(site.base + "/orders/track")
    page.get_by_label("Order number").fill("ak 1003")
    page.get_by_role("button", name="Track order").click()
    page.wait_for_url(re.compile(r"/o/"))
    assert page.locator("h1").inner_text() == "Order AK-1003"
    page.goto(site.base + "/orders/track")
    page.get_by_label("Order number").fill("AK-7777")
    page.get_by_role("button", name="Track order").click()
    assert page.get_by_role("alert").inner_text() == i18n.t("lookup.not_found", "en")
    snapshot(page, "lookup-miss")
    page.close()


def test_a_web_chat_conversation(browser, site) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(site.base + "/chat")
    page.get_by_role("button", name="Start").click()
    log = page.locator("#log")

    page.get_by_label("Message").fill("AK-1001")
    page.keyboard.press("Enter")
    view = log.locator(".bubble.bot", has_text="Order AK-1001").first
    view.wait_for()
    qr = log.locator(".bubble.bot img").first
    qr.wait_for()
    assert loaded(qr)
    assert view.get_by_role("button", name="Notify me").is_visible()
    page.set_viewport_size({"width": 390, "height": 1150})
    snapshot(page, "web-chat-order", "web-chat.png")
    page.set_viewport_size(PHONE)

    view.get_by_role("button", name="Notify me").click()
    log.locator(".bubble.bot", has_text="I will message you here when AK-1001 changes").wait_for()

    with context.expect_page() as opened:
        view.locator("a[href*='/o/']").click()
    order_page = opened.value
    order_page.wait_for_load_state()
    assert order_page.locator("h1").inner_text() == "Order AK-1001"
    assert order_page.locator("#due-badge").is_visible()
    order_page.close()

    before = log.locator(".bubble.bot").count()
    proof = FIXTURES / "images" / "upi-payment-250.png"
    page.get_by_label("Payment screenshot").set_input_files(str(proof))
    page.get_by_label("Message").fill("250")
    page.get_by_role("button", name="Send").click()
    log.locator(".bubble.me img").wait_for()
    page.wait_for_function(
        "n => document.querySelectorAll('#log .bubble.bot').length > n", arg=before
    )
    answer = log.locator(".bubble.bot").nth(before).inner_text()
    assert answer == i18n.t("proofs.received", "en", number="AK-1001", amount="₹250.00",
                                   business="Asha's Kitchen")

    site.pay_rest("AK-1001")  # the vendor records the rest: the page's poll brings the notice
    log.locator(".bubble.bot.queued", has_text="₹250.00").wait_for(timeout=10_000)
    snapshot(page, "web-chat-proof-and-notice")
    context.close()
