"""The operator's set-up through the real `orderbot` command: businesses and staff."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from select import select as wait_readable

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from bot.cli import main
from store.db import unit_of_work
from store.models import Business, OutboxMessage, Staff
from store.outbox import enqueue
from store.queries import business_by_code, staff_for_phone

MEERA = ["--name", "Meera's Bakes", "--code", "MB", "--phone", "+91 98000 00011",
         "--email", "hello@meerasbakes.example", "--upi-id", "meerasbakes@okaxis",
         "--upi-payee", "Meera Bakes", "--bank-account-name", "Meera Iyer",
         "--bank-account-number", "50100 1234 5678", "--ifsc", "hdfc0001234",
         "--bank-name", "HDFC Bank", "--methods", "upi,cash,bank",
         "--payment-note", "Cash at pickup", "--language", "hi"]


@pytest.fixture
def orderbot(runtime, database_url, tmp_path):
    """Run `orderbot ARGS…` against the test database; returns click's result."""

    def run(*args: str, input: str | None = None) -> Result:
        env = {"DATABASE_URL": database_url, "ORDERBOT_INSTANCE_DIR": str(tmp_path)}
        return CliRunner().invoke(main, list(args), input=input, env=env)

    return run


def business(runtime, code: str = "MB") -> Business | None:
    with unit_of_work(runtime.sessions) as session:
        return business_by_code(session, code)


def count(runtime, model) -> int:
    with unit_of_work(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_business_add_with_every_field_as_an_option(orderbot, runtime) -> None:
    result = orderbot("business", "add", *MEERA, "--currency", "inr")
    assert result.exit_code == 0, result.output
    assert "Created business MB (Meera's Bakes)" in result.stdout
    made = business(runtime)
    assert (made.name, made.currency, made.timezone, made.country) == (
        "Meera's Bakes", "INR", "Asia/Kolkata", "IN")
    assert made.contact_phone == "+919800000011" and made.default_locale == "hi"
    assert (made.upi_id, made.upi_payee_name) == ("meerasbakes@okaxis", "Meera Bakes")
    assert (made.bank_account_number, made.bank_ifsc) == ("5010012345678", "HDFC0001234")
    assert made.accepted_methods == ["upi", "cash", "bank"]
    assert made.payment_note == "Cash at pickup"


def test_business_list_show_and_edit(orderbot, runtime) -> None:
    orderbot("business", "add", *MEERA)
    orderbot("business", "add", "--name", "Sweet Crumbs", "--code", "SC", "--currency", "USD",
             "--timezone", "America/New_York", "--country", "US")
    listed = orderbot("business", "list").stdout.splitlines()
    assert listed[0].startswith("MB") and "Meera's Bakes" in listed[0]
    assert listed[1].startswith("SC") and "USD" in listed[1] and "America/New_York" in listed[1]
    shown = orderbot("business", "show", "mb")
    assert shown.exit_code == 0
    assert "UPI ID:" in shown.stdout and "meerasbakes@okaxis" in shown.stdout
    assert "HDFC0001234" in shown.stdout and "upi, cash, bank" in shown.stdout

    edited = orderbot("business", "edit", "MB", "--upi-id", "meera@ybl", "--timezone",
                      "Asia/Dubai", "--payment-note", "")
    assert edited.exit_code == 0, edited.output
    made = business(runtime)
    assert (made.upi_id, made.timezone, made.payment_note) == ("meera@ybl", "Asia/Dubai", None)
    assert made.name == "Meera's Bakes"  # what was not named stays


def test_business_edit_needs_something_to_change_and_keeps_the_code(orderbot) -> None:
    orderbot("business", "add", *MEERA)
    nothing = orderbot("business", "edit", "MB")
    assert nothing.exit_code == 2 and "nothing to change" in nothing.stderr
    unknown = orderbot("business", "edit", "ZZ", "--name", "X")
    assert unknown.exit_code == 2 and "no business with code ZZ" in unknown.stderr
    assert "--code" not in orderbot("business", "edit", "--help").stdout


@pytest.mark.parametrize("option, value, message", [
    ("--currency", "RUPEES", "'RUPEES' is not a currency code"),
    ("--timezone", "India/Mumbai", "'India/Mumbai' is not a time zone"),
    ("--timezone", "/etc/passwd", "is not a time zone"),
    ("--phone", "98000", "'98000' is not a valid phone number"),
    ("--upi-id", "meerasbakes", "'meerasbakes' is not a UPI ID"),
    ("--upi-id", "meera bakes@ok axis", "is not a UPI ID"),
    ("--ifsc", "HDFC1234567", "'HDFC1234567' is not an IFSC"),
    ("--code", "M", "'M' is not a business code"),
    ("--code", "MEERASB", "is not a business code"),
    ("--code", "PAY", "is a word customers type"),
    ("--country", "XX", "'XX' is not a country code"),
    ("--language", "fr", "'fr' is not a language"),
    ("--methods", "upi,cheque", "'cheque' is not a payment method"),
    ("--email", "meera-at-example", "is not an email address"),
])
def test_every_bad_value_is_refused_clearly_and_nothing_is_saved(
    orderbot, runtime, option, value, message
) -> None:
    args = dict(zip(MEERA[::2], MEERA[1::2], strict=True))
    args[option] = value
    result = orderbot("business", "add", *[x for pair in args.items() for x in pair])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert count(runtime, Business) == 0


def test_every_bad_value_is_named_at_once(orderbot) -> None:
    result = orderbot("business", "add", "--name", "X", "--code", "X1", "--currency", "ABC",
                      "--ifsc", "nope")
    assert result.exit_code == 2
    for fragment in ["'X1' is not a business code", "'ABC' is not a currency", "'nope' is not"]:
        assert fragment in result.stderr


def test_a_method_needs_its_details(orderbot, runtime) -> None:
    upi = orderbot("business", "add", "--name", "X", "--code", "XB", "--methods", "upi,cash")
    assert upi.exit_code == 2 and "there is no UPI ID" in upi.stderr
    orderbot("business", "add", "--name", "X", "--code", "XB")
    bank = orderbot("business", "edit", "XB", "--methods", "bank")
    assert bank.exit_code == 2 and "account number or IFSC is missing" in bank.stderr
    assert business(runtime, "XB").accepted_methods == ["cash"]  # nothing half-saved


def test_a_code_is_unique(orderbot, runtime) -> None:
    assert orderbot("business", "add", *MEERA).exit_code == 0
    again = orderbot("business", "add", "--name", "Other", "--code", "mb")
    assert again.exit_code == 2 and "a business with code MB already exists" in again.stderr
    assert count(runtime, Business) == 1


def test_a_script_must_give_name_and_code(orderbot, runtime) -> None:
    result = orderbot("business", "add", "--name", "Meera's Bakes")
    assert result.exit_code == 2 and "--code missing" in result.stderr
    assert count(runtime, Business) == 0


def test_in_a_terminal_add_asks_for_each_field_until_it_is_valid(
    orderbot, runtime, monkeypatch
) -> None:
    monkeypatch.setattr("bot.cli.operator.interactive", lambda: True)
    answers = [
        "Meera's Bakes",  # name
        "M1", "MB",  # code: refused, then good
        "", "Asia/Kolkatta", "",  # currency default; a misspelt zone, then the default
        "", "",  # country, language: defaults
        "98000 00011",  # contact phone, local form
        "", "",  # email, address: skipped
        "meerasbakes", "meerasbakes@okaxis",  # UPI ID: refused, then good
        "",  # payee: the name
        "", "", "", "",  # no bank
        "",  # methods: upi,cash from what was given
        "Cash at pickup",
    ]
    result = orderbot("business", "add", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "'M1' is not a business code" in result.output
    assert "'Asia/Kolkatta' is not a time zone" in result.output
    assert "'meerasbakes' is not a UPI ID" in result.output
    made = business(runtime)
    assert (made.name, made.timezone, made.contact_phone) == (
        "Meera's Bakes", "Asia/Kolkata", "+919800000011")
    assert (made.upi_id, made.upi_payee_name) == ("meerasbakes@okaxis", "Meera's Bakes")
    assert made.accepted_methods == ["upi", "cash"] and made.bank_account_number is None


def test_staff_add_list_and_remove(orderbot, runtime) -> None:
    orderbot("business", "add", *MEERA)
    added = orderbot("staff", "add", "MB", "98000 00012", "--name", "Asha")
    assert added.exit_code == 0, added.output
    assert "Asha (+91 98000 00012) is now staff of MB" in added.stdout
    again = orderbot("staff", "add", "MB", "+919800000012", "--name", "Asha")
    assert again.exit_code == 2 and "already a staff member" in again.stderr
    assert "+919800000012" in orderbot("staff", "list", "MB").stdout

    removed = orderbot("staff", "remove", "MB", "+91 98000 00012")
    assert removed.exit_code == 0 and "no longer staff of MB" in removed.stdout
    assert "(removed)" in orderbot("staff", "list", "MB").stdout
    with unit_of_work(runtime.sessions) as session:
        assert staff_for_phone(session, "+919800000012") == []
        kept = session.scalars(select(Staff).where(Staff.phone == "+919800000012")).one()
        assert kept.active is False and kept.name == "Asha"  # the row stays
    twice = orderbot("staff", "remove", "MB", "+919800000012")
    assert twice.exit_code == 2 and "not an active staff member of MB" in twice.stderr

    back = orderbot("staff", "add", "MB", "+919800000012", "--name", "Asha R")
    assert back.exit_code == 0 and count(runtime, Staff) == 1


def test_staff_values_are_checked(orderbot) -> None:
    orderbot("business", "add", *MEERA)
    bad_phone = orderbot("staff", "add", "MB", "12345", "--name", "Asha")
    assert bad_phone.exit_code == 2 and "'12345' is not a valid phone number" in bad_phone.stderr
    no_business = orderbot("staff", "add", "ZZ", "+919800000012", "--name", "Asha")
    assert no_business.exit_code == 2 and "no business with code ZZ" in no_business.stderr
    no_name = orderbot("staff", "add", "MB", "+919800000012")
    assert no_name.exit_code == 2 and "--name" in no_name.stderr


def test_a_removed_member_gets_no_prompt_still_waiting(orderbot, runtime) -> None:
    orderbot("business", "add", *MEERA)
    orderbot("staff", "add", "MB", "+919800000012", "--name", "Asha")
    with unit_of_work(runtime.sessions) as session:
        asha = session.scalars(select(Staff).where(Staff.phone == "+919800000012")).one()
        for key, payload in [("prompt", {"proof_id": 1, "staff_id": asha.id}),
                             ("customer notice", {"order_id": 1})]:
            enqueue(session, channel="whatsapp", address="whatsapp:+919800000012",
                    kind="test", payload=payload, key=key)
    orderbot("staff", "remove", "MB", "+919800000012")
    with unit_of_work(runtime.sessions) as session:
        status = dict(session.execute(select(OutboxMessage.idempotency_key,
                                             OutboxMessage.status)).all())
    assert status == {"prompt": "failed", "customer notice": "pending"}


def _in_a_terminal(args: list[str], answers: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run `orderbot ARGS` with a real pseudo-terminal as its stdin and stdout."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "bot", *args], stdin=slave, stdout=slave,
                            stderr=slave, env={**os.environ, **env}, close_fds=True)
    os.close(slave)
    out = b""
    try:
        os.write(master, ("\n".join(answers) + "\n").encode())
        while wait_readable([master], [], [], 60)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed: the command is done
                break
            if not chunk:
                break
            out += chunk
        return proc.wait(timeout=60), out.decode()
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_real_terminal_is_asked_and_a_pipe_is_not(runtime, database_url, tmp_path) -> None:
    env = {"DATABASE_URL": database_url, "ORDERBOT_INSTANCE_DIR": str(tmp_path)}
    piped = subprocess.run([sys.executable, "-m", "bot", "business", "add"], input="MB\n",
                           capture_output=True, text=True, env={**os.environ, **env},
                           timeout=60)
    assert piped.returncode == 2 and "--name and --code missing" in piped.stderr
    answers = ["Meera's Bakes", "MB", "", "", "", "", "98000 00011", "", "",
               "meerasbakes@okaxis", "", "", "", "", "", "", ""]
    code, out = _in_a_terminal(["business", "add"], answers, env)
    assert code == 0, out
    assert "Time zone [Asia/Kolkata]:" in out and "Accepted methods [upi,cash]:" in out
    made = business(runtime)
    assert (made.code, made.contact_phone, made.upi_id) == ("MB", "+919800000011",
                                                           "meerasbakes@okaxis")


def test_a_removed_member_is_a_customer_again_in_the_chat(orderbot, demo) -> None:
    from support import ChatDriver

    asha = ChatDriver(demo, address="+919800000001", phone="+919800000001")
    assert "signed in as staff" in asha.text("hi")
    assert orderbot("staff", "remove", "AK", "+919800000001").exit_code == 0
    answer = asha.text("hi")
    assert "signed in as staff" not in answer and "order number" in answer


def test_prune_removes_what_is_past_keeping(orderbot, runtime) -> None:
    from datetime import UTC, datetime, timedelta

    from store.models import InboundDelivery

    with unit_of_work(runtime.sessions) as session:
        session.add(InboundDelivery(channel="telegram", delivery_id="1",
                                    created_at=datetime.now(UTC) - timedelta(days=9)))
    result = orderbot("prune")
    assert result.exit_code == 0, result.output
    assert "inbound_deliveries: 1 removed" in result.output
    assert count(runtime, InboundDelivery) == 0
