"""The WhatsApp order view carries an https pay link (WhatsApp does not make upi://
tappable) that, opened on a phone, goes on to the UPI app with the amount filled in."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.app import create_app
from handlers.orders import page
from store.db import unit_of_work
from store.queries import order_by_number

PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0 Mobile Safari/537.36")


def test_the_order_view_carries_an_https_pay_link_to_the_upi_app(wa, ravi) -> None:
    view = ravi.text("AK-1001")
    assert "upi://" not in view
    link = re.search(r"https://bot\.example\.test(/pay/\S+)", view)
    assert link, view
    html = create_app(runtime=wa).test_client().get(
        link.group(1), headers={"User-Agent": PHONE}).get_data(as_text=True)
    target = re.search(r'data-open-upi|id="open-upi" href="([^"]+)"', html)
    upi = re.search(r'id="open-upi" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert target and upi.startswith("upi://pay?pa=ashaskitchen@okaxis")
    assert "am=250.00" in upi and "tn=AK-1001" in upi


def test_the_page_offers_a_chat_on_whatsapp_with_the_business_number(wa) -> None:
    assert wa.settings.whatsapp_number and wa.settings.whatsapp_number.startswith("+")
    with unit_of_work(wa.sessions) as s:
        view = page.build(s, wa.settings, order_by_number(s, "AK-1001"), "hi")
    digits = wa.settings.whatsapp_number.lstrip("+")
    assert view.contact.whatsapp_href == f"https://wa.me/{digits}?text=AK-1001"
    assert view.contact.telegram_href is None  # the bot's name is not known here
    named = replace(wa.settings, telegram_bot_username="AshasKitchenBot")
    with unit_of_work(wa.sessions) as s:
        view = page.build(s, named, order_by_number(s, "AK-1001"), "en")
    assert view.contact.telegram_href == "https://t.me/AshasKitchenBot?start=AK-1001"
