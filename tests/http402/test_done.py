"""The issue's "done means", each as a test: an agent with a budget pays a service over
HTTP 402 exactly once, or not at all; a per-token service captures what the work cost;
a failing handler moves no money and leaves no hold open."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from syftbox_accounting import Budget, BudgetExceededError, receipt_of
from syftbox_accounting.testing.harness import AccountingTestService
from tests.http402.conftest import (
    PRICE,
    AsyncLoseFirstPaidAnswer,
    LoseFirstPaidAnswer,
    PaidService,
    asgi,
    balances,
    pending,
)

pytestmark = pytest.mark.accounting_service(mode="in-process")


# -- a $0.10 per-call budget, a $0.25 service: refused before any token exists


def _refused_before_any_token(
    refused: pytest.ExceptionInfo[BudgetExceededError], budget: Budget, tokens: Any
) -> None:
    error = refused.value
    assert (error.limit, error.limit_amount, error.amount) == (
        "per_call",
        Decimal("0.10"),
        PRICE,
    )
    assert error.spent == 0
    assert "per_call limit of $0.10" in str(error)
    assert "no token was made" in str(error)
    assert tokens.calls == []  # refused before any token existed
    assert budget.entries == ()


def test_a_small_per_call_budget_refuses_a_dearer_service_sync(
    accounting_service: AccountingTestService, served: PaidService, minted: Any
) -> None:
    agent = accounting_service.create_account(balance=1)
    tokens = minted(agent)
    budget = Budget(per_call="0.10")
    with (
        agent.paying_http_client(budget=budget, base_url=served.url) as http,
        pytest.raises(BudgetExceededError) as refused,
    ):
        http.post("/summarize", json={"text": "hello"})
    _refused_before_any_token(refused, budget, tokens)
    assert balances(agent, served.accounting) == [1, 0]  # nothing moved
    assert served.runs["summarize"] == 0


@pytest.mark.anyio
async def test_a_small_per_call_budget_refuses_a_dearer_service_async(
    accounting_service: AccountingTestService, service: PaidService, minted: Any
) -> None:
    agent = accounting_service.create_account(balance=1)
    tokens = minted(agent)
    budget = Budget(per_call="0.10")
    async with agent.paying_http_client_async(
        budget=budget, transport=asgi(service), base_url=service.url
    ) as http:
        with pytest.raises(BudgetExceededError) as refused:
            await http.post("/summarize", json={"text": "hello"})
    _refused_before_any_token(refused, budget, tokens)
    assert balances(agent, service.accounting) == [1, 0]
    assert service.runs["summarize"] == 0


# -- a $1 budget: paid exactly once, even when the paid answer is lost and retried


def _paid_once(answer: httpx.Response, lost: Any, budget: Budget, tokens: Any) -> None:
    assert answer.status_code == 200
    assert answer.json() == {"summary": "hello worl"}
    receipt = receipt_of(answer)
    assert receipt is not None
    assert (receipt.amount, receipt.max_amount, receipt.intent) == (PRICE, PRICE, "charge")
    assert lost.lost == 1
    assert len(tokens.calls) == 1  # one token for one challenge
    assert len(set(lost.credentials)) == 1  # the retry carried the same credential
    assert len(lost.credentials) == 2
    assert budget.spent() == PRICE
    assert [e.paid for e in budget.entries] == [True]


def test_a_lost_paid_answer_retried_pays_once_sync(
    accounting_service: AccountingTestService, served: PaidService, minted: Any
) -> None:
    agent = accounting_service.create_account(balance=1)
    tokens = minted(agent)
    budget = Budget(per_call=1)
    network = LoseFirstPaidAnswer(httpx.HTTPTransport())
    with agent.paying_http_client(budget=budget, transport=network, base_url=served.url) as http:
        with pytest.raises(httpx.RemoteProtocolError) as dropped:
            http.post("/summarize", json={"text": "hello world"})
        assert "sends the same credential" in "\n".join(dropped.value.__notes__)
        answer = http.post("/summarize", json={"text": "hello world"})  # the caller retries
    _paid_once(answer, network, budget, tokens)
    assert balances(agent, served.accounting) == [Decimal("0.75"), PRICE]
    assert served.runs["summarize"] == 1  # the retry got the first answer again


@pytest.mark.anyio
async def test_a_lost_paid_answer_retried_pays_once_async(
    accounting_service: AccountingTestService, service: PaidService, minted: Any
) -> None:
    agent = accounting_service.create_account(balance=1)
    tokens = minted(agent)
    budget = Budget(per_call=1)
    network = AsyncLoseFirstPaidAnswer(asgi(service))
    async with agent.paying_http_client_async(
        budget=budget, transport=network, base_url=service.url
    ) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("/summarize", json={"text": "hello world"})
        answer = await http.post("/summarize", json={"text": "hello world"})
    _paid_once(answer, network, budget, tokens)
    assert balances(agent, service.accounting) == [Decimal("0.75"), PRICE]
    assert service.runs["summarize"] == 1


# -- a per-token service holds $0.50, captures $0.137: the payer pays exactly $0.137


@pytest.mark.anyio
async def test_a_per_token_service_captures_what_the_work_cost(
    accounting_service: AccountingTestService, service: PaidService
) -> None:
    agent = accounting_service.create_account(balance=1)
    budget = Budget(per_call=1)
    async with agent.paying_http_client_async(
        budget=budget, transport=asgi(service), base_url=service.url
    ) as http:
        answer = await http.post("/generate", json={"tokens": 137_000})
    assert answer.status_code == 200
    receipt = receipt_of(answer)
    assert receipt is not None
    assert (receipt.amount, receipt.max_amount, receipt.intent) == (
        Decimal("0.137"),
        Decimal("0.50"),
        "upto",
    )
    assert balances(agent, service.accounting) == [Decimal("0.863"), Decimal("0.137")]
    assert agent.get_account().available_balance == Decimal("0.863")  # nothing still held
    assert budget.spent() == Decimal("0.137")
    (charge,) = service.accounting.get_transaction_history()
    assert (charge.amount, charge.authorized_amount) == (Decimal("0.137"), Decimal("0.50"))


# -- a handler that raises: no money moved, no hold open


@pytest.mark.anyio
async def test_a_handler_that_raises_moves_nothing_and_holds_nothing(
    accounting_service: AccountingTestService, service: PaidService
) -> None:
    agent = accounting_service.create_account(balance=1)
    async with agent.paying_http_client_async(
        transport=asgi(service, raise_app_exceptions=False), base_url=service.url
    ) as http:
        answer = await http.post("/fail", json={})
    assert answer.status_code == 500
    assert receipt_of(answer) is None
    assert "payment-receipt" not in answer.headers
    assert service.runs["fail"] == 1
    assert balances(agent, service.accounting) == [1, 0]
    assert pending(agent) == []
    assert pending(service.accounting) == []
    (charge,) = service.accounting.get_transaction_history()
    assert charge.status.value == "CANCELLED"


def test_a_handler_that_raises_moves_nothing_and_holds_nothing_sync(
    accounting_service: AccountingTestService, served: PaidService
) -> None:
    agent = accounting_service.create_account(balance=1)
    with agent.paying_http_client(base_url=served.url) as http:
        answer = http.post("/fail", json={})
    assert answer.status_code == 500
    assert receipt_of(answer) is None
    assert balances(agent, served.accounting) == [1, 0]
    assert pending(agent) == []
    assert pending(served.accounting) == []
