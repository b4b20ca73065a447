"""The pay link and the page's copy buttons in headless Chromium, phone-sized, as a
customer would tap them (issue 16.13)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from test_browser import PHONE, browser, site  # noqa: F401  (the fixtures)

from handlers.orders.links import pay_url
from store.db import unit_of_work
from store.queries import order_by_number

pytestmark = pytest.mark.browser

ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0 Mobile Safari/537.36")


def _pay_url(site, number: str) -> str:  # noqa: F811
    with unit_of_work(site.runtime.sessions) as session:
        return pay_url(site.runtime.settings, order_by_number(session, number).id)


def test_the_pay_link_on_a_phone_tries_the_upi_app_with_the_amount(browser, site) -> None:  # noqa: F811
    context = browser.new_context(viewport=PHONE, user_agent=ANDROID, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(_pay_url(site, "AK-1001"), wait_until="commit")
    # Locators, not wait_for_function: its string predicate is an eval the pages' CSP refuses.
    page.locator("html[data-redirected-to]").wait_for(state="attached")
    target = page.evaluate("document.documentElement.dataset.redirectedTo")
    assert target.startswith("upi://pay?pa=ashaskitchen@okaxis")
    assert "am=250.00" in target and "cu=INR" in target and "tn=AK-1001" in target
    assert errors == []
    context.close()


def test_the_copy_buttons_copy_on_a_phone_sized_page(browser, site) -> None:  # noqa: F811
    context = browser.new_context(viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.base)
    page = context.new_page()
    page.goto(site.order_url("AK-1001"))
    page.locator("#copy-upi").click()
    expect(page.locator("#copy-upi")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == "ashaskitchen@okaxis"
    page.locator("#copy-account").click()
    expect(page.locator("#copy-account")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == "50100234567890"
    assert page.locator("link[rel=icon]").get_attribute("href").endswith("favicon.svg")
    # On a computer the pay link shows the QR and the UPI ID, and copies it too.
    page.goto(_pay_url(site, "AK-1001"))
    assert page.locator("#upi-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("#upi-id").inner_text() == "ashaskitchen@okaxis"
    assert page.evaluate("document.documentElement.dataset.redirectedTo") is None
    context.close()
