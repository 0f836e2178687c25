"""The paywall when capturing a payment fails after the work: the answer is kept, the
payer is told to send the same credential again (``503`` with ``Retry-After``), and
that retry captures the charge once and gets the answer; a hold that lapsed asks for
a new payment. Money never moves twice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from syftbox_accounting import AccountingClient, Budget, receipt_of
from syftbox_accounting.server import BackgroundService
from syftbox_accounting.testing.harness import AccountingTestService
from tests.http402.conftest import PAID_URL, PRICE, PaidService, balances, pending
from tests.http402.test_paywall import PROBLEMS, _credential, _http, _problem

pytestmark = pytest.mark.accounting_service(mode="in-process")


@pytest.fixture
def payer(accounting_service: AccountingTestService) -> AccountingClient:
    return accounting_service.create_account(balance=2)


def _settle_later(answer: httpx.Response) -> None:
    assert answer.status_code == 503
    assert answer.headers["retry-after"].isdigit()
    assert answer.headers["cache-control"] == "no-store"
    assert "payment-receipt" not in answer.headers
    problem = answer.json()
    assert problem["type"] == PROBLEMS + "internal-payment-error"
    assert "same credential" in problem["detail"]
    assert "nothing more is charged" in problem["detail"]


@pytest.mark.anyio
@pytest.mark.parametrize("times", [1, 3])
async def test_a_capture_that_failed_is_made_when_the_credential_comes_again(
    accounting_service: AccountingTestService,
    payer: AccountingClient,
    fragile: PaidService,
    times: int,
) -> None:
    # Each attempt confirms twice with its key (the outcome of a 503 is unknown).
    accounting_service.faults.status("confirmTransaction", 503, times=2 * times)
    async with _http(fragile.app) as http:
        credential, _ = await _credential(http, payer)
        headers = {"Authorization": credential}
        for _ in range(times):
            _settle_later(await http.post("/summarize", json={"text": "x"}, headers=headers))
        answer = await http.post("/summarize", json={"text": "x"}, headers=headers)
        again = await http.post("/summarize", json={"text": "x"}, headers=headers)
    assert answer.status_code == 200
    assert answer.json() == {"summary": "x"}
    assert "payment-receipt" in answer.headers
    assert again.content == answer.content  # kept for replays, as any paid answer
    assert fragile.runs["summarize"] == 1  # the work was not done again
    assert balances(payer, fragile.accounting) == [Decimal("1.75"), PRICE]
    assert pending(fragile.accounting) == []


@pytest.mark.anyio
async def test_a_capture_whose_answer_was_lost_is_not_made_twice(
    accounting_service: AccountingTestService, payer: AccountingClient, fragile: PaidService
) -> None:
    # The capture lands at the accounting service, and its answer is lost twice (the
    # retry with the same key too): the paywall cannot know that it landed.
    lost = accounting_service.faults.lose_answer("confirmTransaction", times=2)
    async with _http(fragile.app) as http:
        credential, _ = await _credential(http, payer)
        headers = {"Authorization": credential}
        _settle_later(await http.post("/summarize", json={"text": "x"}, headers=headers))
        answer = await http.post("/summarize", json={"text": "x"}, headers=headers)
    assert lost.hits == 2
    assert answer.status_code == 200
    assert "payment-receipt" in answer.headers
    assert balances(payer, fragile.accounting) == [Decimal("1.75"), PRICE]


@pytest.mark.anyio
async def test_a_hold_that_lapsed_before_the_capture_asks_for_a_new_payment(
    accounting_service: AccountingTestService, payer: AccountingClient, fragile: PaidService
) -> None:
    accounting_service.faults.error("confirmTransaction", "hold_expired")
    async with _http(fragile.app) as http:
        credential, _ = await _credential(http, payer)
        headers = {"Authorization": credential}
        answer = await http.post("/summarize", json={"text": "x"}, headers=headers)
        again = await http.post("/summarize", json={"text": "x"}, headers=headers)
    problem = _problem(answer, "payment-expired", charged="0")
    assert "nothing was charged" in problem["detail"]
    assert "pay the new challenge" in problem["detail"]
    _problem(again, "invalid-challenge", charged="0")


@pytest.mark.anyio
async def test_a_paying_client_gets_the_answer_by_sending_the_request_again(
    accounting_service: AccountingTestService,
    payer: AccountingClient,
    fragile: PaidService,
    minted: Any,
) -> None:
    accounting_service.faults.status("confirmTransaction", 503, times=2)
    tokens = minted(payer)
    budget = Budget(per_day=1)
    async with payer.paying_http_client_async(
        budget=budget, transport=httpx.ASGITransport(app=fragile.app), base_url=PAID_URL
    ) as http:
        first = await http.post("/summarize", json={"text": "x"})
        second = await http.post("/summarize", json={"text": "x"})
    _settle_later(first)
    assert second.status_code == 200
    receipt = receipt_of(second)
    assert receipt is not None
    assert receipt.amount == PRICE
    assert len(tokens.calls) == 1  # one payment
    assert budget.spent() == PRICE
    assert balances(payer) == [Decimal("1.75")]


def test_a_sync_paying_client_gets_the_answer_by_sending_the_request_again(
    accounting_service: AccountingTestService, payer: AccountingClient, fragile: PaidService
) -> None:
    accounting_service.faults.status("confirmTransaction", 503, times=2)
    budget = Budget(per_day=1)
    with (
        BackgroundService(app=fragile.app) as running,
        payer.paying_http_client(budget=budget, base_url=running.url) as http,
    ):
        first = http.post("/summarize", json={"text": "x"})
        second = http.post("/summarize", json={"text": "x"})
    _settle_later(first)
    assert second.status_code == 200
    assert budget.spent() == PRICE
    assert fragile.runs["summarize"] == 1
    assert balances(payer) == [Decimal("1.75")]


@pytest.mark.anyio
@pytest.mark.parametrize("operator", ["confirm", "cancel"])
async def test_a_charge_the_operator_settled_meanwhile_is_taken_as_settled(
    accounting_service: AccountingTestService,
    payer: AccountingClient,
    fragile: PaidService,
    operator: str,
) -> None:
    # The log tells the operator to confirm (or cancel) the pending charge by hand;
    # the credential that comes again then gets the answer (or a fresh challenge),
    # not a 503 for as long as the paywall remembers it.
    accounting_service.faults.status("confirmTransaction", 503, times=2)
    async with _http(fragile.app) as http:
        credential, _ = await _credential(http, payer)
        headers = {"Authorization": credential}
        _settle_later(await http.post("/summarize", json={"text": "x"}, headers=headers))
        (held,) = pending(fragile.accounting)
        if operator == "confirm":
            fragile.accounting.confirm_transaction(held.id)
        else:
            fragile.accounting.cancel_transaction(held.id)
        answer = await http.post("/summarize", json={"text": "x"}, headers=headers)
    if operator == "confirm":
        assert answer.status_code == 200
        assert answer.json() == {"summary": "x"}
        assert balances(payer, fragile.accounting) == [Decimal("1.75"), PRICE]
    else:
        problem = _problem(answer, "payment-expired", charged="0")
        assert "nothing was charged" in problem["detail"]
        assert balances(payer, fragile.accounting) == [2, 0]
    assert fragile.runs["summarize"] == 1
