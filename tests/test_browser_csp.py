"""The order page, the lookup and the web chat work in Chromium under the app's
Content-Security-Policy: no violation is reported and nothing is refused."""

from __future__ import annotations

import pytest
from test_browser import PHONE, Site, browser, site  # noqa: F401 (the fixtures)

pytestmark = pytest.mark.browser

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""


def _watched(browser):  # noqa: F811
    context = browser.new_context(viewport=PHONE)
    context.add_init_script(WATCH)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    return context, page, console


def _assert_clean(page, console: list[str]) -> None:
    assert page.evaluate("window.__violations") == []
    assert not [m for m in console if "Content Security Policy" in m], console


def test_the_order_page_under_the_policy(browser, site: Site) -> None:  # noqa: F811
    context, page, console = _watched(browser)
    response = page.goto(site.order_url("AK-1001"))
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert page.locator("h1").inner_text() == "Order AK-1001"
    assert page.locator("#upi-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("main").evaluate("m => getComputedStyle(m).maxWidth") != "none"  # CSS applied
    _assert_clean(page, console)
    context.close()


def test_the_web_chat_under_the_policy(browser, site: Site) -> None:  # noqa: F811
    context, page, console = _watched(browser)
    page.goto(site.base + "/chat")
    page.get_by_role("button", name="Start").click()
    page.get_by_label("Message").fill("AK-1001")
    page.keyboard.press("Enter")
    log = page.locator("#log")
    log.locator(".bubble.bot", has_text="Order AK-1001").first.wait_for()
    qr = log.locator(".bubble.bot img").first
    qr.wait_for()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    _assert_clean(page, console)
    context.close()
