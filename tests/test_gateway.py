"""Issue 20: Razorpay payment links, the webhook and the sync, against a local stand-in
of the Payment Links API with the real `razorpay` SDK pointed at it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import func, select
from standins.razorpay import FakeRazorpay, sign
from support import ChatDriver, empty_database
from test_foundation import _run_chat
from werkzeug.serving import make_server

from bot.app import create_app
from bot.bootstrap import build_runtime
from bot.cli import main
from bot.runtime import Runtime
from handlers.notices import render
from store import businesses, orders, payment_links
from store.db import unit_of_work
from store.demo import seed
from store.models import (
    GatewayPayment,
    Order,
    OutboxMessage,
    Payment,
    PaymentLink,
    StatusEvent,
)
from store.queries import order_by_number

KEY_ID, KEY_SECRET, HOOK_SECRET = "rzp_test_AbC123xyz9", "ks-7Yq2-very-secret", "wh-Q9z-hook-secret"
ASHA = "+919800000001"
CUSTOMER = "+919811111111"


@dataclass
class Shop:
    runtime: Runtime
    fake: FakeRazorpay

    def chat(self, phone: str = CUSTOMER) -> ChatDriver:
        return ChatDriver(self.runtime, address=phone, phone=phone)

    def order(self, number: str = "AK-1001") -> Order:
        with unit_of_work(self.runtime.sessions) as s:
            order = order_by_number(s, number)
            assert order is not None
            return order

    def count(self, model, *where) -> int:  # noqa: ANN001
        with unit_of_work(self.runtime.sessions) as s:
            return s.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def fake() -> Iterator[FakeRazorpay]:
    with FakeRazorpay({KEY_ID: KEY_SECRET}) as stand_in:
        yield stand_in


def _configure(runtime: Runtime, code: str = "AK", mode: str = "upi", **keys: str) -> None:
    with unit_of_work(runtime.sessions) as s:
        payment_links.configure(s, code, key_id=keys.get("key_id", KEY_ID),
                                key_secret=keys.get("key_secret", KEY_SECRET),
                                webhook_secret=keys.get("webhook_secret", HOOK_SECRET), links=mode)


@pytest.fixture
def shop(config, clock, fake) -> Iterator[Shop]:
    runtime = build_runtime(
        config.with_env({"RAZORPAY_API_BASE_URL": fake.url}), clock=clock)
    empty_database(runtime)
    with unit_of_work(runtime.sessions) as s:
        seed(s, clock())
    _configure(runtime)
    yield Shop(runtime, fake)
    runtime.close()


@pytest.fixture
def server(shop: Shop) -> Iterator[str]:
    """The app on a real threaded server, so that deliveries really run at once."""
    httpd = make_server("127.0.0.1", 0, create_app(runtime=shop.runtime), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


def _pay_now(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("⚡ Pay "):
            return line
    return None


def _post(url: str, code: str, body: bytes, secret: str = HOOK_SECRET) -> requests.Response:
    return requests.post(f"{url}/webhooks/razorpay/{code}", data=body, timeout=30, headers={
        "Content-Type": "application/json", "X-Razorpay-Signature": sign(body, secret)})


def _at_once(n: int, call) -> list:  # noqa: ANN001
    barrier, results = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


# --- the link ---------------------------------------------------------------------------


def test_link_made_on_first_view_and_reused_while_the_due_is_the_same(shop: Shop) -> None:
    chat = shop.chat()
    first = chat.text("AK-1001")
    link = shop.fake.only_link()
    assert _pay_now(first) == f"⚡ Pay ₹250.00 now: {link['short_url']}"
    assert "UPI ID: ashaskitchen@okaxis" in first  # the other road stays
    assert _pay_now(chat.text("AK-1001")) == _pay_now(first)
    assert _pay_now(chat.text(button="pay:AK-1001")) == _pay_now(first)  # the Pay button
    hindi = ChatDriver(shop.runtime, address="hindi", phone=None, lang="hi").text("AK-1001")
    assert f"⚡ अभी ₹250.00 चुकाएँ: {link['short_url']}" in hindi
    (made,) = shop.fake.calls_of("create")
    p = made.params
    assert (p["amount"], p["currency"], p["reference_id"], p["upi_link"]) == (
        25000, "INR", "AK-1001", True)
    assert p["notify"] == {"sms": False, "email": False}
    assert p["callback_url"].startswith("https://bot.example.test/o/")
    assert p["expire_by"] == int(shop.runtime.clock().timestamp()) + 7 * 86400


def test_links_on_the_page_too(shop: Shop) -> None:
    from handlers.orders.links import order_page_path

    client = create_app(runtime=shop.runtime).test_client()
    page = client.get(order_page_path("test-secret-key", shop.order().id))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'id="pay-now" href="{shop.fake.only_link()["short_url"]}"' in html
    assert "Pay ₹250.00 now" in html and "ashaskitchen@okaxis" in html


def test_due_change_cancels_the_old_link_and_the_next_view_makes_a_new_one(shop: Shop) -> None:
    chat = shop.chat()
    chat.text("AK-1001")
    old = shop.fake.only_link()["id"]
    with unit_of_work(shop.runtime.sessions) as s:
        orders.record_payment(s, order_by_number(s, "AK-1001"), 5000, "cash")
    line = _pay_now(chat.text("AK-1001"))
    assert shop.fake.links[old]["status"] == "cancelled"
    (new,) = [link for link in shop.fake.links.values() if link["id"] != old]
    assert line == f"⚡ Pay ₹200.00 now: {new['short_url']}"
    assert (new["amount"], new["reference_id"]) == (20000, "AK-1001.2")
    assert len(shop.fake.calls_of("cancel")) == 1


def test_an_expired_link_is_replaced(shop: Shop, clock) -> None:
    chat = shop.chat()
    chat.text("AK-1001")
    clock.advance(days=7)
    chat.text("AK-1001")
    assert len(shop.fake.calls_of("create")) == 2
    assert shop.fake.calls_of("cancel") == []  # nothing to cancel: it lapsed
    assert shop.count(PaymentLink, PaymentLink.status == "expired") == 1


def test_links_off_and_nothing_due_make_no_link(shop: Shop) -> None:
    assert _pay_now(shop.chat().text("AK-1002")) is None  # paid in full
    with unit_of_work(shop.runtime.sessions) as s:
        payment_links.configure(s, "AK", links="off")
    assert _pay_now(shop.chat().text("AK-1001")) is None
    assert shop.fake.calls == []


def test_gateway_down_during_a_view_still_shows_upi(shop: Shop, caplog) -> None:
    shop.fake.stop()
    text = shop.chat().text("AK-1001")
    assert _pay_now(text) is None
    assert "UPI ID: ashaskitchen@okaxis" in text and "/pay/" in text  # the https UPI link
    assert "no payment link for AK-1001" in caplog.text
    shop.fake.start()  # the fixture stops it again


def test_gateway_error_answer_is_no_line(shop: Shop) -> None:
    shop.fake.fail_next("create", 500)
    text = shop.chat().text("AK-1001")
    assert _pay_now(text) is None and "UPI ID: ashaskitchen@okaxis" in text


# --- the webhook ------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [None, 10000], ids=["paid", "partially_paid"])
def test_three_concurrent_deliveries_record_one_payment(
    shop: Shop, server: str, amount: int | None
) -> None:
    shop.chat().text("AK-1001")
    link = shop.fake.only_link()["id"]
    payment = shop.fake.pay(link, amount, method="upi")
    body = shop.fake.webhook_body(link, payment)
    assert (b"payment_link.paid" if amount is None else b"payment_link.partially_paid") in body
    answers = _at_once(3, lambda: _post(server, "AK", body))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert sorted(a.json()["result"] for a in answers) == ["duplicate", "duplicate", "recorded"]
    (paid,) = _payments(shop)
    assert (paid.amount_minor, paid.method, paid.reference, paid.recorded_via) == (
        amount or 25000, "upi", payment["id"], "webhook")
    order = shop.order()
    assert order.paid_minor == 15000 + (amount or 25000)
    assert order.payment_status == ("paid" if amount is None else "partial")
    (event,) = _payment_events(shop)
    assert event.actor == "Razorpay"
    _told_once(shop, event)


def _payments(shop: Shop) -> list[Payment]:
    with unit_of_work(shop.runtime.sessions) as s:
        return list(s.scalars(select(Payment).where(Payment.recorded_via.in_(["webhook", "sync"]))))


def _payment_events(shop: Shop) -> list[StatusEvent]:
    with unit_of_work(shop.runtime.sessions) as s:
        return list(s.scalars(select(StatusEvent).where(
            StatusEvent.kind == "payment", StatusEvent.actor == "Razorpay")))


def _told_once(shop: Shop, event: StatusEvent) -> None:
    """The customer and Asha each hear of the payment once."""
    with unit_of_work(shop.runtime.sessions) as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.order_id == event.order_id,
                                                          OutboxMessage.kind.in_(
                                                              ["order_payment", "staff_update"]))))
        to_customer = [r for r in rows if r.kind == "order_payment"]
        to_staff = [r for r in rows if r.kind == "staff_update"]
        assert [r.payload["event_id"] for r in rows] == [event.id] * len(rows)
        assert len({(r.channel, r.address) for r in to_customer}) == len(to_customer) >= 1
        assert CUSTOMER in {r.address for r in to_customer}
        assert [r.address for r in to_staff] == [ASHA]
        news = render(s, to_staff[0])[0].text
        assert "Razorpay recorded" in news and "AK-1001" in news


def test_bad_signature_is_400_and_writes_nothing(shop: Shop, server: str) -> None:
    shop.chat().text("AK-1001")
    link = shop.fake.only_link()["id"]
    body = shop.fake.webhook_body(link, shop.fake.pay(link))
    assert _post(server, "AK", body, secret="not-the-secret").status_code == 400
    unsigned = requests.post(f"{server}/webhooks/razorpay/AK", data=body, timeout=30)
    assert unsigned.status_code == 400
    assert _post(server, "ZZ", body).status_code == 400  # no such business: the same answer
    assert _post(server, "AK", body + b" ", secret=HOOK_SECRET).status_code == 200  # re-signed
    tampered = body.replace(b'"amount": 25000', b'"amount": 99900', 1)
    response = requests.post(f"{server}/webhooks/razorpay/AK", data=tampered, timeout=30,
                             headers={"X-Razorpay-Signature": sign(body, HOOK_SECRET)})
    assert response.status_code == 400
    assert shop.count(GatewayPayment) == 1  # only the properly signed one


def test_another_business_event_and_unknown_links_are_ignored(
    shop: Shop, server: str, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="orderbot.gateway")
    with unit_of_work(shop.runtime.sessions) as s:
        businesses.create_business(s, {"name": "Bina's Bakes", "code": "BB"})
    _configure(shop.runtime, "BB", webhook_secret="bb-hook-secret-1")
    shop.chat().text("AK-1001")
    link = shop.fake.only_link()["id"]
    body = shop.fake.webhook_body(link, shop.fake.pay(link))
    # AK's link, signed with BB's secret, to BB's address: not BB's link.
    answer = _post(server, "BB", body, secret="bb-hook-secret-1")
    assert (answer.status_code, answer.json()["result"]) == (200, "ignored")
    unknown = body.replace(link.encode(), b"plink_NotOurs0000001")
    answer = _post(server, "AK", unknown)
    assert (answer.status_code, answer.json()["result"]) == (200, "ignored")
    other = _post(server, "AK", b'{"event": "payment.captured", "payload": {}}')
    assert (other.status_code, other.json()["result"]) == (200, "ignored")
    assert shop.count(GatewayPayment) == 0 and _payments(shop) == []
    assert "for a link not ours" in caplog.text and "plink_NotOurs0000001" in caplog.text


def test_payment_on_a_cancelled_order_is_recorded_and_flagged(shop: Shop, server: str) -> None:
    shop.chat().text("AK-1001")
    link = shop.fake.only_link()["id"]
    with unit_of_work(shop.runtime.sessions) as s:
        orders.set_status(s, order_by_number(s, "AK-1001"), "cancelled", reason="out of paneer")
    body = shop.fake.webhook_body(link, shop.fake.pay(link))
    assert _post(server, "AK", body).json()["result"] == "flagged"
    assert _post(server, "AK", body).json()["result"] == "duplicate"
    with unit_of_work(shop.runtime.sessions) as s:
        (row,) = s.scalars(select(GatewayPayment))
        assert (row.amount_minor, row.refund_due_minor, row.payment_id) == (25000, 25000, None)
        (flag,) = s.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == payment_links.REFUND_KIND))
        assert flag.address == ASHA
        text = render(s, flag)[0].text
        assert "₹250.00 came in through Razorpay" in text and "cancelled" in text
        assert "please refund ₹250.00" in text
        assert s.scalar(select(func.count()).select_from(StatusEvent).where(
            StatusEvent.kind == "note", StatusEvent.actor == "Razorpay")) == 1
        (told,) = s.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == payment_links.REFUND_CUSTOMER_KIND,
            OutboxMessage.address == CUSTOMER))
        assert "so Asha's Kitchen will refund ₹250.00 to you" in render(s, told)[0].text
    assert shop.order().paid_minor == 15000  # a cancelled order takes no payment…


def test_payment_beyond_the_due_books_the_due_and_flags_the_rest(shop: Shop, server: str) -> None:
    shop.chat().text("AK-1001")
    link = shop.fake.only_link()["id"]
    with unit_of_work(shop.runtime.sessions) as s:  # cash at the counter, link still live
        orders.record_payment(s, order_by_number(s, "AK-1001"), 20000, "cash")
    body = shop.fake.webhook_body(link, shop.fake.pay(link))
    assert _post(server, "AK", body).json()["result"] == "flagged"
    assert shop.order().paid_minor == 40000
    with unit_of_work(shop.runtime.sessions) as s:
        (flag,) = s.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == payment_links.REFUND_KIND))
        text = render(s, flag)[0].text
        assert "₹50.00 of it was due" in text and "refund ₹200.00" in text


# --- sync, and the operator's commands --------------------------------------------------


def _cli(shop: Shop, config, *args: str):  # noqa: ANN001, ANN202
    env = {"DATABASE_URL": config.database_url, "ORDERBOT_INSTANCE_DIR": str(config.instance_dir),
           "ORDERBOT_SECRET_KEY": "test-secret-key", "RAZORPAY_API_BASE_URL": shop.fake.url}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_sync_records_what_a_missed_webhook_would_have(shop: Shop, server: str, config) -> None:
    shop.chat().text("AK-1001")
    link = shop.fake.only_link()["id"]
    payment = shop.fake.pay(link)  # …and the webhook never came
    done = _cli(shop, config, "payments", "sync", "AK", "--since", "4w")
    assert done.exit_code == 0, done.output
    assert "1 links looked at, 1 payments recorded" in done.output
    again = _cli(shop, config, "payments", "sync", "AK", "--since", "4w")
    assert "0 payments recorded, 0 flagged for a refund, 1 already recorded" in again.output
    late = _post(server, "AK", shop.fake.webhook_body(link, payment))
    assert late.json()["result"] == "duplicate"
    (paid,) = _payments(shop)
    assert (paid.reference, paid.recorded_via) == (payment["id"], "sync")
    assert shop.order().payment_status == "paid"
    assert _cli(shop, config, "payments", "sync", "AK", "--since", "soon").exit_code == 2


def test_sync_cancels_a_link_whose_cancel_failed(shop: Shop, config) -> None:
    chat = shop.chat()
    chat.text("AK-1001")
    old = shop.fake.only_link()["id"]
    shop.fake.fail_next("cancel", 400)
    with unit_of_work(shop.runtime.sessions) as s:
        orders.record_payment(s, order_by_number(s, "AK-1001"), 5000, "cash")
    assert "₹200.00 now" in _pay_now(chat.text("AK-1001"))
    assert shop.count(PaymentLink, PaymentLink.status == "stale") == 1
    assert shop.fake.links[old]["status"] == "created"
    assert _cli(shop, config, "payments", "sync", "AK", "--since", "4w").exit_code == 0
    assert shop.fake.links[old]["status"] == "cancelled"
    assert shop.count(PaymentLink, PaymentLink.status == "stale") == 0


def test_secrets_never_printed_or_logged(shop: Shop, server: str, config, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    done = _cli(shop, config, "business", "edit", "AK", "--razorpay-key-id", KEY_ID,
                "--razorpay-key-secret", KEY_SECRET, "--razorpay-webhook-secret", HOOK_SECRET,
                "--payment-links", "on")
    assert done.exit_code == 0, done.output
    shown = _cli(shop, config, "business", "show", "AK").output
    assert f"Razorpay key id:      {KEY_ID}" in shown and "Payment links:        on" in shown
    assert "Razorpay key secret:  •••••••• (set)" in shown
    bad = _cli(shop, config, "business", "edit", "AK", "--razorpay-key-secret", "has space in")
    assert bad.exit_code == 2 and "has space in" not in bad.output
    shop.chat().text("AK-1001")
    link = shop.fake.only_link()["id"]
    _post(server, "AK", shop.fake.webhook_body(link, shop.fake.pay(link)))
    _post(server, "AK", b"{}", secret="wrong")
    for secret in (KEY_SECRET, HOOK_SECRET):
        assert secret not in done.output + shown + bad.output
        assert secret not in caplog.text
    assert "payment link" in caplog.text  # the log did speak


def test_links_need_all_three_keys(shop: Shop) -> None:
    with unit_of_work(shop.runtime.sessions) as s:
        businesses.create_business(s, {"name": "Bina's Bakes", "code": "BB"})
    with pytest.raises(Exception, match="payment_links"), unit_of_work(shop.runtime.sessions) as s:
        payment_links.configure(s, "BB", key_id=KEY_ID, key_secret=KEY_SECRET)


# --- issue 20's "done when" -------------------------------------------------------------


def test_done_when_terminal_chat_and_two_signed_webhooks(
    shop: Shop, server: str, config, database_url, tmp_path, monkeypatch
) -> None:
    with unit_of_work(shop.runtime.sessions) as s:
        payment_links.configure(s, "AK", links="off", key_id="", key_secret="", webhook_secret="")
    edit = _cli(shop, config, "business", "edit", "AK", "--razorpay-key-id", KEY_ID,
                "--razorpay-key-secret", KEY_SECRET, "--razorpay-webhook-secret", HOOK_SECRET)
    assert edit.exit_code == 0 and "Payment links:        upi" in edit.output
    monkeypatch.setenv("RAZORPAY_API_BASE_URL", shop.fake.url)
    seen = _run_chat(database_url, tmp_path, "AK-1001\n", "--phone", CUSTOMER)
    assert seen.returncode == 0, seen.stderr
    link = shop.fake.only_link()
    assert f"Pay ₹250.00 now: {link['short_url']}" in seen.stdout
    assert link["short_url"].startswith(shop.fake.url)
    body = shop.fake.webhook_body(link["id"], shop.fake.pay(link["id"]))
    assert [_post(server, "AK", body).json()["result"] for _ in range(2)] == [
        "recorded", "duplicate"]
    order = shop.order()
    assert (order.payment_status, order.due_minor) == ("paid", 0)
    assert len(_payments(shop)) == 1
    (event,) = _payment_events(shop)
    _told_once(shop, event)
    after = _run_chat(database_url, tmp_path, "", "--phone", CUSTOMER)
    assert after.stdout.count("AK-1001") >= 1 and "Paid in full" in after.stdout
    asha = _run_chat(database_url, tmp_path, "", "--vendor", ASHA)
    assert asha.stdout.count("Razorpay recorded ₹250.00") == 1


def test_a_link_made_whose_answer_was_lost_does_not_block_the_next(shop: Shop) -> None:
    """Razorpay made "AK-1001" but the answer never came (a timeout): the reference is
    taken, so the next view makes its link under another one."""
    shop.fake.links["plink_lost000000001"] = {"id": "plink_lost000000001",
                                              "reference_id": "AK-1001", "status": "created"}
    line = _pay_now(shop.chat().text("AK-1001"))
    (made,) = [link for link in shop.fake.links.values() if link["id"] != "plink_lost000000001"]
    assert line == f"⚡ Pay ₹250.00 now: {made['short_url']}"
    assert made["reference_id"].startswith("AK-1001.")


def test_two_views_at_once_make_one_link(shop: Shop) -> None:
    chats = iter([shop.chat(), ChatDriver(shop.runtime, address="stranger", phone=None)])
    lock = threading.Lock()

    def view() -> str | None:
        with lock:
            chat = next(chats)
        return _pay_now(chat.text("AK-1001"))

    first, second = _at_once(2, view)
    assert first == second is not None
    assert len(shop.fake.calls_of("create")) == 1


def test_secret_asked_for_without_echo(shop: Shop, config) -> None:
    env = {"DATABASE_URL": config.database_url, "ORDERBOT_INSTANCE_DIR": str(config.instance_dir),
           "ORDERBOT_SECRET_KEY": "test-secret-key"}
    done = CliRunner().invoke(main, ["business", "edit", "AK", "--razorpay-webhook-secret", "-"],
                              input="typed-hook-secret\n", env=env)
    assert done.exit_code == 0, done.output
    assert "typed-hook-secret" not in done.output
    with unit_of_work(shop.runtime.sessions) as s:
        assert payment_links.account_of(s, shop.order().business_id).webhook_secret == (
            "typed-hook-secret")


def test_payment_on_an_order_already_paid_is_flagged(shop: Shop, server: str) -> None:
    shop.chat().text("AK-1001")
    link = shop.fake.only_link()["id"]
    with unit_of_work(shop.runtime.sessions) as s:
        orders.record_payment(s, order_by_number(s, "AK-1001"), 25000, "cash")
    body = shop.fake.webhook_body(link, shop.fake.pay(link))
    assert _post(server, "AK", body).json()["result"] == "flagged"
    with unit_of_work(shop.runtime.sessions) as s:
        (flag,) = s.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == payment_links.REFUND_KIND))
        text = render(s, flag)[0].text
        assert "already paid in full" in text and "refund ₹250.00" in text
    assert shop.order().paid_minor == 40000
