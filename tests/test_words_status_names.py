"""Issue 16 point 9: one name per status per language, from one catalog table (`status.*`),
used by the chat, the page, notices, the API's errors and the CLI; no two confusable."""

from __future__ import annotations

import difflib
import html as markup
import re

import pytest
from support import ChatDriver
from support.api import bearer, new_key
from test_operator import orderbot  # noqa: F401 (a fixture)
from test_pages import page_of, steps_of

from handlers import i18n
from store.db import unit_of_work
from store.models import OrderStatus
from store.orders import FLOW, Actor, set_status
from store.queries import order_by_number

ASHA = "+919800000001"


def catalog(lang: str) -> dict[str, str]:
    """The one table every surface names statuses from."""
    return {s.value: i18n.t(f"status.{s.value}", lang) for s in OrderStatus}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_each_status_has_one_name_no_two_confusable(lang) -> None:
    names = list(catalog(lang).values())
    assert len({n.casefold() for n in names}) == len(names)
    for a in names:
        for b in names:
            if a == b:
                continue
            assert a.casefold() not in b.casefold(), f"{a!r} is inside {b!r}"
            similar = difflib.SequenceMatcher(None, a.casefold(), b.casefold()).ratio()
            assert similar < 0.7, f"{a!r} and {b!r} look alike ({similar:.2f})"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_chat_and_the_page_name_every_step_alike(demo, client, lang) -> None:
    names = catalog(lang)
    chat = ChatDriver(demo, lang=lang).text("AK-1001")
    flow = [names[s.value] for s in FLOW]
    for name in flow:
        assert name in chat
    page = client.get(page_of("AK-1001", demo) + f"?lang={lang}").get_data(as_text=True)
    labels = [label for _, label in steps_of(page)]
    assert labels == flow
    # The timeline's "Status: …" lines are the same names too.
    shown = {markup.unescape(m) for m in re.findall(r"<span>[^<]*?: ([^<]+)</span>", page)}
    assert names["confirmed"] in shown and "Accepted" not in page and "स्वीकार" not in page


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_notices_and_staff_use_the_same_names(demo, lang) -> None:
    from sqlalchemy import select

    from handlers import notices
    from store.models import OutboxMessage

    names = catalog(lang)
    ChatDriver(demo, address="+919822222222", phone="+919822222222", lang=lang).say("AK-1003")
    staff = ChatDriver(demo, address=ASHA, phone=ASHA, lang=lang)
    assert f"{names['pending']} → {names['preparing']}" in staff.text("AK-1003 preparing")
    with unit_of_work(demo.sessions) as s:
        [row] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "order_status")).all()
        assert names["preparing"] in notices.render(s, row)[0].text


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_api_errors_name_statuses_as_the_chat_does(demo, client, lang) -> None:
    names = catalog(lang)
    key = new_key(demo)
    refused = client.post("/api/v1/orders/AK-1001/status", json={"status": "pending"},
                          headers=bearer(key, **{"Accept-Language": lang}))
    assert refused.status_code == 409
    message = refused.json["error"]["message"]
    assert names["preparing"] in message and names["pending"] in message
    assert "preparing" not in message and "pending" not in message


def test_the_cli_names_statuses_as_the_chat_does(demo, orderbot) -> None:  # noqa: F811
    names = catalog("en")
    shown = orderbot("orders", "show", "AK-1001").stdout
    assert f"Status: {names['preparing']}" in shown
    with unit_of_work(demo.sessions) as s:
        set_status(s, order_by_number(s, "AK-1003"), "confirmed", Actor("Asha"), notify=False)
    assert names["confirmed"] in orderbot("orders", "list", "AK").stdout
