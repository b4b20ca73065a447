"""Issue 16 point 11: a shop without staff makes no promises; the first staff member
added gets the proofs that waited."""

from __future__ import annotations

import pytest
from support import ChatDriver
from support.proofs import prompts, proofs
from test_operator import MEERA, orderbot  # noqa: F401 (a fixture)
from test_operator_import import csv_file
from test_proofs_chat import send


@pytest.fixture
def no_staff_shop(orderbot, runtime, tmp_path):  # noqa: F811
    added = orderbot("business", "add", *MEERA)
    assert added.exit_code == 0, added.output
    assert "Warning: MB has no staff, so nobody will be asked" in added.stdout
    assert "no staff" in orderbot("business", "show", "MB").stdout
    path = csv_file(tmp_path, "MB-0001,2026-10-02,Ravi,+919811111111,Cake,1,500.00,pending,")
    assert orderbot("orders", "import", "MB", path).exit_code == 0
    return orderbot


@pytest.mark.parametrize("lang, says, promise", [
    ("en", "Nobody at Meera's Bakes can check it here yet", "will check it"),
    ("hi", "Meera's Bakes में अभी यहाँ इसे जाँचने वाला कोई नहीं है", "जाँचेगा"),
])
def test_a_proof_to_a_shop_without_staff_is_told_to_contact_it(no_staff_shop, runtime, lang,
                                                              says, promise) -> None:
    customer = ChatDriver(runtime, lang=lang)
    customer.say("MB-0001")
    answer = send(customer, "paid 250")
    assert says in answer and "+91 98000 00011" in answer and promise not in answer
    assert [p.status for p in proofs(runtime)] == ["pending"] and not prompts(runtime)


def test_the_first_staff_member_added_gets_the_waiting_proofs(no_staff_shop, runtime) -> None:
    customer = ChatDriver(runtime)
    customer.say("MB-0001")
    send(customer, "paid 250")
    added = no_staff_shop("staff", "add", "MB", "+919800000031", "--name", "Meera")
    assert added.exit_code == 0, added.output
    assert "went to them for review: 1 queued" in added.stdout
    [prompt] = prompts(runtime)
    assert prompt.address == "+919800000031" and prompt.payload["proof_id"] == proofs(runtime)[0].id
    assert "no staff" not in no_staff_shop("business", "show", "MB").stdout
    second = no_staff_shop("staff", "add", "MB", "+919800000032", "--name", "Ravi")
    assert "1 queued" in second.stdout  # the colleague is asked too; Meera is not asked twice
    assert len(prompts(runtime)) == 2
    assert "will check it" in send(customer, "paid 100")
