"""A booking's page in headless Chromium on a phone-sized screen, in English and Hindi:
found through the lookup form, read as a person reads it (when, where, progress, how to
pay), its calendar file fetched from its link — all under the app's Content-Security-
Policy, and nothing wider than the phone."""

from __future__ import annotations

import re

import pytest
from test_browser import PHONE, Site, browser, site, snapshot  # noqa: F401 (the fixtures)
from test_browser_csp import WATCH

from handlers import i18n

pytestmark = pytest.mark.browser


def _phone(browser, locale: str = "en-IN"):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale=locale)
    context.add_init_script(WATCH)
    return context, context.new_page()


def _fits_and_is_clean(page) -> None:
    assert page.evaluate("window.__violations") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_booking_found_with_the_form_on_a_phone(browser, site: Site) -> None:  # noqa: F811
    context, page = _phone(browser)
    page.goto(site.base + "/bookings/track")
    page.get_by_label("Booking number").fill("gs b501")
    page.get_by_role("button", name="Find booking").click()
    page.wait_for_url(re.compile(r"/b/"))
    assert page.locator("h1").inner_text() == "Booking GS-B501"
    assert page.locator("#service").inner_text() == "Haircut and styling"
    assert page.locator("#when").inner_text() == "Wed 25 Nov, 11:00\u202fam – 12:00\u202fpm"
    assert page.locator("#place").inner_text() == "7 Church Street, Bengaluru"
    assert page.locator("#maps-link").get_attribute("href").startswith(
        "https://www.google.com/maps/search/?api=1&query=7%20Church%20Street")
    assert page.locator("#progress li[aria-current=step] .label").inner_text() == "Confirmed"
    assert "₹600.00" in page.locator("#pay .amount").inner_text()
    assert page.locator("#upi-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    ics = page.request.get(page.locator("#add-to-calendar").get_attribute("href"))
    assert ics.status == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:Haircut and styling — Glow Salon" in ics.text()
    _fits_and_is_clean(page)
    snapshot(page, "booking-GS-B501")
    context.close()


def test_the_booking_page_in_hindi_and_the_switch_back(browser, site: Site) -> None:  # noqa: F811
    context, page = _phone(browser, locale="hi-IN")  # Accept-Language: hi-IN
    page.goto(site.base + "/bookings/track")
    page.get_by_label(i18n.t("bookings_web.track.label", "hi")).fill("GS-B502")
    page.get_by_role("button", name=i18n.t("bookings_web.track.submit", "hi")).click()
    page.wait_for_url(re.compile(r"/b/"))
    assert page.locator("html").get_attribute("lang") == "hi"
    assert page.locator("h1").inner_text() == "बुकिंग GS-B502"
    assert page.locator("#progress li[aria-current=step] .label").inner_text() == "अनुरोध किया गया"
    assert page.locator("#when").inner_text().startswith("गुरु 26 नव॰, 5:00")
    assert page.locator("#due-badge").inner_text() == "भुगतान बाकी"
    assert page.get_by_role("link", name="कैलेंडर में जोड़ें").is_visible()
    _fits_and_is_clean(page)
    snapshot(page, "booking-GS-B502-hi")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("h1").inner_text() == "Booking GS-B502"
    context.close()
